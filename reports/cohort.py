"""The cohort's progress: how the practices' scores changed from baseline to each one's latest
assessment, how many changed by more than the measurement's error, and the trend over waves.

Written for the programme and its analysts. Every number comes from :mod:`scoring`: the paired
t and Wilcoxon signed-rank tests and the Jacobson-Truax counts from :mod:`scoring.paired`
(reliability: each item scale's baseline alpha, as in the tidy table), the run charts of the
cohort median from :mod:`scoring.spc`, each median drawn with its distribution-free 95%
interval (:mod:`scoring.median_ci`) on the scale's whole possible range, Friedman's test and the
mixed model's slope from :mod:`scoring.trend`, and the tidy table from
:func:`scoring.statistics.statistics_table`.

Notes are written for a practice facilitator, not an analyst: no library call names (the tidy
table keeps each method's exact name), and counts of units left out said as sentences under
the table rather than squeezed into a column.

Units whose rows :func:`scoring.units.check_units` sets aside (a duplicate unit id, a row
without one) are in none of those numbers; a "Data quality" section names them, with their
records and waves, and the tidy table carries them as ``duplicate_unit`` / ``no_unit_id`` rows.
"""

from __future__ import annotations

import math

import pandas as pd

from reports.model import (
    Bar,
    BarChart,
    Block,
    Cell,
    Column,
    Facts,
    Provenance,
    Report,
    RunChart,
    Section,
    Table,
    Text,
    with_simulated,
)
from reports.wave_scores import WaveScores, wave_scores
from scoring.decode import Responses
from scoring.median_ci import CONFIDENCE, wave_median_intervals
from scoring.paired import paired_t, signed_rank
from scoring.spc import RunChart as Runs
from scoring.spc import run_chart
from scoring.statistics import statistics_table
from scoring.trend import friedman, mixed_slope
from scoring.units import DUPLICATE_UNIT, WHY

MIN_USEFUL = 10  # points off the median before the Anhoej rules are applied (spc.run_chart)
STATUSES = ("improved", "unchanged", "declined")


def build_cohort(responses: Responses, *, provenance: Provenance) -> Report:
    """The cohort progress report of a longitudinal instrument's responses."""
    scores = wave_scores(responses)
    instrument = responses.instrument
    quality = _quality_section(scores)
    sections = [_about(scores), *([quality] if quality is not None else [])]
    if scores.units:
        sections += [
            _change_section(scores),
            _reliable_section(scores),
            _run_section(scores),
            _trend_section(scores),
        ]
    return Report(
        kind="cohort",
        title=f"{instrument.title}: cohort progress",
        subtitle=f"{_units(scores)}, {_span(scores)}",
        sections=tuple(sections),
        provenance=with_simulated(provenance, scores.responses),
        tidy=_tidy(scores),
    )


def _tidy(scores: WaveScores) -> pd.DataFrame:
    """The statistics table of the units kept, then a row per unit and wave set aside."""
    set_aside = scores.unit_check.tidy()
    if not scores.units:
        return set_aside
    table = statistics_table(scores.responses, waves=True)
    return pd.concat([table, set_aside], ignore_index=True) if len(set_aside) else table


def _unit(scores: WaveScores) -> str:
    unit = scores.responses.instrument.unit
    return unit.label if unit is not None else "unit"


def _units(scores: WaveScores) -> str:
    count = len(scores.units)
    return f"{count} {_unit(scores)}{'' if count == 1 else 's'}"


def _span(scores: WaveScores) -> str:
    labels = list(scores.waves.values())
    if not labels:
        return "no assessment left to report"
    return f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]


def _about(scores: WaveScores) -> Section:
    unit = _unit(scores)
    lead = Text(
        f"How the cohort's scores changed from baseline to each {unit}'s latest assessment, "
        f"how many {unit}s changed by more than the measurement's error, and the trend across "
        f"waves. A {unit} enters a baseline-to-latest comparison only if it has both scores.",
        "lead",
    )
    items = [
        (f"{_unit(scores).capitalize()}s", _units(scores)),
        ("Waves", ", ".join(scores.waves.values())),
        ("Scales", ", ".join(info.label for info in scores.scales)),
    ]
    check = scores.unit_check
    if len(check.problems):
        count = len(check.records)
        ids = f" ({_unit(scores)} {', '.join(check.units)})" if check.units else ""
        shown = f"{count} record{'' if count == 1 else 's'}{ids}: see Data quality"
        items.append(("Set aside", shown))
    return Section("About this report", (lead, Facts(tuple(items), title="Cohort")))


def _quality_section(scores: WaveScores) -> Section | None:
    """The units set aside before any number was worked out, or None when there are none."""
    check = scores.unit_check
    if check.problems.empty:
        return None
    unit = _unit(scores)
    columns = (
        Column("kind", "Problem"),
        Column("unit", f"{unit.capitalize()} id"),
        Column("wave", "Wave"),
        Column("records", "Records"),
        Column("reason", "What was found"),
    )
    rows: list[dict[str, Cell]] = [
        {
            "kind": str(p["kind"]),
            "unit": str(p["unit"]),
            "wave": scores.waves.get(int(p["wave_index"]), str(p["wave"])),
            "records": ", ".join(p["records"]),
            "reason": str(p["reason"]),
        }
        for p in check.problems.to_dict("records")
    ]
    lead = Text(
        f"Some records were set aside before any number in this report was worked out; every "
        f"other {unit} is reported as usual. These {unit}s are in none of the tables, charts "
        "or tests below."
        if scores.units
        else f"Every record was set aside, so no {unit} is left to report on.",
        "warning",
    )
    notes = [
        Text(f"{kind.capitalize()}: {WHY[kind].format(unit=unit)}", "note")
        for kind in dict.fromkeys(check.problems["kind"])
    ]
    note = (
        f"One row per problem and wave. A {DUPLICATE_UNIT}: two or more records give the same "
        f"{unit} id at one wave (ids compared after trimming spaces and tabs)."
    )
    table = Table("set aside", "Records set aside", columns, tuple(rows), note)
    return Section("Data quality", (lead, table, *notes))


def _change_section(scores: WaveScores) -> Section:
    columns = (
        Column("scale", "Scale"),
        Column("pairs", "Pairs", "integer"),
        Column("before", "Baseline", "number"),
        Column("after", "Latest", "number"),
        Column("change", "Change", "number"),
        Column("low", "CI low", "number"),
        Column("high", "CI high", "number"),
        Column("t_p", "Paired t p", "p_value", 3),
        Column("dz", "dz", "number", 2),
        Column("w_p", "Wilcoxon p", "p_value", 3),
        Column("r", "r", "number", 2),
    )
    rows: list[dict[str, Cell]] = []
    counts: dict[str, tuple[int, int]] = {}
    notes: list[str] = []
    unit = _unit(scores)
    for info in scores.scales:
        t = paired_t(scores.data, info.name)
        w = signed_rank(scores.data, info.name)
        rows.append(
            {
                "scale": info.label,
                "pairs": t.n_pairs,
                "before": _cell(t.mean_before),
                "after": _cell(t.mean_after),
                "change": _cell(t.estimate),
                "low": _cell(t.ci_low),
                "high": _cell(t.ci_high),
                "t_p": _cell(t.p_value),
                "dz": _cell(t.cohen_dz),
                "w_p": _cell(w.p_value),
                "r": _cell(w.rank_biserial),
            }
        )
        counts[info.label] = (t.units_dropped, w.n_zero)
        # Scoring's own notes say when a test could not be run; its zero-change note is said
        # in plain words by _change_notes.
        notes += [f"{info.label}: {n}." for n in (t.note, w.note) if n and "zero change" not in n]
    note = (
        f"Baseline and Latest: the mean scores of the {unit}s with both. Change: latest minus "
        "baseline, with its 95% confidence interval (CI low to CI high). Paired t p and dz "
        "(Cohen's effect size) come from the paired t-test; Wilcoxon p and r (its effect size) "
        "from the Wilcoxon signed-rank test, which compares the ranks of the changes and so is "
        "not swayed by a few large ones."
    )
    table = Table("change", "Change from baseline to latest", columns, tuple(rows), note)
    said = _change_notes(scores, counts, notes)
    blocks: list[Block] = [table, *(Text(sentence, "note") for sentence in said)]
    return Section("Change from baseline to latest", tuple(blocks))


def _change_notes(
    scores: WaveScores, counts: dict[str, tuple[int, int]], notes: list[str]
) -> list[str]:
    """Why fewer units than the cohort entered the comparisons, in plain sentences, one per
    reason; ``counts`` holds each scale's (units without a pair, units with no change)."""
    unit = _unit(scores)
    said = []
    unpaired = [f"{label} {a}" for label, (a, _) in counts.items() if a]
    if unpaired:
        said.append(
            f"{unit.capitalize()}s without both a baseline and a later score are left out of "
            f"the comparison: {', '.join(unpaired)}."
        )
    same = [f"{label} {b}" for label, (_, b) in counts.items() if b]
    if same:
        said.append(
            f"{unit.capitalize()}s whose score was exactly the same at baseline and latest are "
            "left out of the Wilcoxon test, which can only rank changes: "
            f"{', '.join(same)}."
        )
    return said + notes


def _reliable_section(scores: WaveScores) -> Section:
    columns: tuple[Column, ...] = (
        Column("scale", "Scale"),
        Column("pairs", "Pairs", "integer"),
        Column("improved", "Improved", "integer"),
        Column("unchanged", "Unchanged", "integer"),
        Column("declined", "Declined", "integer"),
        Column("threshold", "Threshold", "number", 2),
        Column("alpha", "Alpha", "number", 3),
        Column("note", "Note"),
    )
    rows: list[dict[str, Cell]] = []
    bars: list[Bar] = []
    pairs: list[int] = []
    left_out: list[str] = []
    for info in scores.scales:
        found = scores.thresholds[info.name]
        result = found.change
        if result is None:
            left_out.append(f"{info.label} ({found.note})")
            continue
        found_counts = (result.n_improved, result.n_unchanged, result.n_declined)
        counts = dict(zip(STATUSES, found_counts, strict=True))
        rows.append(
            {
                "scale": info.label,
                "pairs": result.n_pairs,
                **counts,
                "threshold": _cell(result.threshold),
                "alpha": _cell(found.alpha),
                "note": result.note,
            }
        )
        bars += [Bar(f"{info.label}: {status}", float(n)) for status, n in counts.items()]
        pairs.append(result.n_pairs)
    blocks: list[Block] = [
        Text(
            "A unit improved or declined when its change from baseline to its latest assessment "
            "is beyond the Jacobson-Truax reliable-change threshold (|RCI| > 1.96), with the "
            "scale's Cronbach's alpha at baseline as its reliability; otherwise it is unchanged."
        )
    ]
    if rows:
        note = "Threshold: in score points. Alpha: the scale's Cronbach's alpha at baseline."
        if not any(row["note"] for row in rows):
            columns = columns[:-1]
        blocks.append(Table("reliable", "Reliable change", columns, tuple(rows), note))
        blocks.append(
            BarChart(
                "Units improved, unchanged and declined beyond the threshold",
                tuple(bars),
                unit="",
                max_value=float(max(*pairs, 1)),
                note="Bars count units; the axis runs to the largest number of pairs.",
            )
        )
    if left_out:
        blocks.append(Text("No reliable-change threshold: " + "; ".join(left_out) + ".", "note"))
    return Section("Reliable change", tuple(blocks))


def _run_section(scores: WaveScores) -> Section:
    blocks: list[Block] = [
        Text(
            "The cohort median at each wave, with its 95% confidence interval (the whiskers: how "
            "far the median of a cohort this size could move by chance), around the median of "
            "those medians. Each chart's axis spans the scale's whole possible range. The "
            f"Anhoej rules (longest run, number of crossings) are applied from {MIN_USEFUL} "
            "points off the median."
        )
    ]
    for info in scores.scales:
        found = wave_median_intervals(scores.data, info.name)
        chart = run_chart(found["median"], min_useful=MIN_USEFUL)
        y_min, y_max = info.score_range if info.score_range is not None else (math.nan, math.nan)
        blocks.append(
            RunChart(
                title=f"{info.label}: cohort median per wave",
                x_labels=tuple(scores.label(int(w)) for w in found.index),
                values=tuple(float(v) for v in found["median"]),
                median=chart.median,
                signals=_signals(chart),
                rules_note=_rules_note(chart),
                y_label="median score",
                low=tuple(float(v) for v in found["low"]),
                high=tuple(float(v) for v in found["high"]),
                y_min=float(y_min),
                y_max=float(y_max),
                interval_label=f"{CONFIDENCE:.0%} confidence interval of the median",
            )
        )
    return Section("Cohort median over time", tuple(blocks))


def _signals(chart: Runs) -> tuple[str, ...]:
    """The Anhoej signals in plain words (none when the rules were not applied)."""
    found = []
    if chart.longest_run_signal:
        found.append(
            f"A run of {chart.longest_run} points on one side of the median (more than "
            f"{chart.longest_run_max} is unusual): a sign that the level has shifted."
        )
    if chart.crossings_signal:
        found.append(
            f"The line crosses its median only {_times(chart.n_crossings)} (fewer than "
            f"{chart.crossings_min} is unusual): a sign of a shift or a trend."
        )
    return tuple(found)


def _times(count: int) -> str:
    return {0: "zero times", 1: "once", 2: "twice"}.get(count, f"{count} times")


def _rules_note(chart: Runs) -> str:
    if chart.n_points == 0:
        return "No points: no unit has this score."
    if chart.signal is None:
        return (
            f"Too few points for the run-chart rules: {chart.n_useful} off the median, and the "
            f"rules need {MIN_USEFUL}. Read the chart as a picture, not a test."
        )
    return ""


def _trend_section(scores: WaveScores) -> Section:
    if len(scores.waves) < 3:
        text = Text(
            f"Trends need at least three waves; these responses have {len(scores.waves)}. "
            "The change from baseline to latest above is the comparison to read."
        )
        return Section("Trend across waves", (text,))
    unit = _unit(scores)
    slope_columns = (
        Column("scale", "Scale"),
        Column("slope", "Slope per month", "number", 2),
        Column("low", "CI low", "number", 2),
        Column("high", "CI high", "number", 2),
        Column("slope_p", "Slope p", "p_value", 3),
        Column("assessments", "Assessments", "integer"),
    )
    rank_columns = (
        Column("scale", "Scale"),
        Column("chi2", "Friedman chi2", "number", 2),
        Column("f_p", "Friedman p", "p_value", 3),
        Column("w", "Kendall's W", "number", 2),
        Column("complete", f"{unit.capitalize()}s used", "integer"),
        Column("dropped", f"{unit.capitalize()}s dropped", "integer"),
    )
    slopes: list[dict[str, Cell]] = []
    ranks: list[dict[str, Cell]] = []
    said: list[str] = []
    for info in scores.scales:
        m = mixed_slope(scores.data, info.name)
        f = friedman(scores.data, info.name)
        slopes.append(
            {
                "scale": info.label,
                "slope": _cell(m.estimate),
                "low": _cell(m.ci_low),
                "high": _cell(m.ci_high),
                "slope_p": _cell(m.p_value),
                "assessments": m.n_obs,
            }
        )
        ranks.append(
            {
                "scale": info.label,
                "chi2": _cell(f.statistic),
                "f_p": _cell(f.p_value),
                "w": _cell(f.kendall_w),
                "complete": f.n_units,
                "dropped": f.units_dropped,
            }
        )
        said += [f"{info.label}: {n}." for n in (m.note, f.note) if n]
    slope_note = (
        "Slope per month: how much the score changes per month since baseline, with its 95% "
        f"confidence interval, from a model that uses every assessment of every {unit} "
        f"(Assessments) and allows each {unit} its own starting level."
    )
    rank_note = (
        f"Friedman's test asks whether the {unit}s' scores differ between waves; Kendall's W "
        f"says how consistently the {unit}s rank the waves (0: not at all, 1: all alike). "
        f"Both use only the {unit}s seen at every wave ({unit.capitalize()}s used); the "
        "others are dropped from this test only."
    )
    blocks: list[Block] = [
        Table("trend", "Slope across waves", slope_columns, tuple(slopes), slope_note),
        Table("friedman", "Waves compared by rank", rank_columns, tuple(ranks), rank_note),
    ]
    if said:
        blocks.append(Text(" ".join(said), "note"))
    return Section("Trend across waves", tuple(blocks))


def _cell(value: float) -> float | None:
    """A number, or a blank cell where the statistic could not be computed (the note says why)."""
    return None if math.isnan(value) else float(value)
