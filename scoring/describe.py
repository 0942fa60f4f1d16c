"""Numeric and Likert summaries with one fixed quantile definition.

Quantiles of discrete data depend on the definition (Hyndman & Fan 1996 list nine). Every
quantile here (median, quartiles, IQR) is Hyndman & Fan **type 7**: numpy
``quantile(..., method="linear")``, R's ``quantile(type = 7)`` default. With the values sorted,
x_(1) <= ... <= x_(n), and h = (n - 1) p: Q(p) = x_(floor h + 1) + (h - floor h) (x_(floor h + 2)
- x_(floor h + 1)). Pinned in code and tests so an IQR here equals R's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from scoring.proportions import (
    BLANK,
    Choices,
    FrequencyTable,
    Proportion,
    as_asked,
    check_confidence,
    frequencies,
    missing_code_factors,
    wilson,
)

QUANTILE_METHOD: Literal["linear"] = "linear"  # Hyndman & Fan type 7, R's default


@dataclass(frozen=True)
class NumericSummary:
    """n, mean, SD (ddof=1), type-7 quartiles, range and the t interval of the mean."""

    n: int
    n_missing: int
    mean: float
    sd: float
    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95
    method: str = "t interval of the mean; quantiles Hyndman-Fan type 7"
    missing: Mapping[str, int] = field(default_factory=dict)
    n_ignored_not_asked: int = 0
    note: str = ""
    bounds: tuple[float, float] | None = None
    small: bool = False


@dataclass(frozen=True)
class LikertSummary:
    """A Likert item: its full distribution, type-7 median and quartiles, top-box share."""

    distribution: FrequencyTable
    median: float
    q1: float
    q3: float
    top_codes: tuple[str, ...]
    top_box: Proportion
    note: str = ""


def quantiles(values: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """Hyndman & Fan type-7 quantiles of the finite ``values`` (NaN for each prob if empty).

    Formula: see the module docstring. Reference: Hyndman RJ, Fan Y (1996) Sample quantiles in
    statistical packages. Am Stat 50:361-365; R ``quantile(x, probs, type = 7)``.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return np.full(len(probs), np.nan)
    return np.asarray(np.quantile(x, list(probs), method=QUANTILE_METHOD), dtype=float)


def describe_numeric(
    values: pd.Series,
    asked: pd.Series | None = None,
    *,
    missing: pd.Series | None = None,
    confidence: float = 0.95,
    bounds: tuple[float, float] | None = None,
    min_n: int = 1,
) -> NumericSummary:
    """Summary of a numeric item or score.

    Formulas: mean = sum(x)/n; SD = sqrt(sum((x - mean)^2)/(n - 1)) (ddof=1, R ``sd``); median,
    Q1, Q3 type 7 (module docstring), IQR = Q3 - Q1; CI = mean -+ t_{(1+conf)/2, n-1} SD/sqrt(n)
    (``scipy.stats.t.ppf``), R ``t.test(x)$conf.int``. A value with ``bounds`` (a 0-100 score,
    a validated 1-10 answer) has a mean inside them, so the interval is truncated to them: the
    truncated interval covers the mean whenever the t interval does, and never claims values the
    scale cannot take (the note says when it was truncated). Fewer than ``min_n`` values set
    ``small`` and say so in the note: such an estimate is unstable.
    Missing-data rule: NaN is missing; only ``asked`` respondents count (all when ``asked`` is
    None); values of respondents not asked are ignored and counted. ``missing`` (codes per
    respondent, optional) only labels the NaNs by reason; a NaN without a code is "blank".
    n = 0 gives NaN everywhere; n = 1 gives NaN SD and CI, with a note.
    Reference: Student (1908); Hyndman & Fan (1996); R ``t.test``, ``quantile``.
    Raises ValueError for infinite values or a misaligned ``asked``.
    """
    check_confidence(confidence)
    if asked is None:
        asked_b = pd.Series(True, index=values.index)
    else:
        asked_b = as_asked(asked, values.index)
    x_all = pd.to_numeric(values, errors="raise").astype(float)
    if np.isinf(x_all.to_numpy()).any():
        raise ValueError("values must be finite numbers or NaN, found infinity")
    every, shown = x_all.to_numpy(), asked_b.to_numpy(dtype=bool)
    ignored = int((~shown & ~np.isnan(every)).sum())
    x = every[shown]
    blank = np.isnan(x)
    codes, texts = missing_code_factors(missing, values.index)
    by_code = np.array([*texts, BLANK], dtype=object)  # code -1, no missing code, reads "blank"
    reasons = pd.Series(by_code[codes[shown][blank]], dtype=object)
    missing_counts = {str(k): int(v) for k, v in reasons.value_counts().items()}
    arr = x[~blank]
    n = int(arr.size)
    notes = [f"{ignored} value(s) from respondents not asked were ignored"] if ignored else []
    nan = float("nan")
    mean = sd = median = q1 = q3 = low = high = nan
    lowest = highest = nan
    if n == 0:
        notes.insert(0, "no values")
    else:
        q1, median, q3 = (float(q) for q in quantiles(arr, (0.25, 0.5, 0.75)))
        mean, lowest, highest = float(arr.mean()), float(arr.min()), float(arr.max())
    if n >= 2:
        sd = float(arr.std(ddof=1))
        half = float(stats.t.ppf((1 + confidence) / 2, n - 1) * sd / np.sqrt(n))
        low, high = mean - half, mean + half
        if bounds is not None and (low < bounds[0] or high > bounds[1]):
            low, high = max(low, bounds[0]), min(high, bounds[1])
            notes.append(f"interval truncated to the range {bounds[0]:g} to {bounds[1]:g}")
    elif n == 1:
        notes.insert(0, "SD and CI need at least 2 values")
    small = 0 < n < min_n
    if small:
        notes.append(f"fewer than {min_n} values: an unstable estimate")
    return NumericSummary(
        n=n,
        n_missing=int(blank.sum()),
        mean=mean,
        sd=sd,
        median=median,
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        min=lowest,
        max=highest,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        missing=missing_counts,
        n_ignored_not_asked=ignored,
        note="; ".join(notes),
        bounds=bounds,
        small=small,
    )


def describe_likert(
    answers: pd.Series,
    asked: pd.Series,
    choices: Choices,
    *,
    top: Collection[str] | None = None,
    missing: pd.Series | None = None,
    missing_labels: Mapping[str, str] | None = None,
    keep_missing: Collection[str] = (),
    confidence: float = 0.95,
    small_below: int = 5,
) -> LikertSummary:
    """Distribution, median and top-box percent of a Likert item.

    Distribution: :func:`scoring.proportions.frequencies` (every option in the order given, zero
    counts too, with the same denominator and missing rules). Median, Q1, Q3: type-7 quantiles of
    the numeric choice codes of the substantive answers (kept missing codes are not on the scale
    and are left out). Top box: Wilson proportion of answers whose code is in ``top`` (default
    the two numerically highest codes), over the distribution's denominator (so a kept "not
    relevant" counts against agreement, as in the table).
    Reference: measurement notes section 3.3; Hyndman & Fan (1996) type 7; Wilson (1927).
    Raises ValueError if a choice code is not numeric or ``top`` names an unknown code.
    """
    codes = [str(code) for code, _ in choices]
    numeric = pd.to_numeric(pd.Series(codes, dtype=object), errors="coerce")
    if numeric.isna().any():
        bad = [c for c, v in zip(codes, numeric, strict=True) if pd.isna(v)]
        raise ValueError(f"Likert choice codes must be numbers, got {bad}")
    value_of = dict(zip(codes, numeric.astype(float), strict=True))
    if top is None:
        top_codes = tuple(sorted(codes, key=value_of.__getitem__)[-2:])
    else:
        top_codes = tuple(str(c) for c in top)
        unknown = sorted(set(top_codes) - set(codes))
        if unknown:
            raise ValueError(f"top codes {unknown} are not choices; choices are {codes}")
    table = frequencies(
        answers,
        asked,
        choices,
        missing=missing,
        missing_labels=missing_labels,
        keep_missing=keep_missing,
        confidence=confidence,
        small_below=small_below,
    )
    counts = table.table.loc[codes, "count"].to_numpy()
    scale = np.repeat(np.array([value_of[c] for c in codes]), counts)
    q1, median, q3 = quantiles(scale, (0.25, 0.5, 0.75))
    top_count = int(table.table.loc[list(top_codes), "count"].sum())
    box = wilson(top_count, table.denominator, confidence)
    return LikertSummary(
        distribution=table,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        top_codes=top_codes,
        top_box=box,
        note="; ".join(n for n in (table.note, "no answers" if scale.size == 0 else "") if n),
    )
