"""The practice readiness assessment over waves: latent readiness that improves for some
practices, reverse-keyed items, skipped waves, nonresponse and missing-data codes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
import pandas as pd
import pytest

from plugin.simulate import SimulationOptions, run_simulation, simulate
from plugin.simulate.profiles.readiness import OPPORTUNITIES, STRENGTHS
from tests.simulate.rules import EVENT

BASELINE, LAST = "baseline_arm_1", "month_12_arm_1"
MISSING = ["NA", "UNK"]


@pytest.fixture(scope="module")
def readiness(shipped):
    return shipped["practice_readiness"]


@pytest.fixture(scope="module")
def large(readiness):
    """500 practices over all five waves: enough rows for rates to settle."""
    return run_simulation(readiness, seed=11, n=500)


def items_of(instrument) -> list[str]:
    return [item for scale in instrument.scales for item in scale.items]


def scored_means(instrument, frame: pd.DataFrame) -> pd.Series:
    """Each row's mean item score with reverse-keyed items reversed (1-5 becomes 5-1)."""
    values = frame[items_of(instrument)].apply(pd.to_numeric, errors="coerce")
    for scale in instrument.scales:
        for item in scale.reverse:
            values[item] = 6 - values[item]
    return values.mean(axis=1)


def test_improving_practices_score_higher_at_the_last_wave_than_at_baseline(readiness):
    simulation = run_simulation(readiness, seed=3, n=200)
    frame = pd.DataFrame(simulation.rows)
    frame["trajectory"] = frame["record_id"].map(simulation.trajectories)
    frame["mean"] = scored_means(readiness, frame)
    means = frame.groupby(["trajectory", EVENT])["mean"].mean()
    assert means["improving", LAST] - means["improving", BASELINE] > 0.5
    assert abs(means["flat", LAST] - means["flat", BASELINE]) < 0.25
    assert means["declining", LAST] < means["declining", BASELINE]


def test_trajectory_shares_follow_the_options(large):
    kinds = pd.Series(large.trajectories).value_counts(normalize=True)
    assert kinds["improving"] == pytest.approx(0.40, abs=0.06)
    assert kinds["declining"] == pytest.approx(0.10, abs=0.04)


def test_reverse_keyed_items_correlate_negatively_with_their_scales_other_items(readiness, large):
    frame = pd.DataFrame(large.rows)
    for scale in readiness.scales:
        values = frame[scale.items].apply(pd.to_numeric, errors="coerce")
        correlations = values.corr()
        for reverse in scale.reverse:
            for item in scale.items:
                if item != reverse:
                    assert correlations.loc[reverse, item] < -0.2, (scale.name, reverse, item)
        plain = [item for item in scale.items if item not in scale.reverse]
        assert correlations.loc[plain[0], plain[1]] > 0.3


def test_about_ten_percent_of_follow_up_waves_are_skipped(large):
    frame = pd.DataFrame(large.rows)
    counts = frame[EVENT].value_counts()
    assert counts[BASELINE] == 500
    follow_ups = counts.drop(BASELINE)
    assert len(follow_ups) == 4
    skipped = 1.0 - follow_ups.sum() / (500 * 4)
    assert skipped == pytest.approx(0.10, abs=0.025)


def test_missing_codes_and_nonresponse_occur_at_the_configured_rates(readiness, large):
    frame = pd.DataFrame(large.rows)
    finished = frame[frame["readiness_assessment_complete"] == "2"]
    cells = finished[items_of(readiness)].to_numpy().ravel()
    assert np.isin(cells, MISSING).mean() == pytest.approx(0.02, abs=0.005)
    assert (cells == "").mean() == pytest.approx(0.03, abs=0.006)
    assert set(np.unique(cells[np.isin(cells, MISSING)])) == set(MISSING)


def test_the_rates_are_options(readiness):
    options = SimulationOptions(
        skipped_wave_rate=0.0, missing_code_rate=0.0, item_nonresponse=0.0, partial_form_rate=0.0
    )
    frame = pd.DataFrame(simulate(readiness, seed=8, n=60, options=options))
    assert len(frame) == 60 * 5
    assert (frame[items_of(readiness)].isin(["", *MISSING])).to_numpy().sum() == 0


def test_practice_profile_is_filled_once_at_baseline_with_stable_ids(readiness, large):
    by_record = defaultdict(list)
    for row in large.rows:
        by_record[row["record_id"]].append(row)
    practice_ids = set()
    for rows in by_record.values():
        assert rows[0][EVENT] == BASELINE
        assert rows[0]["practice_id"] and rows[0]["region"]
        practice_ids.add(rows[0]["practice_id"])
        assert all("practice_id" not in row and "region" not in row for row in rows[1:])
        assert len({row["facilitator"] for row in rows if row["facilitator"]}) == 1
    assert len(practice_ids) == len(by_record)


def test_assessment_dates_advance_with_the_waves_month(readiness, large):
    months = {BASELINE: 0, "month_3_arm_1": 3, "month_6_arm_1": 6, "month_9_arm_1": 9, LAST: 12}
    by_record = defaultdict(dict)
    for row in large.rows:
        if row["assessment_date"]:
            by_record[row["record_id"]][row[EVENT]] = date.fromisoformat(row["assessment_date"])
    for dates in by_record.values():
        if BASELINE not in dates:
            continue
        for event, day in dates.items():
            expected = months[event] * 30.44
            assert abs((day - dates[BASELINE]).days - expected) <= 8
        ordered = [dates[e] for e in months if e in dates]
        assert ordered == sorted(ordered)


def test_waves_limits_the_events(readiness):
    rows = simulate(readiness, seed=2, n=30, waves=2)
    assert {row[EVENT] for row in rows} == {BASELINE, "month_3_arm_1"}


def test_feedback_names_the_practices_strongest_and_weakest_elements(readiness, large):
    frame = pd.DataFrame(large.rows)
    scores = pd.DataFrame(index=frame.index)
    for scale in readiness.scales:
        values = frame[scale.items].apply(pd.to_numeric, errors="coerce")
        for item in scale.reverse:
            values[item] = 6 - values[item]
        scores[scale.name] = values.mean(axis=1)
    for column, bank, sign in (
        ("fb_strengths", STRENGTHS, 1.0),
        ("fb_opportunities", OPPORTUNITIES, -1.0),
    ):
        named = frame[column].map({text: name for name, text in bank.items()})
        rows = named.notna()
        assert rows.mean() > 0.7
        margins = [
            scores.loc[i, named[i]] - scores.loc[i].drop(named[i]).mean() for i in frame[rows].index
        ]
        assert sign * np.nanmean(margins) > 0.3, column
