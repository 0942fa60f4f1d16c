"""Group comparisons: per-group frequency tables, their test of independence, and the
difference of two independent proportions (one group against another, one wave against the
next, providers against supporters).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from scoring.independence import IndependenceTest, TestMethod, independence_test
from scoring.proportions import (
    Choices,
    FrequencyTable,
    Proportion,
    as_asked,
    check_confidence,
    frequencies,
    wilson,
)


@dataclass(frozen=True)
class GroupedFrequencies:
    """One question by group.

    ``tables`` maps each group's label to its :class:`FrequencyTable` (each group's own asked
    respondents as base); ``long`` stacks them (columns ``group``, ``code``, then the table's
    columns and the group's ``denominator``), ready for :func:`scoring.small_cells.suppress`;
    ``counts`` is the code x group count table the ``test`` was run on. ``n_no_group`` counts
    respondents asked whose group is missing: they are in no table.
    """

    tables: Mapping[str, FrequencyTable]
    long: pd.DataFrame
    counts: pd.DataFrame
    test: IndependenceTest
    n_no_group: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


@dataclass(frozen=True)
class ProportionDifference:
    """p1 - p2 with its Newcombe hybrid score interval, and the two proportions."""

    value: float
    ci_low: float
    ci_high: float
    first: Proportion
    second: Proportion
    confidence: float = 0.95
    method: str = "newcombe hybrid score (method 10)"
    note: str = ""


def frequencies_by_group(
    answers: pd.Series,
    asked: pd.Series,
    groups: pd.Series,
    choices: Choices,
    *,
    missing: pd.Series | None = None,
    missing_labels: Mapping[str, str] | None = None,
    keep_missing: Collection[str] = (),
    confidence: float = 0.95,
    small_below: int = 5,
    test: TestMethod = "auto",
    n_resamples: int = 9999,
    seed: int = 20240601,
) -> GroupedFrequencies:
    """Frequency table of a single-choice question in each group, and their independence test.

    Formula: each group's table is :func:`scoring.proportions.frequencies` on that group's
    respondents (so each percent's base is the group's asked-and-answered respondents, kept
    missing codes included); the test is :func:`scoring.independence.independence_test` on the
    code x group counts (kept missing codes are rows, as they are categories of the table).
    Missing-data rule: as in ``frequencies`` within each group; a respondent asked but with a
    missing group is excluded from every table and counted in ``n_no_group``. Group order:
    the categories of a categorical ``groups``, otherwise sorted by label.
    Reference: R ``prop.table(table(answer, group), 2)`` for the percents; the test's references.
    """
    check_confidence(confidence)
    asked_b = as_asked(asked, answers.index)
    if not groups.index.equals(answers.index):
        raise ValueError("groups must have the same index as the answers")
    no_group = int((asked_b & groups.isna()).sum())
    order = group_order(groups)
    labels = [str(key) for key in order]
    if len(set(labels)) != len(labels):
        raise ValueError(f"group values must stay distinct as text, got {labels}")
    tables: dict[str, FrequencyTable] = {}
    for key in order:
        member = (groups == key).fillna(False).astype(bool)
        tables[str(key)] = frequencies(
            answers[member],
            asked_b[member],
            choices,
            missing=None if missing is None else missing[member],
            missing_labels=missing_labels,
            keep_missing=keep_missing,
            confidence=confidence,
            small_below=small_below,
        )
    if not tables:
        raise ValueError("groups has no values: there is nothing to compare")
    counts = pd.DataFrame({g: t.table["count"] for g, t in tables.items()})
    counts.columns.name = "group"
    long = pd.concat(
        [t.table.assign(denominator=t.denominator) for t in tables.values()],
        keys=list(tables),
        names=["group", "code"],
    ).reset_index()
    notes = [f"{no_group} respondent(s) asked had no group and are in no table"] if no_group else []
    return GroupedFrequencies(
        tables=tables,
        long=long,
        counts=counts,
        test=independence_test(counts, method=test, n_resamples=n_resamples, seed=seed),
        n_no_group=no_group,
        notes=tuple(notes),
    )


def difference_of_proportions(
    count1: int, n1: int, count2: int, n2: int, *, confidence: float = 0.95
) -> ProportionDifference:
    """Difference p1 - p2 of two independent proportions with the Newcombe hybrid score interval.

    Formula (Newcombe 1998, method 10), with (l_i, u_i) the Wilson limits of p_i:
    L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2),
    d = p1 - p2; computed by ``statsmodels.stats.proportion.confint_proportions_2indep(
    method="newcomb", compare="diff")``.
    Missing-data rule: the caller's counts (use each group's asked-and-answered base); an empty
    group gives NaN with a note. The samples must be independent: the same practices measured in
    two waves are paired and need McNemar's test instead.
    Reference: Newcombe RG (1998) Stat Med 17:873-890, Table II; R ``Epi::ci.pd``,
    ``DescTools::BinomDiffCI(method = "score")``.
    """
    check_confidence(confidence)
    first, second = wilson(count1, n1, confidence), wilson(count2, n2, confidence)
    if n1 == 0 or n2 == 0:
        nan = float("nan")
        return ProportionDifference(
            nan, nan, nan, first, second, confidence, note="a group has no respondents"
        )
    low, high = confint_proportions_2indep(
        count1, n1, count2, n2, method="newcomb", compare="diff", alpha=1 - confidence
    )
    return ProportionDifference(
        value=first.value - second.value,
        ci_low=float(low),
        ci_high=float(high),
        first=first,
        second=second,
        confidence=confidence,
    )


def compare_option(
    first: FrequencyTable,
    second: FrequencyTable,
    codes: str | Collection[str],
    *,
    confidence: float = 0.95,
) -> ProportionDifference:
    """Share choosing ``codes`` (one code, or several pooled, e.g. a top-two box) in ``first``
    minus that share in ``second``, each over its own table's denominator.

    Formula and reference: :func:`difference_of_proportions` (Newcombe 1998, method 10).
    Missing-data rule: the tables' own denominators (asked, answered, kept missing codes).
    """
    wanted = [codes] if isinstance(codes, str) else [str(c) for c in codes]
    for table in (first, second):
        unknown = sorted(set(wanted) - set(table.table.index))
        if unknown:
            raise ValueError(f"codes {unknown} are not rows of the table {list(table.table.index)}")
    return difference_of_proportions(
        int(first.table.loc[wanted, "count"].sum()),
        first.denominator,
        int(second.table.loc[wanted, "count"].sum()),
        second.denominator,
        confidence=confidence,
    )


def group_order(groups: pd.Series) -> list[Hashable]:
    """The groups in reporting order: a categorical's categories (those with no member
    included), otherwise the labels present, sorted as text."""
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return list(groups.cat.categories)
    present = pd.unique(groups.dropna().to_numpy())
    return sorted(present, key=str)


def group_parts(groups: pd.Series | None, index: pd.Index) -> list[tuple[str, pd.Index]]:
    """(label, rows) per group with members among ``index``, in :func:`group_order`."""
    if groups is None:
        return []
    within = groups.loc[index]
    parts = [(str(label), within.index[within == label]) for label in group_order(within)]
    return [(label, rows) for label, rows in parts if len(rows)]
