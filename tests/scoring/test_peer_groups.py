"""The group a practice is benchmarked against: its region's (or size's) median and quartiles at
each wave, the whole cohort when that group is too small, and a clear refusal of a field that is
not a grouping field."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instruments import load_shipped
from scoring.peer_groups import (
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
