"""A Likert grid (a matrix of rating questions with one set of levels), shown once: each group's
items as one diverging stacked bar chart, then one compact table of each item's share on the
scale's high side (the two highest levels, e.g. "Often or Always") with its interval and, when
both groups answer it, the test between them.

The shares per level are the same cells as a single question's (:func:`reports.
committee_questions.percent_cells`, withheld alike); the high-side share is the count of its two
levels over those who answered (:func:`scoring.proportions.high_side`, Wilson's interval);
the test is the executive summary's (:func:`reports.committee_summary.compare_groups`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from instruments.labels import plain_text
from instruments.model import Field, Instrument
from reports.committee_family import Compared
from reports.committee_pairs import reading
from reports.committee_questions import (
    Group,
    Names,
    choice_cells,
    choice_table,
    interval_text,
    withheld,
)
from reports.model import Block, Cell, Column, StackedBarChart, StackedRow, Table, Text
from scoring.proportions import HIGH_LEVELS, high_side
from scoring.withheld import base_withheld


def grid_stem(instrument: Instrument, rows: Sequence[Field]) -> str:
    """The grid's question: its section header (ending in an ellipsis when its items finish
    the sentence), or the first item's label when it has none."""
    stem = " ".join(plain_text(rows[0].section_header).split())
    return stem.replace("...", "\u2026") or plain_text(rows[0].label)


def grid_blocks(
    groups: Sequence[Group],
    rows: Sequence[Field],
    names: Names,
    below: int | None,
    compared: Mapping[str, Compared],
) -> list[Block]:
    """Each group's chart, then one table of every item's high-side share (and the test)."""
    first = rows[0]
    levels = tuple(plain_text(label) for _, label in first.choice_labels().items())
    high_label = " or ".join(levels[-HIGH_LEVELS:])
    having = [g for g in groups if first.name in g.instrument.field_map()]
    blocks: list[Block] = []
    table_rows: list[dict[str, Cell]] = [{"item": plain_text(f.label)} for f in rows]
    for k, group in enumerate(having):
        stacked: list[StackedRow] = []
        for at, fld in enumerate(rows):
            row, cells = _item(group, fld, below)
            stacked.append(row)
            table_rows[at] |= {f"{k}_{key}": value for key, value in cells.items()}
        if any(not isinstance(r.n, int) or r.n > 0 for r in stacked):
            blocks.append(
                StackedBarChart(
                    f"{group.title}: percent of those who answered each item",
                    levels,
                    tuple(stacked),
                )
            )
        else:
            blocks.append(Text(f"No {group.singular} answered these items."))
    columns = [Column("item", "Item")]
    for k, group in enumerate(having):
        columns += [
            Column(f"{k}_n", f"{group.title} n", "integer"),
            Column(f"{k}_high", f"% {high_label}", "percent"),
            Column(f"{k}_ci", "95% CI"),
        ]
    tested = len(having) == 2
    if tested:
        columns.append(Column("p", "Holm p", "p_value", 3))
        for at, fld in enumerate(rows):
            found = compared.get(fld.name)
            table_rows[at]["p"] = None if found is None else found.p_adjusted
    note = (
        f"% {high_label} is of those who answered the item, with its 95% Wilson interval; "
        "the chart shows every level."
    )
    if tested:
        note += " Holm p: the test between the groups, adjusted over every shared question."
    name = names.take(f"grid {first.matrix.group if first.matrix else first.name}")
    title = f"{' and '.join(g.title for g in having)}: % {high_label} by item"
    blocks.append(Table(name, title, tuple(columns), tuple(table_rows), note=note))
    if tested:
        differing = [
            f"'{plain_text(f.label)}': "
            + reading(having, compared[f.name]).removeprefix("Reading: ")
            for f in rows
            if f.name in compared and compared[f.name].passes
        ]
        blocks.append(
            Text(
                "Reading: " + " ".join(differing)
                if differing
                else f"Reading: on every item the {having[0].title.lower()} and "
                f"{having[1].title.lower()} answered alike, within what chance would give "
                "(Holm-adjusted).",
                "note",
            )
        )
    return blocks


def _item(group: Group, fld: Field, below: int | None) -> tuple[StackedRow, dict[str, Cell]]:
    """One item for one group: its chart row (a percent per level) and its table cells."""
    label = plain_text(fld.label)
    if not group.shown(fld.name).any():
        return StackedRow(label, (math.nan,) * len(fld.choices), 0), {"n": 0}
    table = choice_table(group, fld)
    n = table.denominator
    if n == 0:
        return StackedRow(label, (math.nan,) * len(fld.choices), 0), {"n": 0}
    if base_withheld(n, below):
        mark = withheld(below or 1)
        return StackedRow(label, (math.nan,) * len(fld.choices), mark), {
            "n": mark,
            "high": mark,
            "ci": mark,
        }
    frame = table.table
    _, bars = choice_cells(table, below)
    shares = tuple(math.nan if bar.suppressed is not None else bar.value for bar in bars)
    share = high_side([int(c) for c in frame["count"]], n)
    if below is not None and 0 < share.count < below:
        mark = withheld(below)
        return StackedRow(label, shares, n), {"n": n, "high": mark, "ci": mark}
    cells: dict[str, Cell] = {
        "n": n,
        "high": 100 * share.value,
        "ci": interval_text(100 * share.ci_low, 100 * share.ci_high),
    }
    return StackedRow(label, shares, n), cells
