"""What the practice report's pages share: the practice's own rows, whom it is compared with
(named, as :mod:`scoring.peer_groups` chose the group), and how a frame's cell becomes a number
or a table cell."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports import practice_text as say
from scoring.change import unit_changes
from scoring.peer_groups import PeerGroup
from scoring.wave_scores import WaveScores

DECIMALS = 0  # scores as the feedback sentences show them


@dataclass(frozen=True, eq=False)
class Practice:
    """One practice's scores, with the waves at which it has any."""

    unit: object
    rows: pd.DataFrame  # the practice's rows of the long score frame, in wave order
    waves: tuple[int, ...]  # the waves with at least one score
    _changes: dict[tuple[str, ...], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False
    )

    def changes(self, names: Sequence[str]) -> pd.DataFrame:
        """Each of ``names``' change from the first wave to the latest
        (:func:`scoring.change.unit_changes`), indexed by score: worked out once per practice,
        for the first page and the change table both read it."""
        key = tuple(names)
        if key not in self._changes:
            self._changes[key] = unit_changes(self.rows, list(names)).set_index("score")
        return self._changes[key]

    @property
    def latest(self) -> int | None:
        """The practice's last wave with a score, or None."""
        return self.waves[-1] if self.waves else None


@dataclass(frozen=True, eq=False)
class Comparison:
    """The group a practice is compared with, its name in the report's sentences, and its
    median and quartiles per (score, wave) (:func:`scoring.peer_groups.group_benchmarks`)."""

    group: PeerGroup
    name: str  # e.g. "practices in the North region", "all practices in the programme"
    short: str  # the charts' legend: "Cohort" or "Group"
    field_label: str  # the grouping field's label ("" for the cohort)
    benchmarks: pd.DataFrame

    def value(self, score: str, wave: int, column: str) -> float:
        """The group's ``column`` (``cohort_median``, ``cohort_q1``...) for one score at one wave;
        NaN where the group has none."""
        key = (score, wave)
        if key not in self.benchmarks.index:
            return math.nan
        return to_float(self.benchmarks.at[key, column])


def group_name(by: str | None, value: str | None, field_label: str) -> str:
    """The comparison group in words: "practices in the North region"."""
    if by is None or value is None:
        return say.COHORT_NAME
    if value in say.GROUP_VALUE_NAMES:
        return say.GROUP_VALUE_NAMES[value]
    template = say.GROUP_NAMES.get(by, say.GROUP_NAME_OTHER)
    return template.format(value=value, field=field_label.lower())


def unit_label(scores: WaveScores) -> str:
    """What the instrument calls a unit, or "practice" when it declares none."""
    unit = scores.responses.instrument.unit
    return unit.label if unit is not None else "practice"


def at(practice: Practice, name: str) -> tuple[int, Any] | None:
    """The practice's latest wave with a score on ``name``, and that row's label."""
    rows = practice.rows.loc[practice.rows[name].notna()]
    if rows.empty:
        return None
    return int(rows["wave_index"].iloc[-1]), rows.index[-1]


def to_float(value: Any) -> float:
    """A number from a frame cell; NaN for a missing one (None, NaN, pd.NA)."""
    return math.nan if value is None or value is pd.NA else float(value)


def number(value: Any) -> float | None:
    """A table cell: the number, or blank where there is none."""
    found = to_float(value)
    return None if math.isnan(found) else found
