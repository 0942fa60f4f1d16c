"""A whole REDCap project XML (the three real exports under tests/fixtures/redcap-projects) is
imported into a definition that validates: its fields as the dictionary holds them, its forms'
labels and surveys, its arms, events and repeating settings as its stated structure, arm 1's
events as waves, and a warning for everything the instrument format cannot hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from instruments import load_instrument
from instruments.dictionary import compile_dictionary
from instruments.dictionary.odm_import import ProjectXmlError, import_project_xml
from instruments.dictionary.odm_read import read_project_xml
from instruments.dictionary.structure import project_structure
from instruments.waves import unique_event_names
from plugin.cli import main

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "redcap-projects"
NAMES = ["doctest_project", "test_simple_project", "test_long_project"]


def imported(name: str):
    result = import_project_xml(PROJECTS / f"{name}.xml")
    loaded = load_instrument(json.loads(json.dumps(result.data)), name=f"{name}.json")
    return result, loaded


@pytest.mark.parametrize("name", NAMES)
def test_each_real_project_imports_into_a_valid_definition(name):
    result, loaded = imported(name)
    assert loaded.errors == [], [str(p) for p in loaded.errors]
    rows = compile_dictionary([loaded.unwrap()])
    project = read_project_xml((PROJECTS / f"{name}.xml").read_text(encoding="utf-8"))
    assert [row["field_name"] for row in rows] == [row["field_name"] for row in project.rows]


def test_the_simple_project_is_a_classic_one_form_instrument():
    result, loaded = imported("test_simple_project")
    instrument = loaded.unwrap()
    assert instrument.title == "PyCap Test Simple Project"
    assert instrument.record_id == "record_id" and len(instrument.fields) == 15
    assert [(f.name, f.label) for f in instrument.forms] == [
        ("demographics", "Basic Demography Form")
    ]
    assert instrument.waves is None
    rows = {row["field_name"]: row for row in compile_dictionary([instrument])}
    assert rows["bmi"]["select_choices_or_calculations"] == (
        "round(([weight]*10000)/(([height])^(2)),1)"
    )
    assert rows["weight"]["text_validation_type_or_show_slider_number"] == "integer"  # was int
    assert result.warnings == [
        "[test_simple_project.xml] the project also holds 3 record(s), data access groups, user "
        "roles: project content, not part of an instrument, so not imported"
    ]


def test_the_doctest_project_keeps_its_survey_and_its_events():
    result, loaded = imported("doctest_project")
    instrument = loaded.unwrap()
    form = instrument.forms[0]
    assert form.survey and form.survey_settings is not None
    assert form.survey_settings.title == "Form 1"
    # a line break inside an attribute is kept, as REDCap's own reader keeps it
    assert form.survey_settings.instructions == (
        "<p><strong>Please complete the survey below.</strong></p>\n<p>Thank you!</p>"
    )
    # event 1 repeats and event 2 holds no form: no wave holds one assessment per record
    assert instrument.waves is None
    structure = project_structure([instrument])
    assert [(e["unique_event_name"], e["day_offset"]) for e in structure.events] == [
        ("event_1_arm_1", 1),
        ("event_2_arm_1", 2),
    ]
    assert structure.mappings == [
        {"arm_num": 1, "unique_event_name": "event_1_arm_1", "form": "form_1"}
    ]
    # event 1 repeats as a whole (the XML's RepeatingEvent), as REDCap's export lists it
    assert structure.repeating == [
        {"event_name": "event_1_arm_1", "form_name": "", "custom_form_label": ""}
    ]
    warned = " ".join(result.warnings)
    assert "event [event_2_arm_1] holds no form, so no wave" in warned
    assert "event [event_1_arm_1] repeats as a whole, so it is no wave" in warned


def test_the_long_project_keeps_both_arms_and_its_repeating_form_with_arm_1_as_waves():
    result, loaded = imported("test_long_project")
    instrument = loaded.unwrap()
    project = read_project_xml((PROJECTS / "test_long_project.xml").read_text(encoding="utf-8"))
    structure = project_structure([instrument])
    assert structure.arms == [{"arm_num": 1, "name": "Drug A"}, {"arm_num": 2, "name": "Drug B"}]
    assert [e["unique_event_name"] for e in structure.events] == [
        e["unique"] for e in project.events
    ]
    assert "deadline_to_opt_ou_arm_2" in [e["unique_event_name"] for e in structure.events]
    assert [e["day_offset"] for e in structure.events] == [e["day_offset"] for e in project.events]
    mappings = [(m["unique_event_name"], m["form"]) for m in structure.mappings]
    order = list(project.forms)
    assert mappings == [
        (e["unique"], form) for e in project.events for form in sorted(e["forms"], key=order.index)
    ]
    assert structure.repeating == [
        {"event_name": "enrollment_arm_1", "form_name": "baseline_data", "custom_form_label": ""}
    ]
    assert structure.surveys == ["contact_info"]
    arm_1 = [e["unique"] for e in project.events if e["arm"] == 1]
    assert list(unique_event_names(instrument)) == arm_1
    assert instrument.waves is not None
    assert instrument.waves.events[0].forms == ["demographics", "contact_info"]
    warned = " ".join(result.warnings)
    assert "arm(s) 2 are kept in /structure" in warned
    assert "baseline_data repeat on event [enrollment_arm_1], so its wave leaves them out" in warned


def test_a_classic_repeating_form_and_missing_codes_are_kept():
    text = (PROJECTS / "test_simple_project.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<redcap:MissingDataCodes></redcap:MissingDataCodes>",
        "<redcap:MissingDataCodes>NA, Not applicable | UNK, Unknown | -99, Refused"
        "</redcap:MissingDataCodes>\n<redcap:RepeatingInstrumentsAndEvents>"
        '<redcap:RepeatingInstrument redcap:UniqueEventName="event_1_arm_1" '
        'redcap:RepeatInstrument="demographics" redcap:CustomLabel=""/>'
        "</redcap:RepeatingInstrumentsAndEvents>",
    )
    assert "RepeatingInstrument " in text
    result = import_project_xml(text.encode(), file="repeating.xml")
    assert result.data["waves"] == {
        "mode": "repeating",
        "form": "demographics",
        "date_field": "dob",
    }
    assert result.data["structure"] == {"repeating": [{"form": "demographics"}]}
    assert result.data["missing_codes"] == [
        {"code": "NA", "label": "Not applicable", "meaning": "not_applicable"},
        {"code": "UNK", "label": "Unknown", "meaning": "dont_know"},
        {"code": "-99", "label": "Refused", "meaning": "refused"},
    ]
    assert any("check /missing_codes" in w for w in result.warnings)
    assert load_instrument(result.data).errors == []


def test_not_a_project_xml():
    with pytest.raises(ProjectXmlError, match=r"\[x.xml\] is not well-formed XML"):
        import_project_xml(b"<ODM><Study>", file="x.xml")
    with pytest.raises(ProjectXmlError, match=r"has no ODM Study with a MetaDataVersion"):
        import_project_xml(b"<?xml version='1.0'?><records/>", file="x.xml")


def test_the_import_command_takes_a_project_xml(tmp_path):
    out = tmp_path / "long.json"
    result = CliRunner().invoke(
        main,
        ["instruments", "import", str(PROJECTS / "test_long_project.xml"), "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert "arm(s) 2 are kept in /structure" in result.stderr
    assert "wrote" in result.stderr and "error" not in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["id"] == "test_long_project" and data["waves"]["mode"] == "events"
    assert load_instrument(out).ok
