"""Run charts with the Anhoej rules, and Shewhart p and XmR control charts, for feedback over time.

The points are a series in time order (a practice's scores over waves, or the cohort medians per
wave from `wave_medians`; yes/no counts per wave from `wave_counts` feed the p-chart). Written
in-house on numpy/scipy from the published formulas: the reference implementation, R qicharts2,
is GPL and is used only as an outside oracle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

# Shewhart constants for moving ranges of two: 2.66 = 3 / d2 with d2 = 1.128; D4 = 3.267.
XMR_LIMIT_FACTOR = 2.66
MR_UCL_FACTOR = 3.267


def wave_medians(data: pd.DataFrame, score: str, *, wave: str = "wave_index") -> pd.Series:
    """Median of a score across units at each wave (NaN ignored), indexed by wave in order."""
    _require(data, [wave, score])
    return data.groupby(wave)[score].median().sort_index()


def wave_counts(data: pd.DataFrame, item: str, *, wave: str = "wave_index") -> pd.DataFrame:
    """Per wave: events (units answering 1) and total (units answering 0 or 1) of a yes/no item."""
    _require(data, [wave, item])
    values = data[item].dropna()
    if not values.isin([0, 1]).all():
        raise ValueError(f"item {item!r} must hold 0/1 (NaN for missing)")
    grouped = data.groupby(wave)[item]
    return pd.DataFrame({"events": grouped.sum(), "total": grouped.count()}).sort_index()


def _require(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in the frame; it has {list(data.columns)}")


@dataclass(frozen=True)
class AnhoejLimits:
    """The runs-rule limits for ``n_useful`` points (see :func:`anhoej_limits`)."""

    n_useful: int
    longest_run_max: int
    crossings_min: int


def anhoej_limits(n_useful: int) -> AnhoejLimits:
    """Anhoej limits for n useful points (points not on the median).

    Formula (Anhoej & Olesen 2014, PLoS ONE 9:e113825; as coded in R qicharts2): a run is
    unusually long if longest run > round(log2(n)) + 3; there are unusually few crossings if
    crossings < qbinom(0.05, n - 1, 0.5) (scipy.stats.binom.ppf). log2(n) is never x.5 for
    integer n, so R's round-half-even and Python's round agree.
    """
    if n_useful < 2:
        raise ValueError(f"Anhoej limits need at least 2 useful points, got {n_useful}")
    return AnhoejLimits(
        n_useful=n_useful,
        longest_run_max=round(math.log2(n_useful)) + 3,
        crossings_min=int(stats.binom.ppf(0.05, n_useful - 1, 0.5)),
    )


@dataclass(frozen=True)
class RunChart:
    """A run chart's median, runs and crossings, and its signals (None with too few useful points;
    see :func:`run_chart`)."""

    n_points: int
    median: float
    n_useful: int
    longest_run: int
    n_crossings: int
    longest_run_max: int | None
    crossings_min: int | None
    longest_run_signal: bool | None
    crossings_signal: bool | None
    signal: bool | None
    method: str
    note: str = ""


def run_chart(
    values: Sequence[float] | np.ndarray | pd.Series, *, min_useful: int = 10
) -> RunChart:
    """Run chart of a series around its median, with the Anhoej runs rules.

    Formula: centre = median of the non-missing points; useful points are those not on the
    median; a run is a sequence of consecutive useful points on the same side; crossings = number
    of times consecutive useful points change side. Signals (see `anhoej_limits`): longest run >
    round(log2(n)) + 3, or crossings < qbinom(0.05, n - 1, 0.5), n = useful points. The rules are
    applied only with at least `min_useful` useful points; otherwise the signals are None and the
    note says so. Missing data: NaN points are skipped. Reference: Anhoej & Olesen (2014);
    R qicharts2::qic(chart = "run") summary fields longest.run, n.crossings.
    """
    if min_useful < 2:
        raise ValueError(f"min_useful must be at least 2, got {min_useful}")
    y = np.asarray(values, dtype=float)
    y = y[~np.isnan(y)]
    method = "run chart, Anhoej rules (longest run, crossings)"
    if len(y) == 0:
        return RunChart(0, math.nan, 0, 0, 0, None, None, None, None, None, method, "no points")
    median = float(np.median(y))
    side = np.sign(y - median)
    side = side[side != 0]
    n_useful = len(side)
    n_crossings = int((side[1:] != side[:-1]).sum())
    boundaries = np.flatnonzero(np.diff(side) != 0)
    run_lengths = np.diff(np.concatenate(([-1], boundaries, [n_useful - 1])))
    longest = int(run_lengths.max()) if n_useful else 0
    if n_useful < min_useful:
        return RunChart(
            n_points=len(y),
            median=median,
            n_useful=n_useful,
            longest_run=longest,
            n_crossings=n_crossings,
            longest_run_max=None,
            crossings_min=None,
            longest_run_signal=None,
            crossings_signal=None,
            signal=None,
            method=method,
            note=f"runs rules not applied: {n_useful} useful points, need {min_useful}",
        )
    limits = anhoej_limits(n_useful)
    long_run = longest > limits.longest_run_max
    few_crossings = n_crossings < limits.crossings_min
    return RunChart(
        n_points=len(y),
        median=median,
        n_useful=n_useful,
        longest_run=longest,
        n_crossings=n_crossings,
        longest_run_max=limits.longest_run_max,
        crossings_min=limits.crossings_min,
        longest_run_signal=long_run,
        crossings_signal=few_crossings,
        signal=long_run or few_crossings,
        method=method,
    )


@dataclass(frozen=True)
class PChart:
    """A p-chart's centre line and the points outside its limits (see :func:`p_chart`)."""

    center: float
    n_points: int
    n_outside: int
    method: str
    note: str = ""
    points: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


def p_chart(
    events: Sequence[float] | np.ndarray | pd.Series,
    totals: Sequence[float] | np.ndarray | pd.Series,
) -> PChart:
    """Shewhart p-chart for periodic proportions with varying denominators.

    Formula: p_i = x_i / n_i; CL = p-bar = sum x / sum n; limits p-bar +- 3 sqrt(p-bar (1 -
    p-bar) / n_i), truncated to [0, 1]; a point is outside if p_i > UCL_i or p_i < LCL_i.
    Missing data: periods with a missing count or a zero denominator are kept as NaN points and
    left out of the centre line. Reference: Montgomery, Introduction to Statistical Quality
    Control, section 7.2 (Example 7.1); R qicharts2::qic(chart = "p"). `points` has columns
    events, total, p, lcl, ucl, outside (in the order given).
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    if x.shape != n.shape or x.ndim != 1:
        raise ValueError(
            f"events and totals must be 1-d and of equal length ({x.shape}, {n.shape})"
        )
    usable = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    if (x[usable] < 0).any() or (x[usable] > n[usable]).any() or (n[~np.isnan(n)] < 0).any():
        raise ValueError("each period needs 0 <= events <= total")
    method = "p-chart, 3-sigma limits truncated to [0, 1]"
    notes = []
    if (~usable).any():
        notes.append(f"{int((~usable).sum())} period(s) without a usable count left out")
    if not usable.any():
        center = math.nan
        notes.append("no period has a denominator")
    else:
        center = float(x[usable].sum() / n[usable].sum())
        if center in (0.0, 1.0):
            notes.append(f"every answer is {int(center)}: the limits collapse onto the centre")
    p = np.divide(x, n, out=np.full(len(x), math.nan), where=usable)
    sigma = np.sqrt(center * (1 - center) / np.where(usable, n, np.nan))
    lcl = np.clip(center - 3 * sigma, 0.0, 1.0)
    ucl = np.clip(center + 3 * sigma, 0.0, 1.0)
    outside = usable & ((p > ucl) | (p < lcl))
    points = pd.DataFrame(
        {"events": x, "total": n, "p": p, "lcl": lcl, "ucl": ucl, "outside": outside}
    )
    return PChart(
        center=center,
        n_points=int(usable.sum()),
        n_outside=int(outside.sum()),
        method=method,
        note="; ".join(notes),
        points=points,
    )


@dataclass(frozen=True)
class XmRChart:
    """An XmR chart's centre line, limits and the points outside them (see :func:`xmr_chart`)."""

    center: float
    mr_bar: float
    lcl: float
    ucl: float
    mr_ucl: float
    n_points: int
    n_outside: int
    method: str
    note: str = ""
    points: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


def xmr_chart(values: Sequence[float] | np.ndarray | pd.Series) -> XmRChart:
    """XmR (individuals and moving range) chart, one value per period.

    Formula: CL = mean(x); MR_i = |x_i - x_(i-1)|; MR-bar = mean(MR); limits CL +- 2.66 MR-bar
    (2.66 = 3 / d2, d2 = 1.128); MR chart UCL = 3.267 MR-bar. A point is outside if x_i > UCL or
    x_i < LCL; a moving range is flagged if MR_i > 3.267 MR-bar. No screening of large moving
    ranges (qicharts2 drops MRs above the MR UCL before averaging; Montgomery does not). Missing
    data: NaN points are left out of the mean, and a moving range needs both neighbours. Reference:
    Montgomery, Introduction to Statistical Quality Control, section 6.4; Wheeler & Chambers (1992).
    `points` has columns value, moving_range, outside, mr_outside.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"values must be 1-d, got shape {x.shape}")
    mr = np.concatenate(([math.nan], np.abs(np.diff(x)))) if len(x) else np.array([])
    observed, ranged = ~np.isnan(x), ~np.isnan(mr)
    method = "XmR chart, limits mean +- 2.66 MR-bar, MR UCL 3.267 MR-bar"
    note = ""
    if not ranged.any():
        center = float(x[observed].mean()) if observed.any() else math.nan
        mr_bar = math.nan
        note = "needs two consecutive points for a moving range"
    else:
        center, mr_bar = float(x[observed].mean()), float(mr[ranged].mean())
        if mr_bar == 0.0:
            note = "every value is the same: the limits collapse onto the centre"
    lcl, ucl = center - XMR_LIMIT_FACTOR * mr_bar, center + XMR_LIMIT_FACTOR * mr_bar
    mr_ucl = MR_UCL_FACTOR * mr_bar
    outside = observed & ((x > ucl) | (x < lcl))
    mr_outside = ranged & (mr > mr_ucl)
    points = pd.DataFrame(
        {"value": x, "moving_range": mr, "outside": outside, "mr_outside": mr_outside}
    )
    return XmRChart(
        center=center,
        mr_bar=mr_bar,
        lcl=lcl,
        ucl=ucl,
        mr_ucl=mr_ucl,
        n_points=int(observed.sum()),
        n_outside=int(outside.sum()),
        method=method,
        note=note,
        points=points,
    )
