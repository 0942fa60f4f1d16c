"""Paired change between waves: known answers from R and the papers, brute force otherwise."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring.change import paired_values, unit_changes, wave_changes
from scoring.paired import mcnemar_change, paired_t, reliable_change, signed_rank

# R's `sleep` data: extra hours of sleep for the same 10 patients under drug 1 and drug 2.
SLEEP_GROUP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_GROUP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def two_waves(before: list[float], after: list[float], column: str = "score") -> pd.DataFrame:
    n = len(before)
    return pd.DataFrame(
        {
            "unit": [f"p{i}" for i in range(n)] * 2,
            "wave_index": [0] * n + [1] * n,
            "months": [0.0] * n + [6.0] * n,
            column: list(before) + list(after),
        }
    )


def sleep_frame() -> pd.DataFrame:
    # Group 2 at wave 0 and group 1 at wave 1, so after - before = group 1 - group 2 as in R.
    return two_waves(SLEEP_GROUP_2, SLEEP_GROUP_1, column="extra")


def test_paired_t_reproduces_r_sleep():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE)
    #    t = -4.0621, df = 9, p-value = 0.002833
    #    95 percent confidence interval: -2.4598858 -0.7001142; mean difference -1.58
    result = paired_t(sleep_frame(), "extra", to_wave=1)
    assert result.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert result.df == 9
    assert result.p_value == pytest.approx(0.002833, abs=5e-7)
    assert result.ci_low == pytest.approx(-2.4598858, abs=5e-8)
    assert result.ci_high == pytest.approx(-0.7001142, abs=5e-8)
    assert result.estimate == pytest.approx(-1.58)
    assert (result.n_pairs, result.units_dropped) == (10, 0)


def test_cohen_dz_is_mean_over_sd_of_the_changes():
    # Lakens (2013) dz = mean(d) / sd(d); sleep: mean -1.58, sd(d) computed plainly here.
    d = np.array(SLEEP_GROUP_1) - np.array(SLEEP_GROUP_2)
    sd = math.sqrt(sum((x - d.mean()) ** 2 for x in d) / (len(d) - 1))
    assert paired_t(sleep_frame(), "extra").cohen_dz == pytest.approx(-1.58 / sd)


def test_signed_rank_reproduces_r_sleep_with_ties_and_a_zero():
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE)
    #    V = 0, p-value = 0.009091 (normal approximation with continuity correction;
    #    R warns it cannot compute an exact p-value with ties and zeroes)
    result = signed_rank(sleep_frame(), "extra")
    assert result.statistic == 0
    assert result.p_value == pytest.approx(0.009091, abs=5e-7)
    assert (result.n_zero, result.n_ranked) == (1, 9)
    assert "asymptotic" in result.method and "correction=True" in result.method
    assert result.rank_biserial == -1.0


def test_signed_rank_approximation_matches_the_normal_formula():
    # Normal approximation written out: zeros dropped, tie-corrected variance, 0.5 continuity
    # correction towards the mean (Hollander & Wolfe; R wilcox.test, correct = TRUE).
    d = np.array(SLEEP_GROUP_1) - np.array(SLEEP_GROUP_2)
    d = d[d != 0]
    n = len(d)
    abs_sorted = sorted(abs(x) for x in d)
    positions = {v: [i + 1 for i, w in enumerate(abs_sorted) if w == v] for v in abs_sorted}
    t_plus = sum(np.mean(positions[abs(x)]) for x in d if x > 0)
    ties = [abs_sorted.count(v) for v in set(abs_sorted)]
    variance = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in ties) / 48
    z = (abs(t_plus - n * (n + 1) / 4) - 0.5) / math.sqrt(variance)
    expected = math.erfc(z / math.sqrt(2))
    assert signed_rank(sleep_frame(), "extra").p_value == pytest.approx(expected, rel=1e-10)


def exact_signed_rank_p(t_plus: float, n: int) -> float:
    """Two-sided exact p by enumerating all 2^n sign assignments of the ranks 1..n."""
    sums = [
        sum(r for r, s in zip(range(1, n + 1), signs, strict=True) if s)
        for signs in itertools.product([0, 1], repeat=n)
    ]
    low = sum(s <= t_plus for s in sums) / len(sums)
    high = sum(s >= t_plus for s in sums) / len(sums)
    return min(1.0, 2 * min(low, high))


def test_signed_rank_exact_p_matches_brute_force_enumeration():
    before = [10.0, 12.0, 9.0, 14.0, 11.0, 13.0, 8.0, 15.0]
    d = [1.5, -0.5, 2.5, 3.0, -1.0, 4.0, 2.0, 3.5]  # distinct, non-zero: ranks 3,1,5,6,2,8,4,7
    result = signed_rank(
        two_waves(before, [b + x for b, x in zip(before, d, strict=True)]), "score"
    )
    assert "method='exact'" in result.method
    # T+ = 36 - (1 + 2) = 33 is what R prints as V; scipy's two-sided statistic would be 3.
    assert (result.statistic, result.t_minus) == (33, 3)
    assert result.p_value == pytest.approx(exact_signed_rank_p(33, 8), rel=1e-12)
    assert result.rank_biserial == pytest.approx((33 - 3) / 36)  # Kerby (2014) simple difference


def readiness_like(item_sums: list[int]) -> list[float]:
    """Scale scores as scoring.scales makes them: the mean of 3 items on 1-5, rescaled to 0-100,
    so item-sum steps of 1 become changes of 100/12 that float noise makes unequal."""
    return [((s / 3.0) - 1.0) / 4.0 * 100.0 for s in item_sums]


# Item sums (3 items, 1-5) of 10 practices at baseline and follow-up: changes in item-sum units
# 3, 3, 4, -1, 4, -2, 1, -1, -1, 2 (ties: |1| x 4, |3| x 2, |4| x 2, |2| x 2).
SUMS_BEFORE = [12, 7, 5, 7, 8, 12, 9, 5, 8, 10]
SUMS_AFTER = [15, 10, 9, 6, 12, 10, 10, 4, 7, 12]


def test_signed_rank_ties_changes_that_are_equal_on_the_scale():
    # R 4.2: wilcox.test(after, before, paired = TRUE, digits.rank = 7)  (after, before = the
    #   readiness_like scores): V = 42, p-value = 0.150090168, the same as
    #   wilcox.test(SUMS_AFTER, SUMS_BEFORE, paired = TRUE) on the item sums.
    # Unrounded, the changes 8.3333333333333357 and 8.3333333333333286 do not tie: R's default
    #   digits.rank = Inf then gives V = 42.5, p = 0.1378701928 (as this function did).
    before, after = readiness_like(SUMS_BEFORE), readiness_like(SUMS_AFTER)
    assert len(set(np.abs(np.subtract(after, before)))) > 4  # the float noise is there
    result = signed_rank(two_waves(before, after), "score")
    assert (result.statistic, result.t_minus) == (42, 13)
    assert result.p_value == pytest.approx(0.150090168, abs=5e-10)
    assert "asymptotic" in result.method  # ties: no exact p, as in R
    assert result.rank_biserial == pytest.approx((42 - 13) / 55)
    assert result.median_difference == pytest.approx(100 / 12 * 1.5)


def test_signed_rank_counts_a_change_of_float_noise_as_zero():
    # An 11th practice whose items (1, 1, 2) did not change, its score computed two ways
    # (rescaled mean, mean of rescaled items): 8.333333333333332 and 8.333333333333334.
    # R 4.2: wilcox.test(c(SUMS_AFTER, 4), c(SUMS_BEFORE, 4), paired = TRUE)
    #   V = 42, p-value = 0.150090168 (the zero dropped)
    before = readiness_like(SUMS_BEFORE) + readiness_like([4])
    after = readiness_like(SUMS_AFTER) + [(0.0 + 0.0 + 25.0) / 3]
    assert before[-1] != after[-1]
    result = signed_rank(two_waves(before, after), "score")
    assert (result.n_zero, result.n_ranked, result.statistic) == (1, 10, 42)
    assert result.p_value == pytest.approx(0.150090168, abs=5e-10)


def test_paired_t_on_scale_scores_reproduces_r():
    # R 4.2: t.test(after, before, paired = TRUE) on the readiness_like scores:
    #   t = 1.650057295, df = 9, p-value = 0.1333291119, 95% CI -3.709567359 23.70956736,
    #   mean difference 10
    before, after = readiness_like(SUMS_BEFORE), readiness_like(SUMS_AFTER)
    result = paired_t(two_waves(before, after), "score")
    assert result.statistic == pytest.approx(1.650057295, abs=5e-9)
    assert result.df == 9
    assert result.p_value == pytest.approx(0.1333291119, abs=5e-10)
    assert (result.ci_low, result.ci_high) == pytest.approx((-3.709567359, 23.70956736), abs=5e-8)
    assert result.estimate == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        # R 4.2: t.test(c(0.1, 0.2, 0.3) + 0.2, c(0.1, 0.2, 0.3), paired = TRUE)
        #   Error: data are essentially constant (0.3 - 0.1 = 0.19999999999999998)
        ([0.1, 0.2, 0.3], [0.3, 0.4, 0.5], 0.2),
        # R 4.2: t.test(after, before, paired = TRUE) with every item sum up by 1:
        #   Error: data are essentially constant (changes 8.3333333333333215 to ...357)
        (readiness_like(SUMS_BEFORE), readiness_like([s + 1 for s in SUMS_BEFORE]), 100 / 12),
        ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], 1.0),  # exactly constant
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.0),  # nothing changed
    ],
)
def test_paired_t_with_constant_changes_is_nan_with_a_reason(before, after, change):
    # scipy warns of "catastrophic cancellation" on such data (an error under pytest); R stops.
    result = paired_t(two_waves(before, after), "score")
    for value in (result.statistic, result.p_value, result.ci_low, result.ci_high):
        assert math.isnan(value)
    assert math.isnan(result.cohen_dz)
    assert "differences are constant" in result.note and "no t test" in result.note
    assert result.estimate == pytest.approx(change)
    assert (result.n_pairs, result.df) == (len(before), len(before) - 1)


def test_reliable_change_with_a_baseline_constant_up_to_float_noise_is_not_assessed():
    # 8.333333333333332 and 8.333333333333334 are the same score computed two ways.
    before = readiness_like([4]) + [(0.0 + 0.0 + 25.0) / 3] + readiness_like([4])
    result = reliable_change(
        two_waves(before, [20.0, 10.0, 16.0]),
        "score",
        reliability=0.8,
        reliability_source="icc2",
    )
    assert result.sd_baseline == 0.0 and "baseline SD is 0" in result.note


def test_rounded_differences_keep_ten_significant_digits_of_the_largest_score():
    pairs = paired_values(two_waves([75.0, 0.1 + 0.2], [100.0, 0.3]), "score")
    assert pairs.differences[1] != 0.0
    assert pairs.rounded_differences.tolist() == [25.0, 0.0]
    small = paired_values(two_waves([0.1, 0.2], [0.3, 0.4]), "score").rounded_differences
    assert small.tolist() == [0.2, 0.2]  # 0.19999999999999998 and 0.2 tie


def test_signed_rank_uses_the_approximation_above_50_pairs():
    before = [0.0] * 51
    after = [float(i + 1) * (1 if i % 3 else -1) for i in range(51)]
    result = signed_rank(two_waves(before, after), "score")
    assert "asymptotic" in result.method
    n = 51
    t_plus = sum(i + 1 for i in range(51) if i % 3)
    z = (abs(t_plus - n * (n + 1) / 4) - 0.5) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-10)


def test_signed_rank_with_every_change_zero_is_nan_with_a_reason():
    result = signed_rank(two_waves([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), "score")
    assert math.isnan(result.p_value) and math.isnan(result.rank_biserial)
    assert "every change is zero" in result.note


def test_paired_t_edge_cases_are_nan_with_a_reason():
    one_pair = paired_t(two_waves([1.0], [2.0]), "score")
    assert math.isnan(one_pair.p_value) and "at least 2 pairs" in one_pair.note
    constant = paired_t(two_waves([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), "score")
    assert math.isnan(constant.statistic) and "sd of changes is 0" in constant.note
    assert constant.estimate == 1.0 and "changed by 1)" in constant.note


def test_units_without_a_pair_are_counted_as_dropped():
    frame = pd.DataFrame(
        {
            "unit": ["a", "a", "b", "c", "c", "c", "d"],
            "wave_index": [0, 1, 0, 0, 1, 2, 2],
            "score": [1.0, 2.0, 3.0, 1.0, np.nan, 4.0, 5.0],
        }
    )
    latest = paired_values(frame, "score")  # a: 0 -> 1, c: 0 -> 2 (its latest observed wave)
    assert latest.units == ("a", "c")
    assert latest.differences.tolist() == [1.0, 3.0]
    assert latest.units_dropped == 2  # b has no follow-up, d no baseline
    wave_1 = paired_values(frame, "score", to_wave=1)
    assert wave_1.units == ("a",) and wave_1.units_dropped == 3


def test_unit_changes_baseline_to_latest_observed_wave():
    frame = pd.DataFrame(
        {
            "unit": ["a", "a", "a", "b", "b"],
            "wave_index": [0, 1, 2, 0, 1],
            "lead": [50.0, 55.0, np.nan, 40.0, 38.0],
            "res": [1.0, 2.0, 4.0, np.nan, 3.0],
        }
    )
    table = unit_changes(frame, ["lead", "res"]).set_index(["unit", "score"])
    assert table.loc[("a", "lead"), "latest_wave"] == 1
    assert table.loc[("a", "lead"), "change"] == 5.0
    assert table.loc[("a", "res"), "change"] == 3.0
    assert table.loc[("b", "lead"), "change"] == -2.0
    assert math.isnan(table.loc[("b", "res"), "change"])  # no baseline


def changes_one_score_at_a_time(data: pd.DataFrame, scores: list[str]) -> pd.DataFrame:
    """unit_changes by its formula, one score at a time: the reference for its one pass."""
    units = pd.Index(data["unit"].unique(), name="unit")
    parts = []
    for score in scores:
        observed = data.loc[data[score].notna(), ["unit", "wave_index", score]]
        baseline = observed.loc[observed["wave_index"] == 0].set_index("unit")[score]
        later = observed.loc[observed["wave_index"] > 0].sort_values("wave_index")
        last = later.groupby("unit").last()
        part = pd.DataFrame(index=units)
        part["score"] = score
        part["baseline"] = baseline.reindex(units)
        part["latest_wave"] = last["wave_index"].reindex(units).astype("Int64")
        part["latest"] = last[score].reindex(units)
        part["change"] = part["latest"] - part["baseline"]
        parts.append(part.reset_index())
    return pd.concat(parts, ignore_index=True)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(0, 3),
            st.one_of(st.none(), st.integers(0, 100)),
            st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
        ),
        max_size=16,
        unique_by=lambda row: row[:2],
    ),
    st.booleans(),
)
def test_unit_changes_equal_the_formula_score_by_score(rows, whole_numbers):
    frame = pd.DataFrame(rows, columns=["unit", "wave_index", "x", "y"], dtype=object)
    frame = frame.astype({"wave_index": int, "x": float, "y": float})
    if whole_numbers:  # every value present: the scores keep their integer type
        frame["x"] = frame["x"].fillna(7).astype(int)
    for scores in (["x"], ["y", "x"], ["x", "y", "x"]):
        pd.testing.assert_frame_equal(
            unit_changes(frame, scores),
            changes_one_score_at_a_time(frame, scores),
            check_exact=True,
        )


def test_wave_changes_do_not_bridge_a_skipped_wave():
    frame = pd.DataFrame(
        {
            "unit": ["a", "a", "b", "b", "b"],
            "wave_index": [0, 2, 0, 1, 2],
            "s": [1.0, 5.0, 1.0, 2.0, 4.0],
        }
    )
    table = wave_changes(frame, ["s"]).set_index(["unit", "to_wave"])
    assert table["change"].loc["b"].tolist() == [1.0, 2.0]
    assert table["change"].loc["a"].isna().all()


def test_jacobson_truax_worked_example_from_the_notes():
    # Measurement notes 4.3: SD 0.6, reliability 0.90 -> SEM 0.1897, S_diff 0.2683, threshold 0.526.
    frame = two_waves([3.0, 3.6, 4.2], [3.6, 4.1, 3.67])  # baseline SD (ddof=1) is exactly 0.6
    result = reliable_change(frame, "score", reliability=0.90, reliability_source="test_retest")
    assert result.sd_baseline == pytest.approx(0.6)
    assert result.sem == pytest.approx(0.1897, abs=5e-5)
    assert result.s_diff == pytest.approx(0.2683, abs=5e-5)
    assert result.threshold == pytest.approx(0.526, abs=5e-4)
    # changes +0.60 (beyond), +0.50 (within), -0.53 (beyond, downwards)
    assert (result.n_improved, result.n_unchanged, result.n_declined) == (1, 1, 1)
    assert result.reliability_source == "test_retest" and result.reliability == 0.90
    lower_better = reliable_change(
        frame,
        "score",
        reliability=0.90,
        reliability_source="cronbach_alpha",
        higher_is_better=False,
    )
    assert (lower_better.n_improved, lower_better.n_declined) == (1, 1)
    assert lower_better.table.set_index("unit").loc["p2", "status"] == "improved"


def test_reliable_change_uses_a_given_sd():
    frame = two_waves([1.0, 1.0, 1.0], [1.3, 1.6, 0.0])
    result = reliable_change(
        frame, "score", reliability=0.9, reliability_source="icc2", sd_baseline=0.6
    )
    assert result.sd_source == "given"
    assert (result.n_improved, result.n_unchanged, result.n_declined) == (1, 1, 1)
    with pytest.raises(ValueError, match=r"reliability must be in \[0, 1\)"):
        reliable_change(frame, "score", reliability=1.2, reliability_source="icc2")


def test_reliable_change_with_constant_baseline_is_not_assessed():
    result = reliable_change(
        two_waves([2.0, 2.0], [3.0, 1.0]), "score", reliability=0.8, reliability_source="icc2"
    )
    assert "baseline SD is 0" in result.note
    assert result.n_improved + result.n_declined + result.n_unchanged == 0


def binomial_two_sided(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def yes_no_frame(both_yes: int, yes_no: int, no_yes: int, both_no: int) -> pd.DataFrame:
    before = [1.0] * (both_yes + yes_no) + [0.0] * (no_yes + both_no)
    after = [1.0] * both_yes + [0.0] * yes_no + [1.0] * no_yes + [0.0] * both_no
    return two_waves(before, after, column="qi")


def test_mcnemar_exact_below_25_discordant_pairs():
    # Direct binomial formula: p = min(1, 2 * sum_{i <= min(b, c)} C(b + c, i) / 2^(b + c)).
    result = mcnemar_change(yes_no_frame(10, 3, 7, 5), "qi")
    assert result.p_value == pytest.approx(binomial_two_sided(3, 7))
    assert result.p_value == pytest.approx(352 / 1024)
    assert result.statistic == 3
    assert "exact=True" in result.method
    assert result.estimate == pytest.approx((7 - 3) / 25)
    assert (result.proportion_before, result.proportion_after) == (13 / 25, 17 / 25)
    assert mcnemar_change(yes_no_frame(0, 12, 12, 0), "qi").p_value == pytest.approx(1.0)


def test_mcnemar_chi_square_with_correction_from_25_discordant_pairs():
    # chi2 = (|b - c| - 1)^2 / (b + c) on 1 df; P(chi2_1 > x) = erfc(sqrt(x / 2)).
    result = mcnemar_change(yes_no_frame(10, 13, 27, 5), "qi")
    assert result.statistic == pytest.approx(169 / 40)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(169 / 80)))
    assert "exact=False, correction=True" in result.method
    assert "exact=True" in mcnemar_change(yes_no_frame(1, 12, 12, 1), "qi").method
    assert "exact=False" in mcnemar_change(yes_no_frame(1, 12, 13, 1), "qi").method


def test_mcnemar_without_discordant_pairs_is_nan_with_a_reason():
    result = mcnemar_change(yes_no_frame(4, 0, 0, 3), "qi")
    assert math.isnan(result.p_value) and "no discordant pairs" in result.note


def test_unit_ids_that_differ_only_by_whitespace_are_one_unit():
    frame = two_waves([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    frame.loc[2, "unit"] = " p0\t"  # p2's baseline row now claims p0, as REDCap may hold it
    with pytest.raises(
        ValueError, match=r"units \['p0'\] have more than one row for a wave \(rows \[0, 2\]"
    ):
        paired_values(frame, "score")
    with pytest.raises(ValueError, match="compared after trimming whitespace"):
        unit_changes(frame, ["score"])


def test_misuse_raises_clear_errors():
    frame = two_waves([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"column\(s\) \['nope'\] not in the frame"):
        paired_t(frame, "nope")
    with pytest.raises(ValueError, match="more than one row for a wave"):
        paired_t(pd.concat([frame, frame]), "score")
    with pytest.raises(ValueError, match="must hold 0/1"):
        mcnemar_change(two_waves([1.0, 2.0], [0.0, 1.0]), "score")
    with pytest.raises(ValueError, match="must be after from_wave"):
        paired_t(frame, "score", from_wave=1, to_wave=1)


changes = st.lists(
    st.tuples(
        st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 1)),
        st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 1)),
    ),
    min_size=3,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(changes)
def test_signed_rank_sums_and_rank_biserial_bounds(pairs):
    before, after = zip(*pairs, strict=True)
    result = signed_rank(two_waves(list(before), list(after)), "score")
    n = result.n_ranked
    if n == 0:
        assert math.isnan(result.statistic)
        return
    assert result.statistic + result.t_minus == pytest.approx(n * (n + 1) / 2)
    assert -1.0 <= result.rank_biserial <= 1.0
    assert 0.0 <= result.p_value <= 1.0
    swapped = signed_rank(two_waves(list(after), list(before)), "score")
    assert swapped.rank_biserial == pytest.approx(-result.rank_biserial)
    assert swapped.p_value == pytest.approx(result.p_value)


@settings(max_examples=60, deadline=None)
@given(changes)
# Changes constant up to float noise (0.19999999999999998, 0.2, 0.2): scipy's precision warning.
@example([(0.1, 0.3), (0.2, 0.4), (0.3, 0.5)])
def test_paired_t_is_antisymmetric_and_counts_add_up(pairs):
    before, after = zip(*pairs, strict=True)
    forward = paired_t(two_waves(list(before), list(after)), "score")
    backward = paired_t(two_waves(list(after), list(before)), "score")
    assert forward.estimate == pytest.approx(np.mean(np.subtract(after, before)))
    if math.isnan(forward.statistic):
        assert forward.note
        return
    assert backward.statistic == pytest.approx(-forward.statistic)
    assert backward.p_value == pytest.approx(forward.p_value)
    assert forward.ci_low <= forward.estimate <= forward.ci_high


item_sums = st.lists(st.tuples(st.integers(3, 15), st.integers(3, 15)), min_size=3, max_size=30)


@settings(max_examples=60, deadline=None)
@given(item_sums)
@example([(3, 10), (3, 10), (5, 3), (15, 3)])  # mean change 0: t is 0 up to the rounding
def test_tests_on_rescaled_scores_equal_the_tests_on_item_sums(pairs):
    # Ranks and t are unchanged by a positive linear rescaling, so the float noise of the 0-100
    # scores must change nothing.
    before, after = zip(*pairs, strict=True)
    on_scale = two_waves(readiness_like(list(before)), readiness_like(list(after)))
    on_sums = two_waves([float(b) for b in before], [float(a) for a in after])
    w_scale, w_sums = signed_rank(on_scale, "score"), signed_rank(on_sums, "score")
    assert (w_scale.n_zero, w_scale.method) == (w_sums.n_zero, w_sums.method)
    assert w_scale.statistic == pytest.approx(w_sums.statistic, nan_ok=True)
    assert w_scale.p_value == pytest.approx(w_sums.p_value, rel=1e-9, nan_ok=True)
    # t moves by the rounding of the changes to 7 decimals: up to 5e-8 of a change of 8.33.
    t_scale, t_sums = paired_t(on_scale, "score"), paired_t(on_sums, "score")
    assert t_scale.statistic == pytest.approx(t_sums.statistic, rel=1e-7, abs=1e-8, nan_ok=True)
    assert t_scale.p_value == pytest.approx(t_sums.p_value, rel=1e-7, abs=1e-12, nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(changes, st.floats(0.0, 0.99))
def test_reliable_change_classifies_every_pair_by_the_threshold(pairs, reliability):
    before, after = zip(*pairs, strict=True)
    frame = two_waves(list(before), list(after))
    result = reliable_change(
        frame, "score", reliability=reliability, reliability_source="cronbach_alpha"
    )
    if result.note:
        assert np.std(before) == 0
        return
    d = np.subtract(after, before)
    threshold = 1.96 * math.sqrt(2) * np.std(before, ddof=1) * math.sqrt(1 - reliability)
    assert result.threshold == pytest.approx(threshold)
    expected = np.where(
        d > threshold, "improved", np.where(d < -threshold, "declined", "unchanged")
    )
    far = np.abs(np.abs(d) - threshold) > 1e-9  # off the boundary, where rounding cannot decide
    status = result.table.set_index("unit")["status"]
    units = [f"p{i}" for i in range(len(d))]
    assert (status.loc[units].to_numpy()[far] == expected[far]).all()
    assert result.n_improved + result.n_unchanged + result.n_declined == result.n_pairs
