"""Run charts (Anhoej rules) and p / XmR control charts against published values and plain loops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.spc import anhoej_limits, p_chart, run_chart, wave_counts, wave_medians, xmr_chart

# Montgomery, Introduction to Statistical Quality Control, Example 7.1 (frozen orange juice cans,
# 30 samples of 50; data as in R qcc::orangejuice, trial samples). Published trial limits:
# p-bar = 0.2313, UCL = 0.4102, LCL = 0.0524; samples 15 and 23 are out of control. Revised with
# 15 and 23 excluded: p-bar = 0.2150, UCL = 0.3893, LCL = 0.0407, and sample 21 then exceeds UCL.
ORANGE_JUICE_DEFECTIVES = [
    12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
    8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
]  # fmt: skip


@pytest.mark.parametrize(
    ("n", "longest_run_max", "crossings_min"),
    # Measurement notes 4.4, from Anhoej & Olesen (2014) and the qicharts2 source.
    [(10, 6, 2), (12, 7, 3), (20, 7, 6), (24, 8, 8), (30, 8, 10), (40, 8, 14), (50, 9, 19),
     (100, 10, 41)],
)  # fmt: skip
def test_anhoej_limits_reference_values(n, longest_run_max, crossings_min):
    limits = anhoej_limits(n)
    assert (limits.longest_run_max, limits.crossings_min) == (longest_run_max, crossings_min)


@pytest.mark.parametrize("n", range(2, 120))
def test_crossings_min_is_the_binomial_5_percent_quantile(n):
    # qbinom(0.05, n - 1, 0.5): the smallest c with P(X <= c) >= 0.05, X ~ Bin(n - 1, 1/2).
    cumulative, c = 0.0, -1
    while cumulative < 0.05:
        c += 1
        cumulative += math.comb(n - 1, c) / 2 ** (n - 1)
    assert anhoej_limits(n).crossings_min == c


def plain_runs(values: list[float]) -> tuple[int, int, int]:
    """Useful points, longest run and crossings counted with a plain loop."""
    clean = [v for v in values if not math.isnan(v)]
    ordered = sorted(clean)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    sides = [1 if v > median else -1 for v in clean if v != median]
    longest = run = crossings = 0
    for i, s in enumerate(sides):
        run = run + 1 if i and s == sides[i - 1] else 1
        crossings += 1 if i and s != sides[i - 1] else 0
        longest = max(longest, run)
    return len(sides), longest, crossings


def test_a_steady_rise_signals_too_few_crossings():
    result = run_chart([float(v) for v in range(1, 13)])  # median 6.5: 6 below then 6 above
    assert (result.n_useful, result.longest_run, result.n_crossings) == (12, 6, 1)
    assert (result.longest_run_max, result.crossings_min) == (7, 3)
    assert result.longest_run_signal is False
    assert result.crossings_signal is True and result.signal is True


def test_points_on_the_median_neither_count_nor_break_a_run():
    values = [1.0, 2.0, 5.0, 3.0, 5.0, 9.0, 8.0, 5.0, 7.0, 6.0, 9.0, 5.0, 4.0]  # median 5
    result = run_chart(values, min_useful=2)
    assert result.median == 5.0
    assert (result.n_useful, result.longest_run, result.n_crossings) == (9, 5, 2)


def test_rules_wait_for_enough_useful_points():
    values = [1.0, 3.0, 2.0, 4.0, 6.0, 5.0, 7.0, 9.0, 8.0, 10.0]  # median 5.5: 10 useful
    assert run_chart(values).signal is not None
    waiting = run_chart(values, min_useful=11)
    assert waiting.signal is None and waiting.longest_run_max is None
    assert waiting.note == "runs rules not applied: 10 useful points, need 11"
    nine = run_chart(values[:9])  # median 6 is one of the points: 8 useful
    assert nine.crossings_signal is None and "8 useful points, need 10" in nine.note
    with pytest.raises(ValueError, match="min_useful must be at least 2"):
        run_chart([1.0, 2.0], min_useful=1)


def test_signals_need_to_pass_the_limits_not_reach_them():
    # 10 useful points (limits 6 / 2): points on the median let one side hold a long run.
    run_of_6 = [1.0, 2.0, 1.5, 2.5, 1.2, 2.2] + [5.0] * 3 + [9.0, 8.0, 9.5, 8.5]
    assert run_chart(run_of_6).longest_run == 6
    assert run_chart(run_of_6).longest_run_signal is False
    run_of_7 = [1.0, 2.0, 1.5, 2.5, 1.2, 2.2, 1.7] + [5.0] * 5 + [9.0, 8.0, 9.5]
    assert run_chart(run_of_7).n_useful == 10 and run_chart(run_of_7).longest_run == 7
    assert run_chart(run_of_7).longest_run_signal is True
    two_crossings = [1.0, 2.0, 3.0, 7.0, 8.0, 9.0, 10.0, 6.0, 4.0, 5.0]  # median 5.5
    assert run_chart(two_crossings).n_crossings == 2
    assert run_chart(two_crossings).crossings_signal is False
    one_crossing = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert run_chart(one_crossing).crossings_signal is True


def test_a_long_shift_signals_a_long_run():
    values = [5.0, 4.0, 6.0, 5.5, 4.5] + [1.0] * 3 + [9.0, 8.0, 9.5, 8.5, 9.2, 8.8, 9.9, 8.1, 9.4]
    useful, longest, crossings = plain_runs(values)
    result = run_chart(values)
    assert (result.n_useful, result.longest_run, result.n_crossings) == (useful, longest, crossings)
    assert result.longest_run > anhoej_limits(useful).longest_run_max
    assert result.longest_run_signal is True


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.integers(0, 6).map(float), st.just(math.nan)), min_size=0, max_size=40)
)
def test_run_counts_match_a_plain_loop(values):
    result = run_chart(values, min_useful=2)
    if not any(not math.isnan(v) for v in values):
        assert result.n_points == 0 and result.note == "no points"
        return
    assert (result.n_useful, result.longest_run, result.n_crossings) == plain_runs(values)
    if result.n_useful >= 2:
        limits = anhoej_limits(result.n_useful)
        assert result.longest_run_signal == (result.longest_run > limits.longest_run_max)
        assert result.crossings_signal == (result.n_crossings < limits.crossings_min)


def test_p_chart_reproduces_montgomery_example_7_1():
    chart = p_chart(ORANGE_JUICE_DEFECTIVES, [50] * 30)
    assert chart.center == pytest.approx(0.2313, abs=5e-5)
    assert chart.points["ucl"].iloc[0] == pytest.approx(0.4102, abs=5e-5)
    assert chart.points["lcl"].iloc[0] == pytest.approx(0.0524, abs=5e-5)
    assert (chart.points.index[chart.points["outside"]] + 1).tolist() == [15, 23]
    revised = [d for i, d in enumerate(ORANGE_JUICE_DEFECTIVES, start=1) if i not in (15, 23)]
    again = p_chart(revised, [50] * 28)
    assert again.center == pytest.approx(0.2150, abs=5e-5)
    assert again.points["ucl"].iloc[0] == pytest.approx(0.3893, abs=5e-5)
    assert again.points["lcl"].iloc[0] == pytest.approx(0.0407, abs=5e-5)
    assert again.points.loc[again.points["outside"], "events"].tolist() == [20.0]  # sample 21


def test_p_chart_limits_vary_with_the_denominator_and_are_truncated():
    events, totals = [1, 9, 3, 0, 5], [4, 10, 30, 8, 100]
    chart = p_chart(events, totals)
    p_bar = sum(events) / sum(totals)
    for row, n in zip(chart.points.itertuples(), totals, strict=True):
        half = 3 * math.sqrt(p_bar * (1 - p_bar) / n)
        assert row.ucl == pytest.approx(min(1.0, p_bar + half))
        assert row.lcl == pytest.approx(max(0.0, p_bar - half))
    assert chart.points["lcl"].iloc[0] == 0.0  # p-bar - 3 sigma < 0 at n = 4
    assert chart.points["outside"].tolist() == [False, True, False, False, False]


def test_p_chart_skips_periods_without_a_denominator():
    chart = p_chart([2, np.nan, 3, 0], [10, 10, 10, 0])
    assert chart.center == pytest.approx(5 / 20)
    assert chart.n_points == 2 and "2 period(s)" in chart.note
    assert chart.points["p"].isna().tolist() == [False, True, False, True]
    assert not chart.points["outside"].iloc[[1, 3]].any()
    everyone = p_chart([5, 5], [5, 5])
    assert everyone.center == 1.0 and everyone.n_outside == 0 and "collapse" in everyone.note
    with pytest.raises(ValueError, match="0 <= events <= total"):
        p_chart([6], [5])


def test_xmr_chart_from_the_formulas():
    values = [10.0, 12.0, 11.0, 14.0, 13.0, 30.0, 12.0, 11.0]
    chart = xmr_chart(values)
    moving = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = sum(moving) / len(moving)
    mean = sum(values) / len(values)
    assert chart.center == pytest.approx(mean)
    assert chart.mr_bar == pytest.approx(mr_bar)
    assert (chart.lcl, chart.ucl) == pytest.approx((mean - 2.66 * mr_bar, mean + 2.66 * mr_bar))
    assert chart.mr_ucl == pytest.approx(3.267 * mr_bar)
    flagged = [v > mean + 2.66 * mr_bar or v < mean - 2.66 * mr_bar for v in values]
    assert chart.points["outside"].tolist() == flagged
    assert chart.points["mr_outside"].tolist() == [False] + [m > 3.267 * mr_bar for m in moving]


def test_xmr_chart_flags_a_point_beyond_the_limits():
    chart = xmr_chart([10.0, 10.5, 9.5, 10.2, 9.8, 10.1, 9.9, 10.4, 9.6, 10.0, 10.3, 9.7, 16.0])
    assert chart.points["outside"].tolist() == [False] * 12 + [True]
    assert chart.n_outside == 1


def test_xmr_chart_missing_points_and_degenerate_series():
    chart = xmr_chart([1.0, np.nan, 3.0, 4.0, 6.0])
    assert chart.center == pytest.approx(14 / 4)
    assert chart.mr_bar == pytest.approx((1 + 2) / 2)  # no range across the gap
    assert chart.n_points == 4
    single = xmr_chart([5.0])
    assert math.isnan(single.mr_bar) and "two consecutive points" in single.note
    flat = xmr_chart([2.0, 2.0, 2.0])
    assert flat.mr_bar == 0 and flat.n_outside == 0 and "collapse" in flat.note


def test_wave_helpers_build_the_series_from_a_long_frame():
    frame = pd.DataFrame(
        {
            "unit": ["a", "b", "c", "a", "b", "c"],
            "wave_index": [1, 1, 1, 0, 0, 0],
            "score": [3.0, 5.0, np.nan, 1.0, 2.0, 10.0],
            "qi": [1.0, 0.0, np.nan, 1.0, 1.0, 0.0],
        }
    )
    assert wave_medians(frame, "score").tolist() == [2.0, 4.0]
    counts = wave_counts(frame, "qi")
    assert counts["events"].tolist() == [2.0, 1.0] and counts["total"].tolist() == [3, 2]
    with pytest.raises(ValueError, match="must hold 0/1"):
        wave_counts(frame, "score")
    with pytest.raises(ValueError, match=r"column\(s\) \['nope'\] not in the frame"):
        wave_medians(frame, "nope")
