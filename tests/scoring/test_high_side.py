"""A rating's high side (its two highest levels, the "top-two box") with Wilson's interval, and
which fields form a rating grid."""

from __future__ import annotations

import pytest

from instruments import load_shipped
from scoring.proportions import high_side
from scoring.questions import likert_grid

PROVIDERS = load_shipped("provider_scan").unwrap()


@pytest.mark.parametrize(
    ("counts", "share", "low", "high"),
    [
        # R 4.2: prop.test(65, 100, correct = FALSE)$conf.int -> 0.552544432969 0.736357517569
        ((5, 10, 20, 30, 35), 0.65, 0.552544432969, 0.736357517569),
        # R 4.2: prop.test(3, 40, correct = FALSE)$conf.int -> 0.0258360257746 0.1986423352431
        ((20, 10, 7, 2, 1), 0.075, 0.0258360257746, 0.1986423352431),
    ],
)
def test_the_two_highest_levels_over_those_who_answered_match_r(counts, share, low, high) -> None:
    found = high_side(list(counts), sum(counts))
    assert found.value == pytest.approx(share)
    assert (found.ci_low, found.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_the_high_side_needs_a_level_left_below_it() -> None:
    with pytest.raises(ValueError, match="the high side takes 1 to 1 levels"):
        high_side([3, 4], 7)


def test_the_scans_grid_is_a_rating_grid_and_a_single_question_is_not() -> None:
    fields = PROVIDERS.field_map()
    grid = likert_grid(PROVIDERS, fields["edu_alp_gap"])
    assert grid is not None and [f.name for f in grid] == [
        "edu_alp_gap",
        "edu_alp_active",
        "edu_alp_feedback",
        "edu_alp_reflect",
        "edu_alp_spaced",
    ]
    assert likert_grid(PROVIDERS, fields["qi_involvement"]) is None
    assert likert_grid(PROVIDERS, fields["edu_formats"]) is None
