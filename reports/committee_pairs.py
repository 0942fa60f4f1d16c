"""A question both surveys ask, shown once: providers and supporters on one chart, their numbers
in one compact table beneath it, then the test between them and what it means in plain words.

Each group's cells come from the same functions as a one-group question
(:func:`reports.committee_questions.percent_cells`: the statistics table's counts, intervals and
withheld cells); the test is the one the executive summary quotes
(:func:`reports.committee_summary.compare_groups`, Holm-adjusted over every shared question).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from instruments.model import Field
from reports.committee_compare import comparison_blocks
from reports.committee_family import Compared
from reports.committee_questions import (
    NUMBERS,
    Group,
    Names,
    Rows,
    checkall_cells,
    checkall_note,
    choice_cells,
    choice_note,
    choice_table,
    interval_text,
)
from reports.committee_wording import percent
from reports.model import Bar, BarChart, Block, Cell, Column, Suppressed, Table, Text
from scoring.questions import checkall_table
from scoring.withheld import base_withheld


def pair_blocks(
    groups: tuple[Group, Group],
    fld: Field,
    kind: str,
    names: Names,
    below: int | None,
    compared: Compared | None,
) -> list[Block] | None:
    """The blocks of a choice or check-all question both groups were shown; None when the
    question is not one the pair can share (each group then gets its own blocks)."""
    fields = [g.instrument.field_map()[fld.name] for g in groups]
    if kind in ("choice", "likert") and not sorted(fields[0].choice_codes()) == sorted(
        fields[1].choice_codes()
    ):
        return None
    if kind == "checkall" and fields[0].choice_codes() != fields[1].choice_codes():
        return None
    parts = []
    for g, f in zip(groups, fields, strict=True):
        part = _part(g, f, kind, below)
        if isinstance(part, Text):
            return None  # a group with nothing to show: each says so on its own
        parts.append(part)
    first, second = parts
    rows: Rows = []
    bars: list[Bar] = []
    for at, (code, label) in enumerate(zip(first.codes, first.labels, strict=True)):
        other = second.codes.index(code)
        row: dict[str, Cell] = {"option": label}
        for k, (part, i) in enumerate(((first, at), (second, other))):
            cells = part.rows[i]
            key = "ab"[k]
            row |= {f"{key}_n": cells["n"], f"{key}_percent": cells["percent"]}
            row[f"{key}_ci"] = _interval(cells)
            bars.append(replace(part.bars[i], label=label, series=k))
        rows.append(row)
    percent_of = "of those who answered" if kind != "checkall" else "of those who ticked any"
    columns = (
        Column("option", "Option"),
        *(
            column
            for g, key in zip(groups, "ab", strict=True)
            for column in (
                Column(f"{key}_n", f"{g.title} n", "integer"),
                Column(f"{key}_percent", "%", "percent"),
                Column(f"{key}_ci", "95% CI"),
            )
        ),
    )
    series = (groups[0].title, groups[1].title)
    note = " ".join(f"{g.title}: {part.note}" for g, part in zip(groups, parts, strict=True))
    if first.labels != [second.labels[second.codes.index(c)] for c in first.codes]:
        note += f" Options are worded as the {groups[0].title.lower()}' survey words them."
    blocks: list[Block] = [
        BarChart(f"{series[0]} and {series[1]}, percent {percent_of}", tuple(bars), series=series),
        Table(
            names.take(fld.name),
            f"{series[0]} and {series[1]}: {NUMBERS}",
            columns,
            tuple(rows),
            note=note,
        ),
    ]
    if kind in ("choice", "likert"):
        tables = (choice_table(groups[0], fields[0]), choice_table(groups[1], fields[1]))
        test = comparison_blocks(groups, tables, fld, names, below)
        said = " ".join(b.text for b in test if isinstance(b, Text))
        blocks += [b for b in test if not isinstance(b, Text)]
        blocks.append(Text(f"{said} {reading(groups, compared)}", "note"))
    else:
        blocks.append(
            Text(
                "Check-all options are not tested between the groups: each option is its own "
                "question, and the percentages above are for reading side by side.",
                "note",
            )
        )
    return blocks


class _Part:
    """One group's rows and bars for the question, its options in display order."""

    def __init__(self, codes: Sequence[str], rows: Rows, bars: list[Bar], note: str) -> None:
        self.codes, self.rows, self.bars, self.note = [str(c) for c in codes], rows, bars, note
        self.labels = [str(row["option"]) for row in rows]


def _part(group: Group, fld: Field, kind: str, below: int | None) -> _Part | Text:
    if not group.shown(fld.name).any():
        return Text("")
    if kind == "checkall":
        table = checkall_table(group.responses, fld, group.shown(fld.name), group.options)
        if table.n_respondents == 0 or base_withheld(table.n_respondents, below):
            return Text("")
        frame, rows, bars = checkall_cells(table, below)
        return _Part(list(frame.index), rows, bars, checkall_note(group, fld, table))
    found = choice_table(group, fld)
    if found.denominator == 0 or base_withheld(found.denominator, below):
        return Text("")
    rows, bars = choice_cells(found, below)
    return _Part(list(found.table.index), rows, bars, choice_note(group, fld, found))


def _interval(cells: dict[str, Cell]) -> Cell:
    low, high = cells["ci_low"], cells["ci_high"]
    if isinstance(low, Suppressed):
        return low
    if not isinstance(low, float) or not isinstance(high, float):
        return None
    return interval_text(low, high)


def reading(groups: Sequence[Group], compared: Compared | None) -> str:
    """What the test says, in plain words, with the option that differs most."""
    names = [g.title.lower() for g in groups]
    if compared is None:
        return f"Not tested: a count was withheld, or too few {names[0]} or {names[1]} answered."
    p = _p(compared.p_adjusted)
    family = f"Holm-adjusted over the {compared.family} shared questions tested, p = {p}"
    if not compared.passes or compared.first is None or compared.second is None:
        return (
            f"Reading: {names[0]} and {names[1]} answered alike, within what chance would give "
            f"({family})."
        )
    a, b = compared.first, compared.second
    more, less = (names[0], names[1]) if a.value > b.value else (names[1], names[0])
    high, low = max(a.value, b.value), min(a.value, b.value)
    return (
        f"Reading: {more} chose '{a.choice_label}' more often than {less} ({percent(high)} "
        f"against {percent(low)}); the difference is larger than chance would give ({family})."
    )


def _p(value: float) -> str:
    return (
        "not computable" if math.isnan(value) else ("<0.001" if value < 0.001 else f"{value:.3f}")
    )
