"""Aggregating staff to practices, against Shrout & Fleiss (1979) and plainly written formulas."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scoring.aggregation import group_means, icc_one_way, rwg_j

NA = np.nan

# Shrout & Fleiss (1979) Psychol Bull 86:420-428, Table 2: 6 targets x 4 judges. Here the
# targets are practices and the judges their respondents.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def long_scores(groups: list[list[float]]) -> pd.DataFrame:
    rows = [(f"P{g}", x) for g, values in enumerate(groups) for x in values]
    return pd.DataFrame(rows, columns=["practice", "score"])


SF = long_scores(SHROUT_FLEISS)  # type: ignore[arg-type]


# ---- ICC ---------------------------------------------------------------------------------------


def test_icc_shrout_fleiss_table_4() -> None:
    # Shrout & Fleiss (1979) Table 2: BMS = 11.24, WMS = 6.26; Table 4: ICC(1,1) = .17,
    # ICC(1,k) = .44
    result = icc_one_way(SF, "practice", "score")
    assert round(result.anova.ms_between, 2) == 11.24
    assert round(result.anova.ms_within, 2) == 6.26
    assert round(result.icc1.value, 2) == 0.17
    assert round(result.icc2.value, 2) == 0.44
    assert (result.anova.df_between, result.anova.df_within, result.anova.k) == (5, 18, 4.0)
    assert result.icc1.note == ""


def test_anova_f_matches_scipy_f_oneway() -> None:
    result = icc_one_way(SF, "practice", "score")
    reference = stats.f_oneway(*[np.array(g, dtype=float) for g in SHROUT_FLEISS])
    assert result.anova.f == pytest.approx(reference.statistic)
    assert result.anova.p_value == pytest.approx(reference.pvalue)


def test_icc_intervals_shrout_fleiss_formulas() -> None:
    # Shrout & Fleiss (1979), confidence intervals for ICC(1,1) and ICC(1,k):
    # F_L = F / F_.975(n-1, n(k-1)), F_U = F * F_.975(n(k-1), n-1)
    f, k, df1, df2 = 11.241666666666667 / 6.263888888888889, 4, 5, 18
    f_low = f / stats.f.ppf(0.975, df1, df2)
    f_up = f * stats.f.ppf(0.975, df2, df1)
    result = icc_one_way(SF, "practice", "score")
    assert result.icc1.ci_low == pytest.approx((f_low - 1) / (f_low + k - 1))
    assert result.icc1.ci_high == pytest.approx((f_up - 1) / (f_up + k - 1))
    assert result.icc2.ci_low == pytest.approx(1 - 1 / f_low)
    assert result.icc2.ci_high == pytest.approx(1 - 1 / f_up)


UNEQUAL = [[4, 5, 5, 3], [2, 1], [3, 4, 4, 5, 2, 3], [1, 2, 2]]


def test_icc_unequal_groups_mean_and_adjusted_k() -> None:
    values = [x for g in UNEQUAL for x in g]
    sizes = [len(g) for g in UNEQUAL]
    n, j = len(values), len(UNEQUAL)
    grand = sum(values) / n
    ssb = sum(len(g) * (sum(g) / len(g) - grand) ** 2 for g in UNEQUAL)
    ssw = sum((x - sum(g) / len(g)) ** 2 for g in UNEQUAL for x in g)
    msb, msw = ssb / (j - 1), ssw / (n - j)
    frame = long_scores(UNEQUAL)  # type: ignore[arg-type]
    for group_size, k in (
        ("mean", n / j),
        ("adjusted", (n - sum(s * s for s in sizes) / n) / (j - 1)),
    ):
        result = icc_one_way(frame, "practice", "score", group_size=group_size)  # type: ignore[arg-type]
        assert result.anova.k == pytest.approx(k)
        assert result.icc1.value == pytest.approx((msb - msw) / (msb + (k - 1) * msw))
        assert result.icc2.value == pytest.approx((msb - msw) / msb)
        assert result.icc1.note == "unequal groups: the interval is approximate"
    reference = stats.f_oneway(*[np.array(g, dtype=float) for g in UNEQUAL])
    assert result.anova.f == pytest.approx(reference.statistic)


def test_adjusted_k_equals_mean_for_equal_groups() -> None:
    mean = icc_one_way(SF, "practice", "score", group_size="mean")
    adjusted = icc_one_way(SF, "practice", "score", group_size="adjusted")
    assert adjusted.anova.k == pytest.approx(4.0)
    assert adjusted.icc1.value == pytest.approx(mean.icc1.value)


def test_icc_drops_missing_scores() -> None:
    frame = pd.concat([SF, pd.DataFrame({"practice": ["P0", None], "score": [NA, 3.0]})])
    result = icc_one_way(frame, "practice", "score")
    assert (result.anova.n, result.anova.n_groups) == (24, 6)
    assert round(result.icc1.value, 2) == 0.17


def test_icc_needs_two_practices_and_within_variance() -> None:
    one = icc_one_way(long_scores([[1, 2, 3]]), "practice", "score")
    assert math.isnan(one.icc1.value) and math.isnan(one.icc2.value)
    assert one.note == "1 practice(s) with scores: ICC needs at least two"
    singles = icc_one_way(long_scores([[1], [2], [3]]), "practice", "score")
    assert singles.icc1.note == "every practice has one respondent: no within-practice variance"
    same = icc_one_way(long_scores([[2, 2], [2, 2]]), "practice", "score")
    assert same.note == "every score is the same: no variance"


def test_icc_with_no_within_variance_is_one() -> None:
    result = icc_one_way(long_scores([[1, 1], [3, 3], [4, 4]]), "practice", "score")
    assert (result.icc1.value, result.icc2.value) == (1.0, 1.0)
    assert result.anova.f == math.inf and result.anova.p_value == 0.0


def test_icc_without_between_variance_has_no_icc2() -> None:
    result = icc_one_way(long_scores([[1, 3], [3, 1]]), "practice", "score")
    assert result.icc1.value == pytest.approx(-1.0)  # -MSW / ((k - 1) MSW), k = 2
    assert math.isnan(result.icc2.value)
    assert "no variance between practices" in result.icc2.note


def test_non_numeric_scores_are_an_error() -> None:
    frame = pd.DataFrame({"practice": ["A", "A"], "score": ["3", "high"]})
    with pytest.raises(ValueError, match="scores must be numeric; not a number at score row 1"):
        icc_one_way(frame, "practice", "score")
    with pytest.raises(ValueError, match="columns not in the frame: total"):
        group_means(frame, "practice", "total")


# ---- practice means ----------------------------------------------------------------------------


def test_group_means_against_numpy_and_scipy_t_test() -> None:
    results = group_means(SF, "practice", "score")
    assert [r.group for r in results] == [f"P{g}" for g in range(6)]
    for result, values in zip(results, SHROUT_FLEISS, strict=True):
        x = np.array(values, dtype=float)
        ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
        assert result.value == pytest.approx(x.mean())
        assert result.sd == pytest.approx(x.std(ddof=1))
        assert (result.ci_low, result.ci_high) == pytest.approx((ci.low, ci.high))
        assert result.n == 4 and not result.suppressed


def test_small_practices_are_suppressed_with_a_reason() -> None:
    frame = pd.DataFrame(
        {"practice": ["A", "A", "A", "B", "B", "C", "C"], "score": [1, 2, 3, 4, 5, NA, NA]}
    )
    a, b, c = group_means(frame, "practice", "score")
    assert (a.value, a.n, a.suppressed) == (2.0, 3, False)
    assert b.suppressed and math.isnan(b.value) and b.n == 2
    assert b.note == "suppressed: n = 2 is below 3"
    assert c.n == 0 and c.note == "no scores"
    (b_open,) = [r for r in group_means(frame, "practice", "score", min_n=2) if r.group == "B"]
    assert b_open.value == 4.5


def test_group_means_one_respondent_and_zero_spread() -> None:
    frame = pd.DataFrame({"practice": ["A", "B", "B"], "score": [3.0, 2.0, 2.0]})
    a, b = group_means(frame, "practice", "score", min_n=1)
    assert a.value == 3.0 and math.isnan(a.sd) and a.note == "one respondent: no SD or interval"
    assert (b.ci_low, b.ci_high) == (2.0, 2.0)


def test_group_means_rejects_a_bad_minimum() -> None:
    with pytest.raises(ValueError, match="min_n must be at least 1"):
        group_means(SF, "practice", "score", min_n=0)


# ---- rwg(j) ------------------------------------------------------------------------------------


def direct_rwg(items: Sequence[Sequence[float]], a: int) -> float:
    """James, Demaree & Wolf (1984): J(1 - s2/e) / (J(1 - s2/e) + s2/e), e = (A^2 - 1)/12."""
    j = len(items[0])
    variances = [float(np.var([row[i] for row in items], ddof=1)) for i in range(j)]
    ratio = (sum(variances) / j) / ((a * a - 1) / 12)
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


PRACTICE_ITEMS = {"A": [[4, 4, 5], [5, 4, 5], [4, 3, 4], [5, 4, 4]], "B": [[2, 3, 3], [3, 3, 2]]}


def item_frame(practices: Mapping[str, Sequence[Sequence[float]]]) -> pd.DataFrame:
    rows = [(p, *answers) for p, people in practices.items() for answers in people]
    return pd.DataFrame(rows, columns=["practice", "i1", "i2", "i3"])


def test_rwg_j_against_direct_formula() -> None:
    results = rwg_j(item_frame(PRACTICE_ITEMS), "practice", ["i1", "i2", "i3"], scale_points=5)
    for result, (name, items) in zip(results, PRACTICE_ITEMS.items(), strict=True):
        assert result.group == name
        assert result.value == pytest.approx(direct_rwg(items, 5))
        assert (result.items, result.n, result.truncated) == (3, len(items), False)


@pytest.mark.parametrize(("points", "variance"), [(5, 2.0), (7, 4.0), (4, 1.25)])
def test_expected_variance_of_a_uniform_answer(points: int, variance: float) -> None:
    # James, Demaree & Wolf (1984): sigma_EU^2 = (A^2 - 1) / 12: 2.0 on 5 points, 4.0 on 7
    frame = item_frame({"A": [[1, 2, 3], [2, 2, 3]]})
    (result,) = rwg_j(frame, "practice", ["i1", "i2", "i3"], scale_points=points)
    assert result.expected_variance == variance


def test_rwg_j_truncates_when_variance_exceeds_the_uniform() -> None:
    frame = item_frame({"A": [[1, 1, 5], [5, 5, 1], [1, 5, 1]]})
    (result,) = rwg_j(frame, "practice", ["i1", "i2", "i3"], scale_points=5)
    assert result.observed_variance > result.expected_variance
    assert (result.value, result.truncated) == (0.0, True)
    assert "truncated to 0" in result.note


def test_rwg_j_missing_items_and_single_respondents() -> None:
    frame = item_frame({"A": [[4, 4, NA], [4, 5, 5]], "B": [[3, 3, 3]]})
    a, b = rwg_j(frame, "practice", ["i1", "i2", "i3"], scale_points=5)
    assert a.items == 2  # i3 answered once in A: left out of J
    assert a.value == pytest.approx(direct_rwg([[4, 4], [4, 5]], 5))
    assert math.isnan(b.value) and b.note == "fewer than two respondents answered any item"


def test_rwg_j_rejects_a_one_point_scale() -> None:
    with pytest.raises(ValueError, match="scale_points"):
        rwg_j(item_frame(PRACTICE_ITEMS), "practice", ["i1"], scale_points=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=2, max_size=8),
)
def test_rwg_j_stays_within_zero_and_one(people: list[list[float]]) -> None:
    frame = item_frame({"A": people})
    (result,) = rwg_j(frame, "practice", ["i1", "i2", "i3"], scale_points=5)
    assert 0.0 <= result.value <= 1.0
    if all(row == people[0] for row in people):
        assert result.value == 1.0
    if not result.truncated:
        assert result.value == pytest.approx(direct_rwg(people, 5))
