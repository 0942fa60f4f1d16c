"""The cohort report's breakdowns: per region, practice size and system affiliation (the
instrument's grouping fields with choices), the units assessed at the latest wave, their median
score with its interval, and their median change since baseline.

Every number is :func:`scoring.cohort_groups.group_medians`'; a group too small to compare is
withheld with a :class:`~reports.model.Suppressed` cell saying why.
"""

from __future__ import annotations

import math
from typing import SupportsFloat

import pandas as pd

from reports.model import Block, Cell, Column, Section, Suppressed, Table, Text
from scoring.cohort_groups import all_units, group_medians, latest_wave, unit_groups
from scoring.scales import ScaleInfo
from scoring.wave_scores import WaveScores


def headline(scores: WaveScores) -> ScaleInfo | None:
    """The score the breakdowns are of: the last scale with bands (the overall score), else the
    last scale or composite (None: no scales)."""
    banded = [info for info in scores.scales if info.bands]
    if banded:
        return banded[-1]
    return scores.scales[-1] if scores.scales else None


def grouping_fields(scores: WaveScores) -> list[tuple[str, str]]:
    """(name, label) of the grouping fields a unit has one choice of."""
    fields = scores.responses.instrument.field_map()
    return [
        (name, fields[name].label)
        for name in scores.responses.instrument.grouping
        if name in fields and fields[name].single_choice and name in scores.responses.frame.columns
    ]


def groups_section(scores: WaveScores, unit: str, min_cohort: int) -> Section | None:
    """The breakdowns, or None when there is no score or no grouping field."""
    info = headline(scores)
    fields = grouping_fields(scores)
    wave = latest_wave(scores.data, info.name) if info is not None else None
    if info is None or not fields or wave is None:
        return None
    at, baseline = scores.label(wave), scores.label(0)
    lead = Text(
        f"The {info.label} score by {_names([label.lower() for _, label in fields])}: how many "
        f"{unit}s were assessed at {at}, the latest wave, their median score with its 95% "
        f"confidence interval, and the median of each {unit}'s change from {baseline} to "
        f"{at} with its interval. A group of fewer than {min_cohort} {unit}s is not compared "
        "(withheld), so that no small group is judged on a few scores."
    )
    cohort = group_medians(
        scores.data,
        info.name,
        all_units(scores.data, f"All {unit}s"),
        wave_index=wave,
        min_units=min_cohort,
    )
    blocks: list[Block] = [lead]
    blanks = False
    for name, label in fields:
        groups = unit_groups(scores.responses, scores.data, name)
        found = group_medians(scores.data, info.name, groups, wave_index=wave, min_units=min_cohort)
        table = pd.concat([cohort, found], ignore_index=True)
        first = len(blocks) == 1
        blocks.append(_table(name, label, table, unit, at, min_cohort, first))
        shown = table[~table["withheld"]]
        blanks = blanks or bool(shown[["low", "change_low"]].isna().to_numpy().any())
    if blanks:
        blocks.append(
            Text(
                "A dash in place of an interval: too few practices for a 95% interval around "
                "a median (it needs at least 6).",
                "note",
            )
        )
    return Section(f"{info.label} by group", tuple(blocks))


def _names(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _table(
    name: str,
    label: str,
    found: pd.DataFrame,
    unit: str,
    at: str,
    min_cohort: int,
    first: bool,
) -> Table:
    columns = (
        Column("group", "Group"),
        Column("units", f"{unit.capitalize()}s", "integer"),
        Column("assessed", f"Assessed at {at}", "integer"),
        Column("median", "Median", "number"),
        Column("low", "CI low", "number"),
        Column("high", "CI high", "number"),
        Column("pairs", "With both", "integer"),
        Column("change", "Median change", "number"),
        Column("change_low", "CI low", "number"),
        Column("change_high", "CI high", "number"),
    )
    rows: list[dict[str, Cell]] = []
    for row in found.to_dict("records"):
        cells: dict[str, Cell] = {
            "group": str(row["group"]),
            "units": int(row["units"]),
            "assessed": int(row["assessed"]),
            "pairs": int(row["pairs"]),
        }
        small_level = int(row["assessed"]) < min_cohort
        small_change = int(row["pairs"]) < min_cohort
        for key, small in (
            ("median", small_level),
            ("low", small_level),
            ("high", small_level),
            ("change", small_change),
            ("change_low", small_change),
            ("change_high", small_change),
        ):
            cells[key] = _withheld(min_cohort, unit) if small else _number(row[key])
        rows.append(cells)
    note = (
        f"Median: of the {unit}s assessed at {at}. With both: {unit}s assessed at baseline and "
        f"at {at}; Median change: the median of their changes (positive: a higher score at "
        f"{at}). CI: 95% confidence interval. The first row is the whole cohort."
        if first
        else "Columns as in the first table of this section; the first row is the whole cohort."
    )
    return Table(f"by {name}"[:31], f"By {label.lower()}", columns, tuple(rows), note)


def _withheld(min_cohort: int, unit: str) -> Suppressed:
    return Suppressed(shown=f"n<{min_cohort}", reason=f"withheld: fewer than {min_cohort} {unit}s")


def _number(value: object) -> float | None:
    if not isinstance(value, SupportsFloat):
        raise TypeError(f"a cohort statistic is {value!r}, not a number")
    number = float(value)
    return None if math.isnan(number) else number
