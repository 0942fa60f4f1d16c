"""The structure part of a plan: waves as arms, events and instrument-event mappings, repeating
forms, and the longitudinal switch; removing any of them where records hold data is data loss."""

from __future__ import annotations

import copy
from dataclasses import replace

from plugin.deploy import ColumnChange, FieldUsage, make_plan
from tests.deploy.helpers import WAVES, desired, exported, field, scan

NO_RECORDS = FieldUsage()


def waves(*events):
    data = copy.deepcopy(WAVES)
    data["events"] += list(events)
    return data


MONTH_12 = {"name": "month_12", "label": "Month 12", "month": 12, "forms": ["opinions"]}


def keys(changes):
    return [(c.key, c.kind) for c in changes]


def test_a_new_wave_adds_its_event_and_mappings_only():
    before = scan(waves=waves())
    plan = make_plan(
        desired(scan(waves=waves(MONTH_12))), exported(desired(before)), usage=NO_RECORDS
    )
    assert keys(plan.events) == [("month_12_arm_1", "added")]
    assert plan.events[0].row["day_offset"] == "365"
    assert keys(plan.mappings) == [("month_12_arm_1: opinions", "added")]
    assert plan.fields == () and plan.arms == () and plan.settings == ()
    assert plan.data_loss == ()


def test_a_removed_wave_holding_data_is_refused_with_its_counts():
    before = scan(waves=waves(MONTH_12))
    usage = FieldUsage(
        events={"month_12_arm_1": 8, "baseline_arm_1": 40},
        event_forms={("month_12_arm_1", "opinions"): 8},
    )
    plan = make_plan(desired(scan(waves=waves())), exported(desired(before)), usage=usage)
    assert keys(plan.events) == [("month_12_arm_1", "removed")]
    assert keys(plan.mappings) == [("month_12_arm_1: opinions", "removed")]
    # The mapping goes with its event, so its data is counted once, under the event.
    (loss,) = plan.data_loss
    assert (loss.kind, loss.subject, loss.records) == ("event_removed", "month_12_arm_1", 8)


def test_a_removed_wave_without_data_is_not_data_loss():
    before = scan(waves=waves(MONTH_12))
    plan = make_plan(desired(scan(waves=waves())), exported(desired(before)), usage=NO_RECORDS)
    assert keys(plan.events) == [("month_12_arm_1", "removed")] and plan.data_loss == ()


def test_a_form_taken_off_an_event_that_holds_it_loses_that_data():
    before = scan(waves=waves())
    after = waves()
    after["events"][0]["forms"] = ["about"]
    usage = FieldUsage(event_forms={("baseline_arm_1", "opinions"): 6})
    plan = make_plan(desired(scan(waves=after)), exported(desired(before)), usage=usage)
    assert keys(plan.mappings) == [("baseline_arm_1: opinions", "removed")]
    (loss,) = plan.data_loss
    assert loss.describe() == (
        "form 'opinions' is no longer designated for event 'baseline_arm_1': "
        "6 records hold data there"
    )


def test_a_moved_wave_changes_its_offset():
    before = scan(waves=waves())
    after = waves()
    after["events"][1]["month"] = 7
    plan = make_plan(desired(scan(waves=after)), exported(desired(before)), usage=NO_RECORDS)
    (change,) = plan.events
    assert (change.key, change.kind) == ("month_6_arm_1", "changed")
    assert change.columns == (ColumnChange("day_offset", "183", "213"),)


def test_offsets_are_not_compared_when_redcap_does_not_export_them():
    project = desired(scan(waves=waves()))
    current = exported(project)
    for event in current.events:
        for key in ("day_offset", "offset_min", "offset_max"):
            del event[key]
    assert not make_plan(project, current, usage=NO_RECORDS).has_changes


def test_the_blank_mapping_row_of_a_project_without_mappings_is_no_mapping():
    project = desired(scan(waves=waves()))
    current = replace(
        exported(project), mappings=[{"arm_num": "", "unique_event_name": "", "form": ""}]
    )
    plan = make_plan(project, current, usage=NO_RECORDS)
    assert [c.kind for c in plan.mappings] == ["added"] * 3


def test_a_classic_project_turning_longitudinal_drops_its_hidden_event():
    plan = make_plan(
        desired(scan(waves=waves())), exported(desired(scan())), usage=FieldUsage(records=15)
    )
    assert [(c.key, c.columns) for c in plan.settings] == [
        ("is_longitudinal", (ColumnChange("is_longitudinal", "0", "1"),))
    ]
    assert plan.arms == ()
    assert keys(plan.events) == [
        ("baseline_arm_1", "added"),
        ("month_6_arm_1", "added"),
        ("event_1_arm_1", "removed"),
    ]
    (loss,) = plan.data_loss
    assert (loss.kind, loss.subject, loss.records) == ("event_removed", "event_1_arm_1", 15)


def test_a_repeating_form_is_added_and_stopping_it_loses_extra_instances():
    repeating = {"mode": "repeating", "form": "opinions", "date_field": "seen_on"}
    data = scan(waves=repeating)
    data["fields"].append(
        {
            "name": "seen_on",
            "form": "opinions",
            "type": "text",
            "label": "Date",
            "validation": {"type": "date_ymd"},
        }
    )
    classic = copy.deepcopy(data)
    del classic["waves"]
    added = make_plan(desired(data), exported(desired(classic)), usage=NO_RECORDS)
    assert keys(added.repeating) == [("opinions", "added")]
    assert added.repeating[0].row["custom_form_label"] == "[seen_on]"

    usage = FieldUsage(repeat_instances={("", "opinions"): 4})
    stopped = make_plan(desired(classic), exported(desired(data)), usage=usage)
    assert keys(stopped.repeating) == [("opinions", "removed")]
    (loss,) = stopped.data_loss
    assert (
        loss.describe() == "form 'opinions' stops repeating: 4 records hold more than one instance"
    )


def test_a_field_change_in_a_longitudinal_project_leaves_the_structure_alone():
    before = scan(waves=waves())
    data = scan(waves=waves())
    field(data, "comments")["label"] = "Anything else?"
    plan = make_plan(desired(data), exported(desired(before)), usage=NO_RECORDS)
    assert [c.name for c in plan.fields] == ["comments"]
    assert not (plan.arms or plan.events or plan.mappings or plan.repeating or plan.settings)


def test_a_longitudinal_project_turning_classic_keeps_one_event_for_its_records():
    before = desired(scan(waves=waves()))
    usage = FieldUsage(events={"baseline_arm_1": 10, "month_6_arm_1": 2})
    plan = make_plan(desired(scan()), exported(before), usage=usage)
    assert keys(plan.events) == [
        ("event_1_arm_1", "added"),
        ("baseline_arm_1", "removed"),
        ("month_6_arm_1", "removed"),
    ]
    assert plan.mappings == ()
    assert [c.columns[0].new for c in plan.settings] == ["0"]
    assert [(loss.subject, loss.records) for loss in plan.data_loss] == [
        ("baseline_arm_1", 10),
        ("month_6_arm_1", 2),
    ]
