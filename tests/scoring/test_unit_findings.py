"""One rule for strengths and opportunities, and the answers that held a score down."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instruments import load_shipped
from instruments.model import Instrument, Scale
from scoring.unit_findings import Finding, classify, lowest_items

WILLINGNESS = ("will_motivated", "will_priority", "will_worth", "will_facilitator", "will_fatigue")


@pytest.fixture(scope="module")
def readiness() -> Instrument:
    return load_shipped("practice_readiness").unwrap()


@pytest.fixture(scope="module")
def willingness(readiness: Instrument) -> Scale:
    return next(s for s in readiness.scales if s.name == "willingness_to_change")


def answers(*rows: tuple[float, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        list(rows), columns=list(WILLINGNESS), index=[f"r{i}" for i in range(len(rows))]
    )


@pytest.mark.parametrize(
    ("value", "median", "status", "expected"),
    [
        # a reliable change decides, whatever the position
        (70.0, 50.0, "declined", Finding("opportunity", "fell")),
        (30.0, 50.0, "improved", Finding("strength", "rose")),
        (math.nan, math.nan, "improved", Finding("strength", "rose")),
        # within the wobble, or no threshold: only the position counts, never the change
        (60.0, 50.0, "unchanged", Finding("strength", "above_median")),
        (40.0, 50.0, "unchanged", Finding("opportunity", "below_median")),
        (40.0, 50.0, "not assessed", Finding("opportunity", "below_median")),
        (40.0, math.nan, "unchanged", Finding(None, None)),
        # equal as shown (0 decimals) is neither
        (50.4, 50.0, "unchanged", Finding(None, None)),
        (50.6, 50.0, "unchanged", Finding("strength", "above_median")),
    ],
)
def test_one_rule_files_each_element_once(
    value: float, median: float, status: str, expected: Finding
) -> None:
    assert classify(value, median, status, decimals=0) == expected


def test_the_lowest_scored_answers_come_first_ties_in_item_order(
    readiness: Instrument, willingness: Scale
) -> None:
    # will_fatigue is reverse-keyed on 1-5: a 5 scores 1, the lowest of the row
    items = answers((2, 4, 2, 5, 5))
    found = lowest_items(items, "r0", willingness, readiness)
    assert [d.item for d in found] == ["will_fatigue", "will_motivated", "will_worth"]
    assert [(d.answer, d.keyed, d.reversed) for d in found] == [
        (5.0, 1.0, True),
        (2.0, 2.0, False),
        (2.0, 2.0, False),
    ]
    two = lowest_items(items, "r0", willingness, readiness, count=2)
    assert [d.item for d in two] == ["will_fatigue", "will_motivated"]


def test_only_answers_under_the_mean_are_drivers(readiness: Instrument, willingness: Scale) -> None:
    items = answers((3, 5, math.nan, 4, 1), (5, 5, 5, 5, 1), (4, 4, 4, 2, 2))
    # keyed (3, 5, -, 4, 5): mean 4.25 over the 4 answered; will_fatigue = 1 scores 5
    assert [d.item for d in lowest_items(items, "r0", willingness, readiness)] == [
        "will_motivated",
        "will_facilitator",
    ]
    # all keyed 5: nothing pulled the score down
    assert lowest_items(items, "r1", willingness, readiness) == ()
    # keyed (4, 4, 4, 2, 4), mean 3.6: the 4s sit above the mean and held nothing down
    assert [d.item for d in lowest_items(items, "r2", willingness, readiness)] == [
        "will_facilitator"
    ]


def test_a_composite_and_a_zero_count_are_refused(readiness: Instrument) -> None:
    composite = next(s for s in readiness.composites if s.name == "readiness_index")
    items = answers((1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="composite of scales"):
        lowest_items(items, "r0", composite, readiness)
    scale = readiness.scales[0]
    with pytest.raises(ValueError, match="count must be at least 1"):
        lowest_items(items, "r0", scale, readiness, count=0)
