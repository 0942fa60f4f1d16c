"""The group a practice is benchmarked against: its region's (or size's) median and quartiles at
each wave, the whole cohort when that group is too small, and a clear refusal of a field that is
not a grouping field."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instruments import load_shipped
from scoring.benchmark import cohort_benchmarks, unit_feedback
from scoring.peer_groups import (
    GroupBenchmarks,
    check_comparison_field,
    comparison_fields,
    group_benchmarks,
    peer_group,
)
from scoring.unit_findings import band_index

NORTH = {"N1": 50.0, "N2": 62.5, "N3": 70.0, "N4": 80.0, "N5": 90.0, "N6": 100.0}
SOUTH = {"S1": 20.0, "S2": 95.0}


def frame() -> tuple[pd.DataFrame, pd.Series]:
    units = {**NORTH, **SOUTH}
    rows = [{"unit": u, "wave_index": 0, "s": v} for u, v in units.items()]
    # at wave 1 only three northern practices were assessed
    rows += [{"unit": u, "wave_index": 1, "s": NORTH[u] + 5} for u in ("N1", "N2", "N3")]
    groups = pd.Series({u: "North" for u in NORTH} | {u: "South" for u in SOUTH})
    return pd.DataFrame(rows), groups


def test_a_regions_median_and_quartiles_are_rs_type_7_over_its_practices() -> None:
    data, groups = frame()
    group = peer_group(groups, data, "N2", by="region", wave_index=0, min_units=5)
    assert (group.value, group.fell_back, group.size) == ("North", False, 6)
    found = group_benchmarks(data, ["s"], group, [0, 1], min_units=5)
    # R: quantile(c(50, 62.5, 70, 80, 90, 100)) -> 64.375, 75, 87.5
    line = found.loc[("s", 0)]
    assert (line["cohort_q1"], line["cohort_median"], line["cohort_q3"]) == pytest.approx(
        (64.375, 75.0, 87.5)
    )
    assert line["cohort_n"] == 6
    # three northern practices at wave 1: withheld, not compared on noise
    assert found.loc[("s", 1), "cohort_n"] == 3
    assert math.isnan(found.loc[("s", 1), "cohort_median"])


def test_a_group_too_small_falls_back_to_the_whole_cohort() -> None:
    data, groups = frame()
    group = peer_group(groups, data, "S1", by="region", wave_index=0, min_units=5)
    assert (group.value, group.fell_back, group.size, group.is_cohort) == ("South", True, 2, True)
    found = group_benchmarks(data, ["s"], group, [0], min_units=5)
    # R: quantile(c(50, 62.5, 70, 80, 90, 100, 20, 95)) -> 59.375, 75, 91.25
    line = found.loc[("s", 0)]
    assert (line["cohort_q1"], line["cohort_median"], line["cohort_q3"]) == pytest.approx(
        (59.375, 75.0, 91.25)
    )
    unknown = peer_group(groups.drop("N1"), data, "N1", by="region", wave_index=0, min_units=5)
    assert unknown.fell_back and unknown.value is None
    cohort = peer_group(None, data, "N1", by=None, wave_index=0, min_units=5)
    assert cohort.is_cohort and not cohort.fell_back and len(cohort.units) == 8


def test_each_groups_benchmarks_are_computed_once_and_equal_the_one_unit_path() -> None:
    data, groups = frame()
    shared = GroupBenchmarks(data, ["s"], [0, 1], min_units=3)
    north = [peer_group(groups, data, u, by="region", wave_index=0, min_units=3) for u in NORTH]
    cohort = [peer_group(None, data, u, by=None, wave_index=0, min_units=3) for u in SOUTH]
    for group in north + cohort:
        alone = group_benchmarks(data, ["s"], group, [0, 1], min_units=3)
        pd.testing.assert_frame_equal(shared.summary(group), alone, check_exact=True)
        rows = data.loc[data["unit"].isin(group.units)]
        pd.testing.assert_frame_equal(shared.rows(group), rows)
        at = cohort_benchmarks(rows, ["s"], wave_index=1, min_units=3)
        pd.testing.assert_frame_equal(shared.at_wave(group, 1), at, check_exact=True)
    # one group, one computation: every unit of it reads the same frames
    assert all(shared.summary(g) is shared.summary(north[0]) for g in north)
    assert shared.summary(cohort[0]) is shared.summary(cohort[1])
    assert shared.summary(cohort[0]) is not shared.summary(north[0])
    assert shared.at_wave(north[1], 0) is shared.at_wave(north[2], 0)


def test_feedback_from_a_shared_table_equals_feedback_computing_its_own() -> None:
    data, groups = frame()
    shared = GroupBenchmarks(data, ["s"], [0, 1], min_units=3)
    group = peer_group(groups, data, "N2", by="region", wave_index=1, min_units=3)
    rows, named = shared.rows(group), 0
    for unit in ("N1", "N2", "N3"):
        alone = unit_feedback(rows, unit, ["s"], wave_index=1, min_units=3)
        table = shared.at_wave(group, 1)
        reused = unit_feedback(rows, unit, ["s"], wave_index=1, min_units=3, table=table)
        assert reused.items == alone.items
        pd.testing.assert_frame_equal(reused.benchmarks, alone.benchmarks, check_exact=True)
        named += len(reused.items)
    assert named == 2  # N1 below the group's median, N3 above it; N2 at it


def test_only_the_instruments_grouping_fields_can_be_compared_by() -> None:
    readiness = load_shipped("practice_readiness").unwrap()
    assert comparison_fields(readiness) == ("region", "practice_size", "system_affiliation")
    check_comparison_field(readiness, "region")
    check_comparison_field(readiness, None)
    with pytest.raises(
        ValueError,
        match=r"cannot compare by 'regoin'.*the fields that work are: region, practice_size, "
        r"system_affiliation",
    ):
        check_comparison_field(readiness, "regoin")


def test_a_value_is_banded_as_scoring_bands_it_a_shared_edge_going_up() -> None:
    thirds = [(0.0, 33.3), (33.3, 66.7), (66.7, 100.0)]
    assert [band_index(v, thirds) for v in (0.0, 33.2, 33.3, 66.7, 100.0)] == [0, 0, 1, 2, 2]
    assert band_index(math.nan, thirds) is None and band_index(101.0, thirds) is None
