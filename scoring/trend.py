"""Trends over three or more waves: Friedman's test on complete cases and a linear mixed model.

Friedman's test needs every unit at every wave and says how many units it dropped; the mixed
model (random intercept per unit, time in months since baseline) uses every observation, so it
is the one to read when waves are missing or irregular.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from scoring.change import check_long_frame, wave_table


@dataclass(frozen=True)
class FriedmanTest:
    score: str
    waves: tuple[int, ...]
    n_units: int
    units_dropped: int
    statistic: float
    df: float
    p_value: float
    kendall_w: float
    method: str
    note: str = ""


def friedman(
    data: pd.DataFrame,
    score: str,
    *,
    waves: Sequence[int] | None = None,
    unit: str = "unit",
    wave: str = "wave_index",
) -> FriedmanTest:
    """Friedman's rank test that a score's location is the same at every wave, with Kendall's W.

    Formula: values are ranked within each unit (mid-ranks for ties); chi2 = [12 / (n k (k + 1))
    sum_j R_j^2 - 3 n (k + 1)] / C, with C the tie correction, on k - 1 df; Kendall's W =
    chi2 / (n (k - 1)) (from the tie-corrected chi2). `waves` defaults to every wave in the frame.
    Missing data: complete cases only; units missing any of the waves are dropped and counted.
    Reference: scipy.stats.friedmanchisquare; R friedman.test (Hollander & Wolfe 1973, p. 139).
    NaN with a note when k < 3, n < 2, or every unit has the same value at every wave.
    """
    table = wave_table(data, score, unit=unit, wave=wave)
    if waves is not None:
        absent = sorted(set(waves) - set(table.columns))
        if absent:
            raise ValueError(f"wave(s) {absent} not in column {wave!r}")
        table = table[list(waves)]
    complete = table.dropna()
    n, k = len(complete), table.shape[1]
    method = "Friedman rank sum test (scipy.stats.friedmanchisquare), tie-corrected"
    statistic, p_value, note = math.nan, math.nan, ""
    if k < 3:
        note = f"needs at least 3 waves, has {k}; compare two waves with a paired test"
    elif n < 2:
        note = f"needs at least 2 units seen at every wave, has {n}"
    elif (complete.nunique(axis=1) == 1).all():
        note = "every unit has the same value at every wave: nothing to rank"
    else:
        result = stats.friedmanchisquare(*(complete[c].to_numpy() for c in complete.columns))
        statistic, p_value = float(result.statistic), float(result.pvalue)
    return FriedmanTest(
        score=score,
        waves=tuple(int(c) for c in table.columns),
        n_units=n,
        units_dropped=len(table) - n,
        statistic=statistic,
        df=float(k - 1),
        p_value=p_value,
        kendall_w=statistic / (n * (k - 1)) if not math.isnan(statistic) else math.nan,
        method=method,
        note=note,
    )


@dataclass(frozen=True)
class MixedSlope:
    score: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float
    statistic: float
    p_value: float
    intercept: float
    random_intercept_variance: float
    residual_variance: float
    n_obs: int
    n_units: int
    converged: bool
    method: str
    note: str = ""


def _unique_messages(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: dict[str, None] = {}
    for item in caught:
        seen.setdefault(f"{item.category.__name__}: {item.message}", None)
    return list(seen)


def mixed_slope(
    data: pd.DataFrame,
    score: str,
    *,
    confidence: float = 0.95,
    unit: str = "unit",
    wave: str = "wave_index",
    months: str = "months",
) -> MixedSlope:
    """Change per month from a linear mixed model with a random intercept per unit.

    Model: score_ij = b0 + b1 * months_ij + u_i + e_ij, u_i ~ N(0, tau^2), e_ij ~ N(0, sigma^2),
    fitted by REML (statsmodels `mixedlm("score ~ months", groups=unit).fit(reml=True)`); the slope
    b1 is reported with its SE, Wald z statistic, p-value and normal-theory CI (statsmodels' own;
    R lme4 prints no p-value and nlme uses t on residual df). Missing data: every row with both a
    score and months is used (valid under MAR); units need not be seen at every wave. statsmodels
    warnings (convergence, random-effect variance on the boundary) become the note, never leak.
    NaN with a note when fewer than 2 units, no spread in months or score, or no unit seen twice;
    `converged` is False when the optimizer failed (the estimates are then kept). Reference:
    Laird & Ware (1982), Biometrics 38:963; R lme4::lmer(score ~ months + (1 | unit), REML = TRUE).
    """
    check_long_frame(data, [score, months], unit=unit, wave=wave)
    frame = pd.DataFrame(
        {"score": data[score], "months": data[months], "unit": data[unit]}
    ).dropna()
    n_obs, n_units = len(frame), int(frame["unit"].nunique())
    nan = math.nan
    method = "linear mixed model, random intercept per unit, REML (statsmodels mixedlm); Wald z"
    fields = dict.fromkeys(
        ["estimate", "se", "ci_low", "ci_high", "statistic", "p_value", "intercept"], nan
    )
    tau2 = sigma2 = nan
    converged, notes = False, []
    if n_units < 2:
        notes.append(f"needs at least 2 units, has {n_units}")
    elif frame["months"].nunique() < 2:
        notes.append("months does not vary: no slope to estimate")
    elif frame["score"].nunique() < 2:
        notes.append("the score does not vary: no slope to estimate")
    elif frame["unit"].value_counts().max() < 2:
        notes.append("no unit is observed more than once: no within-unit information")
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = smf.mixedlm("score ~ months", frame, groups=frame["unit"]).fit(reml=True)
                interval = fit.conf_int(alpha=1.0 - confidence)
                fields.update(
                    estimate=float(fit.params["months"]),
                    se=float(fit.bse["months"]),
                    ci_low=float(interval.loc["months", 0]),
                    ci_high=float(interval.loc["months", 1]),
                    statistic=float(fit.tvalues["months"]),
                    p_value=float(fit.pvalues["months"]),
                    intercept=float(fit.params["Intercept"]),
                )
                tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
                converged = bool(fit.converged)
            except (np.linalg.LinAlgError, ValueError) as error:
                notes.append(f"the model could not be fitted: {error}")
        if not converged and not notes:
            notes.append("the optimizer did not converge: read the estimates with caution")
        notes.extend(_unique_messages(caught))
    return MixedSlope(
        score=score,
        estimate=fields["estimate"],
        se=fields["se"],
        ci_low=fields["ci_low"],
        ci_high=fields["ci_high"],
        confidence=confidence,
        statistic=fields["statistic"],
        p_value=fields["p_value"],
        intercept=fields["intercept"],
        random_intercept_variance=tau2,
        residual_variance=sigma2,
        n_obs=n_obs,
        n_units=n_units,
        converged=converged,
        method=method,
        note="; ".join(notes),
    )
