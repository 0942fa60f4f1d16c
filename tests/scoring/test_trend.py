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
    perfect = mixed_slope(long_frame([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]), "score")
    assert math.isnan(perfect.estimate) and "could not be fitted" in perfect.note


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
