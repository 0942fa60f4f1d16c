"""A score by group: units assessed at a wave, their median with its interval and their median
change since baseline, small groups withheld; medians and intervals checked against R."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from scoring.cohort_groups import NOT_RECORDED, all_units, group_medians, latest_wave

NORTH = [55, 61.5, 48.25, 70, 52.5, 66.75, 58]
SOUTH = [40.5, 45, 62.25, 38, 50.5, 47.75]
NORTH_BASE = [50, 60, 45, 65, 50, 60, 55]
SOUTH_BASE = [42, 40, 55, 41, 45, 50]


def frame() -> tuple[pd.DataFrame, pd.Series]:
    """Seven northern units and six southern ones assessed at baseline and wave 2, one more
    northern unit assessed at baseline only, three eastern units and one without a region."""
    rows = []
    groups = {}
    for prefix, base, late in (("n", NORTH_BASE, NORTH), ("s", SOUTH_BASE, SOUTH)):
        for k, (before, after) in enumerate(zip(base, late, strict=True)):
            unit = f"{prefix}{k}"
            rows += [(unit, 0, float(before)), (unit, 1, math.nan), (unit, 2, float(after))]
            groups[unit] = "North" if prefix == "n" else "South"
    rows.append(("n9", 0, 50.0))
    groups["n9"] = "North"
    for k, score in enumerate([30.0, 35.0, 40.0]):
        rows += [(f"e{k}", 0, score - 5), (f"e{k}", 2, score)]
        groups[f"e{k}"] = "East"
    rows += [("x", 0, 10.0), ("x", 2, 20.0)]
    groups["x"] = NOT_RECORDED
    data = pd.DataFrame(rows, columns=["unit", "wave_index", "s"])
    order = ["North", "South", "East", "West", NOT_RECORDED]
    return data, pd.Series(pd.Categorical(list(groups.values()), categories=order), index=groups)


def by_group(found: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {
        str(row["group"]): {str(k): v for k, v in row.items()} for row in found.to_dict("records")
    }


def test_group_medians_and_intervals_are_rs() -> None:
    data, groups = frame()
    found = by_group(group_medians(data, "s", groups, wave_index=2, min_units=5))
    # R 4: f <- function(x) { n <- length(x); l <- qbinom(0.025, n, 0.5); s <- sort(x);
    #      c(median(x), s[l], s[n - l + 1]) }
    north, south = found["North"], found["South"]
    assert (north["units"], north["assessed"], north["pairs"]) == (8, 7, 7)
    # R: f(c(55, 61.5, 48.25, 70, 52.5, 66.75, 58)) -> 58.00 48.25 70.00
    assert (north["median"], north["low"], north["high"]) == pytest.approx((58.0, 48.25, 70.0))
    # R: f(north - c(50, 60, 45, 65, 50, 60, 55)) -> 3.25 1.50 6.75
    changes = (north["change"], north["change_low"], north["change_high"])
    assert changes == pytest.approx((3.25, 1.5, 6.75))
    # R: f(c(40.5, 45, 62.25, 38, 50.5, 47.75)) -> 46.375 38.000 62.250
    assert (south["median"], south["low"], south["high"]) == pytest.approx((46.375, 38.0, 62.25))
    # R: f(south - c(42, 40, 55, 41, 45, 50)) -> 1.75 -3.00 7.25
    changes = (south["change"], south["change_low"], south["change_high"])
    assert changes == pytest.approx((1.75, -3.0, 7.25))
    assert not north["withheld"] and not south["withheld"]


def test_groups_smaller_than_the_minimum_are_withheld_with_the_reason() -> None:
    data, groups = frame()
    found = by_group(group_medians(data, "s", groups, wave_index=2, min_units=5))
    east = found["East"]
    assert east["withheld"] and (east["assessed"], east["pairs"]) == (3, 3)
    assert all(math.isnan(east[k]) for k in ("median", "low", "high", "change"))
    assert "3 assessed, below the minimum of 5" in str(east["note"])
    west = found["West"]  # a choice no unit gave still has its row
    assert west["units"] == 0 and west["withheld"]
    assert found[NOT_RECORDED]["units"] == 1
    # the same group is shown once the minimum allows it
    shown = by_group(group_medians(data, "s", groups, wave_index=2, min_units=3))["East"]
    assert not shown["withheld"] and shown["median"] == 35.0  # R: median(c(30, 35, 40))
    assert math.isnan(shown["low"]) and "too few" in str(shown["note"])


def test_the_cohort_row_is_every_unit_together() -> None:
    data, _ = frame()
    (row,) = group_medians(data, "s", all_units(data, "All"), wave_index=2, min_units=5).to_dict(
        "records"
    )
    assert (row["units"], row["assessed"], row["pairs"]) == (18, 17, 17)
    # R: median(c(NORTH, SOUTH, 30, 35, 40, 20)) -> 48.25
    assert row["median"] == pytest.approx(48.25)


def test_the_latest_wave_is_the_last_with_a_score() -> None:
    data, _ = frame()
    assert latest_wave(data, "s") == 2
    assert latest_wave(data.assign(s=math.nan), "s") is None


def test_misuse_is_refused_with_the_rule() -> None:
    data, groups = frame()
    with pytest.raises(ValueError, match="min_units must be at least 1"):
        group_medians(data, "s", groups, wave_index=2, min_units=0)
    with pytest.raises(ValueError, match="lacks column 'score'"):
        group_medians(data, "score", groups, wave_index=2)
    twice = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="a unit has two rows at wave index 0"):
        group_medians(twice, "s", groups, wave_index=2)
