"""Pages 2 and 3 of the practice feedback: the practice's scores over time beside its
comparison group (the group's middle half drawn at each wave), its change since the first
assessment with the reliable-change marks, its strengths and opportunities with the answers
behind each opportunity, and its scores beside the group at the latest wave. Every number comes
from :mod:`scoring` (see :mod:`reports.practice`); the words from :mod:`reports.practice_text`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reports import practice_text as say
from reports.chart_panels import COLUMNS
from reports.model import (
    Block,
    Cell,
    Column,
    Panel,
    PanelChart,
    Section,
    Suppressed,
    Table,
    Text,
    TextList,
)
from reports.practice_parts import (
    DECIMALS,
    Comparison,
    Practice,
    at,
    number,
    to_float,
)
from scoring.benchmark import UnitFeedback
from scoring.scales import ScaleInfo
from scoring.unit_findings import lowest_items
from scoring.wave_scores import WaveScores


def scores_section(
    scores: WaveScores, practice: Practice, comparison: Comparison, min_cohort: int
) -> Section:
    """Every element's score at each wave as a table, then as small charts beside the
    comparison group's median and middle half."""
    by_wave = practice.rows.set_index("wave_index")
    waves = list(scores.waves)
    columns = (
        Column("scale", "Element"),
        *(Column(f"w{w}", scores.label(w), "number", DECIMALS) for w in waves),
    )
    rows = []
    for info in scores.scales:
        row: dict[str, Cell] = {"scale": info.label}
        for w in waves:
            row[f"w{w}"] = number(by_wave[info.name].get(w, math.nan))
        rows.append(row)
    blocks: list[Block] = [
        Table("scores", "Your scores at each assessment", columns, tuple(rows), say.SCORES_NOTE)
    ]
    blocks += _panels(scores, by_wave, comparison, min_cohort)
    return Section("Your scores over time", tuple(blocks))


def _panels(
    scores: WaveScores, by_wave: pd.DataFrame, comparison: Comparison, min_cohort: int
) -> list[PanelChart]:
    """Every element's scores as small charts, beside the group's median and middle half at
    each wave (never one wave's quartiles drawn across every wave): a chart per row of
    :data:`reports.chart_panels.COLUMNS`, so a page break can fall between rows; the first
    row carries the title and legend, the last the notes."""
    waves = list(scores.waves)
    panels = []
    for info in scores.scales:
        column = by_wave[info.name]
        panels.append(
            Panel(
                info.label,
                tuple(to_float(column.get(w)) for w in waves),
                *(
                    tuple(comparison.value(info.name, w, key) for w in waves)
                    for key in ("cohort_median", "cohort_q1", "cohort_q3")
                ),
            )
        )
    ranges = {info.score_range for info in scores.scales if info.score_range is not None}
    low, high = next(iter(ranges)) if len(ranges) == 1 else (0.0, 100.0)
    notes = [say.CHARTS_INTRO.format(group=comparison.name)]
    notes.append(say.SCORE_RANGE.format(low=f"{low:g}", high=f"{high:g}"))
    if any(math.isnan(m) for p in panels for m in p.median):
        notes.append(say.CHART_NO_COHORT.format(minimum=min_cohort))
    rows = [tuple(panels[at : at + COLUMNS]) for at in range(0, len(panels), COLUMNS)]
    return [
        PanelChart(
            say.PANELS_TITLE.format(group=comparison.name) if at == 0 else "",
            tuple(scores.label(w) for w in waves),
            row,
            names=(
                "Your practice",
                say.MEDIAN.format(short=comparison.short),
                say.MIDDLE_HALF.format(short=comparison.short),
            ),
            y_min=float(low),
            y_max=float(high),
            note=" ".join(notes) if at == len(rows) - 1 else "",
            legend=at == 0,
        )
        for at, row in enumerate(rows)
    ]


def change_section(scores: WaveScores, practice: Practice) -> Section:
    """Each element's change from the first assessment to the latest, beside the threshold a
    change must pass to be larger than the usual wobble; only a sentence when the practice has
    no score at the first assessment."""
    if 0 not in practice.waves:
        return Section("Change since your first assessment", (Text(say.NO_BASELINE),))
    changes = practice.changes(scores.names)
    rows: list[dict[str, Cell]] = []
    for info in scores.scales:
        change = changes.loc[info.name]
        threshold = scores.thresholds[info.name]
        latest_wave = change["latest_wave"]
        rows.append(
            {
                "scale": info.label,
                "baseline": number(change["baseline"]),
                "latest_wave": None if pd.isna(latest_wave) else scores.label(int(latest_wave)),
                "latest": number(change["latest"]),
                "change": number(change["change"]),
                "threshold": number(threshold.value),
                "marked": say.STATUS[threshold.status(practice.unit)],
            }
        )
    # One latest wave for every element (the usual case) names the column instead.
    latest_waves = {row["latest_wave"] for row in rows} - {None}
    one = len(latest_waves) == 1
    columns = (
        Column("scale", "Element"),
        Column("baseline", scores.label(0), "number", DECIMALS),
        *(() if one else (Column("latest_wave", "Latest wave"),)),
        Column("latest", str(latest_waves.pop()) if one else "Latest", "number", DECIMALS),
        Column("change", "Change", "number", 1),
        Column("threshold", "Threshold", "number", 1),
        Column("marked", "Larger than the usual wobble?"),
    )
    table = Table("change", "Change since your first assessment", columns, tuple(rows))
    blocks: list[Block] = [table, Text(say.WOBBLE, "note")]
    for kind, why in say.NO_THRESHOLD_WHY.items():
        names = [
            info.label
            for info in scores.scales
            if math.isnan(scores.thresholds[info.name].value)
            and (info.kind == "composite") == (kind == "composite")
        ]
        if names:
            text = say.THRESHOLD_MISSING.format(names=say.listing(names), why=why)
            blocks.append(Text(text, "note"))
    return Section("Change since your first assessment", tuple(blocks))


def feedback_section(
    scores: WaveScores,
    practice: Practice,
    feedback: UnitFeedback,
    comparison: Comparison,
    min_cohort: int,
) -> Section:
    """Strengths, then opportunities with the answers behind each, as
    :func:`scoring.benchmark.unit_feedback` files them (the rule of
    :func:`scoring.unit_findings.classify`, so they agree with the change table and with the
    service's benchmarks), in this report's words."""
    wave = scores.label(feedback.wave)
    by_name = {info.name: info for info in scores.scales}
    found: dict[str, list[str]] = {"strength": [], "opportunity": []}
    drivers: list[Block] = []
    for item in feedback.items:
        info = by_name[item.score]
        changed = item.reason in ("rose", "fell")
        found[item.kind].append(
            say.FINDING[item.reason].format(
                label=info.label,
                value=say.shown(item.value),
                median=say.shown(item.reference),
                group=comparison.name,
                baseline=say.shown(item.reference if changed else math.nan),
            )
        )
        if item.kind == "opportunity":
            drivers += _drivers(scores, practice, info)
    strengths, chances = tuple(found["strength"]), tuple(found["opportunity"])
    group = comparison.name
    blocks: list[Block] = [Text(say.FEEDBACK_INTRO.format(wave=wave, group=group))]
    none = Text(say.NO_STRENGTHS.format(group=group))
    blocks.append(TextList("Strengths", strengths) if strengths else none)
    if chances:
        blocks += [TextList("Opportunities to build on", chances), *drivers]
        if drivers:  # what the answers under each opportunity are, said once
            blocks.append(Text(say.DRIVERS_NOTE, "note"))
    else:
        blocks.append(Text(say.NO_OPPORTUNITIES.format(group=group)))
    if (feedback.benchmarks["cohort_n"] < min_cohort).any():
        blocks.append(Text(say.FEEDBACK_SMALL_COHORT.format(minimum=min_cohort, wave=wave), "note"))
    return Section("Strengths and opportunities", tuple(blocks))


def _drivers(scores: WaveScores, practice: Practice, info: ScaleInfo) -> list[Block]:
    """The answers that held an item scale's score down at the practice's latest wave with
    that score, in the question's words; none for a composite (it has no items)."""
    found = at(practice, info.name)
    if info.kind == "composite" or found is None:
        return []
    wave, row = found
    responses = scores.responses
    scale = next(s for s in responses.instrument.scales if s.name == info.name)
    chosen = lowest_items(scores.items, row, scale, responses.instrument, count=3)
    if not chosen:
        return []
    fields = responses.instrument.field_map()
    lines = []
    for driver in chosen:
        labels = responses.labels(driver.item) if fields[driver.item].single_choice else {}
        answer = labels.get(f"{driver.answer:g}", f"{driver.answer:g}")
        template = say.DRIVER_REVERSED if driver.reversed else say.DRIVER
        lines.append(template.format(question=fields[driver.item].label, answer=answer))
    title = say.DRIVERS_TITLE.format(label=info.label, wave=scores.label(wave))
    return [TextList(title, tuple(lines))]


def peer_section(
    scores: WaveScores, feedback: UnitFeedback, comparison: Comparison, min_cohort: int
) -> Section:
    """Each element's score at the feedback's wave beside the group's median and middle half,
    and where it sits; the group's numbers are withheld where fewer than ``min_cohort``
    practices have the score."""
    wave = scores.label(feedback.wave)
    columns = (
        Column("scale", "Element"),
        Column("value", "Yours", "number", DECIMALS),
        Column("median", "Median", "number", DECIMALS),
        Column("q1", "From", "number", DECIMALS),
        Column("q3", "To", "number", DECIMALS),
        Column("n", "Practices", "integer"),
        Column("position", "Where your score sits"),
    )
    rows = []
    small: dict[int, list[str]] = {}
    bench: dict[Any, dict[Any, Any]] = feedback.benchmarks.set_index("score").to_dict("index")
    for info in scores.scales:
        line = bench[info.name]
        n = int(line["cohort_n"])
        row: dict[str, Cell] = {"scale": info.label, "value": number(line["value"]), "n": n}
        if n < min_cohort:
            count = say.practices(n)
            reason = say.PEER_SUPPRESSED.format(count=count, wave=wave, minimum=min_cohort)
            hidden = Suppressed(shown="not shown", reason=reason)
            row.update(median=hidden, q1=hidden, q3=hidden, position=hidden)
            small.setdefault(n, []).append(info.label)
        else:
            q1, q3 = to_float(line["cohort_q1"]), to_float(line["cohort_q3"])
            row.update(median=number(line["cohort_median"]), q1=number(q1), q3=number(q3))
            row["position"] = _position(to_float(line["value"]), q1, q3)
        rows.append(row)
    title = f"Your scores beside {comparison.name} at {wave}"
    note = say.PEER_COLUMNS.format(group=comparison.name)
    table = Table("cohort", title, columns, tuple(rows), note)
    intro = say.PEER_INTRO.format(wave=wave, group=comparison.name)
    blocks: list[Block] = [Text(intro), table]
    for n, names in small.items():
        text = say.PEER_SUPPRESSED_NOTE.format(
            names=say.listing(names), count=say.practices(n), wave=wave, minimum=min_cohort
        )
        blocks.append(Text(text, "note"))
    return Section("Alongside other practices", tuple(blocks))


def _position(value: float, q1: float, q3: float) -> str | None:
    if math.isnan(value):
        return None
    if value > q3:
        return say.POSITION["above"]
    return say.POSITION["under"] if value < q1 else say.POSITION["within"]
