"""Trends over three or more waves: Friedman's test on complete cases and a linear mixed model.

Friedman's test needs every unit at every wave and says how many units it dropped; the mixed
model (random intercept per unit, time in months since baseline) uses every observation, so it
is the one to read when waves are missing or irregular.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from scoring.change import check_long_frame, score_decimals, wave_table


@dataclass(frozen=True)
class FriedmanTest:
    """Whether a score's location differs across waves, by ranks (see :func:`friedman`)."""

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
    Values are ranked at the precision of the scores (rounded to 10 significant digits of the
    largest, as `scoring.change.PairedValues.rounded_differences` explains), so that a composite
    computed from different components, 37.49999999999999 and 37.5, ties as it should.
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
    decimals = score_decimals(complete.to_numpy())
    if decimals is not None:
        complete = complete.round(decimals)
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
    """A score's change per month, from a mixed model with a random intercept per unit (see
    :func:`mixed_slope`)."""

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
    optimizer: str = ""
    reml_log_likelihood: float = math.nan


# statsmodels MixedLM optimisers: BFGS, and when it fails, does not converge or warns (a variance
# on its boundary at 0, where BFGS stalls), Powell, which needs no gradient; Nelder-Mead only if
# Powell does not converge either. Of those tried, the converged fit with the highest REML
# log-likelihood is kept. statsmodels' default tolerances stop up to 1e-5 (relative) short of
# the optimum in the variances, so they are tightened.
OPTIMIZERS: tuple[tuple[str, dict[str, float]], ...] = (
    ("bfgs", {"gtol": 1e-8}),
    ("powell", {"ftol": 1e-12}),
    ("nm", {"ftol": 1e-12, "maxiter": 5000}),
)


@dataclass(frozen=True)
class _Attempt:
    optimizer: str
    fit: Any  # statsmodels MixedLMResults, or None when the optimiser raised
    messages: tuple[str, ...]
    log_likelihood: float = math.nan
    converged: bool = False
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.fit is not None and math.isfinite(self.log_likelihood)

    @property
    def clean(self) -> bool:
        return self.usable and self.converged and not self.messages

    @property
    def trouble(self) -> str:
        if self.error:
            return f"{self.optimizer} failed ({self.error})"
        if not self.usable:
            return f"{self.optimizer} found no finite REML log-likelihood"
        return f"{self.optimizer} " + ("warned" if self.converged else "did not converge")


def _unique_messages(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in caught:
        seen.setdefault(f"{item.category.__name__}: {item.message}", None)
    return tuple(seen)


def _fit_reml(frame: pd.DataFrame) -> list[_Attempt]:
    """REML fits by the optimisers in turn, up to a clean first one or a converged later one;
    nothing leaks a warning."""
    attempts: list[_Attempt] = []
    for name, tolerances in OPTIMIZERS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = smf.mixedlm("score ~ months", frame, groups=frame["unit"])
                fit = model.fit(reml=True, method=[name], **tolerances)
                # llf is computed on first access: inside the catch, so it warns here
                attempt = _Attempt(name, fit, (), float(fit.llf), bool(fit.converged))
            except (np.linalg.LinAlgError, ValueError) as error:
                attempt = _Attempt(name, None, (), error=str(error))
        latest = replace(attempt, messages=_unique_messages(caught))
        attempts.append(latest)
        if latest.clean or (len(attempts) > 1 and latest.usable and latest.converged):
            break
    return attempts


def _best(attempts: list[_Attempt]) -> _Attempt | None:
    usable = [a for a in attempts if a.usable]
    if not usable:
        return None
    return max(usable, key=lambda a: (a.converged, a.log_likelihood))


def _gls_covariance(
    months: np.ndarray, units: np.ndarray, tau2: float, sigma2: float
) -> np.ndarray:
    """Covariance of (intercept, slope) given the variances: (sum_i X_i' V_i^-1 X_i)^-1, V_i =
    sigma2 I + tau2 J, what nlme::lme and lme4::lmer report for the fixed effects.

    V_i^-1 = (I - w_i J) / sigma2 with w_i = tau2 / (sigma2 + n_i tau2) (Sherman-Morrison), so
    the sum is (X'X - sum_i w_i s_i s_i') / sigma2 with s_i = X_i' 1, the unit's column sums.
    """
    x = np.column_stack([np.ones(len(months)), months])
    codes, _ = pd.factorize(pd.Series(units))
    sums = np.zeros((codes.max() + 1, 2))
    np.add.at(sums, codes, x)
    counts = np.bincount(codes)
    w = tau2 / (sigma2 + counts * tau2)
    information = (x.T @ x - (sums.T * w) @ sums) / sigma2
    return np.linalg.inv(information)


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
    fitted by REML (statsmodels `mixedlm("score ~ months", groups=unit).fit(reml=True)`). The fit
    must reach the REML optimum: BFGS with a tight tolerance first; when it fails, does not
    converge or warns (e.g. tau^2 on its boundary at 0), Powell, and Nelder-Mead if Powell does
    not converge either (`OPTIMIZERS`); the converged fit with the highest REML log-likelihood
    is kept, named in `optimizer` and, when BFGS was not enough, in the note.
    The slope's SE is the GLS one, the square root of [(sum_i X_i' V_i^-1 X_i)^-1]_22 at the
    REML variances (see `_gls_covariance`), as nlme::lme and lme4::lmer report it (not
    statsmodels' `bse`, which inverts the observed Hessian of the fixed effects and variances
    together and differs on unbalanced data); Wald z = b1 / SE, its two-sided normal p-value and
    CI b1 +- z_{(1+confidence)/2} SE (R lme4 prints no p-value and nlme uses t on residual df).
    Missing data: every row with both a score and months is used (valid under MAR); units need
    not be seen at every wave. statsmodels warnings (convergence, random-effect variance on the
    boundary) become the note, never leak.
    NaN with a note when fewer than 2 units, no spread in months or score, no unit seen twice,
    or no residual variance (every unit's scores on a line: REML's optimum is at sigma = 0, and
    nlme::lme stops with an error); `converged` is False when no optimiser converged (the
    estimates of the best fit are then kept). Reference: Laird & Ware (1982), Biometrics
    38:963; R nlme::lme(score ~ months, random = ~1 | unit, method = "REML").
    """
    check_long_frame(data, [score, months], unit=unit, wave=wave)
    frame = pd.DataFrame(
        {"score": data[score], "months": data[months], "unit": data[unit]}
    ).dropna()
    n_obs, n_units = len(frame), int(frame["unit"].nunique())
    nan = math.nan
    method = (
        "linear mixed model, random intercept per unit, REML (statsmodels mixedlm); "
        "GLS standard error as nlme/lme4; Wald z"
    )
    fields = dict.fromkeys(
        ["estimate", "se", "ci_low", "ci_high", "statistic", "p_value", "intercept"], nan
    )
    tau2 = sigma2 = log_likelihood = nan
    converged, notes, optimizer = False, [], ""
    if n_units < 2:
        notes.append(f"needs at least 2 units, has {n_units}")
    elif frame["months"].nunique() < 2:
        notes.append("months does not vary: no slope to estimate")
    elif frame["score"].nunique() < 2:
        notes.append("the score does not vary: no slope to estimate")
    elif frame["unit"].value_counts().max() < 2:
        notes.append("no unit is observed more than once: no within-unit information")
    else:
        attempts = _fit_reml(frame)
        best = _best(attempts)
        if best is not None and float(best.fit.scale) > 1e-12 * float(frame["score"].var()):
            fit = best.fit
            optimizer, converged = best.optimizer, best.converged
            tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
            log_likelihood = best.log_likelihood
            fields.update(_slope_fields(fit, frame, tau2, sigma2, confidence))
            if best is not attempts[0]:
                earlier = [a.trouble for a in attempts[: attempts.index(best)]]
                notes.append(f"REML optimum by {optimizer} ({'; '.join(earlier)})")
            if not converged:
                notes.append("no optimizer converged: read the estimates with caution")
            notes.extend(best.messages)
        elif best is None and any(a.fit is None for a in attempts):
            failed = "; ".join(a.trouble for a in attempts)
            notes.append(f"the model could not be fitted: {failed}")
        else:
            # An infinite REML log-likelihood, or a residual SD below a millionth of the scores'
            # SD: the optimum is at sigma = 0, where the model is degenerate.
            notes.append(
                "the model could not be fitted: no residual variance "
                "(every unit's scores lie on a line)"
            )
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
        optimizer=optimizer,
        reml_log_likelihood=log_likelihood,
    )


def _slope_fields(
    fit: Any, frame: pd.DataFrame, tau2: float, sigma2: float, confidence: float
) -> dict[str, float]:
    slope = float(fit.params["months"])
    covariance = _gls_covariance(
        frame["months"].to_numpy(dtype=float), frame["unit"].to_numpy(), tau2, sigma2
    )
    se = math.sqrt(float(covariance[1, 1]))
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    return {
        "estimate": slope,
        "se": se,
        "ci_low": slope - z * se,
        "ci_high": slope + z * se,
        "statistic": slope / se,
        "p_value": float(2.0 * stats.norm.sf(abs(slope / se))),
        "intercept": float(fit.params["Intercept"]),
    }
