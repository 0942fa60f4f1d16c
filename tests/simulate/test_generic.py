"""Any valid instrument gets sensible rows from its definition alone: every field type and
validation, repeating forms, events with cross-event logic, calculated fields read by logic."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from instruments import Instrument, load_instrument
from plugin.simulate import SimulationOptions, run_simulation, simulate
from tests.simulate.rules import (
    EVENT,
    REPEAT_FORM,
    REPEAT_INSTANCE,
    expected_keys,
    hidden_but_answered,
    value_problems,
)

LIKERT = [{"code": str(i), "label": f"Level {i}"} for i in range(1, 6)]
SOURCE = {"citation": "Written for the simulator tests."}


def field(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "label": name.replace("_", " ").title(), **extra}


def load(data: dict[str, Any]) -> Instrument:
    return load_instrument(copy.deepcopy(data), name=f"{data['id']}.json").unwrap()


EVERY_TYPE: dict[str, Any] = {
    "id": "every_type",
    "version": "1.0.0",
    "title": "Every field type",
    "kind": "survey",
    "respondent": "anyone",
    "source": SOURCE,
    "record_id": "record_id",
    "missing_codes": [{"code": "-99", "label": "Refused", "meaning": "refused"}],
    "forms": [{"name": "survey", "label": "Survey", "survey": True}],
    "fields": [
        field("record_id", "text"),
        field("staff", "text", validation={"type": "integer", "min": "1", "max": "400"}),
        field("budget", "text", validation={"type": "number_2dp", "min": "0", "max": "9999"}),
        field("ratio", "text", validation={"type": "number"}),
        field(
            "visit",
            "text",
            validation={"type": "date_dmy", "min": "2025-03-01", "max": "2025-03-31"},
        ),
        field("signed_at", "text", validation={"type": "datetime_seconds_ymd"}),
        field("start_time", "text", validation={"type": "time"}),
        field("contact_email", "text", validation={"type": "email"}),
        field("contact_phone", "text", validation={"type": "phone"}),
        field("zip", "text", validation={"type": "zipcode"}),
        field("contact_name", "text"),
        field("effort", "slider", slider={"labels": ["Low", "", "High"], "min": "10", "max": "20"}),
        field("agrees", "truefalse"),
        field("consented", "yesno"),
        field(
            "size",
            "dropdown",
            choices=[{"code": "a", "label": "Small"}, {"code": "b", "label": "Large"}],
        ),
        field(
            "supports",
            "checkbox",
            annotation="@NONEOFTHEABOVE='99'",
            choices=[
                {"code": "1", "label": "Grant"},
                {"code": "2", "label": "Staff"},
                {"code": "99", "label": "None of these"},
            ],
        ),
        field("total", "calc", calculation="[staff] / 10"),
        field("large_team", "notes", branching_logic="[total] >= 5"),
        field("intro", "descriptive"),
        field("upload", "file"),
        field("q1", "radio", choices=LIKERT, matrix={"group": "grid"}),
        field("q2", "radio", choices=LIKERT, matrix={"group": "grid"}),
        field("q3", "radio", choices=LIKERT, matrix={"group": "grid"}),
        field("why_low", "text", branching_logic="[q1] = '1' or [q1] = '2'"),
        field("consent_note", "text", branching_logic="[consented] = '0' and [supports(1)] = '1'"),
    ],
}

REPEATING: dict[str, Any] = {
    "id": "visits",
    "version": "1.0.0",
    "title": "Repeated visits",
    "kind": "assessment",
    "respondent": "facilitator",
    "source": SOURCE,
    "record_id": "record_id",
    "unit": {"label": "clinic", "id_field": "clinic_id"},
    "grouping": ["region"],
    "waves": {"mode": "repeating", "form": "visit", "date_field": "visit_date"},
    "forms": [{"name": "enrolment", "label": "Enrolment"}, {"name": "visit", "label": "Visit"}],
    "fields": [
        field("record_id", "text", form="enrolment"),
        field("clinic_id", "text", form="enrolment"),
        field(
            "region",
            "radio",
            form="enrolment",
            choices=[{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
        ),
        field("visit_date", "text", form="visit", validation={"type": "date_ymd"}),
        field("score", "radio", form="visit", choices=LIKERT),
    ],
}

LONGITUDINAL: dict[str, Any] = {
    "id": "panel",
    "version": "1.0.0",
    "title": "Panel",
    "kind": "assessment",
    "respondent": "facilitator",
    "source": SOURCE,
    "record_id": "record_id",
    "unit": {"label": "team", "id_field": "team_id"},
    "grouping": ["region"],
    "missing_codes": [{"code": "NA", "label": "Not applicable", "meaning": "not_applicable"}],
    "waves": {
        "mode": "events",
        "events": [
            {"name": "baseline", "label": "Baseline", "month": 0},
            {"name": "month_6", "label": "Month 6", "month": 6},
            {"name": "month_12", "label": "Month 12", "month": 12},
        ],
    },
    "forms": [{"name": "check", "label": "Check"}],
    "fields": [
        field("record_id", "text"),
        field("team_id", "text"),
        field(
            "region",
            "dropdown",
            choices=[{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
        ),
        field("consent", "yesno"),
        field("follow_note", "text", branching_logic="[baseline_arm_1][consent] = '1'"),
        field("item_a", "radio", choices=LIKERT),
        field("item_b", "radio", choices=LIKERT),
        field("item_neg", "radio", choices=LIKERT),
        field("score_check", "text", validation={"type": "number", "min": "0", "max": "100"}),
    ],
    "scales": [
        {
            "name": "check",
            "label": "Check",
            "items": ["item_a", "item_b", "item_neg"],
            "reverse": ["item_neg"],
            "score_field": "score_check",
            "rescale": "0-100",
        },
    ],
}


@pytest.fixture(scope="module")
def instruments() -> dict[str, Instrument]:
    return {data["id"]: load(data) for data in (EVERY_TYPE, REPEATING, LONGITUDINAL)}


def assert_importable(instrument: Instrument, rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert list(row) == expected_keys(instrument, row)
        assert value_problems(instrument, row) == []
    assert hidden_but_answered(instrument, rows) == []


@pytest.mark.parametrize("name", ["every_type", "visits", "panel"])
def test_inline_instruments_give_importable_rows(instruments, name):
    rows = simulate(instruments[name], seed=31, n=300)
    assert rows
    assert_importable(instruments[name], rows)


def test_every_answerable_field_gets_answers(instruments):
    rows = simulate(instruments["every_type"], seed=5, n=300)
    for name in (
        "staff",
        "budget",
        "ratio",
        "visit",
        "signed_at",
        "start_time",
        "contact_email",
        "contact_phone",
        "zip",
        "contact_name",
        "effort",
        "agrees",
        "consented",
        "size",
        "large_team",
        "q1",
        "why_low",
        "consent_note",
    ):
        assert any(row[name] for row in rows), name
    assert all(len(row["budget"].split(".")[1]) == 2 for row in rows if row["budget"])


def test_a_field_shown_by_a_calculation_follows_the_calculation(instruments):
    for row in simulate(instruments["every_type"], seed=6, n=300):
        if row["staff"] == "" or int(row["staff"]) < 50:
            assert row["large_team"] == ""


def test_none_of_the_above_is_exclusive(instruments):
    rows = simulate(instruments["every_type"], seed=7, n=400)
    exclusive = [row for row in rows if row["supports___99"] == "1"]
    assert exclusive
    assert all(row["supports___1"] == row["supports___2"] == "0" for row in exclusive)


def test_missing_codes_appear_only_on_likert_items(instruments):
    options = SimulationOptions(missing_code_rate=0.3)
    rows = simulate(instruments["every_type"], seed=8, n=300, options=options)
    coded = {key for row in rows for key, value in row.items() if value == "-99"}
    assert coded == {"q1", "q2", "q3"}


def test_repeat_instances_are_numbered_without_gaps(instruments):
    rows = simulate(instruments["visits"], seed=9, n=100, waves=5)
    instances = defaultdict(list)
    for row in rows:
        if row[REPEAT_FORM]:
            assert row[REPEAT_FORM] == "visit"
            instances[row["record_id"]].append(int(row[REPEAT_INSTANCE]))
        else:
            assert row[REPEAT_INSTANCE] == ""
    assert len(instances) == 100
    for numbers in instances.values():
        assert numbers == list(range(1, len(numbers) + 1))
    assert max(len(n) for n in instances.values()) == 5
    assert min(len(n) for n in instances.values()) < 5


def test_visit_dates_advance_across_instances(instruments):
    rows = simulate(instruments["visits"], seed=10, n=50)
    dates = defaultdict(list)
    for row in rows:
        if row[REPEAT_FORM] and row["visit_date"]:
            dates[row["record_id"]].append(row["visit_date"])
    assert all(d == sorted(d) and len(set(d)) == len(d) for d in dates.values())


def test_unit_and_grouping_fields_are_stable_across_a_units_waves(instruments):
    simulation = run_simulation(instruments["panel"], seed=12, n=150)
    seen = defaultdict(set)
    for row in simulation.rows:
        seen[row["record_id"]].add((row["team_id"], row["region"]))
    assert all(len(values) == 1 for values in seen.values())
    assert len({next(iter(v))[0] for v in seen.values()}) == 150
    assert set(simulation.trajectories) == set(seen)


def test_cross_event_logic_reads_the_baseline_answer(instruments):
    rows = simulate(instruments["panel"], seed=13, n=200)
    consent = {row["record_id"]: row["consent"] for row in rows if row[EVENT] == "baseline_arm_1"}
    later = [row for row in rows if row[EVENT] != "baseline_arm_1"]
    assert all(row["follow_note"] == "" for row in later if consent[row["record_id"]] != "1")
    assert any(row["follow_note"] for row in later)


# Found by a sweep of small runs: the one unit skips month 12, so that slot has no rows.
@pytest.mark.parametrize(
    ("seed", "n", "waves"), [(6, 1, 3), (7, 1, None), (20, 2, 3), (39, 2, None)]
)
def test_a_wave_nobody_attends_leaves_cross_event_logic_alone(instruments, seed, n, waves):
    # Cross-event logic ([baseline_arm_1][consent]) on a slot with no rows once took every
    # earlier row as the slot's own (a [-0:] slice) and raised ValueError from numpy.
    panel = instruments["panel"]
    rows = simulate(panel, seed=seed, n=n, waves=waves)
    assert_importable(panel, rows)
    assert {row["record_id"] for row in rows} == {str(i + 1) for i in range(n)}
    assert len(rows) < n * 3  # some unit skipped a wave: the case that failed


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 25), waves=st.integers(1, 3))
@example(seed=6, n=1, waves=3)
def test_any_seed_gives_importable_rows(instruments, seed, n, waves):
    assert_importable(
        instruments["every_type"], simulate(instruments["every_type"], seed=seed, n=n)
    )
    panel = instruments["panel"]
    assert_importable(panel, simulate(panel, seed=seed, n=n, waves=waves))
