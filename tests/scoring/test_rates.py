"""AAPOR RR1 / RR2 and the mapping from invitation states to dispositions."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rates import DISPOSITIONS, dispositions_from_status, response_rates


def test_rr1_and_rr2_follow_the_aapor_formulas() -> None:
    # AAPOR Standard Definitions: RR1 = I/((I+P)+(R+NC+O)+(UH+UO)), RR2 = (I+P)/(same).
    # 60 complete, 10 partial, 10 refusals, 15 non-contacts, 5 other, 4 + 6 unknown, 7 not
    # eligible: denominator 110 (NE excluded), RR1 = 60/110, RR2 = 70/110.
    counts = {"I": 60, "P": 10, "R": 10, "NC": 15, "O": 5, "UH": 4, "UO": 6, "NE": 7}
    result = response_rates(counts)
    assert result.denominator == 110
    assert result.rr1 == pytest.approx(60 / 110)
    assert result.rr2 == pytest.approx(70 / 110)
    assert result.counts["NE"] == 7


def test_a_series_of_dispositions_gives_the_same_rates_as_its_counts() -> None:
    series = pd.Series(["I", "I", "P", "NC", "R", "NE", "UO"])
    by_series = response_rates(series)
    by_counts = response_rates({"I": 2, "P": 1, "NC": 1, "R": 1, "NE": 1, "UO": 1})
    assert (by_series.rr1, by_series.rr2) == (by_counts.rr1, by_counts.rr2) == (2 / 6, 3 / 6)


def test_only_ineligible_cases_give_nan_with_a_note() -> None:
    result = response_rates({"NE": 3})
    assert math.isnan(result.rr1) and math.isnan(result.rr2)
    assert result.note == "no eligible or unknown-eligibility case"


def test_unknown_or_missing_dispositions_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown disposition codes \['X'\]"):
        response_rates(pd.Series(["I", "X"]))
    with pytest.raises(ValueError, match="needs a disposition"):
        response_rates(pd.Series(["I", None]))
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        response_rates({"I": -1})


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(DISPOSITIONS), st.integers(0, 200)))
def test_rr1_never_exceeds_rr2_and_both_are_proportions(counts: dict[str, int]) -> None:
    result = response_rates(counts)
    if result.denominator:
        assert 0 <= result.rr1 <= result.rr2 <= 1
        eligible_or_unknown = sum(v for k, v in counts.items() if k != "NE")
        assert result.denominator == eligible_or_unknown


# --- invitation states -------------------------------------------------------------------------

STATES = pd.Series(["complete", "partial", "not started", "complete"], index=list("abcd"))


def test_default_mapping_is_complete_i_partial_p_not_started_nc() -> None:
    assert dispositions_from_status(STATES).tolist() == ["I", "P", "NC", "I"]


def test_partial_and_not_started_are_parameters() -> None:
    mapped = dispositions_from_status(STATES, partial="R", not_started="UO")
    assert mapped.tolist() == ["I", "R", "UO", "I"]


def test_a_partial_below_the_threshold_is_a_break_off() -> None:
    share = pd.Series([1.0, 0.3, 0.0, 0.9], index=STATES.index)
    assert dispositions_from_status(STATES, answered_share=share).tolist() == ["I", "R", "NC", "I"]
    share["b"] = 0.5  # at the threshold: still a partial
    assert dispositions_from_status(STATES, answered_share=share)["b"] == "P"


def test_status_to_rates_end_to_end() -> None:
    result = response_rates(dispositions_from_status(STATES))
    assert (result.rr1, result.rr2) == (0.5, 0.75)


def test_unknown_states_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown invitation states \['opened'\]"):
        dispositions_from_status(pd.Series(["complete", "opened"]))
    with pytest.raises(ValueError, match="partial must be 'P' or 'R'"):
        dispositions_from_status(STATES, partial="I")  # type: ignore[arg-type]
