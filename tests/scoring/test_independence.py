"""Chi-square / Fisher tests, Cramer's V and p-value adjustment against R's documented output."""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.independence import (
    CHI_SQUARE,
    CHI_SQUARE_YATES,
    FISHER_EXACT,
    FISHER_MONTE_CARLO,
    adjust_p_values,
    independence_test,
)

# R: ?chisq.test, Agresti (2007) p.39 -- party identification by gender
PARTY = pd.DataFrame(
    [[762, 327, 468], [484, 239, 477]],
    index=["F", "M"],
    columns=["Democrat", "Independent", "Republican"],
)
# R: ?fisher.test, Agresti (2002) p.57 -- job satisfaction by income; matrix(..., 4, 4) fills
# by column, so these columns are R's.
JOB = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
TEA = [[3, 1], [1, 3]]  # R: ?fisher.test, Fisher's tea-tasting lady
# Benjamini & Hochberg (1995) section 4 (Neuhaus et al. 1992): 15 p-values
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
           0.4262, 0.5719, 0.6528, 0.7590, 1.0000]  # fmt: skip


def tables_with_margins(rows: list[int], cols: list[int]) -> Iterator[np.ndarray]:
    """Every table of non-negative counts with these row and column sums (brute force)."""
    if len(rows) == 1:
        yield np.array([cols])
        return
    first, rest = rows[0], rows[1:]
    for cells in product(*(range(min(first, c) + 1) for c in cols)):
        if sum(cells) == first:
            remaining = [c - x for c, x in zip(cols, cells, strict=True)]
            for tail in tables_with_margins(rest, remaining):
                yield np.vstack([cells, tail])


def fisher_exact_by_enumeration(table: list[list[int]]) -> float:
    """Fisher's r x c p-value as R computes it: sum of P(t) <= P(observed) (relative 1e-7)."""
    obs = np.array(table)
    rows, cols = obs.sum(axis=1).tolist(), obs.sum(axis=0).tolist()
    n = obs.sum()

    def log_p(t: np.ndarray) -> float:
        margins = sum(math.lgamma(x + 1) for x in rows + cols)
        return margins - math.lgamma(n + 1) - sum(math.lgamma(x + 1) for x in t.ravel())

    cutoff = log_p(obs) + math.log1p(1e-7)
    return sum(math.exp(log_p(t)) for t in tables_with_margins(rows, cols) if log_p(t) <= cutoff)


# --- chi-square --------------------------------------------------------------------------------


def test_chi_square_matches_r_on_the_party_table() -> None:
    # R: chisq.test(M) -> X-squared = 30.07, df = 2, p-value = 2.954e-07;
    # expected F row 703.6714 319.6453 533.6834
    result = independence_test(PARTY)
    assert result.method == CHI_SQUARE
    assert result.statistic == pytest.approx(30.070149095754672, rel=1e-12)
    assert result.df == 2
    assert result.p_value == pytest.approx(2.954e-07, rel=1e-3)
    assert list(result.expected.loc["F"].round(4)) == [703.6714, 319.6453, 533.6834]
    assert result.share_expected_small == 0.0


def test_cramers_v_is_sqrt_chi2_over_n_times_min_dim_minus_1() -> None:
    result = independence_test(PARTY)
    assert result.cramers_v == pytest.approx(
        math.sqrt(30.070149095754672 / (PARTY.sum().sum() * 1))
    )


def test_chi_square_matches_r_on_a_2x4_table() -> None:
    # R: chisq.test(matrix(c(60, 54, 46, 41, 40, 44, 53, 57), ncol = 4, byrow = TRUE))
    # -> X-squared = 8.0061, df = 3, p-value = 0.04589 (Carter, Bentley "How to do a chi-squared
    # test in R")
    result = independence_test([[60, 54, 46, 41], [40, 44, 53, 57]])
    assert round(result.statistic, 4) == 8.0061
    assert result.df == 3
    assert round(result.p_value, 5) == 0.04589


def test_a_2x2_table_gets_yates_correction_like_r() -> None:
    # R: ?chisq.test, x <- matrix(c(12, 5, 7, 7), ncol = 2); chisq.test(x)$p.value # 0.4233
    table = np.array([[12, 7], [5, 7]])
    result = independence_test(table)
    assert result.method == CHI_SQUARE_YATES
    assert round(result.p_value, 4) == 0.4233
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    yates = (((np.abs(table - expected) - 0.5) ** 2) / expected).sum()
    assert result.statistic == pytest.approx(yates)


def test_a_larger_table_gets_no_continuity_correction() -> None:
    table = np.array([[12, 7, 9], [5, 7, 11]])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    pearson = (((table - expected) ** 2) / expected).sum()
    assert independence_test(table).statistic == pytest.approx(pearson)


# --- Fisher ------------------------------------------------------------------------------------


def test_fisher_replaces_chi_square_on_the_tea_table() -> None:
    # R: fisher.test(TeaTasting) -> p-value = 0.4857, odds ratio 6.408309 (conditional MLE)
    result = independence_test(TEA)
    assert result.method == FISHER_EXACT
    assert result.share_expected_small == 1.0  # every expected count is 2
    assert round(result.p_value, 4) == 0.4857
    assert result.odds_ratio == pytest.approx(6.408309, abs=5e-5)
    assert math.isnan(result.statistic) and result.df is None
    assert "Fisher instead of chi-square" in result.note


def test_fisher_r_by_c_is_seeded_monte_carlo_close_to_r_exact() -> None:
    # R: fisher.test(Job) # 0.7827 (exact network algorithm). Monte Carlo SE at 1e5 resamples is
    # about 0.0013, so 0.006 is > 4 SE.
    result = independence_test(JOB, n_resamples=100_000, seed=1)
    assert result.method == FISHER_MONTE_CARLO
    assert (result.n_resamples, result.seed) == (100_000, 1)
    assert result.p_value == pytest.approx(0.7827, abs=0.006)
    assert "seed 1" in result.note


def test_fisher_monte_carlo_is_deterministic_for_a_seed() -> None:
    table = [[3, 1, 2], [1, 3, 4]]
    first = independence_test(table, seed=7).p_value
    assert independence_test(table, seed=7).p_value == first


@pytest.mark.parametrize(
    "table",
    [
        [[3, 1, 2], [1, 3, 4]],  # measurement notes 3.4: R fisher.test exact = 0.5005
        [[2, 0, 1], [0, 2, 0]],  # more cells than respondents (a scipy reshape quirk)
        [[4, 0], [1, 3], [0, 4]],
    ],
)
def test_fisher_monte_carlo_agrees_with_full_enumeration(table: list[list[int]]) -> None:
    exact = fisher_exact_by_enumeration(table)
    result = independence_test(table, n_resamples=100_000, seed=3)
    assert result.p_value == pytest.approx(exact, abs=0.006)


def test_a_monte_carlo_p_value_at_its_floor_is_a_bound() -> None:
    # R 4.2: fisher.test(diag(10, 3))$p.value = 1.080887e-12 (exact), far below the floor;
    # set.seed(1); fisher.test(diag(10, 3), simulate.p.value = TRUE, B = 999)$p.value = 0.001,
    # R's 1/(B + 1) floor too: no resampled table is as extreme as the observed one.
    result = independence_test(np.diag([10, 10, 10]), n_resamples=999, seed=1)
    assert result.method == FISHER_MONTE_CARLO
    assert result.p_value == pytest.approx(1 / 1000)
    assert result.p_is_bound
    assert "p < 0.001" in result.note and "floor 1/(999 + 1)" in result.note


def test_a_monte_carlo_p_value_above_its_floor_is_an_estimate() -> None:
    # R 4.2: fisher.test(rbind(c(6, 1, 0), c(1, 5, 2)))$p.value = 0.0144522 (exact); the Monte
    # Carlo SE at 9999 resamples is about 0.0012, so 0.005 is > 4 SE.
    result = independence_test([[6, 1, 0], [1, 5, 2]])
    assert result.method == FISHER_MONTE_CARLO
    assert result.p_value == pytest.approx(0.0144522, abs=0.005)
    assert not result.p_is_bound
    assert "p <" not in result.note


def test_chi_square_and_exact_p_values_are_never_bounds() -> None:
    assert not independence_test(PARTY).p_is_bound
    assert not independence_test(TEA).p_is_bound


def test_enumeration_reproduces_r_on_the_notes_table() -> None:
    # the helper above is itself checked against R: fisher.test(rbind(c(3,1,2), c(1,3,4))) 0.5005
    assert round(fisher_exact_by_enumeration([[3, 1, 2], [1, 3, 4]]), 4) == 0.5005


def test_a_method_can_be_forced() -> None:
    assert independence_test(TEA, method="chi-square").method == CHI_SQUARE_YATES
    assert independence_test(PARTY, method="fisher", n_resamples=999).method == FISHER_MONTE_CARLO


# --- empty rows and columns --------------------------------------------------------------------


def test_empty_rows_and_columns_are_dropped_and_named() -> None:
    table = pd.DataFrame(
        [[762, 0, 327, 468], [0, 0, 0, 0], [484, 0, 239, 477]],
        index=["F", "none", "M"],
        columns=["Democrat", "Green", "Independent", "Republican"],
    )
    result = independence_test(table)
    assert result.dropped_rows == ("none",) and result.dropped_columns == ("Green",)
    assert result.shape == (2, 3)
    assert result.statistic == pytest.approx(30.070149095754672, rel=1e-12)
    assert "dropped" in result.note


def test_one_non_empty_column_cannot_be_tested() -> None:
    result = independence_test([[3, 0], [4, 0]])
    assert math.isnan(result.p_value) and math.isnan(result.cramers_v)
    assert "at least two non-empty rows and two non-empty columns" in result.note


def test_counts_must_be_whole_and_non_negative() -> None:
    with pytest.raises(ValueError, match="non-negative whole counts"):
        independence_test([[1, -1], [2, 3]])
    with pytest.raises(ValueError, match="non-negative whole counts"):
        independence_test([[1.5, 1.0], [2.0, 3.0]])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=2, max_size=4))
def test_p_values_and_v_lie_in_the_unit_interval(rows: list[list[int]]) -> None:
    result = independence_test(rows, n_resamples=199)
    if not math.isnan(result.p_value):
        assert 0 <= result.p_value <= 1
        assert 0 <= result.cramers_v <= 1 + 1e-12


# --- multiple questions ------------------------------------------------------------------------


def holm_by_hand(p: list[float]) -> list[float]:
    m, order = len(p), sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def bh_by_hand(p: list[float]) -> list[float]:
    m, order = len(p), sorted(range(len(p)), key=lambda i: p[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = min(1.0, min(p[order[j - 1]] * m / j for j in range(rank, m + 1)))
    return out


def test_bh_rejects_the_four_smallest_of_the_1995_example() -> None:
    # Benjamini & Hochberg (1995) section 4: at q = 0.05 BH rejects the four smallest
    result = adjust_p_values(pd.Series(BH_1995), "fdr_bh")
    assert result.reject.tolist() == [True] * 4 + [False] * 11
    assert result.adjusted.tolist() == pytest.approx(bh_by_hand(BH_1995))
    # R: p.adjust(p, "BH")[1] = 0.0001 * 15 / 1 = 0.0015
    assert result.adjusted[0] == pytest.approx(0.0015)


def test_holm_on_the_1995_example_rejects_three() -> None:
    result = adjust_p_values(pd.Series(BH_1995), "holm")
    assert result.adjusted.tolist() == pytest.approx(holm_by_hand(BH_1995))
    assert int(result.reject.sum()) == 3


@settings(max_examples=40, deadline=None)  # multipletests runs gc.collect() on every call
@given(st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_adjustments_equal_their_formulas(p: list[float]) -> None:
    series = pd.Series(p)
    assert adjust_p_values(series, "holm").adjusted.tolist() == pytest.approx(holm_by_hand(p))
    assert adjust_p_values(series, "fdr_bh").adjusted.tolist() == pytest.approx(bh_by_hand(p))


def test_missing_p_values_stay_out_of_the_family() -> None:
    p = pd.Series({"q1": 0.01, "q2": np.nan, "q3": 0.04})
    result = adjust_p_values(p, "holm")
    assert result.n_tests == 2
    assert result.adjusted["q1"] == pytest.approx(0.02)
    assert math.isnan(result.adjusted["q2"]) and not result.reject["q2"]
    assert "1 missing p-value(s)" in result.note


def test_an_unknown_adjustment_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be 'holm' or 'fdr_bh'"):
        adjust_p_values(pd.Series([0.1]), "bonferroni")  # type: ignore[arg-type]
