"""Internal-consistency reliability: Cronbach's alpha, its Feldt interval, and item analysis.

Everything is computed from one item covariance matrix, built under an explicit missing-data
policy (measurement-notes section 2.4 and gotcha 8, where libraries differ):

* ``listwise`` (the default): only respondents who answered every item; ``n`` is their count.
* ``pairwise``: each covariance from the respondents who answered both items, with the means of
  those respondents (R ``cov(x, use = "pairwise.complete.obs")``, as ``psych::alpha`` does by
  default); ``n`` is the smallest number of respondents behind any covariance, and the Feldt
  interval uses it (a conservative choice: no respondent count fits every entry).

Items are reverse-keyed first when a :class:`~instruments.model.Scale` is given (through
:func:`scoring.scales.keyed_items`). Nothing here raises for ordinary data: a statistic that cannot
be computed (one item, fewer than two respondents, zero variance) is NaN and ``note`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from instruments.model import Instrument, Scale
from scoring.scales import keyed_items

MissingPolicy = Literal["listwise", "pairwise"]
MISSING_POLICIES: tuple[MissingPolicy, ...] = get_args(MissingPolicy)
NAN = float("nan")
ROUNDING = 1e-12  # a sum of correlations this close to zero is zero


@dataclass(frozen=True)
class Interval:
    """A confidence interval of a reliability coefficient, and how it was computed."""

    low: float
    high: float
    confidence: float
    method: str
    note: str = ""


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha of one set of items, with what it was computed from."""

    value: float  # raw alpha, from covariances
    standardized: float  # from the mean inter-item correlation
    mean_r: float  # mean inter-item correlation
    n: int  # respondents behind the estimate (see the module docstring)
    n_rows: int  # rows in the input
    n_items: int
    ci_low: float
    ci_high: float
    confidence: float
    missing: MissingPolicy
    method: str
    note: str = ""


@dataclass(frozen=True)
class ItemTotal:
    """One item's line of an item analysis."""

    item: str
    n: int  # respondents who answered it (listwise: the complete respondents)
    mean: float
    sd: float
    r_drop: float  # corrected item-total correlation: item vs the sum of the other items
    alpha_if_deleted: float
    note: str = ""


@dataclass(frozen=True)
class ItemAnalysis:
    """Each item's correlation with the rest of its scale and the alpha without it, with the
    scale's alpha."""

    items: tuple[ItemTotal, ...]
    n: int
    missing: MissingPolicy
    alpha: Alpha

    def frame(self) -> pd.DataFrame:
        """One row per item: n, mean, sd, r_drop, alpha_if_deleted, note."""
        rows = [
            {
                "item": i.item,
                "n": i.n,
                "mean": i.mean,
                "sd": i.sd,
                "r_drop": i.r_drop,
                "alpha_if_deleted": i.alpha_if_deleted,
                "note": i.note,
            }
            for i in self.items
        ]
        return pd.DataFrame(rows).set_index("item")


def feldt_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> Interval:
    """Feldt's F-based confidence interval for coefficient alpha.

    Formula (Feldt, Woodruff & Salih 1987, Applied Psychological Measurement 11:93-103, p. 95,
    formulas 6 and 7): with a = 1 - confidence, df1 = n - 1, df2 = (n - 1)(k - 1),
    ``lower = 1 - (1 - alpha) F(1 - a/2; df1, df2)``, ``upper = 1 - (1 - alpha) F(a/2; df1, df2)``,
    F(p; ...) the p-quantile of ``scipy.stats.f``. Same as R ``cocron::cronbach.alpha.CI`` and
    pingouin's ``cronbach_alpha`` interval. Missing data: n is whatever the caller's policy used.
    NaN with a note when n < 2, k < 2 or alpha is NaN.
    """
    check_confidence(confidence)
    method = "feldt"
    if not np.isfinite(alpha):
        return Interval(NAN, NAN, confidence, method, "alpha is not available")
    if n < 2 or k < 2:
        return Interval(NAN, NAN, confidence, method, f"needs n >= 2 and k >= 2; got n={n}, k={k}")
    a = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(stats.f.ppf(1.0 - a / 2.0, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(stats.f.ppf(a / 2.0, df1, df2))
    return Interval(low, high, confidence, method)


def cronbach_alpha(
    items: pd.DataFrame,
    scale: Scale | None = None,
    *,
    instrument: Instrument | None = None,
    missing: MissingPolicy = "listwise",
    confidence: float = 0.95,
) -> Alpha:
    """Cronbach's alpha, standardised alpha and the Feldt interval.

    Formula (Cronbach 1951): ``alpha = k/(k-1) (1 - sum(var_i) / var_total)`` with var_total the
    sum of the covariance matrix; standardised ``k r/(1 + (k-1) r)`` with r the mean
    off-diagonal correlation (R ``cov2cor`` of the same matrix); interval per
    :func:`feldt_interval`. Missing data: ``missing`` (see the module docstring); the result
    states the policy and the n used. Items: the scale's
    items reverse-keyed when ``scale`` is given, else every column of ``items``. Reference: R
    ``psych::alpha(x, use = ...)`` ``$total$raw_alpha`` and ``$total$std.alpha``.
    """
    check_confidence(confidence)
    names, block = _block(items, scale, instrument)
    return _alpha(_covariance(block, names, missing), confidence)


def item_total(
    items: pd.DataFrame,
    scale: Scale | None = None,
    *,
    instrument: Instrument | None = None,
    missing: MissingPolicy = "listwise",
    confidence: float = 0.95,
) -> ItemAnalysis:
    """Corrected item-total correlation and alpha if item deleted, for every item.

    Formula, from the covariance matrix C with row sums s_i and total S: the rest score of item
    i has variance ``S - 2 s_i + C_ii`` and covariance ``s_i - C_ii`` with the item, so
    ``r_drop_i = (s_i - C_ii) / sqrt(C_ii (S - 2 s_i + C_ii))``; alpha if deleted is alpha of C
    without row and column i. Missing data: as :func:`cronbach_alpha`; the analysis also
    carries the overall :class:`Alpha`. Reference: R
    ``psych::alpha(x)$item.stats$r.drop`` and ``$alpha.drop$raw_alpha``.
    """
    check_confidence(confidence)
    names, block = _block(items, scale, instrument)
    cov = _covariance(block, names, missing)
    c = cov.matrix
    k = len(names)
    sums = c.sum(axis=1)
    total = c.sum()
    lines = []
    for i, name in enumerate(names):
        var = c[i, i]
        r_drop, note = _r_drop(var, sums[i] - var, total - 2.0 * sums[i] + var, k, cov.note)
        keep = [j for j in range(k) if j != i]
        if k < 3:
            note = note or "alpha if deleted needs at least 3 items"
        sd = float(np.sqrt(var)) if var >= 0 else NAN
        without = _raw_alpha(c[np.ix_(keep, keep)])
        mean = float(cov.means[i])
        lines.append(ItemTotal(name, int(cov.item_n[i]), mean, sd, r_drop, without, note))
    return ItemAnalysis(tuple(lines), cov.n, missing, _alpha(cov, confidence))


def _r_drop(var: float, cross: float, rest: float, k: int, note: str) -> tuple[float, str]:
    """Correlation of an item with the rest score, from its variance and covariance."""
    if note:
        return NAN, note
    if k < 2:
        return NAN, "one item: there is no rest score"
    if not (var > 0 and rest > 0):
        return NAN, "zero variance in the item or in the rest score"
    return float(cross / np.sqrt(var * rest)), ""


@dataclass(frozen=True)
class _Covariance:
    names: tuple[str, ...]
    matrix: np.ndarray  # k x k, NaN where fewer than 2 respondents share a pair
    means: np.ndarray
    item_n: np.ndarray  # respondents per item
    n: int  # listwise: complete rows; pairwise: the smallest pair count
    n_rows: int
    missing: MissingPolicy
    note: str


def _block(
    items: pd.DataFrame, scale: Scale | None, instrument: Instrument | None
) -> tuple[tuple[str, ...], np.ndarray]:
    if scale is not None:
        frame = keyed_items(items, scale, instrument)
    else:
        frame = items
    try:
        block = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"item columns must be numeric ({exc}); decode them first") from exc
    return tuple(str(c) for c in frame.columns), block


def _covariance(block: np.ndarray, names: tuple[str, ...], missing: MissingPolicy) -> _Covariance:
    """Covariances with per-pair means: exact pairwise (and, on complete rows, listwise)."""
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing='{missing}' is not a policy; use one of {MISSING_POLICIES}")
    n_rows = block.shape[0]
    if missing == "listwise":
        block = block[~np.isnan(block).any(axis=1)]
    present = ~np.isnan(block)
    weight = present.astype(np.float64)
    item_n = weight.sum(axis=0)
    column_sum = np.where(present, block, 0.0).sum(axis=0)
    means = np.divide(column_sum, item_n, out=np.full(len(names), NAN), where=item_n > 0)
    # Centring first keeps the one-pass products accurate; covariances are shift-invariant.
    centred = np.where(present, block - np.nan_to_num(means), 0.0)
    pair_n = weight.T @ weight
    cross = centred.T @ centred
    partial = centred.T @ weight  # [i, j]: sum of item i over the rows that also answered j
    numerator = cross - np.divide(
        partial * partial.T, pair_n, out=np.zeros_like(cross), where=pair_n > 0
    )
    matrix = np.divide(numerator, pair_n - 1.0, out=np.full_like(cross, NAN), where=pair_n > 1)
    k = len(names)
    note = ""
    if missing == "listwise":
        n = int(block.shape[0])
        if n < 2:
            note = f"{n} complete respondent(s) (listwise); alpha needs at least 2"
    elif k < 2:
        n = int(item_n.min()) if k else 0
    else:
        off_diagonal = np.where(np.eye(k, dtype=bool), np.inf, pair_n)
        i, j = np.unravel_index(int(np.argmin(off_diagonal)), pair_n.shape)
        n = int(pair_n[i, j])
        if n < 2:
            note = (
                f"items '{names[i]}' and '{names[j]}' share {n} respondent(s) (pairwise); "
                "every pair needs at least 2"
            )
    return _Covariance(names, matrix, means, item_n, n, n_rows, missing, note)


def _raw_alpha(c: np.ndarray) -> float:
    k = c.shape[0]
    total = c.sum()
    # A total score of zero variance sums to round-off (5.6e-17), not 0: alpha is undefined.
    if k < 2 or not np.isfinite(total) or total <= ROUNDING * abs(np.trace(c)):
        return NAN
    return float(k / (k - 1) * (1.0 - np.trace(c) / total))


def _alpha(cov: _Covariance, confidence: float) -> Alpha:
    k = len(cov.names)
    c = cov.matrix
    method = f"cronbach; {cov.missing} covariances; feldt interval"
    note = cov.note
    if k < 2:
        note = note or f"alpha needs at least 2 items; got {k}"
    value = NAN if note else _raw_alpha(c)
    if not note and np.isnan(value):
        note = "the total score has zero variance"
    variances = np.diag(c)
    standardized = mean_r = NAN
    if k >= 2 and not cov.note:
        zero = [cov.names[i] for i in range(k) if not variances[i] > 0]
        if zero:
            note = note or f"item(s) {zero} have zero variance; correlations are undefined"
        else:
            corr = c / np.sqrt(np.outer(variances, variances))
            mean_r = float(corr[~np.eye(k, dtype=bool)].mean())
            denominator = 1.0 + (k - 1) * mean_r
            # At mean r = -1/(k-1) the denominator is 0, which rounding may leave at ~1e-16:
            # standardised alpha is undefined there, not a number of the order of -1e16.
            if denominator > ROUNDING:
                standardized = k * mean_r / denominator
    interval = feldt_interval(value, cov.n, k, confidence)
    return Alpha(
        value=value,
        standardized=standardized,
        mean_r=mean_r,
        n=cov.n,
        n_rows=cov.n_rows,
        n_items=k,
        ci_low=interval.low,
        ci_high=interval.high,
        confidence=confidence,
        missing=cov.missing,
        method=method,
        note=note,
    )


def check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence} must lie strictly between 0 and 1, e.g. 0.95")
