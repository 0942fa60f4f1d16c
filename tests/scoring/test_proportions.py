"""Single-choice frequencies and Wilson intervals, against Newcombe 1998 and the rule of bases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.proportions import frequencies, wilson, wilson_interval

CHOICES = [("1", "Yes"), ("2", "No"), ("3", "Unsure")]
Z95 = 1.959963984540054


def wilson_by_hand(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score limits written out, as in Newcombe 1998 eq. (3)."""
    p = count / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


# --- single proportions: published values ----------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "low", "high", "digits"),
    [
        (81, 263, 0.2553, 0.3662, 4),  # Newcombe 1998 (Stat Med 17:857-872) Table I, method 3
        (15, 148, 0.0624, 0.1605, 4),  # Newcombe 1998 Table I, method 3
        (29, 50, 0.442, 0.706, 3),  # measurement notes 3.1: 29/50 -> Wilson 44.2-70.6 %
    ],
)
def test_wilson_matches_published_limits(
    count: int, n: int, low: float, high: float, digits: int
) -> None:
    result = wilson(count, n)
    assert round(result.ci_low, digits) == low
    assert round(result.ci_high, digits) == high
    assert result.value == count / n
    assert result.method == "wilson"


def test_wilson_is_not_the_wald_default() -> None:
    # Wald for 29/50 is 0.4432-0.7168; Wilson (the notes' 44.2-70.6 %) is lower at the top.
    wald_high = 0.58 + Z95 * math.sqrt(0.58 * 0.42 / 50)
    assert wilson(29, 50).ci_high < wald_high - 0.01


def test_wilson_zero_count_is_exactly_zero_and_upper_is_z2_over_n_plus_z2() -> None:
    # Newcombe 1998 Table I: 0/20 -> 0.0000 to 0.1611; the upper limit is z^2/(n + z^2).
    result = wilson(0, 20)
    assert result.ci_low == 0.0
    assert result.ci_high == pytest.approx(Z95**2 / (20 + Z95**2), abs=1e-12)
    assert round(result.ci_high, 4) == 0.1611
    assert wilson(20, 20).ci_high == 1.0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_equals_the_formula(case: tuple[int, int]) -> None:
    count, n = case
    low, high = wilson_interval(np.array([count]), np.array([n]))
    expected = wilson_by_hand(count, n)
    assert low[0] == pytest.approx(expected[0], abs=1e-12)
    assert high[0] == pytest.approx(expected[1], abs=1e-12)


def test_wilson_with_no_denominator_is_nan_with_a_reason() -> None:
    result = wilson(0, 0)
    assert math.isnan(result.value) and math.isnan(result.ci_low) and math.isnan(result.ci_high)
    assert "denominator is 0" in result.note


def test_wilson_rejects_a_count_above_n() -> None:
    with pytest.raises(ValueError, match="count must be between 0 and n"):
        wilson(5, 3)


def test_wilson_other_confidence_level() -> None:
    z90 = 1.6448536269514722
    low, high = wilson_by_hand(29, 50, z90)
    result = wilson(29, 50, confidence=0.90)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


# --- frequencies: bases ------------------------------------------------------------------------


def survey() -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ten members: 8 asked (2 of them hidden by branching logic hold stale answers)."""
    index = pd.Index([f"m{i}" for i in range(10)], name="record")
    answers = pd.Series(["1", "1", "2", None, None, "1", "3", None, "2", "1"], index=index)
    asked = pd.Series([True] * 8 + [False, False], index=index)
    missing = pd.Series([None, None, None, "NA", "UNK", None, None, None, None, None], index=index)
    return answers, asked, missing


def test_denominator_is_the_respondents_asked_who_answered() -> None:
    answers, asked, missing = survey()
    result = frequencies(
        answers, asked, CHOICES, missing=missing, missing_labels={"NA": "Not relevant"}
    )
    assert result.n_asked == 8
    assert result.n_answered == 5  # m0, m1, m2, m5, m6
    assert result.denominator == 5
    assert result.missing == {"NA": 1, "UNK": 1, "blank": 1}
    assert result.table["count"].to_dict() == {"1": 3, "2": 1, "3": 1}
    assert result.table["percent"].to_dict() == pytest.approx({"1": 60.0, "2": 20.0, "3": 20.0})
    assert result.n_ignored_not_asked == 2
    assert "2 value(s) from respondents not asked were ignored" in result.note


def test_each_percent_has_the_wilson_interval_of_its_count_over_the_base() -> None:
    answers, asked, missing = survey()
    table = frequencies(answers, asked, CHOICES, missing=missing).table
    for count, ci_low, ci_high in table[["count", "percent_ci_low", "percent_ci_high"]].values:
        low, high = wilson_by_hand(int(count), 5)
        assert ci_low == pytest.approx(100 * low)
        assert ci_high == pytest.approx(100 * high)


def test_a_kept_missing_code_is_a_row_and_part_of_the_base() -> None:
    # CME scan: "14 % said QI was not relevant" keeps NA in the denominator (notes 2.1).
    index = pd.RangeIndex(50)
    answers = pd.Series(["1"] * 29 + ["2"] * 14 + [None] * 7, index=index)
    missing = pd.Series([None] * 43 + ["NA"] * 7, index=index)
    asked = pd.Series(True, index=index)
    result = frequencies(
        answers,
        asked,
        CHOICES,
        missing=missing,
        missing_labels={"NA": "Not relevant"},
        keep_missing=["NA"],
    )
    assert result.denominator == 50
    assert list(result.table.index) == ["1", "2", "3", "NA"]
    assert result.table.loc["NA", "kind"] == "missing"
    assert result.table.loc["NA", "label"] == "Not relevant"
    assert result.table.loc["NA", "percent"] == pytest.approx(14.0)
    # 29/50 with the notes' Wilson interval 44.2-70.6 %
    low, high = result.table[["percent_ci_low", "percent_ci_high"]].to_numpy()[0]
    assert (round(low, 1), round(high, 1)) == (44.2, 70.6)
    assert result.kept_missing == ("NA",)


def test_every_choice_is_listed_in_order_even_with_no_answers() -> None:
    index = pd.RangeIndex(3)
    result = frequencies(
        pd.Series(["3", "3", "3"], index=index), pd.Series(True, index=index), CHOICES
    )
    assert list(result.table.index) == ["1", "2", "3"]
    assert list(result.table["count"]) == [0, 0, 3]
    assert list(result.table["label"]) == ["Yes", "No", "Unsure"]


def test_nobody_asked_gives_nan_percents_with_a_note_and_no_warning() -> None:
    index = pd.RangeIndex(3)
    result = frequencies(
        pd.Series(["1", None, "2"], index=index), pd.Series(False, index=index), CHOICES
    )
    assert result.n_asked == 0 and result.denominator == 0
    assert result.table["percent"].isna().all()
    assert result.table["percent_ci_low"].isna().all()
    assert "percents are NaN" in result.note


def test_small_counts_are_flagged() -> None:
    answers, asked, missing = survey()
    table = frequencies(answers, asked, CHOICES, missing=missing, small_below=3).table
    assert table["small"].to_dict() == {"1": False, "2": True, "3": True}


def test_string_and_categorical_dtypes_give_the_same_table() -> None:
    answers, asked, missing = survey()
    plain = frequencies(answers, asked, CHOICES, missing=missing).table
    as_str = frequencies(answers.astype("str"), asked, CHOICES, missing=missing).table
    as_cat = frequencies(answers.astype("category"), asked, CHOICES, missing=missing).table
    pd.testing.assert_frame_equal(plain, as_str)
    pd.testing.assert_frame_equal(plain, as_cat)


# --- misuse ------------------------------------------------------------------------------------


def test_an_answer_that_is_not_a_choice_is_refused() -> None:
    index = pd.RangeIndex(2)
    with pytest.raises(ValueError, match=r"codes that are not choices: \['7'\]"):
        frequencies(pd.Series(["1", "7"], index=index), pd.Series(True, index=index), CHOICES)


def test_an_answer_and_a_missing_code_together_are_refused() -> None:
    index = pd.RangeIndex(2)
    with pytest.raises(ValueError, match="both an answer and a missing code"):
        frequencies(
            pd.Series(["1", "2"], index=index),
            pd.Series(True, index=index),
            CHOICES,
            missing=pd.Series(["NA", None], index=index),
        )


def test_misaligned_asked_is_refused() -> None:
    with pytest.raises(ValueError, match="same index"):
        frequencies(pd.Series(["1"], index=[0]), pd.Series([True], index=[1]), CHOICES)


def test_asked_must_be_bool_without_gaps() -> None:
    index = pd.RangeIndex(2)
    with pytest.raises(ValueError, match="True or False for every respondent"):
        frequencies(
            pd.Series(["1", "2"], index=index), pd.Series([True, None], index=index), CHOICES
        )
    with pytest.raises(ValueError, match="bool Series"):
        frequencies(pd.Series(["1", "2"], index=index), pd.Series([1, 0], index=index), CHOICES)


def test_a_kept_code_cannot_be_a_choice() -> None:
    index = pd.RangeIndex(1)
    with pytest.raises(ValueError, match=r"not choices: \['1'\]"):
        frequencies(
            pd.Series(["1"], index=index),
            pd.Series(True, index=index),
            CHOICES,
            keep_missing=["1"],
        )


def test_blank_cannot_be_kept() -> None:
    index = pd.RangeIndex(1)
    with pytest.raises(ValueError, match="'blank' is not a missing code"):
        frequencies(
            pd.Series(["1"], index=index),
            pd.Series(True, index=index),
            CHOICES,
            keep_missing=["blank"],
        )


# --- properties --------------------------------------------------------------------------------

respondent = st.tuples(
    st.sampled_from(["1", "2", "3", None, "NA", "DK"]),  # an answer, blank, or a missing code
    st.booleans(),  # asked
)


def frame_of(rows: list[tuple[str | None, bool]]) -> tuple[pd.Series, pd.Series, pd.Series]:
    index = pd.RangeIndex(len(rows))
    values = [v for v, _ in rows]
    answers = pd.Series([v if v in ("1", "2", "3") else None for v in values], index=index)
    missing = pd.Series([v if v in ("NA", "DK") else None for v in values], index=index)
    return answers, pd.Series([a for _, a in rows], index=index), missing


@settings(max_examples=150, deadline=None)
@given(st.lists(respondent, max_size=40), st.sampled_from([(), ("NA",), ("NA", "DK")]))
def test_counts_add_up_to_the_base_and_the_base_to_the_asked(
    rows: list[tuple[str | None, bool]], keep: tuple[str, ...]
) -> None:
    answers, asked, missing = frame_of(rows)
    result = frequencies(answers, asked, CHOICES, missing=missing, keep_missing=keep)
    assert int(result.table["count"].sum()) == result.denominator
    assert result.n_asked == int(asked.sum())
    assert result.n_asked == result.n_answered + sum(result.missing.values())
    kept = sum(result.missing.get(code, 0) for code in keep)
    assert result.denominator == result.n_answered + kept
    if result.denominator:
        assert result.table["percent"].sum() == pytest.approx(100.0)


@settings(max_examples=150, deadline=None)
@given(st.lists(respondent, max_size=30), st.lists(respondent, min_size=1, max_size=10))
def test_a_respondent_not_asked_never_changes_any_base(
    rows: list[tuple[str | None, bool]], extra: list[tuple[str | None, bool]]
) -> None:
    hidden = [(value, False) for value, _ in extra]
    before = frequencies(*frame_of(rows)[:2], CHOICES, missing=frame_of(rows)[2])
    answers, asked, missing = frame_of(rows + hidden)
    after = frequencies(answers, asked, CHOICES, missing=missing)
    pd.testing.assert_frame_equal(before.table, after.table)
    assert (before.n_asked, before.n_answered, before.denominator) == (
        after.n_asked,
        after.n_answered,
        after.denominator,
    )
    assert before.missing == after.missing
