"""The cohort median at each wave with its distribution-free confidence interval.

A run chart plots the cohort median per wave; read alone, a median moving by three points says
nothing about whether the cohort moved. The interval beside each median says how far the
median of a cohort this size could wander by chance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from scoring.spc import wave_medians

CONFIDENCE = 0.95


@dataclass(frozen=True)
class MedianInterval:
    """A sample median with its distribution-free confidence interval (see :func:`median_ci`)."""

    median: float
    low: float
    high: float
    n: int
    note: str = ""  # why the interval is missing (NaN), when it is


def median_ci(values: object, *, confidence: float = CONFIDENCE) -> MedianInterval:
    """The sample median with its exact distribution-free (order-statistic) confidence interval.

    Formula (Conover 1999, Practical Nonparametric Statistics, section 3.2): with x sorted and
    l = qbinom((1 - confidence) / 2, n, 0.5), the interval is [x(l), x(n - l + 1)]; its coverage
    is at least ``confidence`` (binomial counts are discrete, so it is conservative). Computed by
    scipy.stats.quantile_test(...).confidence_interval. With too few values no pair of order
    statistics reaches the coverage (n < 6 at 95%): the interval is NaN and ``note`` says why.
    Missing data: NaN values are dropped. Reference: the same order statistics in R,
    ``sort(x)[c(l, n - l + 1)]``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return MedianInterval(math.nan, math.nan, math.nan, 0, "no values")
    median = float(np.median(x))
    interval = stats.quantile_test(x, q=median, p=0.5).confidence_interval(confidence)
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        note = f"{len(x)} values are too few for a {confidence:.0%} interval around a median"
        return MedianInterval(median, math.nan, math.nan, len(x), note)
    return MedianInterval(median, low, high, len(x))


def wave_median_intervals(
    data: pd.DataFrame, score: str, *, wave: str = "wave_index", confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per wave (in order, as :func:`scoring.spc.wave_medians`): the median of a score across
    units, its interval (:func:`median_ci`) and the number of units with a score; columns
    median, low, high, n, note."""
    order = wave_medians(data, score, wave=wave).index
    rows = {
        index: asdict(median_ci(group[score], confidence=confidence))
        for index, group in data.groupby(wave)
    }
    return pd.DataFrame.from_dict(rows, orient="index").reindex(order)
