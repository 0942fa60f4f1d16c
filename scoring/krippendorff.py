"""Krippendorff's alpha for any number of coders, with missing ratings, at four levels.

Written from the coincidence-matrix formulation of Krippendorff (2011), "Computing
Krippendorff's Alpha-Reliability" (no GPL package is used); ratings as :mod:`scoring.ratings`
reads them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from scoring.ratings import NAN, AgreementStatistic, Coded, encode

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def krippendorff_alpha(
    ratings: pd.DataFrame,
    level: Level = "nominal",
    categories: Sequence[Hashable] | None = None,
) -> AgreementStatistic:
    """Krippendorff's alpha = 1 - D_o / D_e from the coincidence matrix, any number of coders.

    o_ck = sum_u (number of ordered pairs (c, k) of values from different coders in u) /
    (m_u - 1); n_c = sum_k o_ck; n = sum_c n_c; D_o = sum o_ck d_ck / n;
    D_e = sum n_c n_k d_ck / (n (n - 1)). Squared differences d_ck: nominal [c != k];
    ordinal (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 over the category order; interval (c - k)^2;
    ratio ((c - k)/(c + k))^2 (numeric codes, and non-negative for ratio). Missing data: any
    pattern; units with a single value are not pairable and are left out (``n_excluded``).
    No interval (Krippendorff recommends a bootstrap). Reference: Krippendorff K (2011)
    "Computing Krippendorff's Alpha-Reliability", Annenberg School; Hayes & Krippendorff (2007)
    Commun Methods Meas 1:77-89; R ``irr::kripp.alpha``.
    """
    return coded_alpha(encode(ratings, categories), level)


def krippendorff_reading(alpha: float) -> str:
    """Krippendorff's (2004, Content Analysis 2nd ed., p. 241) standard for an alpha.

    alpha >= .800 reliable; .667 <= alpha < .800 tentative (tentative conclusions only);
    below .667 not reliable. NaN gives "".
    """
    if math.isnan(alpha):
        return ""
    if alpha >= 0.8:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "not reliable"


def coded_alpha(coded: Coded, level: Level) -> AgreementStatistic:
    """Krippendorff's alpha at ``level`` of ratings already encoded (see
    :func:`krippendorff_alpha`)."""
    name = f"krippendorff_alpha_{level}"
    if level in ("interval", "ratio") and coded.scores is None:
        raise ValueError(f"{level} alpha needs numeric codes; got text codes {coded.labels[:5]}")
    if level == "ratio" and coded.scores is not None and (coded.scores < 0).any():
        raise ValueError("ratio alpha needs non-negative codes")
    counts = coded.counts()
    m = counts.sum(axis=1)
    pairable = m >= 2
    excluded = int((m == 1).sum())
    if not pairable.any():
        note = "no unit has two or more values: nothing is pairable"
        return AgreementStatistic(name, NAN, 0, excluded, note=note)
    values = counts[pairable]
    shares = values / (m[pairable] - 1)[:, None]
    coincidence = values.T @ shares - np.diag(shares.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    delta = _alpha_delta(level, n_c, coded.scores)
    observed = float((coincidence * delta).sum() / n)
    expected = float((np.outer(n_c, n_c) * delta).sum() / (n * (n - 1)))
    method = f"Krippendorff's alpha, {level} metric, coincidence matrix (Krippendorff 2011)"
    n_units = int(pairable.sum())
    base = AgreementStatistic(name, NAN, n_units, excluded, observed=observed, method=method)
    base = replace(base, expected=expected)
    if expected <= 0:
        note = "every pairable value is the same: no expected disagreement, alpha is undefined"
        return replace(base, note=note)
    value = 1 - observed / expected
    return replace(base, value=value, reading=krippendorff_reading(value))


def _alpha_delta(level: Level, n_c: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
    if level == "nominal":
        return 1 - np.eye(len(n_c))
    if level == "ordinal":
        # sum_{g=c..k} n_g - (n_c + n_k)/2 = N_k - N_c + (n_c - n_k)/2 for c <= k (N cumulative)
        cumulative = np.cumsum(n_c)
        between = cumulative[None, :] - cumulative[:, None] + (n_c[:, None] - n_c[None, :]) / 2
        return between**2
    if scores is None:
        raise ValueError(f"{level} alpha needs numeric codes")
    gap = scores[:, None] - scores[None, :]
    if level == "interval":
        return gap**2
    total = scores[:, None] + scores[None, :]
    return np.divide(gap, total, out=np.zeros_like(gap), where=total != 0) ** 2
