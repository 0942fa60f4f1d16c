"""Check-all questions: percent of respondents, percent of responses, and their bases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.checkall import check_all

CHOICES = [("cme", "CME credit"), ("qi", "QI project"), ("data", "Data feedback"), ("none", "None")]
Z95 = 1.959963984540054


def wilson_by_hand(count: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score limits written out (Newcombe 1998 eq. 3), in percent."""
    p, z = count / n, Z95
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - spread) / (1 + z * z / n), 100 * (centre + spread) / (1 + z * z / n)


def scan() -> pd.DataFrame:
    """Seven members: one hidden by branching (REDCap still exports 0/1), one blank, one 'none'."""
    return pd.DataFrame(
        {
            "cme": [1, 1, 0, 1, 0, 0, 1],
            "qi": [1, 0, 1, 0, 0, 0, 1],
            "data": [0, 0, 1, 1, 0, 0, 0],
            "none": [0, 0, 0, 0, 0, 1, 0],
            "asked": [True, True, True, True, True, True, False],
        },
        index=pd.Index([f"m{i}" for i in range(7)], name="record"),
    )


def test_percent_of_respondents_uses_those_who_ticked_something_or_none() -> None:
    result = check_all(scan(), CHOICES, none_code="none")
    assert result.n_asked == 6
    assert result.n_respondents == 5  # m0..m3 ticked options, m5 ticked 'none'
    assert result.n_nothing_ticked == 1  # m4
    assert result.missing == {"blank": 1}
    assert result.table["count"].to_dict() == {"cme": 3, "qi": 2, "data": 2, "none": 1}
    assert result.table["percent_of_respondents"].to_dict() == pytest.approx(
        {"cme": 60.0, "qi": 40.0, "data": 40.0, "none": 20.0}
    )
    assert result.n_ignored_not_asked == 1


def test_percent_of_responses_shares_the_mentions_and_leaves_none_out() -> None:
    result = check_all(scan(), CHOICES, none_code="none")
    assert result.n_responses == 7  # 3 + 2 + 2 ticks; the 'none' tick is not a mention
    shares = result.table["percent_of_responses"]
    assert shares[["cme", "qi", "data"]].to_list() == pytest.approx([300 / 7, 200 / 7, 200 / 7])
    assert shares[["cme", "qi", "data"]].sum() == pytest.approx(100.0)
    assert math.isnan(shares["none"])


def test_each_percent_has_the_wilson_interval_on_its_own_base() -> None:
    table = check_all(scan(), CHOICES, none_code="none").table
    low, high = wilson_by_hand(3, 5)
    assert table.loc["cme", "respondents_ci_low"] == pytest.approx(low)
    assert table.loc["cme", "respondents_ci_high"] == pytest.approx(high)
    low, high = wilson_by_hand(3, 7)
    assert table.loc["cme", "responses_ci_low"] == pytest.approx(low)
    assert table.loc["cme", "responses_ci_high"] == pytest.approx(high)


def test_asked_as_a_series_or_a_column_is_the_same() -> None:
    frame = scan()
    by_column = check_all(frame, CHOICES, none_code="none")
    by_series = check_all(
        frame.drop(columns="asked"), CHOICES, asked=frame["asked"], none_code="none"
    )
    pd.testing.assert_frame_equal(by_column.table, by_series.table)


def test_without_a_none_option_every_tick_is_a_mention() -> None:
    choices = CHOICES[:3]
    result = check_all(scan().drop(columns="none"), choices)
    assert result.n_respondents == 4  # m5 only ticked 'none', which is gone: now blank
    assert result.n_nothing_ticked == 2
    assert result.n_responses == 7


def test_none_ticked_with_another_option_is_counted() -> None:
    frame = scan()
    frame.loc["m0", "none"] = 1
    result = check_all(frame, CHOICES, none_code="none")
    assert result.n_none_with_other == 1
    assert "ticked 'none' and another option" in result.note


def test_a_missing_code_is_excluded_and_reported_by_reason() -> None:
    frame = scan()
    missing = pd.Series([None, None, None, None, "UNK", None, None], index=frame.index)
    result = check_all(frame, CHOICES, none_code="none", missing=missing)
    assert result.n_respondents == 5
    assert result.n_nothing_ticked == 0
    assert result.missing == {"UNK": 1, "blank": 0}


def test_nobody_ticking_gives_nan_with_a_note() -> None:
    frame = scan()
    frame[["cme", "qi", "data", "none"]] = 0
    result = check_all(frame, CHOICES, none_code="none")
    assert result.n_respondents == 0
    assert result.table["percent_of_respondents"].isna().all()
    assert result.table["percent_of_responses"].isna().all()
    assert "percents are NaN" in result.note


def test_bool_ticks_work_like_0_1() -> None:
    frame = scan()
    as_bool = frame.astype({c: bool for c in ["cme", "qi", "data", "none"]})
    pd.testing.assert_frame_equal(
        check_all(frame, CHOICES, none_code="none").table,
        check_all(as_bool, CHOICES, none_code="none").table,
    )


def test_ticks_must_match_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unexpected \['other'\], absent \['none'\]"):
        check_all(scan().rename(columns={"none": "other"}), CHOICES)


def test_missing_tick_values_are_refused() -> None:
    frame = scan().astype({"qi": float})
    frame.loc["m1", "qi"] = np.nan
    with pytest.raises(ValueError, match="True/False .* for every respondent"):
        check_all(frame, CHOICES)


def test_unknown_none_code_is_refused() -> None:
    with pytest.raises(ValueError, match="none_code 'nothing' is not one of the choices"):
        check_all(scan(), CHOICES, none_code="nothing")


ticks_row = st.tuples(st.lists(st.booleans(), min_size=4, max_size=4), st.booleans())


def frame_of(rows: list[tuple[list[bool], bool]]) -> pd.DataFrame:
    codes = [code for code, _ in CHOICES]
    frame = pd.DataFrame([t for t, _ in rows], columns=codes, dtype=bool)
    frame["asked"] = pd.Series([a for _, a in rows], dtype=bool)
    return frame


@settings(max_examples=150, deadline=None)
@given(st.lists(ticks_row, max_size=30))
def test_bases_add_up(rows: list[tuple[list[bool], bool]]) -> None:
    frame = frame_of(rows)
    result = check_all(frame, CHOICES, none_code="none")
    assert result.n_asked == result.n_respondents + result.n_nothing_ticked
    mentions = result.table["count"].drop("none").sum()
    assert result.n_responses == mentions
    if result.n_responses:
        assert result.table["percent_of_responses"].sum() == pytest.approx(100.0)


@settings(max_examples=150, deadline=None)
@given(st.lists(ticks_row, max_size=20), st.lists(ticks_row, min_size=1, max_size=10))
def test_a_respondent_not_asked_never_changes_any_base(
    rows: list[tuple[list[bool], bool]], extra: list[tuple[list[bool], bool]]
) -> None:
    before = check_all(frame_of(rows), CHOICES, none_code="none")
    after = check_all(frame_of(rows + [(t, False) for t, _ in extra]), CHOICES, none_code="none")
    pd.testing.assert_frame_equal(before.table, after.table)
    assert (before.n_asked, before.n_respondents, before.n_responses, before.n_nothing_ticked) == (
        after.n_asked,
        after.n_respondents,
        after.n_responses,
        after.n_nothing_ticked,
    )
