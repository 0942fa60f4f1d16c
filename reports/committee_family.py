"""Providers against supporters, question by question, as one family of tests.

Each single-choice question both surveys ask with the same codes is tested on the statistics
table's counts (:func:`scoring.independence.independence_test`), and the family's p-values are
Holm-adjusted (:func:`scoring.independence.adjust_p_values`): the executive summary quotes the
questions that pass, and each shared question's section reads its own test from the same
family, so the two never disagree. :class:`Share` is one option's share in one group, a row of
the statistics table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from instruments.labels import plain_text
from reports.committee_compare import comparable
from reports.committee_questions import Group
from reports.committee_wording import question_title
from scoring.independence import adjust_p_values, independence_test
from scoring.questions import Options

ALPHA = 0.05
# The percent a question's table shows: of those who answered (single choice), of those who
# ticked at least one option (check all that apply).
SHARE_STATISTICS = ("percent", "percent_of_respondents")


@dataclass(frozen=True)
class Share:
    """One option's share in one group: a row of the statistics table."""

    group: str  # e.g. "providers"
    instrument: str
    field: str
    question: str
    choice_code: str
    choice_label: str
    statistic: str
    value: float
    ci_low: float
    ci_high: float
    n: int


def group_shares(group: Group, tidy: pd.DataFrame, options: Options) -> list[Share]:
    """Every option's share that may be quoted: not withheld, on at least ``min_n``
    respondents, of a question other than the profile (grouping) questions."""
    rows = tidy[
        tidy["statistic"].isin(SHARE_STATISTICS)
        & (tidy["group_by"] == "")
        & (tidy["wave"] == "")
        & ~tidy["field"].isin(group.instrument.grouping)
        & tidy["value"].notna()
        & ~tidy["note"].str.startswith("withheld")
        & (tidy["n"] >= max(options.min_n, options.suppress_below or 1))
    ]
    fields = group.instrument.field_map()
    return [
        Share(
            group.title.lower(),
            str(row["instrument"]),
            str(row["field"]),
            question_title(group.instrument, fields[str(row["field"])]),
            str(row["choice_code"]),
            plain_text(str(row["choice_label"])),
            str(row["statistic"]),
            float(row["value"]),
            float(row["ci_low"]),
            float(row["ci_high"]),
            int(row["n"]),
        )
        for row in rows.to_dict("records")
        if str(row["field"]) in fields
    ]


@dataclass(frozen=True)
class Compared:
    """One shared question tested between the groups: the option with the largest gap (each
    group's share of it, None when not quotable), the test's p-value and its Holm-adjusted p
    within the family of every question tested (``family`` of them)."""

    field: str
    first: Share | None
    second: Share | None
    p_value: float
    p_adjusted: float
    family: int

    @property
    def passes(self) -> bool:
        """Whether the adjusted p-value is at or below the report's significance level."""
        return self.p_adjusted <= ALPHA


def compare_groups(groups: Sequence[Group], tables: dict[str, pd.DataFrame]) -> dict[str, Compared]:
    """Each single-choice question both groups ask with the same codes, tested (providers
    against supporters) on the statistics table's counts, with the family's p-values
    Holm-adjusted; empty for one group. A question with a withheld count, or one a group did
    not answer, is not tested."""
    if len(groups) != 2:
        return {}
    first, second = groups[0], groups[1]
    tested: list[tuple[str, pd.DataFrame]] = []
    for name, fld in first.instrument.field_map().items():
        other = second.instrument.field_map().get(name)
        if name in first.instrument.grouping or other is None or not comparable(fld, other):
            continue
        counts = pd.DataFrame(
            {g.title: _counts(tables[g.instrument.id], name) for g in (first, second)}
        )
        if counts.isna().any().any() or counts.empty or (counts.sum() == 0).any():
            continue  # a withheld count, or a group nobody answered in: not compared
        tested.append((name, counts))
    if not tested:
        return {}
    p = pd.Series([independence_test(c).p_value for _, c in tested], index=[n for n, _ in tested])
    adjusted = adjust_p_values(p, "holm", alpha=ALPHA)
    quoted = [group_shares(g, tables[g.instrument.id], g.options) for g in (first, second)]
    found: dict[str, Compared] = {}
    for name in p.index:
        pairs = [
            (a, b)
            for a in quoted[0]
            if a.field == name
            for b in quoted[1]
            if b.field == name and b.choice_code == a.choice_code
        ]
        a, b = max(pairs, key=lambda pair: abs(pair[0].value - pair[1].value), default=(None, None))
        found[name] = Compared(
            name, a, b, float(p[name]), float(adjusted.adjusted[name]), adjusted.n_tests
        )
    return found


def group_differences(compared: dict[str, Compared]) -> list[tuple[Share, Share, float]]:
    """(first group's share, second's, Holm-adjusted p) for each question that passes, the
    option with the largest gap; largest gap first."""
    found = [
        (c.first, c.second, c.p_adjusted)
        for c in compared.values()
        if c.passes and c.first is not None and c.second is not None
    ]
    return sorted(found, key=lambda d: -abs(d[0].value - d[1].value))


def _counts(tidy: pd.DataFrame, name: str) -> pd.Series:
    rows = tidy[(tidy["field"] == name) & (tidy["statistic"] == "count") & (tidy["group"] == "")]
    return rows.set_index("choice_code")["value"]
