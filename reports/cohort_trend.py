"""The cohort report's trend over waves: a run chart of the cohort median per scale, each
median with its distribution-free 95% interval (:mod:`scoring.median_ci`) on the scale's whole
possible range and the Anhoej signals of :mod:`scoring.spc`, then the mixed model's slope and
Friedman's test of :mod:`scoring.trend`, in two tables.
"""

from __future__ import annotations

import math

from reports.model import Block, Cell, Column, RunChart, Section, Table, Text
from scoring.median_ci import CONFIDENCE, wave_median_intervals
from scoring.spc import RunChart as Runs
from scoring.spc import run_chart
from scoring.trend import friedman, mixed_slope
from scoring.wave_scores import WaveScores

MIN_USEFUL = 10  # points off the median before the Anhoej rules are applied (spc.run_chart)


def unit_word(scores: WaveScores) -> str:
    """What the instrument calls a unit (e.g. "practice"), or "unit" when it declares none."""
    unit = scores.responses.instrument.unit
    return unit.label if unit is not None else "unit"


def run_section(scores: WaveScores) -> Section:
    """The cohort median per wave, one run chart per scale: each median with its 95% interval,
    on the scale's whole range, and the Anhoej signals in words."""
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


def trend_section(scores: WaveScores) -> Section:
    """The mixed model's slope and Friedman's test per scale, in two tables; with fewer than
    three waves, only a sentence saying that trends need three."""
    if len(scores.waves) < 3:
        text = Text(
            f"Trends need at least three waves; these responses have {len(scores.waves)}. "
            "The change from baseline to latest above is the comparison to read."
        )
        return Section("Trend across waves", (text,))
    unit = unit_word(scores)
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
                "slope": cell(m.estimate),
                "low": cell(m.ci_low),
                "high": cell(m.ci_high),
                "slope_p": cell(m.p_value),
                "assessments": m.n_obs,
            }
        )
        ranks.append(
            {
                "scale": info.label,
                "chi2": cell(f.statistic),
                "f_p": cell(f.p_value),
                "w": cell(f.kendall_w),
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


def cell(value: float) -> float | None:
    """A number, or a blank cell where the statistic could not be computed (the note says why)."""
    return None if math.isnan(value) else float(value)
