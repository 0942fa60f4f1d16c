"""Group comparisons of numbers and scale scores, and of one option's share, against R 4.2.

R has no effectsize package here, so effect sizes were computed in R by hand from their formulas
(the R line is in each comment) and are also checked here against an independent formula.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.group_tests import (
    KRUSKAL_WALLIS,
    MANN_WHITNEY_EXACT,
    MANN_WHITNEY_NORMAL,
    WELCH_ANOVA,
    WELCH_T,
    compare_numeric,
    compare_proportions_by_group,
)
from scoring.independence import CHI_SQUARE, CHI_SQUARE_YATES

# Scale scores 0-100 (eighths of 100, so with ties) of three groups of respondents.
PROVIDERS = [62.5, 75, 75, 50, 87.5, 68.75, 75, 56.25, 81.25, 62.5, 93.75, 70]
SUPPORTERS = [50, 62.5, 43.75, 56.25, 62.5, 37.5, 75, 50, 68.75]
FUNDERS = [81.25, 87.5, 75, 93.75, 68.75, 100, 87.5]


def scores(**groups: list[float]) -> tuple[pd.Series, pd.Series]:
    values = [v for vs in groups.values() for v in vs]
    labels = [g for g, vs in groups.items() for _ in vs]
    return pd.Series(values, dtype=float), pd.Series(labels, dtype=object)


# --- two groups --------------------------------------------------------------------------------


def test_welch_t_matches_r_t_test() -> None:
    result = compare_numeric(*scores(providers=PROVIDERS, supporters=SUPPORTERS)).means_test
    # R 4.2: t.test(x ~ g) -> t = 2.79867400075106, df = 17.7659772414448,
    # p-value = 0.0119748725892749, 95 percent CI 3.78087946188779 26.6357872047789,
    # means 71.4583333333333 56.25
    assert result.test == WELCH_T and result.statistic_name == "t"
    assert result.statistic == pytest.approx(2.79867400075106, rel=1e-12)
    assert result.df == pytest.approx((17.7659772414448,), rel=1e-12)
    assert result.p_value == pytest.approx(0.0119748725892749, rel=1e-10)
    assert result.estimate == pytest.approx(71.4583333333333 - 56.25, rel=1e-12)
    assert result.estimate_name == "difference of means (providers - supporters)"
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (3.78087946188779, 26.6357872047789), rel=1e-12
    )
    assert dict(result.n) == {"providers": 12, "supporters": 9}
    assert result.note == ""


def test_the_welch_interval_follows_the_confidence() -> None:
    values, groups = scores(providers=PROVIDERS, supporters=SUPPORTERS)
    result = compare_numeric(values, groups, confidence=0.90).means_test
    # R 4.2: t.test(x ~ g, conf.level = 0.90)$conf.int -> 5.77849256730653 24.6381740993601
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (5.77849256730653, 24.6381740993601), rel=1e-12
    )
    assert result.confidence == 0.90


def test_hedges_g_is_cohens_d_with_the_exact_small_sample_correction() -> None:
    result = compare_numeric(*scores(providers=PROVIDERS, supporters=SUPPORTERS)).means_test
    # R 4.2 by hand: sp <- sqrt(((n1-1)*var(prov) + (n2-1)*var(supp))/(n1+n2-2));
    # d <- (mean(prov)-mean(supp))/sp -> 1.22649651228913; m <- n1+n2-2;
    # J <- exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2)) -> 0.959910352924253;
    # d*J -> 1.17732669997182
    assert result.effect_name == "Hedges' g"
    assert result.effect_size == pytest.approx(1.17732669997182, rel=1e-12)
    # Hedges' (1981) approximation J ~ 1 - 3/(4m - 1) agrees to about 1e-4 at m = 19
    approx = 1.22649651228913 * (1 - 3 / (4 * 19 - 1))
    assert result.effect_size == pytest.approx(approx, abs=2e-4)


def test_mann_whitney_with_ties_matches_r_wilcox_test_default() -> None:
    result = compare_numeric(*scores(providers=PROVIDERS, supporters=SUPPORTERS)).rank_test
    # R 4.2: wilcox.test(x ~ g) (ties, so exact = FALSE, correct = TRUE) -> W = 87.5,
    # p-value = 0.0180174486913526; rank-biserial by hand 2*W/(n1*n2) - 1 -> 0.62037037037037
    assert result.test == MANN_WHITNEY_NORMAL and result.statistic_name == "W"
    assert result.statistic == 87.5
    assert result.p_value == pytest.approx(0.0180174486913526, rel=1e-10)
    assert result.effect_name == "rank-biserial r"
    assert result.effect_size == pytest.approx(0.62037037037037, rel=1e-12)
    assert result.df == () and math.isnan(result.estimate)
    assert result.note == "ties: no exact p-value"


def test_mann_whitney_without_ties_is_exact_like_r() -> None:
    values, groups = scores(a=[12.5, 31, 44, 58.5, 71, 90], b=[20, 26.5, 37, 40, 52, 63.5, 66])
    result = compare_numeric(values, groups).rank_test
    # R 4.2: wilcox.test(a, b) -> W = 25, p-value = 0.628205128205128 (exact);
    # 2*25/(6*7) - 1 -> 0.19047619047619
    assert result.test == MANN_WHITNEY_EXACT
    assert result.statistic == 25
    assert result.p_value == pytest.approx(0.628205128205128, rel=1e-12)
    assert result.effect_size == pytest.approx(0.19047619047619, rel=1e-12)


def test_mann_whitney_from_50_values_uses_the_corrected_normal_approximation_like_r() -> None:
    values, groups = scores(a=list(range(1, 100, 2)), b=list(range(2, 61, 2)))
    result = compare_numeric(values, groups).rank_test
    # R 4.2: wilcox.test(seq(1, 99, by = 2), seq(2, 60, by = 2)) -> "Wilcoxon rank sum test with
    # continuity correction", W = 1035, p-value = 0.00469300540342528
    assert result.test == MANN_WHITNEY_NORMAL
    assert result.statistic == 1035
    assert result.p_value == pytest.approx(0.00469300540342528, rel=1e-10)
    assert result.note == ""


def test_rank_biserial_is_the_share_of_pairs_won_minus_lost() -> None:
    a, b = PROVIDERS, SUPPORTERS
    won = sum(x > y for x, y in product(a, b))
    lost = sum(x < y for x, y in product(a, b))
    result = compare_numeric(*scores(providers=a, supporters=b)).rank_test
    assert result.effect_size == pytest.approx((won - lost) / (len(a) * len(b)), rel=1e-12)


# --- three groups ------------------------------------------------------------------------------


def test_welch_anova_matches_r_oneway_test() -> None:
    values, groups = scores(providers=PROVIDERS, supporters=SUPPORTERS, funders=FUNDERS)
    result = compare_numeric(values, groups).means_test
    # R 4.2: oneway.test(x ~ g, var.equal = FALSE) -> F = 11.9654957760697,
    # num df = 2, denom df = 15.3184020516607, p-value = 0.000741824552037197
    assert result.test == WELCH_ANOVA and result.statistic_name == "F"
    assert result.statistic == pytest.approx(11.9654957760697, rel=1e-10)
    assert result.df == pytest.approx((2, 15.3184020516607), rel=1e-10)
    assert result.p_value == pytest.approx(0.000741824552037197, rel=1e-8)
    # R 4.2 by hand: a <- summary(aov(x ~ g))[[1]]; a[1, "Sum Sq"] / sum(a[, "Sum Sq"])
    # -> 0.474648146345157
    assert result.effect_name == "eta-squared"
    assert result.effect_size == pytest.approx(0.474648146345157, rel=1e-12)
    assert math.isnan(result.estimate) and result.estimate_name == ""
    assert dict(result.n) == {"funders": 7, "providers": 12, "supporters": 9}


def test_kruskal_wallis_matches_r_kruskal_test() -> None:
    values, groups = scores(providers=PROVIDERS, supporters=SUPPORTERS, funders=FUNDERS)
    result = compare_numeric(values, groups).rank_test
    # R 4.2: kruskal.test(x ~ g) -> Kruskal-Wallis chi-squared = 12.8291325258283, df = 2,
    # p-value = 0.00163753001162294; epsilon-squared by hand H / (n - 1) -> 0.475153056512159
    assert result.test == KRUSKAL_WALLIS and result.statistic_name == "H"
    assert result.statistic == pytest.approx(12.8291325258283, rel=1e-12)
    assert result.df == (2.0,)
    assert result.p_value == pytest.approx(0.00163753001162294, rel=1e-10)
    assert result.effect_name == "epsilon-squared"
    assert result.effect_size == pytest.approx(0.475153056512159, rel=1e-12)
    assert result.note == "ties: H corrected for ties"


# --- missing data and edge cases ---------------------------------------------------------------


def test_missing_values_and_groups_are_dropped_and_counted() -> None:
    values, groups = scores(providers=PROVIDERS, supporters=SUPPORTERS)
    values = pd.concat([values, pd.Series([np.nan, 80.0, np.nan, np.nan])], ignore_index=True)
    groups = pd.concat(
        [groups, pd.Series(["providers", None, None, "supporters"], dtype=object)],
        ignore_index=True,
    )
    result = compare_numeric(values, groups)
    assert (result.n_missing, result.n_no_group) == (2, 2)
    assert result.note == (
        "2 respondent(s) with a group but no value left out; "
        "2 respondent(s) without a group left out"
    )
    # the same numbers as without those rows (R: t.test drops NA by default)
    assert result.means_test.p_value == pytest.approx(0.0119748725892749, rel=1e-10)
    assert result.rank_test.statistic == 87.5


def test_a_category_without_values_is_left_out_like_an_unused_factor_level() -> None:
    values, groups = scores(providers=PROVIDERS, supporters=SUPPORTERS)
    groups = groups.astype(pd.CategoricalDtype(["supporters", "funders", "providers"]))
    result = compare_numeric(values, groups)
    assert result.groups == ("supporters", "providers")  # the categories' order
    assert result.empty_groups == ("funders",)
    assert "group(s) ['funders'] have no values and are left out" in result.note
    assert result.means_test.test == WELCH_T  # two groups left, so two-group tests
    # R 4.2: t.test(x ~ g) with supporters first -> t = -2.79867400075106
    assert result.means_test.statistic == pytest.approx(-2.79867400075106, rel=1e-12)
    assert result.means_test.estimate_name == "difference of means (supporters - providers)"


def test_a_group_of_one_has_no_t_test_but_a_rank_test() -> None:
    values, groups = scores(a=[40, 55, 70], b=[85])
    result = compare_numeric(values, groups)
    assert math.isnan(result.means_test.statistic) and math.isnan(result.means_test.p_value)
    assert (
        result.means_test.note == "Welch's t test needs at least 2 values in each group; 'b' has 1"
    )
    # R 4.2: wilcox.test(c(40, 55, 70), 85) -> W = 0, p-value = 0.5 (exact)
    assert result.rank_test.test == MANN_WHITNEY_EXACT
    assert (result.rank_test.statistic, result.rank_test.p_value) == (0.0, pytest.approx(0.5))
    assert result.rank_test.effect_size == -1.0


def test_three_groups_with_a_group_of_one_keep_the_kruskal_wallis_test() -> None:
    values, groups = scores(a=[40, 55, 70], b=[85], c=[20, 30, 35, 50])
    result = compare_numeric(values, groups)
    assert math.isnan(result.means_test.p_value)
    assert result.means_test.note == (
        "Welch's ANOVA needs at least 2 values in each group; 'b' has 1"
    )
    # R 4.2: kruskal.test(list(c(40, 55, 70), 85, c(20, 30, 35, 50))) ->
    # chi-squared = 4.76388888888889, p-value = 0.0923707929013104
    assert result.rank_test.statistic == pytest.approx(4.76388888888889, rel=1e-12)
    assert result.rank_test.p_value == pytest.approx(0.0923707929013104, rel=1e-10)


def test_one_constant_group_still_has_a_welch_t_test() -> None:
    values, groups = scores(a=[70, 70, 70], b=[60, 65, 80, 55])
    result = compare_numeric(values, groups).means_test
    # R 4.2: t.test(c(70, 70, 70), c(60, 65, 80, 55)) -> t = 0.925820099772552, df = 3,
    # p-value = 0.422826261772102, CI -12.1871744092915 22.1871744092915
    assert result.statistic == pytest.approx(0.925820099772552, rel=1e-12)
    assert result.df == pytest.approx((3.0,))
    assert result.p_value == pytest.approx(0.422826261772102, rel=1e-10)
    assert result.ci_low == pytest.approx(-12.1871744092915, rel=1e-12)
    assert result.note == "no variation within group(s) ['a']"


def test_constant_data_give_nan_with_reasons_not_errors() -> None:
    result = compare_numeric(*scores(a=[5, 5, 5], b=[5, 5]))
    assert math.isnan(result.means_test.statistic)
    assert result.means_test.note == "no variation within either group: t is undefined"
    # R 4.2: wilcox.test(c(5, 5, 5), c(5, 5), exact = FALSE) -> W = 3, p-value = NA
    assert result.rank_test.statistic == 3.0 and math.isnan(result.rank_test.p_value)
    assert result.rank_test.note == "all values are equal: no ranking to compare"
    three = compare_numeric(*scores(a=[5, 5], b=[5, 5], c=[5, 5, 5]))
    assert math.isnan(three.rank_test.p_value) and math.isnan(three.means_test.p_value)
    assert three.rank_test.note == "all values are equal: no ranking to compare"
    assert three.means_test.note.startswith("no variation within group(s) ['a', 'b', 'c']")


def test_fewer_than_two_groups_compare_nothing() -> None:
    result = compare_numeric(*scores(only=[1, 2, 3]))
    for test in result.tests:
        assert math.isnan(test.p_value)
        assert test.note == "fewer than two groups with values (['only']): nothing to compare"


def test_bad_input_is_rejected_with_the_rule() -> None:
    values, groups = scores(a=[1, 2], b=[3, 4])
    with pytest.raises(ValueError, match="same index"):
        compare_numeric(values, groups.set_axis([9, 8, 7, 6]))
    with pytest.raises(ValueError, match="finite numbers or NaN"):
        compare_numeric(values.replace(4.0, np.inf), groups)
    with pytest.raises(ValueError, match="distinct as text"):
        compare_numeric(values, pd.Series([1, "1", 2, 2], dtype=object))
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        compare_numeric(values, groups, confidence=95)


LIKERT_SCORES = st.sampled_from([np.nan, 0.0, 12.5, 25.0, 37.5, 50.0, 62.5, 75.0, 87.5, 100.0])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(LIKERT_SCORES, st.sampled_from([None, "a", "b", "c"])), max_size=25),
    st.booleans(),
)
def test_ordinary_data_never_raise_or_warn_and_swapping_two_groups_flips_the_sign(
    rows: list[tuple[float, str | None]], two: bool
) -> None:
    if two:
        rows = [(v, g) for v, g in rows if g != "c"]
    values = pd.Series([v for v, _ in rows], dtype=float)
    groups = pd.Series([g for _, g in rows], dtype=object)
    result = compare_numeric(values, groups)  # pytest turns any warning into an error
    assert sum(result.n.values()) + result.n_missing + result.n_no_group == len(rows)
    for test in result.tests:
        if math.isnan(test.p_value):
            assert test.note, "a test that could not be computed must say why"
        else:
            assert 0 <= test.p_value <= 1
    if len(result.groups) != 2:
        return
    first, second = result.groups
    flipped = compare_numeric(values, groups.replace({first: second, second: first}))
    for test, other in zip(result.tests, flipped.tests, strict=True):
        assert other.p_value == pytest.approx(test.p_value, nan_ok=True)
        assert other.effect_size == pytest.approx(-test.effect_size, nan_ok=True, abs=1e-12)
    t, t_flipped = result.means_test, flipped.means_test
    assert t_flipped.statistic == pytest.approx(-t.statistic, nan_ok=True)
    assert t_flipped.ci_low == pytest.approx(-t.ci_high, nan_ok=True)


# --- one option's share by group ---------------------------------------------------------------


def test_two_groups_give_the_newcombe_difference_and_r_prop_test() -> None:
    counts = pd.Series({"providers": 29, "supporters": 12})
    bases = pd.Series({"providers": 50, "supporters": 33})
    result = compare_proportions_by_group(counts, bases)
    assert list(result.proportions) == ["providers", "supporters"]
    # measurement notes 3.1: 29/50 -> Wilson 44.2 % to 70.6 %
    first = result.proportions["providers"]
    assert (round(first.ci_low, 3), round(first.ci_high, 3)) == (0.442, 0.706)
    assert result.difference is not None
    assert result.difference.value == pytest.approx(29 / 50 - 12 / 33)
    assert result.difference.method.startswith("newcombe")
    # R 4.2: prop.test(c(29, 12), c(50, 33)) -> X-squared = 2.90776783514588,
    # p-value = 0.0881538065394028 (Yates-corrected, as for a 2 x 2 table)
    assert result.test.method == CHI_SQUARE_YATES
    assert result.test.statistic == pytest.approx(2.90776783514588, rel=1e-12)
    assert result.test.p_value == pytest.approx(0.0881538065394028, rel=1e-10)


def test_three_groups_give_a_test_across_them_and_no_difference() -> None:
    counts = pd.Series({"providers": 29, "supporters": 12, "funders": 20})
    bases = pd.Series({"providers": 50, "supporters": 33, "funders": 28})
    result = compare_proportions_by_group(counts, bases)
    assert result.difference is None
    assert list(result.proportions) == ["providers", "supporters", "funders"]
    # R 4.2: prop.test(c(29, 12, 20), c(50, 33, 28)) -> X-squared = 7.86454732808176, df = 2,
    # p-value = 0.0195990601771469
    assert result.test.method == CHI_SQUARE
    assert result.test.statistic == pytest.approx(7.86454732808176, rel=1e-12)
    assert result.test.df == 2
    assert result.test.p_value == pytest.approx(0.0195990601771469, rel=1e-10)


def test_an_empty_base_is_a_nan_share_with_a_note() -> None:
    counts = pd.Series({"a": 3, "b": 0})
    result = compare_proportions_by_group(counts, pd.Series({"a": 10, "b": 0}))
    assert math.isnan(result.proportions["b"].value)
    assert result.difference is not None and math.isnan(result.difference.value)
    assert result.note == "group(s) ['b'] have no respondents in the base"


def test_counts_must_fit_their_bases() -> None:
    with pytest.raises(ValueError, match=r"counts exceed their bases for group\(s\) \['b'\]"):
        compare_proportions_by_group(pd.Series({"a": 1, "b": 5}), pd.Series({"a": 2, "b": 4}))
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        compare_proportions_by_group(pd.Series({"a": 1.5}), pd.Series({"a": 2}))
    with pytest.raises(ValueError, match="indexed by the same groups"):
        compare_proportions_by_group(pd.Series({"a": 1}), pd.Series({"b": 2}))
