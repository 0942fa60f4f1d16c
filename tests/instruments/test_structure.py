"""How instruments' waves become REDCap arms, events, mappings and repeating settings."""

from __future__ import annotations

from instruments import load_instrument, load_shipped
from instruments.dictionary.structure import project_structure
from tests.instruments.helpers import base


def test_event_waves_make_one_arm_with_an_event_per_wave():
    structure = project_structure([load_shipped("practice_readiness").unwrap()])
    assert structure.longitudinal and structure.arms == [{"arm_num": 1, "name": "Arm 1"}]
    names = [e["unique_event_name"] for e in structure.events]
    assert names == [
        "baseline_arm_1",
        "month_3_arm_1",
        "month_6_arm_1",
        "month_9_arm_1",
        "month_12_arm_1",
    ]
    assert [e["day_offset"] for e in structure.events] == [0, 91, 183, 274, 365]
    baseline = {m["form"] for m in structure.mappings if m["unique_event_name"] == "baseline_arm_1"}
    later = {m["form"] for m in structure.mappings if m["unique_event_name"] == "month_6_arm_1"}
    assert baseline == {"practice_profile", "readiness_assessment"}
    assert later == {"readiness_assessment"}
    assert structure.missing_data_codes == "NA, Not applicable | UNK, Don't know"


def test_a_survey_without_waves_is_a_classic_project():
    structure = project_structure([load_shipped("provider_scan").unwrap()])
    assert not structure.longitudinal and structure.mappings == [] and structure.repeating == []
    assert structure.surveys == ["provider_scan"]


def test_a_repeating_form_repeats_with_its_date_as_the_instance_label():
    data = base()
    data["waves"] = {"mode": "repeating", "form": "leadership", "date_field": "lead_date"}
    data["fields"].append(
        {
            "name": "lead_date",
            "form": "leadership",
            "type": "text",
            "label": "Date",
            "domain": "lead",
            "validation": {"type": "date_ymd"},
        }
    )
    structure = project_structure([load_instrument(data).unwrap()])
    assert not structure.longitudinal
    assert structure.repeating == [{"form_name": "leadership", "custom_form_label": "[lead_date]"}]
