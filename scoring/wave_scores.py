"""What the practice and cohort reports and the service's benchmarks share: each wave's label,
every scale's scores in the long frame of the change tests, and each item scale's
reliable-change threshold, scored once per snapshot.

The threshold follows the same choice as the tidy table (:mod:`scoring.scale_stats`): the
Jacobson-Truax threshold with the scale's Cronbach's alpha at baseline as its reliability.
A composite has no alpha of its own, so it gets no threshold.

Both reports read the units :func:`scoring.units.check_units` keeps: a duplicate unit (two
records giving one unit id at a wave) and rows without a unit id are set aside, named in
``WaveScores.unit_check``, and every other unit is scored as usual.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from scoring.decode import Responses
from scoring.paired import ReliableChange, reliable_change
from scoring.reliability import cronbach_alpha
from scoring.scale_stats import item_frame, long_scores, scale_scores
from scoring.scales import ScaleInfo, ScaleScores
from scoring.units import UnitCheck, check_units


@dataclass(frozen=True, eq=False)
class Threshold:
    """A scale's reliable change from baseline to each unit's latest wave, or why there is none."""

    scale: str
    alpha: float  # baseline Cronbach's alpha; NaN when there is none
    change: ReliableChange | None
    note: str = ""

    @property
    def value(self) -> float:
        """The threshold in score points; NaN when there is none."""
        return self.change.threshold if self.change is not None else math.nan

    def status(self, unit: object) -> str:
        """improved, unchanged, declined, or "not assessed" (no threshold, no pair)."""
        if self.change is None:
            return "not assessed"
        table = self.change.table
        found = table.loc[table["unit"] == unit, "status"]
        return str(found.iloc[0]) if len(found) else "not assessed"


def change_statuses(found: Mapping[str, Threshold], unit: object) -> dict[str, str]:
    """Each scale's reliable change from baseline to ``unit``'s latest wave, as its change table
    shows it (:meth:`Threshold.status`: "not assessed" without a baseline and a latest score)."""
    return {name: threshold.status(unit) for name, threshold in found.items()}


@dataclass(frozen=True, eq=False)
class WaveScores:
    """Scores of every unit at every wave, with the labels and thresholds reports need;
    ``responses`` are the rows ``unit_check`` kept (see :mod:`scoring.units`)."""

    responses: Responses
    unit_check: UnitCheck
    scored: ScaleScores
    data: pd.DataFrame  # scoring.scale_stats.long_scores: unit, wave_index, months, scores
    waves: Mapping[int, str]  # wave index -> label, for the waves in the data, in order
    thresholds: Mapping[str, Threshold]
    items: pd.DataFrame  # scoring.scale_stats.item_frame: every scale item as a number

    @property
    def scales(self) -> tuple[ScaleInfo, ...]:
        return self.scored.scales

    @property
    def names(self) -> list[str]:
        return [info.name for info in self.scored.scales]

    @property
    def labels(self) -> dict[str, str]:
        return {info.name: info.label for info in self.scored.scales}

    @property
    def units(self) -> list[object]:
        """The units in record order (as first met in the export)."""
        return [unit for unit in pd.unique(self.data["unit"].dropna())]

    def label(self, wave_index: int) -> str:
        """The wave's label; "wave N" (counting from 1) for a wave without one."""
        return self.waves.get(wave_index, f"wave {wave_index + 1}")


def wave_scores(responses: Responses) -> WaveScores:
    """Score ``responses`` once for the practice and cohort reports, without the rows
    :func:`scoring.units.check_units` sets aside."""
    checked = check_units(responses)
    responses = checked.responses
    scored = scale_scores(responses)
    data = long_scores(responses, scored)
    items = item_frame(responses)
    return WaveScores(
        responses=responses,
        unit_check=checked,
        scored=scored,
        data=data,
        waves=wave_labels(responses),
        thresholds=thresholds(responses, scored, data, items),
        items=items,
    )


def wave_labels(responses: Responses) -> dict[int, str]:
    """Wave index -> the label a reader knows it by, for every wave present in the responses.

    Events carry their own labels; repeated instances are numbered assessments, since each
    record's instances are ordered by its own dates rather than a shared calendar."""
    present = sorted(int(i) for i in pd.unique(responses.frame["wave_index"]))
    waves = responses.instrument.waves
    if waves is not None and waves.mode == "events":
        events = waves.events
        return {i: events[i].label if i < len(events) else f"wave {i + 1}" for i in present}
    if waves is not None and waves.mode == "repeating":
        return {i: f"Assessment {i + 1}" for i in present}
    return {i: "Assessment" for i in present}


def thresholds(
    responses: Responses,
    scored: ScaleScores,
    data: pd.DataFrame,
    items: pd.DataFrame | None = None,
) -> dict[str, Threshold]:
    """Each scale's Jacobson-Truax reliable change, reliability = its baseline alpha;
    ``items`` is :func:`scoring.scale_stats.item_frame` of ``responses`` when already made."""
    instrument = responses.instrument
    scales = {scale.name: scale for scale in instrument.all_scales()}
    items = item_frame(responses) if items is None else items
    baseline = responses.frame.index[responses.frame["wave_index"] == 0]
    found: dict[str, Threshold] = {}
    for info in scored.scales:
        if info.kind == "composite":
            note = "a composite of other scales has no alpha of its own, so no threshold"
            found[info.name] = Threshold(info.name, math.nan, None, note)
            continue
        alpha = cronbach_alpha(items.loc[baseline], scales[info.name], instrument=instrument)
        if math.isnan(alpha.value) or not 0.0 <= alpha.value < 1.0:
            why = alpha.note or f"baseline alpha {alpha.value:.3f} is outside [0, 1)"
            found[info.name] = Threshold(info.name, alpha.value, None, f"no threshold: {why}")
            continue
        change = reliable_change(
            data, info.name, reliability=alpha.value, reliability_source="cronbach_alpha"
        )
        found[info.name] = Threshold(info.name, alpha.value, change, change.note)
    return found
