"""The REDCap API calls that carry a plan out, in the order REDCap needs them."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from plugin.deploy import CurrentProject, DeployRefused, FieldUsage, apply_steps, make_plan
from tests.deploy.helpers import WAVES, desired, exported, field, scan

NO_RECORDS = FieldUsage()


def order(steps):
    return [(step.content, step.action) for step in steps]


def test_no_changes_means_no_calls():
    project = desired(scan(waves=copy.deepcopy(WAVES)))
    assert apply_steps(make_plan(project, exported(project), usage=NO_RECORDS)) == []


def test_a_fresh_longitudinal_project_is_built_in_redcaps_order():
    project = desired(scan(waves=copy.deepcopy(WAVES)))
    steps = apply_steps(make_plan(project, CurrentProject(), usage=NO_RECORDS))
    assert order(steps) == [
        ("project_settings", "import"),
        ("event", "import"),
        ("metadata", "import"),
        ("formEventMapping", "import"),
        ("event", "delete"),
    ]
    assert steps[0].payload == {"data": {"is_longitudinal": 1}}
    assert steps[1].payload["override"] == 0
    assert steps[1].payload["data"][1] == {
        "event_name": "Month 6",
        "arm_num": 1,
        "day_offset": 183,
        "offset_min": 0,
        "offset_max": 0,
        "custom_event_label": "",
    }
    assert steps[2].payload == {"data": project.metadata}
    assert steps[3].payload == {"data": project.structure.mappings}
    assert steps[4].payload == {"events": ["event_1_arm_1"]}


def test_arms_come_before_events_and_their_removal_after_everything():
    project = desired(scan(waves=copy.deepcopy(WAVES)))
    current = exported(project)
    current = replace(
        current,
        arms=[{"arm_num": 1, "name": "Old name"}, {"arm_num": 2, "name": "Pilot"}],
        events=[
            *current.events[:1],
            {"event_name": "Pilot", "arm_num": 2, "unique_event_name": "pilot_arm_2"},
        ],
        mappings=[m for m in current.mappings if m["unique_event_name"] == "baseline_arm_1"],
    )
    steps = apply_steps(make_plan(project, current, usage=NO_RECORDS))
    assert order(steps) == [
        ("arm", "import"),
        ("event", "import"),
        ("formEventMapping", "import"),
        ("event", "delete"),
        ("arm", "delete"),
    ]
    assert steps[0].payload["data"] == [{"arm_num": 1, "name": "Arm 1"}]
    assert steps[-2].payload == {"events": ["pilot_arm_2"]}
    assert steps[-1].payload == {"arms": [2]}


def test_a_changed_event_keeps_its_unique_name_so_redcap_updates_it():
    before = desired(scan(waves=copy.deepcopy(WAVES)))
    waves = copy.deepcopy(WAVES)
    waves["events"][1]["month"] = 7
    (step,) = apply_steps(make_plan(desired(scan(waves=waves)), exported(before), usage=NO_RECORDS))
    assert (step.content, step.action) == ("event", "import")
    assert step.payload["data"][0]["unique_event_name"] == "month_6_arm_1"
    assert step.payload["data"][0]["day_offset"] == 213


def test_a_field_change_sends_the_whole_dictionary_only():
    data = scan()
    field(data, "comments")["label"] = "Anything else?"
    project = desired(data)
    (step,) = apply_steps(make_plan(project, exported(desired(scan())), usage=NO_RECORDS))
    assert (step.content, step.action, step.why) == ("metadata", "import", "1 field changed")
    assert step.payload["data"] == project.metadata
    assert step.as_dict()["content"] == "metadata"


def test_repeating_settings_are_sent_whole_after_the_dictionary():
    data = scan(waves={"mode": "repeating", "form": "opinions", "date_field": "seen_on"})
    data["fields"].append(
        {
            "name": "seen_on",
            "form": "opinions",
            "type": "text",
            "label": "Date",
            "validation": {"type": "date_ymd"},
        }
    )
    steps = apply_steps(make_plan(desired(data), exported(desired(scan())), usage=NO_RECORDS))
    assert order(steps) == [("metadata", "import"), ("repeatingFormsEvents", "import")]
    assert steps[1].payload == {
        "data": [{"form_name": "opinions", "custom_form_label": "[seen_on]"}]
    }


def test_a_production_project_gets_no_api_calls():
    data = scan()
    field(data, "comments")["label"] = "Anything else?"
    current = exported(desired(scan()), in_production=True)
    plan = make_plan(desired(data), current, usage=NO_RECORDS)
    with pytest.raises(DeployRefused, match="production status.*Draft Mode package"):
        apply_steps(plan)


def test_turning_classic_switches_last_once_the_extra_events_are_gone():
    before = desired(scan(waves=copy.deepcopy(WAVES)))
    steps = apply_steps(make_plan(desired(scan()), exported(before), usage=NO_RECORDS))
    assert order(steps) == [
        ("event", "import"),
        ("event", "delete"),
        ("project_settings", "import"),
    ]
    assert steps[0].payload["data"] == [
        {"event_name": "Event 1", "arm_num": 1, "custom_event_label": ""}
    ]
    assert steps[-1].payload == {"data": {"is_longitudinal": 0}}
