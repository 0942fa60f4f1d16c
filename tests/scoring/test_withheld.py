"""Withholding small counts in the tidy table: no withheld count can be worked out again from
any total or cell the table publishes, on any row or column, overall or by group.

The check is independent of the code under test: for every withheld cell, linear programming
(scipy.optimize.linprog) finds the least and the greatest value it can take given everything
published (the cells left in, each column's base, the overall counts that are each option's
total over the groups); a withheld cell is safe when the two differ.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from scoring.tidy import TidyRow, Where
from scoring.withheld import withheld_options, withhold_rows

WHERE = Where("scan", "1.0.0")
BY = "org_type"


def count_rows(field: str, counts: dict[str, int], where: Where) -> list[TidyRow]:
    """A single-choice question's base and option counts (with their percents) among one set."""
    base = sum(counts.values())
    rows = [where.row(field, "Q", "denominator", base)]
    for code, count in counts.items():
        choice = {"choice_code": code, "choice_label": f"option {code}"}
        rows.append(where.row(field, "Q", "count", count, n=base, **choice))
        share = 100 * count / base if base else math.nan
        rows.append(where.row(field, "Q", "percent", share, n=base, **choice))
    return rows


def grouped_rows(grid: np.ndarray) -> list[TidyRow]:
    """Options x groups counts as the statistics table lays them out: overall, then groups."""
    codes = [str(i + 1) for i in range(grid.shape[0])]
    rows = count_rows("q", dict(zip(codes, grid.sum(axis=1).tolist(), strict=True)), WHERE)
    for g in range(grid.shape[1]):
        at = Where("scan", "1.0.0", group_by=BY, group=f"g{g}")
        rows += count_rows("q", dict(zip(codes, grid[:, g].tolist(), strict=True)), at)
    return rows


def published(rows: list[TidyRow], statistic: str = "count") -> dict[tuple[str, str], float | None]:
    """(group, code) -> the count (or base) as published, None where withheld."""
    return {
        (row.group, row.choice_code): None if math.isnan(row.value) else row.value
        for row in rows
        if row.statistic == statistic
    }


def test_a_hidden_four_is_not_recoverable_from_thirty_three_minus_the_rest() -> None:
    # The case: a base of 33 with 19, 10 and a small 4.
    rows = withhold_rows(count_rows("q", {"1": 19, "2": 10, "3": 4}, WHERE), 5)
    shown = published(rows)
    assert shown[("", "3")] is None
    assert shown[("", "2")] is None  # the complement: the smallest other count
    assert shown[("", "1")] == 19
    percents = {r.choice_code: r.value for r in rows if r.statistic == "percent"}
    assert math.isnan(percents["3"]) and math.isnan(percents["2"])
    assert all(r.note.startswith("withheld") for r in rows if math.isnan(r.value))


def test_nothing_is_withheld_without_a_small_count() -> None:
    rows = count_rows("q", {"1": 19, "2": 10, "3": 6}, WHERE)
    assert withhold_rows(rows, 5) == rows
    assert withhold_rows(rows, None) == rows


def test_one_table_of_options_uses_the_same_rule() -> None:
    import pandas as pd

    mask = withheld_options(pd.Series([19, 10, 4], index=["1", "2", "3"]), 5)
    assert mask.tolist() == [False, True, True]
    # A 'none of these' option is outside a check-all question's total of mentions.
    mask = withheld_options(pd.Series([19, 10, 4], index=["1", "2", "0"]), 5, none=["0"])
    assert mask.tolist() == [False, False, True]


def test_statistics_from_a_columns_counts_go_with_a_withheld_count() -> None:
    rows = count_rows("q", {"1": 19, "2": 10, "3": 4}, WHERE)
    rows += [
        WHERE.row("q", "Q", "mean", 1.6, n=33),
        WHERE.row("q", "Q", "top2_percent", 87.9, n=33),
        WHERE.row("q", "Q", "median", 1.0, n=33),
    ]
    found = {r.statistic: r.value for r in withhold_rows(rows, 5) if not r.choice_code}
    # The mean is sum(code x count) / base: with it, two withheld counts are two equations.
    assert math.isnan(found["mean"]) and math.isnan(found["top2_percent"])
    assert found["median"] == 1.0


def test_a_lone_small_group_mean_takes_a_second_group_with_it() -> None:
    rows = [WHERE.row("score", "Score", "n", 73), WHERE.row("score", "Score", "mean", 60.0)]
    for group, n, mean in (("a", 3, 40.0), ("b", 30, 61.0), ("c", 40, 61.5)):
        at = Where("scan", "1.0.0", group_by=BY, group=group)
        rows += [at.row("score", "Score", "n", n), at.row("score", "Score", "mean", mean)]
    means = {r.group: r.value for r in withhold_rows(rows, 5) if r.statistic == "mean"}
    # Overall mean x 73 = the groups' sums: group a's mean would be the overall minus b and c.
    assert math.isnan(means["a"]) and math.isnan(means["b"])
    assert means["c"] == 61.5 and means[""] == 60.0


def determined(
    grid: np.ndarray,
    shown: dict[tuple[str, str], float | None],
    bases: dict[tuple[str, str], float | None],
) -> list[str]:
    """Withheld positive counts whose value everything published pins down (a withheld zero
    pinned at zero tells nothing about anyone)."""
    k, m = grid.shape
    names = [(f"g{g}", str(o + 1)) for o in range(k) for g in range(m)]
    names += [("", str(o + 1)) for o in range(k)]
    index = {name: i for i, name in enumerate(names)}
    equalities, targets = [], []

    def equation(terms: dict[int, float], total: float) -> None:
        row = np.zeros(len(names))
        for i, coefficient in terms.items():
            row[i] = coefficient
        equalities.append(row)
        targets.append(total)

    for name, value in shown.items():
        if value is not None:
            equation({index[name]: 1.0}, value)
    for g in range(m):  # each group's base, where published
        if bases[(f"g{g}", "")] is not None:
            equation({index[(f"g{g}", str(o + 1))]: 1.0 for o in range(k)}, grid[:, g].sum())
    if bases[("", "")] is not None:  # the overall base
        equation({index[("", str(o + 1))]: 1.0 for o in range(k)}, grid.sum())
    for o in range(k):  # the overall count of an option is its groups' total
        terms = {index[(f"g{g}", str(o + 1))]: 1.0 for g in range(m)}
        terms[index[("", str(o + 1))]] = -1.0
        equation(terms, 0.0)
    a_eq, b_eq = np.array(equalities), np.array(targets)
    pinned = []
    for name, value in shown.items():
        group, code = name
        true = grid[int(code) - 1].sum() if group == "" else grid[int(code) - 1, int(group[1:])]
        if value is not None or true == 0:
            continue
        goal = np.zeros(len(names))
        goal[index[name]] = 1.0
        low = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if high.fun is not None and -high.fun - low.fun < 1e-6:
            pinned.append(f"{name}")
    return pinned


GRIDS = st.integers(1, 5).flatmap(
    lambda k: st.integers(2, 4).flatmap(
        lambda m: st.lists(
            st.lists(st.integers(0, 30), min_size=m, max_size=m), min_size=k, max_size=k
        )
    )
)


@settings(max_examples=80, deadline=None)
@given(grid=GRIDS, below=st.integers(2, 8))
@example(grid=[[19, 0], [10, 0], [2, 2]], below=5)
@example(grid=[[6, 0], [3, 9], [20, 20]], below=5)
@example(grid=[[3, 26]], below=5)
@example(grid=[[0, 0], [1, 2]], below=2)
@example(grid=[[0, 2, 12], [0, 0, 0]], below=6)
def test_no_withheld_count_can_be_worked_out_from_what_is_published(grid, below) -> None:
    counts = np.array(grid, dtype=float)
    rows = withhold_rows(grouped_rows(counts), below)
    shown = published(rows)
    for (group, code), value in shown.items():
        true = counts[int(code) - 1].sum() if group == "" else counts[int(code) - 1, int(group[1:])]
        assert value is None or value == true
        if 0 < true < below:
            assert value is None, (group, code)  # every small count is withheld
    bases = published(rows, "denominator")
    for (group, _), base in bases.items():
        true = counts.sum() if group == "" else counts[:, int(group[1:])].sum()
        # A base below the threshold would tell its counts: it is withheld with them (so is
        # the base of a one-option question whose one count is withheld).
        assert base is None or base == true
        if 0 < true < below:
            assert base is None
    assert determined(counts, shown, bases) == []
