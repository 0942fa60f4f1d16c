"""Page 1 of the practice feedback: the one-pager a practice can read on its own.

The practice's readiness band and what it means for working together, then one row per
element: its score at the latest assessment beside the comparison group's median and middle
half at that same assessment (:mod:`scoring.peer_groups`), its change since the first
assessment with the reliable-change mark of the change table (:mod:`scoring.wave_scores`), and
the band it sits in with the engagement strategy the facilitators' guide suggests for that band,
told to the practice. An element without bands of its own is read against the banded score's
bands (the readiness index's thirds) when both run over the same range; the page says so.
"""

from __future__ import annotations

import math
from typing import Any

from instruments.model import Band as ScaleBand
from reports import practice_text as say
from reports.model import Block, Cell, Column, Suppressed, Table, Text, TextList
from reports.practice_parts import (
    DECIMALS,
    Comparison,
    Practice,
    at,
    group_name,
    number,
    to_float,
)
from scoring.scales import ScaleInfo
from scoring.unit_findings import band_index
from scoring.wave_scores import WaveScores


def strategy_name(band: ScaleBand) -> str:
    """The short name the band's guidance starts with ("Set the stage"), or ""."""
    head, colon, _ = band.guidance.partition(":")
    return head.strip() if colon else ""


def meaning(band: ScaleBand) -> str:
    """The guide's strategy for a band, told to the practice."""
    told = say.STRATEGY_FOR_YOU.get(strategy_name(band))
    return told if told is not None else say.STRATEGY_OTHER.format(guidance=band.guidance)


def _reference(scores: WaveScores) -> ScaleInfo | None:
    """The banded score whose bands the page is read against (the readiness index)."""
    return next((info for info in reversed(scores.scales) if info.bands), None)


def _bands_of(info: ScaleInfo, reference: ScaleInfo | None) -> tuple[ScaleBand, ...]:
    if info.bands:
        return tuple(info.bands)
    if reference is not None and info.score_range == reference.score_range:
        return tuple(reference.bands)
    return ()


def _band(value: float, bands: tuple[ScaleBand, ...]) -> ScaleBand | None:
    found = band_index(value, [(b.min, b.max) for b in bands])
    return None if found is None else bands[found]


def glance_blocks(
    scores: WaveScores, practice: Practice, comparison: Comparison, min_cohort: int
) -> tuple[Block, ...]:
    """The blocks of page 1 (``practice`` has at least one scored wave)."""
    latest = practice.latest
    assert latest is not None
    wave = scores.label(latest)
    instrument = scores.responses.instrument
    reference = _reference(scores)
    blocks: list[Block] = []
    if reference is not None:
        blocks += _overall(scores, practice, reference)
    else:
        lead = say.GLANCE_LEAD.format(title=instrument.title, wave=wave, group=comparison.name)
        blocks.append(Text(lead, "lead"))
    blocks.append(Text(compared_with(scores, comparison, latest, min_cohort)))
    seen: dict[str, ScaleBand] = {}
    rows = [
        _row(scores, practice, comparison, info, (reference, min_cohort), seen)
        for info in scores.scales
    ]
    baseline = scores.label(0)
    columns = (
        Column("scale", "Element"),
        Column("value", "Yours", "number", DECIMALS),
        Column("median", say.GLANCE_MEDIAN),
        Column("change", f"Change since {baseline}"),
        Column("marked", say.GLANCE_MARKED),
        Column("band", "Band"),
    )
    note = say.GLANCE_COLUMNS.format(group=comparison.name, baseline=baseline)
    title = say.GLANCE_TABLE.format(wave=wave)
    blocks.append(Table("glance", title, columns, tuple(rows), note))
    if seen:
        lines = tuple(
            say.GLANCE_STRATEGY.format(
                band=label, strategy=strategy_name(band) or label, meaning=meaning(band)
            )
            for label, band in seen.items()
        )
        blocks.append(TextList(say.GLANCE_STRATEGIES, lines))
    unbanded = [info for info in scores.scales if not info.bands]
    if reference is not None and any(_bands_of(i, reference) for i in unbanded):
        ranges = ", ".join(f"{b.label} {b.min:g} to {b.max:g}" for b in reference.bands)
        text = say.ELEMENT_BANDS.format(label=reference.label, bands=ranges)
        blocks.append(Text(text, "note"))
    elif reference is not None:
        blocks.append(Text(say.BAND_CONVENTION, "note"))
    return tuple(blocks)


def compared_with(scores: WaveScores, comparison: Comparison, latest: int, minimum: int) -> str:
    """Whom the practice is compared with, in a sentence; why the cohort, when it fell back."""
    group, wave = comparison.group, scores.label(latest)
    if group.fell_back and group.value is None:
        return say.FELL_BACK_UNKNOWN.format(
            field=comparison.field_label.lower(), cohort=say.COHORT_NAME
        )
    if group.fell_back:
        named = _named_group(comparison)
        return say.FELL_BACK.format(
            count=group.size, group=named, wave=wave, minimum=minimum, cohort=say.COHORT_NAME
        )
    return say.COMPARED_WITH.format(group=comparison.name, count=group.size, wave=wave)


def _named_group(comparison: Comparison) -> str:
    group = comparison.group
    return group_name(group.by, group.value, comparison.field_label)


def _overall(scores: WaveScores, practice: Practice, reference: ScaleInfo) -> list[Block]:
    found = at(practice, reference.name)
    if found is None:
        return [Text(say.NO_BAND.format(label=reference.label))]
    wave, row = found
    label: Any = scores.scored.frame.at[row, f"{reference.name}__band"]
    value = to_float(scores.scored.frame.at[row, reference.name])
    band = next(b for b in reference.bands if b.label == label)
    sentence = say.BAND_NOW.format(
        wave=scores.label(wave),
        label=reference.label,
        value=say.shown(value, DECIMALS),
        band=band.label,
        low=f"{band.min:g}",
        high=f"{band.max:g}",
    )
    return [Text(sentence + " " + say.BAND_MEANS.format(meaning=meaning(band)), "lead")]


def _row(
    scores: WaveScores,
    practice: Practice,
    comparison: Comparison,
    info: ScaleInfo,
    read: tuple[ScaleInfo | None, int],  # the banded score read against, and min_cohort
    seen: dict[str, ScaleBand],
) -> dict[str, Cell]:
    reference, min_cohort = read
    latest = practice.latest
    assert latest is not None
    by_wave = practice.rows.set_index("wave_index")[info.name]
    value = to_float(by_wave.get(latest))
    row: dict[str, Cell] = {"scale": info.label, "value": number(value)}
    n = comparison.value(info.name, latest, "cohort_n")
    median = comparison.value(info.name, latest, "cohort_median")
    if math.isnan(median):
        count = say.practices(0 if math.isnan(n) else int(n))
        reason = say.PEER_SUPPRESSED.format(
            count=count, wave=scores.label(latest), minimum=min_cohort
        )
        hidden = Suppressed(shown="not shown", reason=reason)
        row["median"] = hidden
    else:
        q1 = comparison.value(info.name, latest, "cohort_q1")
        q3 = comparison.value(info.name, latest, "cohort_q3")
        row["median"] = say.MEDIAN_CELL.format(
            median=say.shown(median), q1=say.shown(q1), q3=say.shown(q3)
        )
    row["change"], row["marked"] = _change(scores, practice, info)
    band = _band(value, _bands_of(info, reference))
    if band is None:
        row["band"] = say.NO_SCORE_CELL if math.isnan(value) else None
    else:
        row["band"] = band.label
        seen.setdefault(band.label, band)
    return row


def _change(scores: WaveScores, practice: Practice, info: ScaleInfo) -> tuple[Cell, Cell]:
    """The change since baseline as the page shows it (signed, whole points), and whether
    it is beyond the usual wobble (the change table's mark, in a word or two)."""
    if 0 not in practice.waves:
        return say.NO_CHANGE_CELL, None
    change = practice.changes(scores.names).loc[info.name]
    moved = to_float(change["change"])
    if math.isnan(moved):
        return say.NO_CHANGE_CELL, None
    status = scores.thresholds[info.name].status(practice.unit)
    return f"{moved:+.0f}".replace("-", "\u2212"), say.MARKED[status]
