"""The feedback report a practice facilitator gives each practice, written for the practice.

It follows the facilitators' guide: the practice's own scores and change since its first
assessment come first, its readiness band with the engagement strategy the guide suggests for
that band, its strengths before its opportunities, and the comparison with the cohort last,
withheld when fewer than ``min_cohort`` practices were scored (small groups are not compared on
noise). Every number comes from :mod:`scoring`: scores and bands from
:mod:`scoring.scales`, the cohort median and quartiles (drawn at each wave) from
:mod:`scoring.benchmark`, change from :mod:`scoring.change`, and the reliable-change marks from
:mod:`scoring.paired` (see :mod:`reports.wave_scores`). Strengths and opportunities follow the
one rule of :func:`scoring.unit_findings.classify`, so they agree with the change table and
name each element once; each opportunity on an item scale lists the answers that held it
down (:func:`scoring.unit_findings.lowest_items`) in the question's words. The wording is in
:mod:`reports.practice_text`.

A practice whose records :func:`scoring.units.check_units` sets aside (two records giving its
practice id at one wave) gets no feedback: :func:`build_practice` refuses it, naming the
records, and :func:`build_practices` gives it a one-section report that says why, so no
practice is silently missing from the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reports import practice_text as say
from reports.model import (
    Band,
    Block,
    Cell,
    Column,
    Facts,
    LineChart,
    Provenance,
    Report,
    Section,
    Series,
    Suppressed,
    Table,
    Text,
    TextList,
    with_simulated,
)
from reports.wave_scores import WaveScores, change_statuses, wave_scores
from scoring.benchmark import UnitFeedback, cohort_benchmarks, unit_feedback
from scoring.change import unit_changes
from scoring.decode import Responses
from scoring.scales import ScaleInfo
from scoring.unit_findings import lowest_items

DECIMALS = 0  # scores as the feedback sentences show them
CHOICE_TYPES = ("radio", "dropdown", "yesno", "truefalse")


@dataclass(frozen=True, eq=False)
class _Practice:
    unit: object
    rows: pd.DataFrame  # the practice's rows of the long score frame, in wave order
    waves: tuple[int, ...]  # the waves with at least one score

    @property
    def latest(self) -> int | None:
        return self.waves[-1] if self.waves else None


def build_practice(
    responses: Responses, unit_id: str, *, provenance: Provenance, min_cohort: int = 5
) -> Report:
    """The feedback report of one practice: ``unit_id`` is its value of the unit's id field
    (``practice_id``, compared after trimming whitespace), or else its REDCap record id.

    Raises ValueError when neither matches, listing the ids there are, and when the practice's
    records are set aside (:mod:`scoring.units`), naming them and saying how to fix it."""
    scores = wave_scores(responses)
    provenance = with_simulated(provenance, scores.responses)
    return _report(scores, unit_id, _cohort(scores, min_cohort), provenance, min_cohort)


def build_practices(
    responses: Responses, *, provenance: Provenance, min_cohort: int = 5
) -> list[Report]:
    """One feedback report per practice, in record order, the cohort scored once; then, for
    each practice whose records are set aside (:mod:`scoring.units`), a report saying why."""
    scores = wave_scores(responses)
    cohort = _cohort(scores, min_cohort)
    provenance = with_simulated(provenance, scores.responses)
    made = [_report(scores, unit, cohort, provenance, min_cohort) for unit in scores.units]
    return made + [_set_aside(scores, unit, provenance) for unit in scores.unit_check.units]


def _set_aside(scores: WaveScores, unit: str, provenance: Provenance) -> Report:
    """The report of a practice whose records are set aside: why, and how to fix it."""
    label = _unit_label(scores)
    why = scores.unit_check.explain(unit) or ""
    text = say.SET_ASIDE.format(unit_label=label, unit=unit, why=why)
    return Report(
        kind="practice",
        title=f"{scores.responses.instrument.title}: feedback for {label} {unit}",
        subtitle=say.SET_ASIDE_SUBTITLE,
        sections=(Section(say.SET_ASIDE_TITLE, (Text(text, "warning"),)),),
        provenance=provenance,
        audience=unit,
    )


def _cohort(scores: WaveScores, min_cohort: int) -> pd.DataFrame:
    """Per score and wave: cohort_n, cohort_median, cohort_q1, cohort_q3 (NaN when small)."""
    parts = [
        cohort_benchmarks(scores.data, scores.names, wave_index=wave, min_units=min_cohort)
        for wave in scores.waves
    ]
    columns = ["score", "wave", "cohort_n", "cohort_median", "cohort_q1", "cohort_q3"]
    if not parts:  # every practice set aside: only their reports, which need no cohort
        return pd.DataFrame(columns=columns).set_index(["score", "wave"])
    frame = pd.concat(parts, ignore_index=True)[columns]
    return frame.drop_duplicates(["score", "wave"]).set_index(["score", "wave"])


def _report(
    scores: WaveScores,
    unit: object,
    cohort: pd.DataFrame,
    provenance: Provenance,
    min_cohort: int,
) -> Report:
    practice = _practice(scores, unit)
    instrument = scores.responses.instrument
    opening = Section(
        "About this report",
        (
            Text(say.OPENING.format(title=instrument.title), "lead"),
            _facts(scores, practice),
            Text(say.TAKES_TIME),
        ),
    )
    sections = [opening]
    latest = practice.latest
    if latest is None:
        sections.append(Section("Your scores", (Text(say.NOT_SCORED),)))
    else:
        feedback = unit_feedback(
            scores.data,
            practice.unit,
            scores.names,
            wave_index=latest,
            min_units=min_cohort,
            labels=scores.labels,
            decimals=DECIMALS,
            statuses=change_statuses(scores.thresholds, practice.unit),
        )
        band = _band_section(scores, practice)
        sections += [band] if band is not None else []
        sections += [
            _scores_section(scores, practice, cohort, min_cohort),
            _change_section(scores, practice),
            _feedback_section(scores, practice, feedback, min_cohort),
            _peer_section(scores, feedback, min_cohort),
        ]
    return Report(
        kind="practice",
        title=f"{instrument.title}: feedback for {_unit_label(scores)} {practice.unit}",
        subtitle=_subtitle(scores, practice),
        sections=tuple(sections),
        provenance=provenance,
        suppress_below=min_cohort,
        audience=str(practice.unit),
    )


def _practice(scores: WaveScores, unit: object) -> _Practice:
    unit = unit.strip() if isinstance(unit, str) else unit
    data = scores.data
    rows = data.loc[data["unit"] == unit].sort_values("wave_index")
    if rows.empty:
        # A REDCap user may know the practice by its record id instead of its unit id.
        record = scores.responses.frame[scores.responses.instrument.record_id]
        found = data.loc[(record == str(unit)).to_numpy(dtype=bool), "unit"].dropna()
        if len(found):
            unit = found.iloc[0]
            rows = data.loc[data["unit"] == unit].sort_values("wave_index")
    if rows.empty and (why := scores.unit_check.explain(unit)) is not None:
        named = scores.unit_check.unit_of(unit) or unit  # a record id names its practice
        raise ValueError(f"no feedback report for {_unit_label(scores)} '{named}': {why}")
    if rows.empty:
        known = ", ".join(str(u) for u in scores.units[:10])
        more = " ..." if len(scores.units) > 10 else ""
        raise ValueError(
            f"no {_unit_label(scores)} '{unit}' in the responses of "
            f"'{scores.responses.instrument.id}' (by its id or its record id); the ids are: "
            f"{known}{more}"
        )
    scored = rows.loc[rows[scores.names].notna().any(axis=1), "wave_index"]
    return _Practice(unit, rows, tuple(int(w) for w in scored))


def _unit_label(scores: WaveScores) -> str:
    unit = scores.responses.instrument.unit
    return unit.label if unit is not None else "practice"


def _subtitle(scores: WaveScores, practice: _Practice) -> str:
    if practice.latest is None:
        return "No scored assessment yet"
    first, latest = scores.label(practice.waves[0]), scores.label(practice.latest)
    count = len(practice.waves)
    return f"{count} assessment{'s' if count != 1 else ''}, {first} to {latest}"


def _facts(scores: WaveScores, practice: _Practice) -> Facts:
    responses = scores.responses
    fields = responses.instrument.field_map()
    items = [(_unit_label(scores).capitalize(), str(practice.unit))]
    for key in responses.instrument.grouping:
        if key not in responses.frame.columns:
            continue  # a checkbox key has option columns only
        recorded = responses.frame.loc[practice.rows.index, key].dropna()
        value: Any = recorded.iloc[0] if len(recorded) else None
        if value is None:
            shown = "not recorded"
        elif fields[key].type in CHOICE_TYPES:
            shown = responses.labels(key).get(str(value), str(value))
        else:
            shown = str(value)
        items.append((fields[key].label, shown))
    waves = [scores.label(w) for w in practice.waves]
    items.append(("Waves assessed", ", ".join(waves) if waves else "none yet"))
    latest = practice.latest
    items.append(("Latest assessment", scores.label(latest) if latest is not None else "none yet"))
    return Facts(tuple(items), title=f"Your {_unit_label(scores)}")


def _at(practice: _Practice, name: str) -> tuple[int, Any] | None:
    """The practice's latest wave with a score on ``name``, and that row's label."""
    rows = practice.rows.loc[practice.rows[name].notna()]
    if rows.empty:
        return None
    return int(rows["wave_index"].iloc[-1]), rows.index[-1]


def _band_section(scores: WaveScores, practice: _Practice) -> Section | None:
    banded = [info for info in scores.scales if info.bands]
    if not banded:
        return None
    blocks: list[Block] = []
    for info in banded:
        found = _at(practice, info.name)
        if found is None:
            blocks.append(Text(say.NO_BAND.format(label=info.label)))
            continue
        wave, row = found
        label: Any = scores.scored.frame.at[row, f"{info.name}__band"]
        value: Any = scores.scored.frame.at[row, info.name]
        band = next(b for b in info.bands if b.label == label)
        sentence = say.BAND_NOW.format(
            wave=scores.label(wave),
            label=info.label,
            value=say.shown(float(value), DECIMALS),
            band=band.label,
            low=f"{band.min:g}",
            high=f"{band.max:g}",
        )
        blocks.append(Text(sentence, "lead"))
        if band.guidance:
            blocks.append(Text(say.BAND_SUGGESTION.format(guidance=band.guidance)))
    blocks.append(Text(say.BAND_CONVENTION, "note"))
    return Section("Where your practice stands now", tuple(blocks))


def _scores_section(
    scores: WaveScores, practice: _Practice, cohort: pd.DataFrame, min_cohort: int
) -> Section:
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
            row[f"w{w}"] = _number(by_wave[info.name].get(w, math.nan))
        rows.append(row)
    blocks: list[Block] = [
        Table("scores", "Your scores at each assessment", columns, tuple(rows), say.SCORES_NOTE)
    ]
    ranges = {info.score_range for info in scores.scales if info.score_range is not None}
    if len(ranges) == 1:
        low, high = next(iter(ranges))
        blocks.append(Text(say.SCORE_RANGE.format(low=f"{low:g}", high=f"{high:g}"), "note"))
    blocks += [_chart(scores, info, by_wave, cohort, min_cohort) for info in scores.scales]
    return Section("Your scores over time", tuple(blocks))


def _chart(
    scores: WaveScores,
    info: ScaleInfo,
    by_wave: pd.DataFrame,
    cohort: pd.DataFrame,
    min_cohort: int,
) -> LineChart:
    waves = list(scores.waves)
    mine = tuple(_float(by_wave[info.name].get(w)) for w in waves)
    medians = tuple(_float(cohort.at[(info.name, w), "cohort_median"]) for w in waves)
    notes = []
    bands: tuple[Band, ...] = ()
    if info.bands:
        bands = tuple(Band(b.label, b.min, b.max) for b in info.bands)
        notes.append(say.CHART_BANDS.format(label=info.label))
    # The cohort's middle half at each wave, beside its median at that wave (never one wave's
    # quartiles drawn across every wave).
    quartiles = [
        tuple(_float(cohort.at[(info.name, w), column]) for w in waves)
        for column in ("cohort_q3", "cohort_q1")
    ]
    shown = not info.bands and not all(math.isnan(q) for q in quartiles[0])
    notes += [say.CHART_IQR] if shown else []
    if any(math.isnan(m) for m in medians):
        notes.append(say.CHART_NO_COHORT.format(minimum=min_cohort))
    series = [Series("Your practice", mine, emphasis=True)]
    if not all(math.isnan(m) for m in medians):
        series.append(Series("Cohort median", medians))
    if shown:
        series += [Series(name, q) for name, q in zip(say.QUARTILES, quartiles, strict=True)]
    low, high = info.score_range if info.score_range is not None else (0.0, 100.0)
    return LineChart(
        title=f"{info.label}: your scores beside the cohort",
        x_labels=tuple(scores.label(w) for w in waves),
        series=tuple(series),
        y_min=float(low),
        y_max=float(high),
        y_label="score",
        bands=bands,
        note=" ".join(notes),
    )


def _change_section(scores: WaveScores, practice: _Practice) -> Section:
    if 0 not in practice.waves:
        return Section("Change since your first assessment", (Text(say.NO_BASELINE),))
    changes = unit_changes(practice.rows, scores.names).set_index("score")
    rows: list[dict[str, Cell]] = []
    for info in scores.scales:
        change = changes.loc[info.name]
        threshold = scores.thresholds[info.name]
        latest_wave = change["latest_wave"]
        rows.append(
            {
                "scale": info.label,
                "baseline": _number(change["baseline"]),
                "latest_wave": None if pd.isna(latest_wave) else scores.label(int(latest_wave)),
                "latest": _number(change["latest"]),
                "change": _number(change["change"]),
                "threshold": _number(threshold.value),
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


def _feedback_section(
    scores: WaveScores, practice: _Practice, feedback: UnitFeedback, min_cohort: int
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
                baseline=say.shown(item.reference if changed else math.nan),
            )
        )
        if item.kind == "opportunity":
            drivers += _drivers(scores, practice, info)
    strengths, chances = tuple(found["strength"]), tuple(found["opportunity"])
    blocks: list[Block] = [Text(say.FEEDBACK_INTRO.format(wave=wave))]
    blocks.append(TextList("Strengths", strengths) if strengths else Text(say.NO_STRENGTHS))
    if chances:
        blocks += [TextList("Opportunities to build on", chances), *drivers]
    else:
        blocks.append(Text(say.NO_OPPORTUNITIES))
    if (feedback.benchmarks["cohort_n"] < min_cohort).any():
        blocks.append(Text(say.FEEDBACK_SMALL_COHORT.format(minimum=min_cohort, wave=wave), "note"))
    return Section("Strengths and opportunities", tuple(blocks))


def _drivers(scores: WaveScores, practice: _Practice, info: ScaleInfo) -> list[Block]:
    """The answers that held an item scale's score down at the practice's latest wave with
    that score, in the question's words; none for a composite (it has no items)."""
    found = _at(practice, info.name)
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
        labels = responses.labels(driver.item) if fields[driver.item].type in CHOICE_TYPES else {}
        answer = labels.get(f"{driver.answer:g}", f"{driver.answer:g}")
        template = say.DRIVER_REVERSED if driver.reversed else say.DRIVER
        lines.append(template.format(question=fields[driver.item].label, answer=answer))
    title = say.DRIVERS_TITLE.format(label=info.label, wave=scores.label(wave))
    return [TextList(title, tuple(lines), say.DRIVERS_NOTE)]


def _peer_section(scores: WaveScores, feedback: UnitFeedback, min_cohort: int) -> Section:
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
        row: dict[str, Cell] = {"scale": info.label, "value": _number(line["value"]), "n": n}
        if n < min_cohort:
            count = say.practices(n)
            reason = say.PEER_SUPPRESSED.format(count=count, wave=wave, minimum=min_cohort)
            hidden = Suppressed(shown="not shown", reason=reason)
            row.update(median=hidden, q1=hidden, q3=hidden, position=hidden)
            small.setdefault(n, []).append(info.label)
        else:
            q1, q3 = _float(line["cohort_q1"]), _float(line["cohort_q3"])
            row.update(median=_number(line["cohort_median"]), q1=_number(q1), q3=_number(q3))
            row["position"] = _position(_float(line["value"]), q1, q3)
        rows.append(row)
    title = f"Your scores beside the cohort at {wave}"
    table = Table("cohort", title, columns, tuple(rows), say.PEER_COLUMNS)
    blocks: list[Block] = [Text(say.PEER_INTRO.format(wave=wave)), table]
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


def _float(value: Any) -> float:
    """A number from a frame cell; NaN for a missing one (None, NaN, pd.NA)."""
    return math.nan if value is None or value is pd.NA else float(value)


def _number(value: Any) -> float | None:
    """A table cell: the number, or blank where there is none."""
    number = _float(value)
    return None if math.isnan(number) else number
