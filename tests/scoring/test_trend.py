"""Trends over three or more waves: R's Friedman example, and mixed-model identities."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.trend import friedman, mixed_slope

# R: ?friedman.test, RoundingTimes (Hollander & Wolfe 1973, p. 140): 22 players x 3 methods of
# rounding first base ("Round Out", "Narrow Angle", "Wide Angle"), transcribed from the Rd file.
ROUNDING_TIMES = [
    [5.40, 5.50, 5.55], [5.85, 5.70, 5.75], [5.20, 5.60, 5.50], [5.55, 5.50, 5.40],
    [5.90, 5.85, 5.70], [5.45, 5.55, 5.60], [5.40, 5.40, 5.35], [5.45, 5.50, 5.35],
    [5.25, 5.15, 5.00], [5.85, 5.80, 5.70], [5.25, 5.20, 5.10], [5.65, 5.55, 5.45],
    [5.60, 5.35, 5.45], [5.05, 5.00, 4.95], [5.50, 5.50, 5.40], [5.45, 5.55, 5.50],
    [5.55, 5.55, 5.35], [5.45, 5.50, 5.55], [5.50, 5.45, 5.25], [5.65, 5.60, 5.40],
    [5.70, 5.65, 5.55], [6.30, 6.30, 6.25],
]  # fmt: skip


def long_frame(rows: list[list[float]], months: list[float] | None = None) -> pd.DataFrame:
    months = months or [3.0 * k for k in range(len(rows[0]))]
    return pd.DataFrame(
        [
            {"unit": f"u{i}", "wave_index": k, "months": months[k], "score": value}
            for i, row in enumerate(rows)
            for k, value in enumerate(row)
        ]
    )


def test_friedman_reproduces_r_rounding_times():
    # R: friedman.test(RoundingTimes)
    #    Friedman chi-squared = 11.143, df = 2, p-value = 0.003805
    result = friedman(long_frame(ROUNDING_TIMES), "score")
    assert result.statistic == pytest.approx(11.143, abs=5e-4)
    assert result.df == 2
    assert result.p_value == pytest.approx(0.003805, abs=5e-7)
    assert (result.n_units, result.units_dropped) == (22, 0)
    assert result.kendall_w == pytest.approx(result.statistic / (22 * 2))


def test_friedman_drops_incomplete_units_and_says_so():
    frame = long_frame(ROUNDING_TIMES)
    frame.loc[(frame["unit"] == "u0") & (frame["wave_index"] == 1), "score"] = np.nan
    frame = frame[~((frame["unit"] == "u1") & (frame["wave_index"] == 2))]
    result = friedman(frame, "score")
    assert (result.n_units, result.units_dropped) == (20, 2)
    full = friedman(long_frame(ROUNDING_TIMES[2:]), "score")
    assert result.statistic == pytest.approx(full.statistic)


def test_friedman_ties_composite_scores_equal_up_to_float_noise():
    # A composite: the mean of two 0-100 scale scores. Unit u0's baseline (8.33 + 66.67) / 2 is
    # 37.49999999999999 in floating point, its month-3 score (25 + 50) / 2 is 37.5.
    # R 4.2: friedman.test(rbind(c(37.5, 37.5, 45), c(50, 62.5, 62.5), c(25, 37.5, 50),
    #   c(62.5, 50, 75), c(37.5, 50, 50), c(45, 45, 40)))
    #   Friedman chi-squared = 3.6, df = 2, p-value = 0.1652988882
    # (unrounded, the tie is broken: chi-squared 4.095, p = 0.129)
    noisy = ((4 / 3 - 1) / 4 * 100 + (11 / 3 - 1) / 4 * 100) / 2
    assert noisy != 37.5
    rows = [
        [noisy, (25.0 + 50.0) / 2, 45.0],
        [50.0, 62.5, 62.5],
        [25.0, 37.5, 50.0],
        [62.5, 50.0, 75.0],
        [37.5, 50.0, 50.0],
        [45.0, 45.0, 40.0],
    ]
    result = friedman(long_frame(rows), "score")
    assert result.statistic == pytest.approx(3.6, abs=1e-12)
    assert result.p_value == pytest.approx(0.1652988882, abs=5e-11)


def test_kendall_w_matches_the_rank_sum_formula_without_ties():
    # Kendall & Babington Smith (1939): W = 12 S / (n^2 (k^3 - k)), S = sum_j (R_j - n(k+1)/2)^2.
    rows = [list(p) for p in itertools.permutations([1.0, 2.0, 3.0, 4.0])][:9]
    n, k = len(rows), 4
    rank_sums = np.sum(rows, axis=0)  # the values are already within-unit ranks
    s = float(((rank_sums - n * (k + 1) / 2) ** 2).sum())
    result = friedman(long_frame(rows), "score")
    assert result.kendall_w == pytest.approx(12 * s / (n**2 * (k**3 - k)))


def test_friedman_edge_cases_are_nan_with_a_reason():
    two = friedman(long_frame([[1.0, 2.0], [2.0, 3.0]]), "score")
    assert math.isnan(two.statistic) and "at least 3 waves" in two.note
    one = friedman(long_frame([[1.0, 2.0, 3.0]]), "score")
    assert math.isnan(one.p_value) and "at least 2 units" in one.note
    flat = friedman(long_frame([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]), "score")
    assert math.isnan(flat.kendall_w) and "same value at every wave" in flat.note
    with pytest.raises(ValueError, match=r"wave\(s\) \[7\] not in column 'wave_index'"):
        friedman(long_frame(ROUNDING_TIMES), "score", waves=[0, 1, 7])


def simulated(
    n_units: int, months: list[float], slope: float, seed: int, tau: float = 2.0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    intercepts = rng.normal(0.0, tau, n_units)
    rows = [
        [60.0 + intercepts[i] + slope * m + rng.normal(0.0, 1.0) for m in months]
        for i in range(n_units)
    ]
    return long_frame(rows, months)


# Literal (unit, wave_index, months, score) rows for the comparisons with R, written to CSV and
# fitted there with nlme::lme(score ~ months, random = ~1 | unit, data = d, method = "REML")
# and lme4::lmer(score ~ months + (1 | unit), data = d, REML = TRUE).
BALANCED = [
    ("u0", 0, 0.0, 60.3), ("u0", 1, 3.0, 61.2), ("u0", 2, 6.0, 62.5), ("u0", 3, 12.0, 66.1),
    ("u1", 0, 0.0, 58.4), ("u1", 1, 3.0, 61.0), ("u1", 2, 6.0, 62.1), ("u1", 3, 12.0, 65.0),
    ("u2", 0, 0.0, 56.9), ("u2", 1, 3.0, 56.9), ("u2", 2, 6.0, 58.5), ("u2", 3, 12.0, 62.0),
    ("u3", 0, 0.0, 60.1), ("u3", 1, 3.0, 59.3), ("u3", 2, 6.0, 63.3), ("u3", 3, 12.0, 64.8),
    ("u4", 0, 0.0, 59.3), ("u4", 1, 3.0, 61.0), ("u4", 2, 6.0, 62.5), ("u4", 3, 12.0, 67.2),
    ("u5", 0, 0.0, 59.9), ("u5", 1, 3.0, 61.3), ("u5", 2, 6.0, 62.9), ("u5", 3, 12.0, 64.2),
]  # fmt: skip
# Missed visits and visits off their scheduled month: 9 units, 2 to 4 visits each.
UNBALANCED = [
    ("u0", 0, 0.0, 57.9), ("u0", 3, 8.1, 58.4),
    ("u1", 0, 0.0, 57.8), ("u1", 1, 3.9, 57.8), ("u1", 2, 5.8, 55.9),
    ("u2", 0, 0.0, 59.3), ("u2", 3, 9.4, 57.1),
    ("u3", 0, 0.0, 58.6), ("u3", 1, 2.6, 57.8), ("u3", 2, 5.3, 57.0), ("u3", 3, 9.6, 54.8),
    ("u4", 0, 0.0, 58.9), ("u4", 2, 6.9, 57.8), ("u4", 3, 8.7, 55.2),
    ("u5", 0, 0.0, 60.6), ("u5", 1, 2.5, 60.8), ("u5", 3, 9.3, 57.7),
    ("u6", 0, 0.0, 60.2), ("u6", 1, 3.6, 58.7), ("u6", 2, 6.6, 58.3), ("u6", 3, 9.2, 56.1),
    ("u7", 0, 0.0, 59.7), ("u7", 1, 2.3, 57.1), ("u7", 2, 5.8, 55.9), ("u7", 3, 9.9, 54.6),
    ("u8", 0, 0.0, 59.5), ("u8", 1, 3.3, 60.3), ("u8", 3, 9.6, 57.4),
]  # fmt: skip
# Units no more alike than visits: the REML random-intercept variance is on its boundary, 0.
NO_UNIT_VARIANCE = [
    ("u0", 0, 0.0, 59.9), ("u0", 1, 3.0, 62.1), ("u0", 2, 6.0, 62.5),
    ("u1", 0, 0.0, 60.9), ("u1", 1, 3.0, 60.8), ("u1", 2, 6.0, 62.4),
    ("u2", 0, 0.0, 59.8), ("u2", 1, 3.0, 60.3), ("u2", 2, 6.0, 62.5),
    ("u3", 0, 0.0, 61.0), ("u3", 1, 3.0, 61.4), ("u3", 2, 6.0, 62.3),
    ("u4", 0, 0.0, 60.1), ("u4", 1, 3.0, 60.8), ("u4", 2, 6.0, 62.5),
    ("u5", 0, 0.0, 59.8), ("u5", 1, 3.0, 61.3), ("u5", 2, 6.0, 63.2),
]  # fmt: skip


def rows_frame(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "wave_index", "months", "score"])


@pytest.mark.parametrize(
    ("rows", "nlme", "lme4"),
    [
        # R 4.2, nlme 3.1: summary(m)$tTable["months", c("Value", "Std.Error")],
        #   as.numeric(VarCorr(m)[, "Variance"]); lme4: fixef(l)["months"],
        #   sqrt(vcov(l)[2, 2]), as.data.frame(VarCorr(l))$vcov
        (
            BALANCED,
            (0.4906349206, 0.03696560851, 2.0561915, 0.6456506),
            (0.4906349206, 0.0369656085, 2.056191528, 0.6456505601),
        ),
        (
            UNBALANCED,
            (-0.3162231924, 0.04599502491, 0.7262623, 0.8169459),
            (-0.3162231836, 0.04599509989, 0.7262538833, 0.8169485798),
        ),
        (
            # nlme: tau^2 = 1.753237e-10, lme4: 8.893086771e-21 (a singular fit): both 0.
            NO_UNIT_VARIANCE,
            (0.3861111111, 0.05009796215, 0.0, 0.271059),
            (0.3861111111, 0.05009796216, 0.0, 0.2710590278),
        ),
    ],
    ids=["balanced", "unbalanced", "no-unit-variance"],
)
def test_mixed_slope_reproduces_r_nlme_and_lme4(rows, nlme, lme4):
    result = mixed_slope(rows_frame(rows), "score")
    estimates = (
        result.estimate,
        result.se,
        result.random_intercept_variance,
        result.residual_variance,
    )
    # nlme stops its optimiser about 1e-5 (relative) short in the variances, lme4 does not.
    slope, se, tau2, sigma2 = nlme
    assert estimates[0] == pytest.approx(slope, abs=5e-8)
    assert estimates[1] == pytest.approx(se, rel=1e-5)
    assert estimates[2] == pytest.approx(tau2, rel=1e-4, abs=1e-8)
    assert estimates[3] == pytest.approx(sigma2, rel=1e-4)
    slope, se, tau2, sigma2 = lme4
    assert estimates[0] == pytest.approx(slope, abs=5e-10)
    assert estimates[1] == pytest.approx(se, rel=1e-7)
    assert estimates[2] == pytest.approx(tau2, rel=1e-6, abs=1e-8)
    assert estimates[3] == pytest.approx(sigma2, rel=1e-6)
    assert result.converged
    half = (result.ci_high - result.ci_low) / 2
    assert half == pytest.approx(1.959963985 * result.se, rel=1e-9)


def test_a_variance_on_its_boundary_gets_a_second_optimiser_named_in_the_note():
    # BFGS stalls at tau^2 = 0 without converging; Powell (no gradient) gets there.
    result = mixed_slope(rows_frame(NO_UNIT_VARIANCE), "score")
    assert result.optimizer == "powell"
    assert "REML optimum by powell (bfgs did not converge)" in result.note
    assert "boundary of the parameter space" in result.note
    # R 4.2: logLik(lmer(score ~ months + (1 | unit), d, REML = TRUE)) = -16.04591869
    assert result.reml_log_likelihood == pytest.approx(-16.04591869, abs=5e-9)


def test_the_first_optimiser_is_kept_when_it_converges_cleanly():
    result = mixed_slope(rows_frame(UNBALANCED), "score")
    assert (result.optimizer, result.note) == ("bfgs", "")
    # R 4.2: logLik(lmer(...)) = -44.13438901, the same for nlme::lme
    assert result.reml_log_likelihood == pytest.approx(-44.13438901, abs=5e-9)


def test_the_slope_se_is_the_gls_one_given_the_variances():
    # Var(b) = (sum_i X_i' V_i^-1 X_i)^-1 with V_i = sigma^2 I + tau^2 J, written out in full.
    frame = rows_frame(UNBALANCED)
    result = mixed_slope(frame, "score")
    tau2, sigma2 = result.random_intercept_variance, result.residual_variance
    information = np.zeros((2, 2))
    for _, visits in frame.groupby("unit"):
        x = np.column_stack([np.ones(len(visits)), visits["months"]])
        v = sigma2 * np.eye(len(visits)) + tau2 * np.ones((len(visits), len(visits)))
        information += x.T @ np.linalg.solve(v, x)
    assert result.se == pytest.approx(math.sqrt(np.linalg.inv(information)[1, 1]), rel=1e-10)


def test_balanced_complete_data_slope_equals_pooled_ols():
    # With the same months for every unit, GLS under a random intercept equals OLS, and the slope's
    # variance is sigma^2 / (n * sum (t - mean t)^2); REML equals the ANOVA estimates.
    months = [0.0, 3.0, 6.0, 12.0]
    frame = simulated(12, months, slope=0.5, seed=7)
    result = mixed_slope(frame, "score")
    ols_slope, ols_intercept = np.polyfit(frame["months"], frame["score"], 1)
    assert result.estimate == pytest.approx(ols_slope, rel=1e-8)
    assert result.intercept == pytest.approx(ols_intercept, rel=1e-8)
    wide = frame.pivot(index="unit", columns="months", values="score").to_numpy()
    t = np.array(months) - np.mean(months)
    within = wide - wide.mean(axis=1, keepdims=True) - ols_slope * t
    sigma2 = (within**2).sum() / (wide.size - wide.shape[0] - 1)
    tau2 = wide.mean(axis=1).var(ddof=1) - sigma2 / len(months)
    assert result.residual_variance == pytest.approx(sigma2, rel=1e-4)
    assert result.random_intercept_variance == pytest.approx(tau2, rel=1e-4)
    assert result.se == pytest.approx(math.sqrt(sigma2 / (12 * (t**2).sum())), rel=1e-4)
    assert (result.n_obs, result.n_units, result.converged) == (48, 12, True)


def test_known_slope_is_recovered_from_unbalanced_data_using_every_observation():
    frame = simulated(40, [0.0, 2.5, 6.0, 9.0, 14.0], slope=0.8, seed=11)
    rng = np.random.default_rng(3)
    frame.loc[rng.random(len(frame)) < 0.25, "score"] = np.nan  # a quarter of visits missing
    result = mixed_slope(frame, "score")
    assert result.ci_low < 0.8 < result.ci_high
    assert result.ci_high - result.ci_low < 0.1
    assert result.p_value < 1e-6
    assert result.n_obs == int(frame["score"].notna().sum())
    assert result.n_units == frame.loc[frame["score"].notna(), "unit"].nunique()
    # the CI is the normal-theory Wald interval around the estimate
    half = (result.ci_high - result.ci_low) / 2
    assert half == pytest.approx(1.959963985 * result.se, rel=1e-6)


def test_statsmodels_warnings_become_notes_and_never_leak():
    # No between-unit variation: the REML variance lands on the boundary. pytest turns any
    # leaked warning into an error, so this test also checks that nothing escapes.
    frame = simulated(10, [0.0, 3.0, 6.0], slope=0.5, seed=1, tau=0.0)
    result = mixed_slope(frame, "score")
    assert "Warning" in result.note
    assert not math.isnan(result.estimate)


def test_mixed_slope_edge_cases_are_nan_with_a_reason():
    one_unit = mixed_slope(long_frame([[1.0, 2.0, 3.0]]), "score")
    assert math.isnan(one_unit.estimate) and "at least 2 units" in one_unit.note
    flat = mixed_slope(long_frame([[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]), "score")
    assert math.isnan(flat.estimate) and "does not vary" in flat.note
    same_month = mixed_slope(long_frame([[1.0, 2.0], [2.0, 4.0]], months=[0.0, 0.0]), "score")
    assert math.isnan(same_month.estimate) and "months does not vary" in same_month.note
    # R 4.2: nlme::lme stops on both ("false convergence", "computationally singular").
    for rows in ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]]):
        perfect = mixed_slope(long_frame(rows), "score")
        assert math.isnan(perfect.estimate) and math.isnan(perfect.se)
        assert "could not be fitted: no residual variance" in perfect.note


@settings(max_examples=25, deadline=None)
@given(
    st.integers(4, 15),
    st.floats(-2.0, 2.0, allow_nan=False),
    st.integers(0, 10_000),
)
def test_mixed_slope_balanced_matches_ols_for_any_slope(n_units, slope, seed):
    frame = simulated(n_units, [0.0, 4.0, 8.0], slope=slope, seed=seed)
    result = mixed_slope(frame, "score")
    ols_slope = np.polyfit(frame["months"], frame["score"], 1)[0]
    assert result.estimate == pytest.approx(ols_slope, rel=1e-6, abs=1e-8)
