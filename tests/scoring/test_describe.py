"""Numeric and Likert summaries against R's t.test and quantile (type 7)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.describe import describe_likert, describe_numeric, quantiles

# R's sleep data (Cushny & Peebles), extra hours of sleep under drugs 1 and 2, same 10 patients.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
LIKERT = [(str(i), label) for i, label in enumerate(["SD", "D", "N", "A", "SA"], start=1)]


def type7_by_hand(values: list[float], p: float) -> float:
    """Hyndman & Fan (1996) definition 7: h = (n - 1) p, then interpolate linearly."""
    x = sorted(values)
    h = (len(x) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def test_mean_ci_matches_r_paired_t_test_on_sleep() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) -- a one-sample t on the differences:
    # t = -4.0621, df = 9, 95 percent CI -2.4598858 -0.7001142, mean of the differences -1.58
    diffs = pd.Series(np.array(SLEEP_1) - np.array(SLEEP_2))
    result = describe_numeric(diffs)
    assert result.n == 10
    assert result.mean == pytest.approx(-1.58)
    assert result.ci_low == pytest.approx(-2.4598858, abs=5e-8)
    assert result.ci_high == pytest.approx(-0.7001142, abs=5e-8)
    assert round(result.mean / (result.sd / math.sqrt(10)), 4) == -4.0621


def test_quartiles_are_r_type_7() -> None:
    # R: quantile(1:10) -> 0%: 1, 25%: 3.25, 50%: 5.5, 75%: 7.75, 100%: 10 (type 7 default);
    # type 6 (SPSS, Minitab) would give 2.75 and 8.25.
    result = describe_numeric(pd.Series(np.arange(1.0, 11.0)))
    assert (result.q1, result.median, result.q3) == (3.25, 5.5, 7.75)
    assert result.iqr == 4.5
    assert (result.min, result.max) == (1.0, 10.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-50, 50).map(float), min_size=1, max_size=40),
    st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]),
)
def test_quantiles_equal_the_type_7_formula(values: list[float], p: float) -> None:
    assert quantiles(np.array(values), [p])[0] == pytest.approx(type7_by_hand(values, p))


def test_sd_is_ddof_1() -> None:
    # R: sd(c(2, 4, 4, 4, 5, 5, 7, 9)) = 2.13809 (population SD would be 2)
    result = describe_numeric(pd.Series([2.0, 4, 4, 4, 5, 5, 7, 9]))
    assert result.sd == pytest.approx(math.sqrt(32 / 7))


def test_only_asked_respondents_count_and_missing_are_reported_by_reason() -> None:
    values = pd.Series([1.0, 2.0, np.nan, np.nan, 100.0])
    asked = pd.Series([True, True, True, True, False])
    missing = pd.Series([None, None, "UNK", None, None])
    result = describe_numeric(values, asked, missing=missing)
    assert result.n == 2 and result.mean == 1.5 and result.max == 2.0
    assert result.n_missing == 2
    assert result.missing == {"UNK": 1, "blank": 1}
    assert result.n_ignored_not_asked == 1


def test_no_values_is_nan_with_a_note_and_no_warning() -> None:
    result = describe_numeric(pd.Series([np.nan, np.nan]))
    assert result.n == 0
    assert all(math.isnan(v) for v in (result.mean, result.sd, result.median, result.ci_low))
    assert result.note == "no values"


def test_one_value_has_a_mean_but_no_sd_or_ci() -> None:
    result = describe_numeric(pd.Series([3.0]))
    assert result.mean == 3.0 and result.median == 3.0
    assert math.isnan(result.sd) and math.isnan(result.ci_low)
    assert "at least 2 values" in result.note


def test_infinite_values_are_refused() -> None:
    with pytest.raises(ValueError, match="finite numbers or NaN"):
        describe_numeric(pd.Series([1.0, np.inf]))


# --- Likert ------------------------------------------------------------------------------------


def likert(
    codes: Sequence[str | None], asked: list[bool] | None = None
) -> tuple[pd.Series, pd.Series]:
    index = pd.RangeIndex(len(codes))
    return pd.Series(codes, index=index), pd.Series(asked or [True] * len(codes), index=index)


def test_likert_distribution_lists_every_option_in_order() -> None:
    answers, asked = likert(["5", "5", "4", "1", None])
    result = describe_likert(answers, asked, LIKERT)
    assert list(result.distribution.table.index) == ["1", "2", "3", "4", "5"]
    assert list(result.distribution.table["count"]) == [1, 0, 0, 1, 2]
    assert result.distribution.missing == {"blank": 1}


def test_likert_median_and_quartiles_are_type_7_of_the_codes() -> None:
    # codes 1 2 2 3 5 5: type 7 gives Q1 2, median 2.5, Q3 4.5 (type 6 would give Q3 5)
    answers, asked = likert(["1", "2", "2", "3", "5", "5"])
    result = describe_likert(answers, asked, LIKERT)
    assert (result.q1, result.median, result.q3) == (2.0, 2.5, 4.5)


def test_top_two_box_defaults_to_the_two_highest_codes_with_wilson() -> None:
    # 29 of 50 agree or strongly agree: measurement notes 3.1, Wilson 44.2-70.6 %
    answers, asked = likert(["5"] * 10 + ["4"] * 19 + ["3"] * 11 + ["2"] * 10)
    result = describe_likert(answers, asked, LIKERT)
    assert result.top_codes == ("4", "5")
    assert (result.top_box.count, result.top_box.n) == (29, 50)
    assert round(100 * result.top_box.ci_low, 1) == 44.2
    assert round(100 * result.top_box.ci_high, 1) == 70.6


def test_top_codes_follow_numeric_order_not_choice_order() -> None:
    reversed_choices = list(reversed(LIKERT))
    answers, asked = likert(["5", "4", "1"])
    assert describe_likert(answers, asked, reversed_choices).top_codes == ("4", "5")


def test_top_box_can_be_chosen_and_a_kept_missing_code_counts_in_its_base() -> None:
    answers, asked = likert(["5", "4", "1", None])
    missing = pd.Series([None, None, None, "NA"])
    result = describe_likert(
        answers, asked, LIKERT, top=["5"], missing=missing, keep_missing=["NA"]
    )
    assert (result.top_box.count, result.top_box.n) == (1, 4)
    assert result.median == 4.0  # the kept NA is not on the scale


def test_likert_with_no_answers_is_nan() -> None:
    answers, asked = likert([None, None])
    result = describe_likert(answers, asked, LIKERT)
    assert math.isnan(result.median) and math.isnan(result.top_box.value)


def test_likert_codes_must_be_numbers_and_top_codes_choices() -> None:
    answers, asked = likert(["a"])
    with pytest.raises(ValueError, match=r"must be numbers, got \['a', 'b'\]"):
        describe_likert(answers, asked, [("a", "A"), ("b", "B")])
    answers, asked = likert(["1"])
    with pytest.raises(ValueError, match=r"top codes \['9'\] are not choices"):
        describe_likert(answers, asked, LIKERT, top=["9"])
