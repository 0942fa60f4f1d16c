"""The cohort's progress: how the practices' scores changed from baseline to each one's latest
assessment, how many changed by more than the measurement's error, and the trend over waves.
It opens on where the practices stand: the band of each one's score at each wave and the counts
per band (:mod:`reports.cohort_bands`), then the score by region, size and affiliation
(:mod:`reports.cohort_groups`); the trend sections are :mod:`reports.cohort_trend`.

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

import pandas as pd

from reports.cohort_bands import bands_section
from reports.cohort_groups import groups_section
from reports.cohort_trend import _signals, run_section, trend_section
from reports.cohort_trend import cell as _cell
from reports.cohort_trend import unit_word as _unit
from reports.model import (
    Bar,
    BarChart,
    Block,
    Cell,
    Column,
    Facts,
    Provenance,
    Report,
    Section,
    Table,
    Text,
    with_simulated,
)
from scoring.decode import Responses
from scoring.paired import paired_t, signed_rank
from scoring.statistics import statistics_table
from scoring.units import DUPLICATE_UNIT, WHY
from scoring.wave_scores import WaveScores, wave_scores

__all__ = ["build_cohort", "_signals"]
STATUSES = ("improved", "unchanged", "declined")
MIN_COHORT = 5  # the fewest units a group's median is shown for (as the practice report's)


def build_cohort(
    responses: Responses, *, provenance: Provenance, min_cohort: int = MIN_COHORT
) -> Report:
    """The cohort progress report of a longitudinal instrument's responses; a group of fewer
    than ``min_cohort`` units is withheld from the breakdowns by group."""
    if min_cohort < 1:
        raise ValueError(f"min_cohort must be at least 1, got {min_cohort}")
    scores = wave_scores(responses)
    instrument = responses.instrument
    quality = _quality_section(scores)
    sections = [_about(scores), *([quality] if quality is not None else [])]
    if scores.units:
        unit = _unit(scores)
        bands = bands_section(scores, unit)
        groups = groups_section(scores, unit, min_cohort)
        sections += [
            *([bands] if bands is not None else []),
            *([groups] if groups is not None else []),
            _change_section(scores),
            _reliable_section(scores),
            run_section(scores),
            trend_section(scores),
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
        f"Where the {unit}s stand, band by band and group by group, how the cohort's scores "
        f"changed from baseline to each {unit}'s latest assessment, "
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
