"""Small-cell flagging, primary suppression and complementary (secondary) suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from scoring.proportions import frequencies
from scoring.small_cells import complementary_suppression, small_cells, suppress

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


# --- complementary suppression ----------------------------------------------------------------


def published_lines(shape: tuple[int, int], rows: bool, columns: bool, grand: bool) -> list:
    grid = np.arange(shape[0] * shape[1]).reshape(shape)
    lines = [grid[i] for i in range(shape[0])] if rows else []
    lines += [grid[:, j] for j in range(shape[1])] if columns else []
    return lines + ([grid.ravel()] if grand else [])


def feasible_ranges(
    counts: np.ndarray, withheld: np.ndarray, rows: bool, columns: bool, grand: bool
) -> dict[int, tuple[float, float]]:
    """What a reader can work out: min and max of each withheld cell over all non-negative real
    tables that agree with the published cells and totals (linprog, independent of the code)."""
    flat, hidden = counts.ravel().astype(float), withheld.ravel()
    lines = published_lines(counts.shape, rows, columns, grand)
    a_eq = np.zeros((len(lines), flat.size))
    for i, line in enumerate(lines):
        a_eq[i, line] = 1.0
    b_eq = a_eq @ flat
    bounds = [(0.0, None) if hidden[k] else (flat[k], flat[k]) for k in range(flat.size)]
    found = {}
    for k in np.flatnonzero(hidden):
        ends = []
        for sign in (1.0, -1.0):
            cost = np.zeros(flat.size)
            cost[k] = sign
            result = linprog(
                cost, A_eq=a_eq if lines else None, b_eq=b_eq if lines else None, bounds=bounds
            )
            assert result.status in (0, 3)  # 3: unbounded above, the cell is in no total
            ends.append(sign * result.fun if result.status == 0 else np.inf)
        found[int(k)] = (ends[0], ends[1])
    return found


def test_a_base_of_33_with_19_and_10_published_would_reveal_the_4() -> None:
    counts = pd.DataFrame({"count": [19, 10, 4]}, index=["Yes", "No", "Unsure"])
    result = complementary_suppression(counts, below=5)  # the base (column total) is published
    assert result.primary["count"].tolist() == [False, False, True]
    assert result.mask["count"].tolist() == [False, True, True]  # the smallest other count
    assert result.complementary["count"].tolist() == [False, True, False]
    assert (result.n_primary, result.n_complementary) == (1, 1)
    assert not result.exposed.to_numpy().any()
    assert result.totals == ("column totals",)
    assert result.note == (
        "1 nonzero count(s) below 5 withheld, and 1 more so that none can be worked out from "
        "the column totals"
    )
    # the reader now knows only No + Unsure = 14
    assert feasible_ranges(counts.to_numpy(), result.mask.to_numpy(), False, True, False) == {
        1: (0.0, 14.0),
        2: (0.0, 14.0),
    }


def test_without_a_published_base_primary_suppression_is_enough() -> None:
    counts = pd.DataFrame({"count": [19, 10, 4]})
    result = complementary_suppression(counts, below=5, column_totals=False)
    assert result.mask["count"].tolist() == [False, False, True]
    assert result.n_complementary == 0


def test_two_small_counts_in_one_total_protect_each_other() -> None:
    counts = pd.DataFrame({"count": [25, 3, 4, 1]})
    result = complementary_suppression(counts, below=5)
    assert result.mask["count"].tolist() == [False, True, True, True]
    assert result.n_complementary == 0


def cells(flags: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(i), int(j)) for i, j in zip(*flags.to_numpy().nonzero(), strict=True)]


GROUPS = pd.DataFrame(
    [[3, 20, 30], [12, 40, 25], [8, 15, 9], [30, 2, 14]],
    index=["Yes", "No", "Unsure", "Other"],
    columns=["Providers", "Supporters", "Funders"],
)


def test_group_bases_alone_need_one_complement_per_group() -> None:
    result = complementary_suppression(GROUPS, below=5)  # column totals (the bases) published
    assert cells(result.primary) == [(0, 0), (3, 1)]
    # Providers: 3 hidden with the smallest other count 8; Supporters: 2 with 15
    assert cells(result.complementary) == [(2, 0), (2, 1)]


def test_with_option_totals_too_the_complements_close_a_rectangle() -> None:
    result = complementary_suppression(GROUPS, below=5, row_totals=True)
    # Yes/Providers 3 and Other/Supporters 2 protect each other through Yes/Supporters 20 and
    # Other/Providers 30: each withheld row and column holds exactly two withheld cells.
    assert cells(result.mask) == [(0, 0), (0, 1), (3, 0), (3, 1)]
    ranges = feasible_ranges(GROUPS.to_numpy(), result.mask.to_numpy(), True, True, False)
    # Yes/Providers is 3 + t with -2 <= t <= 20 (Other/Supporters 2 + t >= 0, Yes/Supporters
    # 20 - t >= 0)
    assert ranges[0] == (1.0, 23.0)
    assert all(high > low for low, high in ranges.values())


def test_a_grand_total_with_some_rows_can_reveal_a_cell_that_no_single_total_does() -> None:
    # Published: the grand total and the row totals. Withholding the 3 alone in row 0 breaks
    # row 0 at once; the algebra check also catches grand - rows combinations.
    counts = pd.DataFrame([[3, 9], [7, 6]])
    result = complementary_suppression(
        counts, below=5, row_totals=True, column_totals=False, grand_total=True
    )
    assert result.mask.to_numpy().tolist() == [[True, True], [False, False]]
    result = complementary_suppression(counts, below=5, column_totals=False, grand_total=True)
    assert result.mask.to_numpy().tolist() == [[True, False], [False, True]]


def test_a_small_group_total_is_published_and_its_counts_are_withheld() -> None:
    # A group of 3, all of whom said Yes: the base n = 3 is printed, so the Yes count needs a
    # complement in that column, and only zeros are left there.
    counts = pd.DataFrame({"Small": [3, 0, 0], "Big": [20, 12, 9]}, index=["Yes", "No", "Unsure"])
    result = complementary_suppression(counts, below=5)
    assert result.mask["Small"].tolist() == [True, True, False]
    assert result.mask["Big"].tolist() == [False, False, False]
    assert "column 'Small' has total 3, below 5" in result.note
    assert "the total itself is published" in result.note


def test_zeros_are_small_only_when_asked_and_a_zero_total_cannot_be_protected() -> None:
    counts = pd.DataFrame({"count": [0, 0, 12]})
    assert not complementary_suppression(counts, below=5).mask.to_numpy().any()
    result = complementary_suppression(counts, below=5, zeros=True)
    # two withheld zeros would add up to 12 - 12 = 0, so both would be known to be 0
    assert result.mask["count"].tolist() == [True, True, True]
    assert not result.exposed.to_numpy().any()
    # a published group total of 0 says every count in it is 0, whatever is withheld
    empty = pd.DataFrame({"a": [0, 0], "b": [6, 7]})
    result = complementary_suppression(empty, below=5, zeros=True, row_totals=True)
    assert result.mask.to_numpy().tolist() == [[True, False], [True, False]]
    assert result.exposed.to_numpy().tolist() == [[True, False], [True, False]]
    assert "column 'a' has total 0, below 5: all its counts are withheld" in result.note
    assert "2 withheld count(s) can still be worked out" in result.note


def test_a_single_cell_total_gives_its_cell_away_and_says_so() -> None:
    result = complementary_suppression(pd.DataFrame({"n": [3]}, index=["Yes"]), below=5)
    assert result.mask["n"].tolist() == [True]
    assert result.exposed["n"].tolist() == [True]
    assert "can still be worked out from the published totals whatever else is withheld: " in (
        result.note
    )
    assert "('Yes', 'n'); withhold those totals too" in result.note


def test_complementary_suppression_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="below must be a positive count"):
        complementary_suppression(GROUPS, below=0)
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        complementary_suppression(pd.DataFrame({"n": [1.5, 2]}), below=5)
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        complementary_suppression(pd.DataFrame({"n": [np.nan, 2]}), below=5)
    with pytest.raises(ValueError, match="pass series.to_frame"):
        complementary_suppression(pd.Series([1, 2]), below=5)  # type: ignore[arg-type]


@st.composite
def count_tables(draw: st.DrawFn) -> np.ndarray:
    rows, columns = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    cells = draw(st.lists(st.integers(0, 40), min_size=rows * columns, max_size=rows * columns))
    return np.array(cells).reshape(rows, columns)


@settings(max_examples=150, deadline=None)
@given(
    count_tables(),
    st.integers(1, 10),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
@example(np.array([[19], [10], [4]]), 5, False, True, False, False)
@example(np.array([[0, 0], [0, 5]]), 3, True, True, True, True)
@example(np.array([[3, 0], [0, 10], [0, 5]]), 5, True, True, False, False)
def test_no_withheld_count_can_be_worked_out(
    counts: np.ndarray, below: int, rows: bool, columns: bool, grand: bool, zeros: bool
) -> None:
    frame = pd.DataFrame(counts)
    result = complementary_suppression(
        frame, below, row_totals=rows, column_totals=columns, grand_total=grand, zeros=zeros
    )
    mask, exposed = result.mask.to_numpy(), result.exposed.to_numpy()
    small = (counts < below) & ((counts > 0) | zeros)
    assert (result.primary.to_numpy() == small).all()
    assert mask[small].all()
    assert not (exposed & ~mask).any()
    for cell, (low, high) in feasible_ranges(counts, mask, rows, columns, grand).items():
        assert low <= counts.ravel()[cell] <= high
        if not exposed.ravel()[cell]:
            assert high - low > 1e-6, f"cell {cell} is {low} whatever is withheld"
    # an exposed cell stays fixed even with the whole table withheld: no pattern could help
    everything = np.ones_like(mask)
    fixed = feasible_ranges(counts, everything, rows, columns, grand)
    for at in np.flatnonzero(exposed):
        low, high = fixed[int(at)]
        assert high - low < 1e-6
    if not small.any():
        assert not mask.any()
    if not (rows or columns or grand):
        assert (mask == small).all()  # nothing published to subtract from


@settings(max_examples=50, deadline=None)
@given(count_tables(), st.integers(1, 10), st.booleans(), st.booleans())
def test_complements_are_chosen_the_same_way_every_time(
    counts: np.ndarray, below: int, rows: bool, grand: bool
) -> None:
    frame = pd.DataFrame(counts)
    first = complementary_suppression(frame, below, row_totals=rows, grand_total=grand)
    again = complementary_suppression(frame.copy(), below, row_totals=rows, grand_total=grand)
    pd.testing.assert_frame_equal(first.mask, again.mask)
