"""Small-cell flagging and primary suppression."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.proportions import frequencies
from scoring.small_cells import small_cells, suppress

CHOICES = [("1", "Yes"), ("2", "No"), ("3", "Unsure"), ("4", "Other")]


def table() -> pd.DataFrame:
    index = pd.RangeIndex(14)
    answers = pd.Series(["1"] * 10 + ["2"] * 3 + ["3"], index=index)
    return frequencies(answers, pd.Series(True, index=index), CHOICES).table


def test_counts_below_the_threshold_are_blanked_with_their_percent_and_interval() -> None:
    result = suppress(table(), below=5)
    out = result.table
    assert result.n_suppressed == 3  # counts 3, 1 and 0
    assert out.loc["1", "count"] == 10
    assert out.loc[["2", "3", "4"], "count"].isna().all()
    for column in ("percent", "percent_ci_low", "percent_ci_high"):
        assert out.loc[["2", "3", "4"], column].isna().all()
        assert out.loc["1", column] == pytest.approx(table().loc["1", column])
    assert out.loc["2", "label"] == "No"  # labels stay
    assert "no secondary suppression" in result.note


def test_zeros_can_be_left_visible() -> None:
    result = suppress(table(), below=5, zeros=False)
    assert result.n_suppressed == 2
    assert result.table.loc["4", "count"] == 0


def test_the_input_is_not_modified_and_a_base_column_is_kept() -> None:
    before = table().assign(denominator=14)
    copy = before.copy()
    result = suppress(before, below=5)
    pd.testing.assert_frame_equal(before, copy)
    assert (result.table["denominator"] == 14).all()


def test_nothing_below_the_threshold_changes_nothing_but_the_count_dtype() -> None:
    result = suppress(table(), below=1, zeros=False)
    assert result.n_suppressed == 0 and result.note == ""
    assert result.table["count"].tolist() == table()["count"].tolist()


def test_flags_are_count_below_n() -> None:
    assert small_cells(pd.Series([0, 1, 4, 5, 9]), 5).tolist() == [True, True, True, False, False]
    assert small_cells(pd.Series([0, 1, 4, 5]), 5, zeros=False).tolist() == [
        False,
        True,
        True,
        False,
    ]


def test_a_threshold_must_be_positive_and_the_column_present() -> None:
    with pytest.raises(ValueError, match="below must be a positive count"):
        suppress(table(), below=0)
    with pytest.raises(ValueError, match="table has no 'n' column"):
        suppress(table(), below=5, column="n")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=12), st.integers(1, 15))
def test_exactly_the_small_counts_are_blanked(counts: list[int], below: int) -> None:
    frame = pd.DataFrame({"count": counts, "percent": [float(c) for c in counts]})
    result = suppress(frame, below=below)
    small = [c < below for c in counts]
    assert result.n_suppressed == sum(small)
    assert result.table["count"].isna().tolist() == small
    assert result.table["percent"].isna().tolist() == small
