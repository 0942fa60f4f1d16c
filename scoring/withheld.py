"""Withholding small counts in the tidy table, so that none can be worked out again.

A count below the threshold is withheld with its percents and intervals (primary suppression),
and so are the other cells needed to keep it from being recovered by subtraction from a total
the table publishes (complementary suppression,
:func:`scoring.small_cells.complementary_suppression`):

* a question's option counts per column (overall, or a group of ``by``): the column's base is
  published (a single-choice question's denominator; a check-all question's number of mentions,
  the sum of its options other than 'none'); with groups, the overall column is each option's
  total across the groups, and the two are settled together (an overall count withheld keeps
  one of its groups' counts withheld too);
* a column whose base is itself below the threshold (a group of 3 asked the question) tells
  its counts by its base alone: every row of that column is withheld, base included, and the
  other groups give complements so that the overall minus the rest does not give it back;
* who responded in a group smaller than the threshold (``n_respondents`` and what follows from
  it) is withheld, with a second group beside a lone one;
* a number's (or scale's) summary rests on its n values: a mean of fewer than the threshold is
  withheld with its SD, quartiles and range, and with groups, the overall mean times its n is the
  total of the groups', so a second group is withheld beside a lone one;
* statistics computed from a column's counts (a rating's mean, SD and top-two box) are withheld
  in any column where a count is, and so is a difference between groups whose cells are.

Zeros are not withheld: "nobody chose this" identifies no one. What this does not promise: a
minimum width of the range a reader can narrow a withheld count to (see
:func:`scoring.small_cells.complementary_suppression`).

Every output (the stats CSV, each report format, the service) reads these rows or calls
:func:`withheld_options` for its own tables, so a withheld cell is withheld everywhere.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from scoring.small_cells import complementary_suppression
from scoring.tidy import RESPONSE_FIELD, TidyRow

COUNT_STATISTICS = frozenset(
    {"count", "percent", "percent_of_respondents", "percent_of_responses", "percent_of_asked"}
)
SUMMARY_STATISTICS = frozenset({"mean", "sd", "median", "q1", "q3", "min", "max"})
FROM_COUNTS = frozenset({"mean", "sd", "top2_percent"})
DIFFERENCES = frozenset({"difference"})
BASES = ("denominator", "n_respondents")  # the people a column's percentages are out of
RESPONSE_STATISTICS = frozenset(
    {"n_respondents", "n_complete", "n_partial", "n_not_started", "rr1", "rr2"}
)
OVERALL = ("", "")

Column = tuple[str, str]  # (group_by, group); OVERALL is the overall column
Cell = tuple[str, Column]  # (choice code, column)


def withheld_options(
    counts: pd.Series,
    below: int | None,
    *,
    none: Iterable[str] = (),
    base: float | None = None,
) -> pd.Series:
    """Which options of one table (a question among one set of respondents, its base
    published) to withhold, by the rule the statistics table follows (:func:`withhold_rows`):
    the small counts and their complements, or every option when the base is itself below the
    threshold (:func:`base_withheld`). ``none`` names a check-all question's 'none' options,
    which are outside its total of mentions; ``base`` is the people the percentages are out of
    (default: the sum of the counts)."""
    if below is None or counts.empty:
        return pd.Series(False, index=counts.index)
    codes = [str(code) for code in counts.index]
    nones = {str(code) for code in none}
    values = [float(value) for value in counts.astype(float)]
    people = sum(values) if base is None else float(base)
    table = _Table(
        counts={(code, OVERALL): value for code, value in zip(codes, values, strict=True)},
        codes=codes,
        nones=[code for code in codes if code in nones],
        columns=[OVERALL],
        small={OVERALL} if base_withheld(people, below) else set(),
    )
    withheld, small = _table_cells(table, below)
    return pd.Series(
        [OVERALL in small or (code, OVERALL) in withheld for code in codes], index=counts.index
    )


def base_withheld(base: float, below: int | None) -> bool:
    """Whether a column's base (the people its percentages are out of) is below the threshold:
    then its counts are told by the base alone, and the column is withheld whole."""
    return below is not None and 0 < base < below


def withhold_rows(rows: list[TidyRow], below: int | None) -> list[TidyRow]:
    """The rows with small counts withheld (see the module docstring); a withheld row keeps its
    place and says why in its note."""
    if below is None:
        return rows
    hidden: set[int] = set()
    for positions in _by_question(rows).values():
        if any(rows[at].statistic == "count" and rows[at].choice_code for at in positions):
            hidden |= _count_table(rows, positions, below)
        if any(rows[at].statistic == "n" and not rows[at].choice_code for at in positions):
            hidden |= _sizes(rows, positions, below, "n", SUMMARY_STATISTICS)
        if rows[positions[0]].field == RESPONSE_FIELD:
            hidden |= _sizes(rows, positions, below, "n_respondents", RESPONSE_STATISTICS)
    note = f"withheld: a count below {below}, or a cell that would reveal one"
    nan = math.nan
    return [
        replace(row, value=nan, ci_low=nan, ci_high=nan, note=note) if at in hidden else row
        for at, row in enumerate(rows)
    ]


def _by_question(rows: list[TidyRow]) -> dict[tuple[str, str, str], list[int]]:
    """Positions of every row of each question (or scale), by (instrument, field, wave)."""
    found: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for at, row in enumerate(rows):
        found[(row.instrument, row.field, row.wave)].append(at)
    return found


@dataclass(frozen=True)
class _Table:
    """One question's option counts by column, and which columns have a base below the
    threshold (their counts are told by the base: withheld whole)."""

    counts: dict[Cell, float]
    codes: list[str]
    nones: list[str]
    columns: list[Column]
    small: set[Column]


def _count_table(rows: list[TidyRow], positions: list[int], below: int) -> set[int]:
    withheld, small = _table_cells(_read_table(rows, positions, below), below)
    hidden: set[int] = set()
    dirty_columns = {column for _, column in withheld}
    dirty_codes = {code for code, _ in withheld}
    for at in positions:
        row = rows[at]
        column = (row.group_by, row.group)
        if column in small:
            hidden.add(at)
        elif row.statistic in COUNT_STATISTICS and (row.choice_code, column) in withheld:
            hidden.add(at)
        elif row.statistic in FROM_COUNTS and not row.choice_code and column in dirty_columns:
            hidden.add(at)
        elif row.statistic in DIFFERENCES and row.choice_code in dirty_codes:
            hidden.add(at)
    return hidden


def _table_cells(table: _Table, below: int) -> tuple[set[Cell], set[Column]]:
    """The cells to withhold, and the columns withheld whole (a small base, or the one count of
    a one-option question, which is its column's base)."""
    withheld: set[Cell] = set()
    mentions = [code for code in table.codes if code not in table.nones]
    for codes, totals in ((mentions, True), (table.nones, False)):
        if codes:
            withheld |= _withheld_cells(table, codes, below, totals=totals)
    small = set(table.small)
    if len(mentions) == 1:
        small |= {column for code, column in withheld if code in mentions}
    return withheld, small


def _read_table(rows: list[TidyRow], positions: list[int], below: int) -> _Table:
    counts: dict[Cell, float] = {}
    bases: dict[Column, float] = {}
    mentioned: set[str] = set()
    checkall = False
    for at in positions:
        row = rows[at]
        column = (row.group_by, row.group)
        if row.statistic == "count" and row.choice_code:
            counts[(row.choice_code, column)] = row.value
        elif row.statistic in BASES and not row.choice_code:
            bases[column] = row.value
        if row.statistic == "percent_of_responses":
            mentioned.add(row.choice_code)
        checkall |= row.statistic == "percent_of_respondents"
    codes = list(dict.fromkeys(code for code, _ in counts))
    # A check-all question's 'none' options have a count but no percent of responses.
    nones = [code for code in codes if code not in mentioned] if checkall else []
    columns = list(dict.fromkeys(column for _, column in counts))
    small = {column for column, base in bases.items() if base_withheld(base, below)}
    return _Table(counts, codes, nones, columns, small)


def _withheld_cells(table: _Table, codes: list[str], below: int, *, totals: bool) -> set[Cell]:
    """The cells to withhold among ``codes``: the overall column (its base published unless
    small), and the groups' table with the overall column's published counts as its row totals.

    The two are settled together, until nothing changes: an overall count withheld is the sum
    of its groups' counts, so when all of those are published one of them (the smallest
    positive) is withheld too; and a group's count that the published totals give away
    whatever else is withheld in the groups' table (a tiny group beside one that holds
    everyone else) has its overall count withheld, so that its row is no longer a total."""
    counts = table.counts
    grouped = [column for column in table.columns if column != OVERALL]
    alone = pd.DataFrame({"n": [counts.get((c, OVERALL), 0.0) for c in codes]}, index=codes)
    overall_forced = (alone > 0) & (OVERALL in table.small)
    grid = pd.DataFrame(
        [[counts.get((code, column), 0.0) for column in grouped] for code in codes],
        index=codes,
        columns=range(len(grouped)),
    )
    group_forced = pd.DataFrame(False, index=codes, columns=grid.columns)
    for j, column in enumerate(grouped):
        if column in table.small:
            group_forced[j] = grid[j] > 0
    published = [j for j, column in enumerate(grouped) if column not in table.small]
    while True:
        overall = complementary_suppression(
            alone,
            below,
            column_totals=totals and OVERALL not in table.small,
            forced=overall_forced,
        ).mask["n"]
        if not grouped:
            break
        has_overall = OVERALL in table.columns
        groups = complementary_suppression(
            grid,
            below,
            row_totals=[code for code in codes if has_overall and not overall.loc[code]],
            column_totals=published if totals else False,
            forced=group_forced,
        )
        if not has_overall or not _settle(
            grid, overall, groups.mask, groups.exposed, overall_forced, group_forced
        ):
            break
    withheld: set[Cell] = set()
    if OVERALL in table.columns:
        withheld |= {(code, OVERALL) for code in codes if bool(overall.loc[code])}
    for code in codes:
        for j, column in enumerate(grouped):
            if grouped and bool(groups.mask.loc[code, j]):
                withheld.add((code, column))
    return withheld


def _settle(
    grid: pd.DataFrame,
    overall: pd.Series,
    mask: pd.DataFrame,
    exposed: pd.DataFrame,
    overall_forced: pd.DataFrame,
    group_forced: pd.DataFrame,
) -> bool:
    """One step of settling the overall column with the groups (see :func:`_withheld_cells`);
    whether anything more was forced."""
    more = False
    for code in grid.index:
        line = grid.loc[code].to_numpy(dtype=float)
        if bool(overall.loc[code]) and not bool(mask.loc[code].any()) and (line > 0).any():
            smallest = int(np.argmin(np.where(line > 0, line, np.inf)))
            group_forced.loc[code, grid.columns[smallest]] = True
            more = True
        if bool(exposed.loc[code].any()) and not bool(overall.loc[code]):
            overall_forced.loc[code, "n"] = True
            more = True
    return more


def _sizes(
    rows: list[TidyRow], positions: list[int], below: int, size: str, statistics: frozenset[str]
) -> set[int]:
    """Columns whose ``size`` is below the threshold, with a second group beside a lone one
    (the overall's size is the groups' total): their ``statistics`` rows."""
    sizes: dict[Column, float] = {}
    for at in positions:
        row = rows[at]
        if row.statistic == size and not row.choice_code:
            sizes[(row.group_by, row.group)] = row.value
    grouped = [column for column in sizes if column != OVERALL]
    withheld: set[Column] = set()
    if grouped:
        table = pd.DataFrame([[sizes[c] for c in grouped]], columns=range(len(grouped)))
        mask = complementary_suppression(
            table, below, row_totals=OVERALL in sizes, column_totals=False
        ).mask.iloc[0]
        withheld |= {column for j, column in enumerate(grouped) if bool(mask.iloc[j])}
    if 0 < sizes.get(OVERALL, below) < below:
        withheld.add(OVERALL)
    return {
        at
        for at in positions
        if rows[at].statistic in statistics and (rows[at].group_by, rows[at].group) in withheld
    }
