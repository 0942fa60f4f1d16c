"""Each unit against its cohort at a wave, and short non-judgmental feedback sentences.

Comparisons with fewer than `min_units` units (the cohort, or a region) are suppressed with a
reason rather than shown, so that small groups are not ranked on noise. Feedback lists strengths
first (scores above the cohort median, then the most improved scales since baseline) and
opportunities second (scores below the median), in neutral wording from a small template set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from scoring.change import check_long_frame

Kind = Literal["strength", "opportunity"]
Reason = Literal["above_median", "improved", "below_median"]

TEMPLATES: Mapping[Reason, str] = MappingProxyType(
    {
        "above_median": "Your practice's {label} score ({value}) is above the cohort median "
        "({median}).",
        "improved": "Your practice's {label} score has risen since baseline "
        "({baseline} to {value}).",
        "below_median": "An area to build on: {label} ({value}; cohort median {median}).",
    }
)


def cohort_benchmarks(
    data: pd.DataFrame,
    scores: Sequence[str],
    *,
    wave_index: int,
    unit: str = "unit",
    wave: str = "wave_index",
    region: str | None = None,
    min_units: int = 5,
) -> pd.DataFrame:
    """One row per unit and score at a wave: the unit's value against its cohort and region.

    Formula: the cohort is every unit with a value for the score at the wave (the unit included);
    percentile rank = scipy.stats.percentileofscore(cohort, value, kind="mean") = 100 * (#below
    + #equal / 2) / n; median and IQR by numpy method="linear" (Hyndman & Fan type 7, R's default
    quantile). Region mean = mean over units with a value in the unit's region. A cohort or region
    with fewer than `min_units` units gives NaN with the reason in `note`. Missing data: units
    without a value get NaN comparisons. Columns: unit, score, wave, value, cohort_n,
    cohort_median, cohort_q1, cohort_q3, percentile_rank, then region, region_n, region_mean when
    `region` is given, and note.
    """
    if min_units < 1:
        raise ValueError(f"min_units must be at least 1, got {min_units}")
    check_long_frame(data, scores, unit=unit, wave=wave)
    if region is not None and region not in data.columns:
        raise ValueError(f"region column {region!r} not in the frame; it has {list(data.columns)}")
    at = data.loc[data[wave] == wave_index].reset_index(drop=True)
    parts = []
    for score in scores:
        values = at[score].astype(float)
        observed = values.dropna().to_numpy()
        n = len(observed)
        part = pd.DataFrame({unit: at[unit], "score": score, "wave": wave_index, "value": values})
        part["cohort_n"] = n
        notes = pd.Series("", index=at.index, dtype=object)
        if n >= min_units:
            q1, median, q3 = np.percentile(observed, [25, 50, 75], method="linear")
            rank = stats.percentileofscore(observed, values.to_numpy(), kind="mean")
        else:
            q1 = median = q3 = math.nan
            rank = np.full(len(values), math.nan)
            notes[:] = f"cohort of {n} units is below the minimum of {min_units}: not compared"
        part["cohort_median"], part["cohort_q1"], part["cohort_q3"] = median, q1, q3
        part["percentile_rank"] = np.where(values.notna(), rank, math.nan)
        if region is not None:
            regions = at[region]
            in_region = values.groupby(regions, dropna=True)
            region_n = in_region.transform("count").reindex(at.index).fillna(0).astype(int)
            small = region_n < min_units
            part["region"], part["region_n"] = regions, region_n
            part["region_mean"] = in_region.transform("mean").reindex(at.index).where(~small)
            no_region = regions.isna()
            notes = _join(notes, no_region, "no region recorded")
            reason = "region has {} units, below the minimum of " + f"{min_units}: no regional mean"
            notes = _join(notes, small & ~no_region, region_n.map(reason.format))
        part["note"] = _join(notes, values.isna(), "no value at this wave")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _join(notes: pd.Series, where: pd.Series, text: str | pd.Series) -> pd.Series:
    addition = text if isinstance(text, pd.Series) else pd.Series(text, index=notes.index)
    joined = notes.where(notes == "", notes + "; ") + addition
    return joined.where(where, notes)


@dataclass(frozen=True)
class FeedbackItem:
    kind: Kind
    reason: Reason
    score: str
    label: str
    value: float
    reference: float
    sentence: str


@dataclass(frozen=True)
class UnitFeedback:
    unit: Hashable
    wave: int
    strengths: tuple[FeedbackItem, ...]
    opportunities: tuple[FeedbackItem, ...]
    benchmarks: pd.DataFrame

    @property
    def items(self) -> tuple[FeedbackItem, ...]:
        """Strengths first, then opportunities."""
        return self.strengths + self.opportunities


def unit_feedback(
    data: pd.DataFrame,
    unit_id: Hashable,
    scores: Sequence[str],
    *,
    wave_index: int,
    unit: str = "unit",
    wave: str = "wave_index",
    region: str | None = None,
    min_units: int = 5,
    labels: Mapping[str, str] | None = None,
    decimals: int = 0,
    max_improved: int = 2,
) -> UnitFeedback:
    """Strengths and opportunities of one unit at a wave, each with a short neutral sentence.

    Rule: a score is a strength if the unit's value is above the cohort median, an opportunity if
    below it, compared at the displayed precision (`decimals`) so a sentence never shows equal
    numbers; at the median it is neither. Up to `max_improved` further strengths are the scales
    not already above the median with the largest rise since baseline (wave 0), a rise that
    still shows at that precision. Order: above-median strengths by margin, improved ones by
    size of rise, then opportunities by distance below the median. Cohorts smaller than
    `min_units` give no median comparisons (see `cohort_benchmarks`). Sentences come from
    TEMPLATES; `labels` maps score columns to the names shown (default: the column name with
    spaces). Reference: seed guidance on strengths-and-opportunities feedback (notes 4.5).
    """
    if max_improved < 0:
        raise ValueError(f"max_improved must be 0 or more, got {max_improved}")
    table = cohort_benchmarks(
        data,
        scores,
        wave_index=wave_index,
        unit=unit,
        wave=wave,
        region=region,
        min_units=min_units,
    )
    mine = table.loc[table[unit] == unit_id].set_index("score")
    if mine.empty:
        raise ValueError(f"unit {unit_id!r} has no row at {wave}={wave_index}")
    names = {s: (labels or {}).get(s, s.replace("_", " ")) for s in scores}

    def shown(x: float) -> str:
        return f"{x:.{decimals}f}"

    above: list[tuple[float, FeedbackItem]] = []
    below: list[tuple[float, FeedbackItem]] = []
    values = mine.loc[list(scores), "value"].to_numpy(dtype=float)
    medians = mine.loc[list(scores), "cohort_median"].to_numpy(dtype=float)
    for score, value, median in zip(scores, values, medians, strict=True):
        if math.isnan(value) or math.isnan(median):
            continue
        margin = float(shown(value)) - float(shown(median))
        if margin == 0:
            continue
        reason: Reason = "above_median" if margin > 0 else "below_median"
        sentence = TEMPLATES[reason].format(
            label=names[score], value=shown(value), median=shown(median)
        )
        kind: Kind = "strength" if margin > 0 else "opportunity"
        item = FeedbackItem(kind, reason, score, names[score], value, median, sentence)
        (above if margin > 0 else below).append((abs(margin), item))
    listed = {item.score for _, item in above}
    candidates = [s for s in scores if s not in listed]
    rises = []
    for score, baseline, value in _rises(data, unit_id, candidates, wave_index, unit, wave, shown):
        sentence = TEMPLATES["improved"].format(
            label=names[score], baseline=shown(baseline), value=shown(value)
        )
        rises.append(
            FeedbackItem("strength", "improved", score, names[score], value, baseline, sentence)
        )
    return UnitFeedback(
        unit=unit_id,
        wave=wave_index,
        strengths=_by_margin(above) + tuple(rises[:max_improved]),
        opportunities=_by_margin(below),
        benchmarks=mine.reset_index(),
    )


def _by_margin(pairs: list[tuple[float, FeedbackItem]]) -> tuple[FeedbackItem, ...]:
    # sorted() is stable: equal margins keep the order of `scores`.
    return tuple(item for _, item in sorted(pairs, key=lambda pair: -pair[0]))


def _rises(
    data: pd.DataFrame,
    unit_id: Hashable,
    scores: Sequence[str],
    wave_index: int,
    unit: str,
    wave: str,
    shown: Callable[[float], str],
) -> list[tuple[str, float, float]]:
    """(score, baseline, value) of the scales that visibly rose since wave 0, largest rise first."""
    if wave_index == 0 or not scores:
        return []
    rows = data.loc[(data[unit] == unit_id) & data[wave].isin([0, wave_index])]
    by_wave = rows.set_index(wave)[list(scores)].astype(float)
    if 0 not in by_wave.index or wave_index not in by_wave.index:
        return []
    baselines = by_wave.loc[0].to_numpy(dtype=float)
    values = by_wave.loc[wave_index].to_numpy(dtype=float)
    rises = []
    for score, baseline, value in zip(scores, baselines, values, strict=True):
        if float(shown(value)) > float(shown(baseline)):  # False when either is NaN
            rises.append((value - baseline, score, baseline, value))
    rises.sort(key=lambda rise: -rise[0])
    return [(score, baseline, value) for _, score, baseline, value in rises]
