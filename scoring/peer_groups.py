"""The group a unit is benchmarked against: the whole cohort, or the units sharing its value of
a grouping field (its region, its size), with the group's median and quartiles at every wave.

Rule: the group is the units whose first recorded value of the grouping field (decode carries
key fields to every wave of a record) equals the unit's own. When fewer than ``min_units`` of
them have a row at the unit's latest wave, the comparison falls back to the whole cohort, and
:class:`PeerGroup` says so (``fell_back``), so small groups are never compared on noise. The
statistics are :func:`scoring.benchmark.cohort_benchmarks` computed over the group's rows: median
and quartiles by numpy ``method="linear"`` (Hyndman & Fan type 7, R's default ``quantile``),
suppressed (NaN) at a wave where fewer than ``min_units`` units have the score.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from instruments.model import Instrument
from scoring.benchmark import cohort_benchmarks
from scoring.decode import Responses
from scoring.field_stats import group_labels

GROUP_FIELD_TYPES = ("radio", "dropdown", "yesno", "truefalse", "text")
COLUMNS = ["score", "wave", "cohort_n", "cohort_median", "cohort_q1", "cohort_q3"]


def comparison_fields(instrument: Instrument) -> tuple[str, ...]:
    """The grouping fields a unit can be benchmarked by: the instrument's grouping keys that
    hold one value per unit (a choice or a text field, not a checkbox)."""
    fields = instrument.field_map()
    return tuple(
        key
        for key in instrument.grouping
        if key in fields and fields[key].type in GROUP_FIELD_TYPES
    )


def check_comparison_field(instrument: Instrument, by: str | None) -> None:
    """ValueError naming the fields that work when ``by`` is not one of them (None: the cohort)."""
    if by is None:
        return
    known = comparison_fields(instrument)
    if by not in known:
        listed = ", ".join(known) or "none: the instrument declares no grouping field"
        raise ValueError(
            f"cannot compare by '{by}': not a grouping field of '{instrument.id}'; "
            f"the fields that work are: {listed}"
        )


@dataclass(frozen=True)
class PeerGroup:
    """Whom a unit is compared with. ``by`` is None for the whole cohort; ``value`` is the
    unit's value of ``by`` as its label (None when not recorded); ``fell_back`` is True when
    the group asked for was too small (or the unit's value unknown) and the cohort is used;
    ``size`` counts the group's units at the unit's latest wave."""

    by: str | None
    value: str | None
    fell_back: bool
    size: int
    units: frozenset[Hashable]

    @property
    def is_cohort(self) -> bool:
        """Whether the unit is compared with the whole cohort, by choice or by fallback."""
        return self.by is None or self.fell_back


def unit_groups(responses: Responses, data: pd.DataFrame, by: str) -> pd.Series:
    """Each unit's value of ``by`` (its label where the field has choices): the first
    recorded at any of its rows, in wave order. ``data`` is the long score frame
    (:func:`scoring.scale_stats.long_scores`), indexed like ``responses.frame``."""
    labels = group_labels(responses, by).astype("object").reindex(data.index)
    ordered = pd.DataFrame({"unit": data["unit"], "wave": data["wave_index"], "value": labels})
    ordered = ordered.dropna(subset=["unit", "value"]).sort_values("wave", kind="stable")
    return ordered.groupby("unit", sort=False)["value"].first()


def peer_group(
    groups: pd.Series | None,
    data: pd.DataFrame,
    unit_id: Hashable,
    *,
    by: str | None,
    wave_index: int,
    min_units: int,
) -> PeerGroup:
    """The group ``unit_id`` is compared with at ``wave_index`` (its latest wave): the units
    with its value in ``groups`` (:func:`unit_groups` of ``by``), or the whole cohort when
    ``by`` is None, the unit's value is not recorded, or fewer than ``min_units`` units of the
    group have a row at that wave."""
    at = set(data.loc[data["wave_index"] == wave_index, "unit"].dropna())
    everyone = frozenset(data["unit"].dropna())
    if by is None or groups is None:
        return PeerGroup(None, None, False, len(at), everyone)
    value = groups.get(unit_id)
    if value is None or pd.isna(value):
        return PeerGroup(by, None, True, len(at), everyone)
    members = frozenset(groups.index[groups == value])
    size = len(members & at)
    if size < min_units:
        return PeerGroup(by, str(value), True, size, everyone)
    return PeerGroup(by, str(value), False, size, members)


def group_benchmarks(
    data: pd.DataFrame,
    scores: Sequence[str],
    group: PeerGroup,
    waves: Sequence[int],
    *,
    min_units: int,
) -> pd.DataFrame:
    """Per score and wave, indexed by (score, wave): cohort_n, cohort_median, cohort_q1,
    cohort_q3 among the group's units (NaN where fewer than ``min_units`` have the score).
    To compare many units, :class:`GroupBenchmarks` computes each group's once."""
    return GroupBenchmarks(data, scores, waves, min_units=min_units).summary(group)


class GroupBenchmarks:
    """The benchmarks of the groups units are compared with, each computed once and shared by
    every unit compared with that group: the group's rows of ``data`` (the long score frame),
    :func:`scoring.benchmark.cohort_benchmarks` over them at a wave, and their summary by score
    and wave (:func:`group_benchmarks`). A group is known by its units, so a whole cohort or a
    region is computed once for all its practices. The frames returned are shared: read only."""

    def __init__(
        self, data: pd.DataFrame, scores: Sequence[str], waves: Sequence[int], *, min_units: int
    ) -> None:
        self.data, self.scores, self.waves = data, list(scores), list(waves)
        self.min_units = min_units
        self._rows: dict[frozenset[Hashable], pd.DataFrame] = {}
        self._at: dict[tuple[frozenset[Hashable], int], pd.DataFrame] = {}
        self._summary: dict[frozenset[Hashable], pd.DataFrame] = {}

    def rows(self, group: PeerGroup) -> pd.DataFrame:
        """The rows of ``data`` of the group's units."""
        if group.units not in self._rows:
            self._rows[group.units] = self.data.loc[self.data["unit"].isin(group.units)]
        return self._rows[group.units]

    def at_wave(self, group: PeerGroup, wave: int) -> pd.DataFrame:
        """:func:`scoring.benchmark.cohort_benchmarks` of the group's rows at ``wave``."""
        key = (group.units, wave)
        if key not in self._at:
            self._at[key] = cohort_benchmarks(
                self.rows(group), self.scores, wave_index=wave, min_units=self.min_units
            )
        return self._at[key]

    def summary(self, group: PeerGroup) -> pd.DataFrame:
        """:func:`group_benchmarks` of the group over ``waves``."""
        if group.units not in self._summary:
            self._summary[group.units] = self._summarise(group)
        return self._summary[group.units]

    def _summarise(self, group: PeerGroup) -> pd.DataFrame:
        scores, waves = self.scores, self.waves
        parts = [self.at_wave(group, wave) for wave in waves]
        # A wave where no unit of the group was assessed has no rows: its entries are n = 0, NaN.
        every = pd.MultiIndex.from_product([scores, waves], names=["score", "wave"])
        parts = [part for part in parts if not part.empty]
        if not parts:
            empty = pd.DataFrame(index=every, columns=COLUMNS[2:], dtype=float)
            return empty.assign(cohort_n=0)
        frame = pd.concat(parts, ignore_index=True)[COLUMNS]
        found = frame.drop_duplicates(["score", "wave"]).set_index(["score", "wave"])
        return found.reindex(every).fillna({"cohort_n": 0}).astype({"cohort_n": int})
