"""Groups compared, question by question, as tidy rows (``group_by`` set, ``group`` blank).

Each question kind gets the comparison that fits it, its test named in ``note``:

* a single-choice question: a test of independence on the option-by-group counts (Pearson's
  chi-square, or Fisher's exact test when expected counts are small;
  :func:`scoring.independence.independence_test`): ``p_value``, ``chi_square``, ``cramers_v``;
* a rating (ordinal): as a number (below), its codes read as numbers: the rank test is the one
  that fits an ordinal answer, the Welch test compares the mean ratings;
* a check-all question, option by option: with two groups the difference of the percents of
  respondents (first group minus second, in points) with Newcombe's hybrid score interval, and
  for every number of groups a test of the option ticked or not across the groups;
* a number or a scale score: Welch's t test (two groups) or Welch's one-way ANOVA (more), with
  the mean difference and Hedges' g or the share of variance, and the rank test beside it as
  ``rank_p_value``.

Every ``p_value`` row is one test of the family that ``Options.adjust`` adjusts.
"""

from __future__ import annotations

import math
from typing import Unpack

import pandas as pd

from instruments.model import Field
from scoring.decode import Responses
from scoring.group_tests import compare_numeric, compare_proportions_by_group
from scoring.groups import frequencies_by_group, group_parts
from scoring.independence import IndependenceTest
from scoring.questions import Options, checkall_table, choice_inputs, question_kind
from scoring.tidy import Option, TidyRow, Where

EFFECTS = {
    "Hedges' g": "hedges_g",
    "rank-biserial r": "rank_biserial",
    "eta-squared": "eta_squared",
    "epsilon-squared": "epsilon_squared",
}


def comparison_rows(
    responses: Responses,
    item: Field,
    asked: pd.Series,
    groups: pd.Series,
    where: Where,
    options: Options,
) -> list[TidyRow]:
    """The comparison of the groups on one question among the rows of ``asked``."""
    kind = question_kind(responses.instrument, item)
    member = asked & groups.notna()
    if kind is None or kind == "text" or groups[member].nunique() < 2:
        return []
    if kind == "choice":
        return _choice_rows(responses, item, asked, groups, where, options)
    if kind == "checkall":
        return _checkall_rows(responses, item, asked, groups, where, options)
    values = pd.to_numeric(
        responses.frame.loc[asked.index, item.name].astype("object"), errors="coerce"
    ).astype(float)
    return numeric_comparison_rows(
        values.where(asked), groups, item.name, item.label, where, options
    )


def numeric_comparison_rows(
    values: pd.Series,
    groups: pd.Series,
    name: str,
    label: str,
    where: Where,
    options: Options,
) -> list[TidyRow]:
    """A number's (or score's) groups compared (:func:`scoring.group_tests.compare_numeric`):
    the Welch test as ``p_value`` with the difference of means (two groups) and its effect
    size, and the rank test as ``rank_p_value`` with its effect size."""
    kept = values.notna() & groups.notna()
    if groups[kept].nunique() < 2:
        return []
    found = compare_numeric(values[kept], groups[kept], confidence=options.confidence)
    rows: list[TidyRow] = []
    for test, statistic in ((found.means_test, "p_value"), (found.rank_test, "rank_p_value")):
        n = int(sum(test.n.values()))
        note = "; ".join(part for part in (test.test, test.note, found.note) if part)
        if test.estimate_name:
            rows.append(
                where.row(
                    name,
                    label,
                    "mean_difference",
                    test.estimate,
                    n=n,
                    ci_low=test.ci_low,
                    ci_high=test.ci_high,
                    note=f"{test.estimate_name}; {test.test} interval",
                )
            )
        rows.append(where.row(name, label, statistic, test.p_value, n=n, note=note))
        effect = EFFECTS.get(test.effect_name, test.effect_name)
        rows.append(where.row(name, label, effect, test.effect_size, n=n, note=test.effect_name))
    return rows


def test_rows(
    test: IndependenceTest, item: Field, where: Where, **choice: Unpack[Option]
) -> list[TidyRow]:
    """A test of independence: its p-value (shown as a bound when it is a Monte Carlo floor),
    its chi-square when it has one, and Cramér's V."""
    note = test.method + (f"; {test.note}" if test.note else "")
    if test.p_is_bound:
        note += f"; p < {test.p_value:.2g}"
    rows = [
        where.row(item.name, item.label, "p_value", test.p_value, n=test.n, note=note, **choice)
    ]
    if not math.isnan(test.statistic):
        rows.append(
            where.row(
                item.name, item.label, "chi_square", test.statistic, n=test.n, note=note, **choice
            )
        )
    rows.append(where.row(item.name, item.label, "cramers_v", test.cramers_v, n=test.n, **choice))
    return rows


def _choice_rows(
    responses: Responses,
    item: Field,
    asked: pd.Series,
    groups: pd.Series,
    where: Where,
    options: Options,
) -> list[TidyRow]:
    answers, choices, more = choice_inputs(responses, item, asked, options)
    grouped = frequencies_by_group(answers, asked, groups, choices, **more)
    return test_rows(grouped.test, item, where)


def _checkall_rows(
    responses: Responses,
    item: Field,
    asked: pd.Series,
    groups: pd.Series,
    where: Where,
    options: Options,
) -> list[TidyRow]:
    """Per option, the groups' percents of respondents compared
    (:func:`scoring.group_tests.compare_proportions_by_group`)."""
    parts = group_parts(groups, asked.index[asked & groups.notna()])
    order = [label for label, _ in parts]
    tables = {label: checkall_table(responses, item, asked[part], options) for label, part in parts}
    bases = pd.Series([tables[g].n_respondents for g in order], index=order, dtype="int64")
    labels = responses.labels(item.name)
    rows: list[TidyRow] = []
    for code in item.choice_codes():
        choice: Option = {"choice_code": code, "choice_label": labels[code]}
        ticked = pd.Series({g: tables[g].table.loc[code, "count"] for g in order}, dtype="int64")
        found = compare_proportions_by_group(ticked, bases, confidence=options.confidence)
        if found.difference is not None:
            diff = found.difference
            rows.append(
                where.row(
                    item.name,
                    item.label,
                    "difference",
                    100 * diff.value,
                    n=int(bases.sum()),
                    ci_low=100 * diff.ci_low,
                    ci_high=100 * diff.ci_high,
                    note=f"percent of respondents, {order[0]} minus {order[1]}, in points; "
                    f"{diff.method} interval" + (f"; {diff.note}" if diff.note else ""),
                    **choice,
                )
            )
        rows += test_rows(found.test, item, where, **choice)
    return rows
