"""A stated ``structure``: arms, events and repeating settings as REDCap holds them, compiled as
given, checked against REDCap's rules (redcap-api.md §3 arms and events: arm numbers 1..99 and
names of at most 50 characters, event names of at most 30, unique names derived from the label in
its arm), and named by waves and logic."""

from __future__ import annotations

from typing import Any

import pytest

from instruments import load_instrument
from instruments.dictionary import compile_dictionary
from instruments.dictionary.structure import project_structure
from instruments.problems import InstrumentError
from instruments.waves import event_names, unique_event_names, wave_forms
from tests.instruments.helpers import base, check, only


def stated() -> dict[str, Any]:
    """The base instrument in a two-arm project: arm 1's baseline and month 6 are its waves, the
    leadership form repeats on arm 1's check-ins between them, and arm 2's one event repeats."""
    data = base()
    data["structure"] = {
        "arms": [{"number": 1, "name": "Drug A"}, {"number": 2, "name": "Drug B"}],
        "events": [
            {
                "unique_name": "baseline_arm_1",
                "label": "Baseline",
                "forms": ["profile", "leadership"],
            },
            {
                "unique_name": "check_in_arm_1",
                "label": "Check in",
                "day_offset": 91,
                "forms": ["leadership"],
            },
            {
                "unique_name": "month_6_arm_1",
                "label": "Month 6",
                "day_offset": 183,
                "offset_min": 7,
                "offset_max": 14.5,
                "custom_label": "[visit_date]",
                "forms": ["leadership"],
            },
            {
                "unique_name": "baseline_arm_2",
                "label": "Baseline",
                "arm": 2,
                "forms": ["profile", "leadership"],
            },
        ],
        "repeating": [
            {"event": "check_in_arm_1", "form": "leadership", "custom_label": "[lead_total]"},
            {"event": "baseline_arm_2"},
        ],
    }
    return data


def test_a_stated_structure_is_clean_and_compiles_as_given():
    result = check(stated())
    assert result.ok, [str(p) for p in result.problems]
    structure = project_structure([result.unwrap()])
    assert structure.arms == [{"arm_num": 1, "name": "Drug A"}, {"arm_num": 2, "name": "Drug B"}]
    assert structure.events[2] == {
        "event_name": "Month 6",
        "arm_num": 1,
        "day_offset": 183,
        "offset_min": 7,
        "offset_max": 14.5,
        "unique_event_name": "month_6_arm_1",
        "custom_event_label": "[visit_date]",
    }
    assert [(m["unique_event_name"], m["form"]) for m in structure.mappings] == [
        ("baseline_arm_1", "profile"),
        ("baseline_arm_1", "leadership"),
        ("check_in_arm_1", "leadership"),
        ("month_6_arm_1", "leadership"),
        ("baseline_arm_2", "profile"),
        ("baseline_arm_2", "leadership"),
    ]
    assert structure.repeating == [
        {
            "event_name": "check_in_arm_1",
            "form_name": "leadership",
            "custom_form_label": "[lead_total]",
        },
        {"event_name": "baseline_arm_2", "form_name": "", "custom_form_label": ""},
    ]


def test_waves_name_structure_events_and_logic_may_name_any_of_them():
    data = stated()
    data["waves"]["events"][1]["event"] = "month_6_arm_1"
    data["waves"]["events"][1]["label"] = "Six months on"
    data["fields"][-3]["branching_logic"] = "[baseline_arm_2][region] = '1'"
    instrument = load_instrument(data).unwrap()
    assert list(unique_event_names(instrument)) == ["baseline_arm_1", "month_6_arm_1"]
    assert event_names(instrument) == [
        "baseline_arm_1",
        "check_in_arm_1",
        "month_6_arm_1",
        "baseline_arm_2",
    ]


def test_logic_naming_an_event_the_structure_lacks_is_refused():
    data = stated()
    data["fields"][-3]["branching_logic"] = "[baseline_arm_3][region] = '1'"
    assert "[baseline_arm_2]" in only(check(data), "logic-unknown-event").message


def test_a_wave_must_be_an_event_of_the_structure():
    data = stated()
    data["waves"]["events"][1]["label"] = "Month six"
    problem = only(check(data), "waves-unknown-event")
    assert problem.pointer == "/waves/events/1/label"
    assert "[month_six_arm_1]" in problem.message and "[month_6_arm_1]" in problem.message


def test_a_wave_naming_an_event_needs_a_structure():
    data = base()
    data["waves"]["events"][1]["event"] = "month_6_arm_1"
    problem = only(check(data), "waves-unknown-event")
    assert problem.pointer == "/waves/events/1/event" and "needs a /structure" in problem.message


def test_a_wave_lists_only_forms_its_event_holds():
    data = stated()
    data["waves"]["events"][1]["forms"] = ["profile"]
    problem = only(check(data), "waves-form-not-on-event")
    assert problem.pointer == "/waves/events/1/forms/0" and "[month_6_arm_1]" in problem.message


def test_a_wave_is_no_event_that_repeats():
    data = stated()
    data["waves"]["events"][1]["event"] = "check_in_arm_1"
    problem = only(check(data), "waves-event-repeats")
    assert problem.pointer == "/waves/events/1"
    assert "form 'leadership' repeats" in problem.message
    data = stated()
    data["waves"]["events"].append(
        {"name": "arm_2", "label": "Arm 2", "month": 7, "event": "baseline_arm_2"}
    )
    assert "it repeats as a whole" in only(check(data), "waves-event-repeats").message


def test_repeating_waves_need_a_form_the_structure_repeats():
    data = stated()
    data["structure"]["repeating"] = []
    data["waves"] = {"mode": "repeating", "form": "profile", "date_field": "visit_date"}
    assert only(check(data), "waves-not-repeating").pointer == "/waves/form"


def test_arms_are_numbered_once_named_and_hold_events():
    data = stated()
    data["structure"]["arms"].append({"number": 2, "name": "Placebo"})
    data["structure"]["arms"].append({"number": 3, "name": "x" * 51})
    result = check(data)
    assert only(result, "structure-arm-duplicate").pointer == "/structure/arms/2/number"
    assert "has 51 characters" in only(result, "structure-arm-name").message
    assert only(result, "structure-arm-empty").pointer == "/structure/arms/3"
    data = stated()
    data["structure"]["arms"][0]["name"] = " "
    assert "is blank" in only(check(data), "structure-arm-name").message


def test_an_arm_number_is_one_to_ninety_nine():
    data = stated()
    data["structure"]["arms"][1]["number"] = 100
    assert only(check(data), "bad-value").pointer == "/structure/arms/1/number"


def test_an_event_is_in_a_listed_arm():
    data = stated()
    data["structure"]["arms"].pop()
    problem = only(check(data), "structure-arm-unknown")
    assert problem.pointer == "/structure/events/3/arm" and "arm 2" in problem.message


def test_an_events_unique_name_is_the_one_redcap_gives_its_label():
    data = stated()
    data["structure"]["events"][2]["unique_name"] = "six_months_arm_1"
    problem = only(check(data), "structure-event-name")
    assert problem.pointer == "/structure/events/2/unique_name"
    assert "[month_6_arm_1]" in problem.message


def test_a_second_event_with_the_same_label_gets_redcaps_suffix():
    data = stated()
    event = {"unique_name": "baseline_arm_1", "label": "Baseline", "forms": ["profile"]}
    data["structure"]["events"].append(event)
    assert only(check(data), "structure-event-duplicate").pointer == (
        "/structure/events/4/unique_name"
    )
    event["unique_name"] = "baselineb_arm_1"
    assert check(data).ok


def test_event_labels_are_thirty_characters_at_most():
    data = stated()
    data["structure"]["events"][3]["label"] = "Baseline before the first dose"  # 30
    data["structure"]["events"][3]["unique_name"] = "baseline_before_th_arm_2"
    data["structure"]["repeating"][1]["event"] = "baseline_before_th_arm_2"
    assert check(data).ok
    data["structure"]["events"][3]["label"] += "s"
    assert only(check(data), "waves-label-too-long").pointer == "/structure/events/3/label"


def test_structure_forms_must_exist_and_every_form_should_be_placed():
    data = stated()
    data["structure"]["events"][0]["forms"] = ["profile", "leadrship"]
    data["structure"]["events"][3]["forms"] = ["profile"]
    data["structure"]["repeating"] = []
    result = check(data)
    assert "'leadership'" in only(result, "form-unknown").message
    data["structure"]["events"][0]["forms"] = ["profile"]
    data["structure"]["events"][1]["forms"] = []
    data["structure"]["events"][2]["forms"] = []
    data["waves"]["events"][1]["forms"] = []
    result = check(data)
    assert result.ok  # a warning only
    assert only(result, "structure-form-unplaced").pointer == "/forms/1"


@pytest.mark.parametrize(
    ("repeat", "says"),
    [
        ({"event": "check_in_arm_1", "form": "leadership"}, "to repeat on [check_in_arm_1] twice"),
        ({"event": "baseline_arm_1", "form": "leadrship"}, "Did you mean 'leadership'"),
        ({"event": "month_9_arm_1", "form": "leadership"}, "which /structure does not hold"),
        ({"event": "check_in_arm_1", "form": "profile"}, "which it is not designated for"),
        ({"event": "baseline_arm_2", "form": "profile"}, "which repeats as a whole"),
        ({}, "neither a form nor an event"),
    ],
)
def test_repeating_settings_are_ones_redcap_can_hold(repeat, says):
    data = stated()
    data["structure"]["repeating"].append(repeat)
    problem = only(check(data), "structure-repeat")
    assert problem.pointer == "/structure/repeating/2" and says in problem.message


def test_a_classic_project_repeats_forms_on_no_event():
    data = base()
    data.pop("waves")
    data["structure"] = {"repeating": [{"form": "leadership", "custom_label": "[lead_total]"}]}
    instrument = load_instrument(data).unwrap()
    structure = project_structure([instrument])
    assert not structure.longitudinal and structure.arms == []
    assert structure.repeating == [{"form_name": "leadership", "custom_form_label": "[lead_total]"}]
    data["structure"]["repeating"][0]["event"] = "baseline_arm_1"
    assert "has no events" in only(check(data), "structure-repeat").message


def partner(**event: Any) -> dict[str, Any]:
    """A second instrument in the project, stating arm 1's baseline its own way."""
    data = base()
    data.pop("waves")
    data.pop("scales")
    data.pop("composites")
    data["id"] = "partner"
    data["forms"] = [{"name": "followup", "label": "Follow-up"}]
    data["fields"] = [
        {"name": "record_id", "form": "followup", "type": "text", "label": "Record ID"},
        {"name": "mood", "form": "followup", "type": "text", "label": "Mood", "domain": "lead"},
    ]
    data["grouping"] = []
    data["unit"] = None
    data.pop("unit")
    data["structure"] = {
        "arms": [{"number": 1, "name": "Drug A"}],
        "events": [
            {"unique_name": "baseline_arm_1", "label": "Baseline", "forms": ["followup"], **event}
        ],
    }
    return data


def test_instruments_sharing_a_project_state_shared_events_alike():
    mine = load_instrument(stated()).unwrap()
    agreeing = load_instrument(partner()).unwrap()
    structure = project_structure([mine, agreeing])
    baseline = [m["form"] for m in structure.mappings if m["unique_event_name"] == "baseline_arm_1"]
    assert baseline == ["profile", "leadership", "followup"]
    assert len(compile_dictionary([mine, agreeing])) > 0
    disagreeing = load_instrument(partner(day_offset=2)).unwrap()
    with pytest.raises(InstrumentError) as raised:
        compile_dictionary([mine, disagreeing])
    (problem,) = raised.value.problems
    assert problem.code.code == "project-structure"
    assert problem.pointer == "/structure/events/0"
    assert "event baseline_arm_1" in problem.message and "day_offset 2" in problem.message


def test_a_wave_that_lists_no_forms_holds_its_events_forms_or_every_form():
    """One definition for scoring, respondents and write-back: a wave's listed forms, else those
    its structure event is designated for, else every form."""
    assert wave_forms(load_instrument(stated()).unwrap()) == {
        "baseline_arm_1": ["profile", "leadership"],
        "month_6_arm_1": ["leadership"],
    }
    assert wave_forms(load_instrument(base()).unwrap()) == {
        "baseline_arm_1": ["profile", "leadership"],
        "month_6_arm_1": ["profile", "leadership"],
    }
