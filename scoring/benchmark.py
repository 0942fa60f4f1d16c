"""Each unit against its cohort at a wave, and short non-judgmental feedback sentences.

Comparisons with fewer than `min_units` units (the cohort, or a region) are suppressed with a
reason rather than shown, so that small groups are not ranked on noise. Feedback files each
score once under the rule of :func:`scoring.unit_findings.classify`, the same rule the
practice feedback report uses: a reliable rise since baseline is a strength and a reliable fall
an opportunity; otherwise a score above the cohort median is a strength and one below it an
opportunity. Strengths come first, in neutral wording from a small template set.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import stats

from scoring.change import check_long_frame
from scoring.unit_findings import Kind, Reason, classify

# The order items are listed in: strengths (risen, then above the median), then opportunities.
ORDER: tuple[Reason, ...] = ("rose", "above_median", "fell", "below_median")
TEMPLATES: Mapping[Reason, str] = MappingProxyType(
    {
        "rose": "Your practice's {label} score has risen since baseline, by more than the "
        "measurement's usual wobble ({baseline} to {value}).",
        "above_median": "Your practice's {label} score ({value}) is above the cohort median "
        "({median}).",
        "fell": "An area to build on: {label} has come down since baseline, by more than the "
        "measurement's usual wobble ({baseline} to {value}).",
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
    """One strength or opportunity: a score's value against its reference, and the neutral
    sentence a report prints for it."""

    kind: Kind
    reason: Reason
    score: str
    label: str
    value: float
    reference: float
    sentence: str


@dataclass(frozen=True)
class UnitFeedback:
    """A unit's strengths and opportunities at a wave, and the benchmark rows they come from."""

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
    statuses: Mapping[str, str] | None = None,
    table: pd.DataFrame | None = None,
) -> UnitFeedback:
    """Strengths and opportunities of one unit at a wave, each with a short neutral sentence.

    Rule: :func:`scoring.unit_findings.classify` per score, with ``statuses`` giving each
    score's reliable change from baseline to this wave ("improved", "declined", "unchanged" or
    "not assessed"; scoring.paired.reliable_change, as the practice report's change table shows
    it; missing: not assessed). A reliable rise is a strength and a reliable fall an opportunity;
    otherwise a score above the cohort median is a strength and one below it an opportunity,
    compared at the displayed precision (`decimals`) so a sentence never shows equal numbers; at
    the median it is neither. A change within the usual wobble is never named. Order: risen
    (largest rise first), above the median (by margin), fallen (largest fall first), below the
    median (by margin). Cohorts smaller than `min_units` give no median comparisons (see
    `cohort_benchmarks`). Sentences come from TEMPLATES; `labels` maps score columns to the names
    shown (default: the column name with spaces). ``table`` is :func:`cohort_benchmarks` of
    the same ``data``, scores, wave and options when already made: many units of one cohort
    share it. Reference: seed guidance on strengths-and-opportunities feedback (notes 4.5).
    """
    if table is None:
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
    baselines = _baselines(data, unit_id, scores, unit, wave)

    def shown(x: float) -> str:
        return f"{x:.{decimals}f}"

    found: list[tuple[int, float, FeedbackItem]] = []
    values = mine.loc[list(scores), "value"].to_numpy(dtype=float)
    medians = mine.loc[list(scores), "cohort_median"].to_numpy(dtype=float)
    for score, value, median in zip(scores, values, medians, strict=True):
        status = (statuses or {}).get(score, "not assessed")
        finding = classify(value, median, status, decimals=decimals)
        if finding.kind is None or finding.reason is None:
            continue
        changed = finding.reason in ("rose", "fell")
        reference = baselines.get(score, math.nan) if changed else median
        sentence = TEMPLATES[finding.reason].format(
            label=names[score], value=shown(value), median=shown(median), baseline=shown(reference)
        )
        item = FeedbackItem(
            finding.kind, finding.reason, score, names[score], value, reference, sentence
        )
        found.append((ORDER.index(finding.reason), -abs(value - reference), item))
    found.sort(key=lambda entry: entry[:2])  # stable: equal sizes keep the order of `scores`
    items = [item for _, _, item in found]
    return UnitFeedback(
        unit=unit_id,
        wave=wave_index,
        strengths=tuple(item for item in items if item.kind == "strength"),
        opportunities=tuple(item for item in items if item.kind == "opportunity"),
        benchmarks=mine.reset_index(),
    )


def _baselines(
    data: pd.DataFrame, unit_id: Hashable, scores: Sequence[str], unit: str, wave: str
) -> dict[str, float]:
    """The unit's score values at wave 0 (baseline); empty when it has no baseline row."""
    rows = data.loc[(data[unit] == unit_id) & (data[wave] == 0), list(scores)]
    if rows.empty:
        return {}
    return {score: float(rows[score].iloc[0]) for score in scores}
