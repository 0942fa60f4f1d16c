"""Benchmarks against the cohort and the wording of strengths-and-opportunities feedback."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.benchmark import TEMPLATES, cohort_benchmarks, unit_feedback

JUDGMENTAL = re.compile(r"\b(poor\w*|fail\w*|worst|bad\w*|weak\w*)\b", re.IGNORECASE)


def cohort(
    scores: dict[str, list[float]],
    wave_index: int = 0,
    regions: list[str | None] | None = None,
) -> pd.DataFrame:
    n = len(next(iter(scores.values())))
    frame = pd.DataFrame({"unit": [f"p{i}" for i in range(n)], "wave_index": wave_index, **scores})
    if regions is not None:
        frame["region"] = regions
    return frame


def test_sentences_read_as_the_templates_promise():
    frame = cohort({"leadership": [72, 61, 50, 65, 55], "resources": [45, 58, 60, 50, 70]})
    feedback = unit_feedback(frame, "p0", ["leadership", "resources"], wave_index=0)
    assert [item.sentence for item in feedback.items] == [
        "Your practice's leadership score (72) is above the cohort median (61).",
        "An area to build on: resources (45; cohort median 58).",
    ]
    assert [item.kind for item in feedback.items] == ["strength", "opportunity"]


def test_quantiles_are_type_7_as_in_r():
    # R: quantile(1:10) -> 25%: 3.25, 50%: 5.50, 75%: 7.75 (type 7, R's default)
    table = cohort_benchmarks(cohort({"s": [float(v) for v in range(1, 11)]}), ["s"], wave_index=0)
    row = table.iloc[0]
    assert (row["cohort_q1"], row["cohort_median"], row["cohort_q3"]) == (3.25, 5.5, 7.75)
    assert row["cohort_n"] == 10


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 5).map(float), min_size=5, max_size=40))
def test_percentile_rank_is_the_mean_definition(values):
    # percentile rank (kind="mean") = 100 * (#below + #equal / 2) / n, the cohort including the unit
    table = cohort_benchmarks(cohort({"s": values}), ["s"], wave_index=0)
    for value, rank in zip(values, table["percentile_rank"], strict=True):
        below = sum(v < value for v in values)
        equal = sum(v == value for v in values)
        assert rank == pytest.approx(100 * (below + equal / 2) / len(values))


def test_missing_values_are_left_out_of_the_cohort():
    table = cohort_benchmarks(cohort({"s": [1.0, 2.0, np.nan, 3.0, 4.0, 5.0]}), ["s"], wave_index=0)
    assert (table["cohort_n"] == 5).all() and table["cohort_median"].iloc[0] == 3.0
    assert math.isnan(table["percentile_rank"].iloc[2])
    assert table["note"].iloc[2] == "no value at this wave"


def test_small_cohorts_are_suppressed_with_a_reason():
    frame = cohort({"s": [1.0, 2.0, 3.0, 4.0]})
    table = cohort_benchmarks(frame, ["s"], wave_index=0)
    assert table["cohort_median"].isna().all() and table["percentile_rank"].isna().all()
    assert table["note"].iloc[0] == "cohort of 4 units is below the minimum of 5: not compared"
    assert unit_feedback(frame, "p0", ["s"], wave_index=0).items == ()
    allowed = cohort_benchmarks(frame, ["s"], wave_index=0, min_units=4)
    assert allowed["cohort_median"].iloc[0] == 2.5


def test_regional_means_need_enough_units_in_the_region():
    values = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]
    regions = ["north"] * 5 + ["south"] * 2 + [None]
    table = cohort_benchmarks(
        cohort({"s": values}, regions=regions), ["s"], wave_index=0, region="region"
    )
    north = table.iloc[:5]
    assert (north["region_mean"] == 30.0).all() and (north["region_n"] == 5).all()
    assert table["region_mean"].iloc[5:].isna().all()
    assert table["note"].iloc[5] == "region has 2 units, below the minimum of 5: no regional mean"
    assert table["note"].iloc[7] == "no region recorded"
    relaxed = cohort_benchmarks(
        cohort({"s": values}, regions=regions), ["s"], wave_index=0, region="region", min_units=2
    )
    assert relaxed["region_mean"].iloc[5] == 65.0
    assert "region" not in cohort_benchmarks(cohort({"s": values}), ["s"], wave_index=0)


def test_comparison_happens_at_the_displayed_precision():
    frame = cohort({"s": [61.4, 61.2, 60.0, 62.0, 61.0]})  # median 61.2
    assert unit_feedback(frame, "p0", ["s"], wave_index=0).items == ()  # 61 vs 61 would read oddly
    one_decimal = unit_feedback(frame, "p0", ["s"], wave_index=0, decimals=1)
    assert one_decimal.strengths[0].sentence == (
        "Your practice's s score (61.4) is above the cohort median (61.2)."
    )


def test_only_a_reliable_change_is_named_and_no_score_is_filed_twice():
    """One rule with the practice report (scoring.unit_findings.classify): a rise within the
    measurement's wobble is never called a strength (issue 13), a reliable rise is one even
    below the median, a reliable fall is an opportunity even above it."""
    baseline = cohort(
        {
            "lead": [50, 60, 60, 60, 60],
            "team": [30, 60, 60, 60, 60],
            "data_use": [40, 60, 60, 60, 60],
            "access": [80, 60, 60, 60, 60],
        }
    )
    latest = cohort(
        {
            "lead": [75, 61, 50, 65, 55],
            "team": [45, 58, 60, 50, 70],
            "data_use": [44, 58, 60, 50, 70],
            "access": [62, 58, 60, 50, 70],
        },
        wave_index=1,
    )
    frame = pd.concat([baseline, latest], ignore_index=True)
    names = ["lead", "team", "data_use", "access"]
    statuses = {"lead": "improved", "team": "improved", "data_use": "unchanged"}
    feedback = unit_feedback(
        frame, "p0", names, wave_index=1, labels={"data_use": "data use"}, statuses=statuses
    )
    assert [(i.reason, i.score) for i in feedback.strengths] == [
        ("rose", "lead"),  # +25 before team's +15
        ("rose", "team"),  # below the median (58), but a reliable rise
        ("above_median", "access"),
    ]
    assert feedback.strengths[1].sentence == (
        "Your practice's team score has risen since baseline, by more than the measurement's "
        "usual wobble (30 to 45)."
    )
    assert [(i.reason, i.score) for i in feedback.opportunities] == [
        ("below_median", "data_use"),  # its +4 is within the wobble: not named
    ]
    assert (
        feedback.opportunities[0].sentence
        == "An area to build on: data use (44; cohort median 58)."
    )
    fallen = unit_feedback(frame, "p0", names, wave_index=1, statuses={"access": "declined"})
    assert [(i.reason, i.score) for i in fallen.opportunities][0] == ("fell", "access")
    assert fallen.opportunities[0].reference == 80.0
    plain = unit_feedback(frame, "p0", names, wave_index=1)
    assert [(i.reason, i.score) for i in plain.items] == [
        ("above_median", "lead"),
        ("above_median", "access"),
        ("below_median", "data_use"),
        ("below_median", "team"),
    ]
    assert {i.score for i in plain.strengths}.isdisjoint(i.score for i in plain.opportunities)


def test_misuse_raises_clear_errors():
    frame = cohort({"s": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(ValueError, match="unit 'nobody' has no row at wave_index=0"):
        unit_feedback(frame, "nobody", ["s"], wave_index=0)
    with pytest.raises(ValueError, match="region column 'area' not in the frame"):
        cohort_benchmarks(frame, ["s"], wave_index=0, region="area")
    with pytest.raises(ValueError, match="min_units must be at least 1"):
        cohort_benchmarks(frame, ["s"], wave_index=0, min_units=0)


def test_templates_hold_no_judgmental_words():
    for template in TEMPLATES.values():
        assert not JUDGMENTAL.search(template)


LABELS = ["leadership", "resources", "culture", "teamwork", "data use", "access"]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(5, 12).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(0, 100, allow_nan=False), min_size=n, max_size=n),
            min_size=2 * len(LABELS),
            max_size=2 * len(LABELS),
        )
    ),
    st.integers(0, 2),
    st.lists(st.sampled_from(["improved", "unchanged", "declined", "not assessed"]), min_size=6),
)
def test_feedback_is_never_judgmental_and_lists_strengths_first(columns, decimals, status):
    names = [label.replace(" ", "_") for label in LABELS]
    baseline = cohort(dict(zip(names, columns[: len(names)], strict=True)))
    latest = cohort(dict(zip(names, columns[len(names) :], strict=True)), wave_index=1)
    frame = pd.concat([baseline, latest], ignore_index=True)
    statuses = dict(zip(names, status, strict=False))
    feedback = unit_feedback(frame, "p0", names, wave_index=1, decimals=decimals, statuses=statuses)
    kinds = [item.kind for item in feedback.items]
    assert kinds == sorted(kinds, key=lambda kind: kind != "strength")
    assert len({item.score for item in feedback.items}) == len(feedback.items), "never both"
    for item in feedback.items:
        changed = {"rose": "improved", "fell": "declined"}.get(item.reason)
        assert changed is None or statuses[item.score] == changed
    for item in feedback.items:
        assert not JUDGMENTAL.search(item.sentence), item.sentence
        shown = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", item.sentence)]
        if item.reason == "above_median":
            assert shown[0] > shown[1]
        elif item.reason == "below_median":
            assert shown[0] < shown[1]
        else:  # "(baseline to value)": whichever way the reliable change said it went
            assert shown == [float(f"{x:.{decimals}f}") for x in (item.reference, item.value)]
