"""Project creation with the super token, and the project information REDCap reports.

The XML files are REDCap's own exports (PyCap's test data); what they hold is what the new
project must hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from redcap import Project

from instruments.dictionary.odm_read import metadata_rows
from plugin.localcap import RunningServer
from tests.localcap.conftest import PROJECTS, SUPER_TOKEN, create_project, post


def test_create_answers_with_a_32_character_project_token(server: RunningServer) -> None:
    token = create_project(server.url, "test_simple_project")
    assert re.fullmatch(r"[0-9A-F]{32}", token)


def test_project_information_keys_order_and_types(simple: Project) -> None:
    info = simple.export_project_info()
    # Keys in REDCap's order (redcap-api.md §2.5); PyCap's doctest shows the integers.
    assert list(info) == [
        "project_id",
        "project_title",
        "creation_time",
        "production_time",
        "in_production",
        "project_language",
        "purpose",
        "purpose_other",
        "project_notes",
        "custom_record_label",
        "secondary_unique_field",
        "is_longitudinal",
        "has_repeating_instruments_or_events",
        "surveys_enabled",
        "scheduling_enabled",
        "record_autonumbering_enabled",
        "randomization_enabled",
        "ddp_enabled",
        "project_irb_number",
        "project_grant_number",
        "project_pi_firstname",
        "project_pi_lastname",
        "display_today_now_button",
        "missing_data_codes",
        "external_modules",
        "bypass_branching_erase_field_prompt",
    ]
    assert isinstance(info["project_id"], int)
    assert info["project_title"] == "PyCap project"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", info["creation_time"])
    assert (info["in_production"], info["purpose"], info["production_time"]) == (0, 0, "")
    assert info["project_language"] == "English"
    # PyCap's integration tests: simple project is_longitudinal == 0, long project purpose == 0.
    assert info["is_longitudinal"] == 0
    assert info["has_repeating_instruments_or_events"] == 0
    assert info["surveys_enabled"] == 0


def test_long_and_doctest_project_settings_come_from_the_xml(
    long: Project, doctest: Project
) -> None:
    info = long.export_project_info()
    assert (info["is_longitudinal"], info["has_repeating_instruments_or_events"]) == (1, 1)
    assert (info["surveys_enabled"], info["purpose"]) == (1, 0)
    assert doctest.export_project_info()["record_autonumbering_enabled"] == 1


def test_project_information_in_csv_and_xml(simple: Project) -> None:
    lines = simple.export_project_info(format_type="csv").splitlines()
    assert lines[0].startswith("project_id,project_title,creation_time,")
    assert ',"PyCap project",' in lines[1]
    xml = simple.export_project_info(format_type="xml")
    assert "<project_title><![CDATA[PyCap project]]></project_title>" in xml


def test_a_blank_project_has_record_id_on_my_first_instrument(server: RunningServer) -> None:
    answer = post(
        server,
        token=SUPER_TOKEN,
        content="project",
        format="json",
        data='[{"project_title": "Blank", "purpose": "4", "is_longitudinal": "1"}]',
    )
    assert answer.status_code == 200
    project = Project(server.url, answer.text)
    assert project.export_metadata()[0]["field_name"] == "record_id"
    assert project.export_instruments() == [
        {"instrument_name": "my_first_instrument", "instrument_label": "My First Instrument"}
    ]
    assert project.export_arms() == [{"arm_num": 1, "name": "Arm 1"}]
    assert project.export_project_info()["purpose"] == 4
    assert project.export_records() == []


def test_creation_needs_a_title_and_a_purpose(server: RunningServer) -> None:
    answer = post(
        server, token=SUPER_TOKEN, content="project", format="json", data='[{"purpose": "0"}]'
    )
    assert answer.status_code == 400
    assert "project_title" in answer.json()["error"]
    answer = post(
        server,
        token=SUPER_TOKEN,
        content="project",
        format="json",
        data='[{"project_title": "x", "purpose": "1"}]',
    )
    assert "purpose_other" in answer.json()["error"]


def test_a_broken_project_xml_is_refused(server: RunningServer) -> None:
    answer = post(
        server,
        token=SUPER_TOKEN,
        content="project",
        format="json",
        data='[{"project_title": "x", "purpose": "0"}]',
        odm="<ODM><Study>",
    )
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("The project XML (odm) could not be parsed")


def test_creation_is_logged_first(simple: Project) -> None:
    # PyCap's integration test pops the oldest manage entry and expects Manage/Design.
    oldest = simple.export_logging(log_type="manage").pop()
    assert oldest["action"] == "Manage/Design "
    assert oldest["details"] == "Create project (API)"


@pytest.mark.parametrize("name", ["test_simple_project", "test_long_project", "doctest_project"])
def test_metadata_of_a_project_xml_is_the_instruments_reading_of_it(
    make_project: Callable[[str], Project], name: str
) -> None:
    # localcap and `qiscan instruments import` read a project XML's fields the same way.
    text = (PROJECTS / f"{name}.xml").read_text(encoding="utf-8")
    assert make_project(name).export_metadata() == metadata_rows(text)


def test_project_xml_fields_are_read_as_redcap_reads_them(server: RunningServer) -> None:
    text = (PROJECTS / "test_simple_project.xml").read_text(encoding="utf-8")
    text = text.replace(
        'redcap:Variable="record_id" redcap:FieldType="text">',
        'redcap:Variable="record_id" redcap:FieldType="text" redcap:SectionHeader="Intro">',
    )
    text = text.replace(
        '<ItemRef ItemOID="first_name" Mandatory="No"',
        '<ItemRef ItemOID="first_name" Mandatory="Yes"',
    )
    text = text.replace(
        "<Question><TranslatedText>First Name</TranslatedText></Question>",
        "<Question><TranslatedText>First Name</TranslatedText><redcap:FormattedTranslatedText>"
        "&lt;b&gt;First&lt;/b&gt;\nName</redcap:FormattedTranslatedText></Question>",
    )
    text = text.replace('<RangeCheck Comparator="GE"', '<RangeCheck Comparator="GT"', 1)
    answer = post(
        server,
        token=SUPER_TOKEN,
        content="project",
        format="json",
        data='[{"project_title": "Fields", "purpose": "0"}]',
        odm=text,
    )
    assert answer.status_code == 200, answer.text
    rows = {row["field_name"]: row for row in Project(server.url, answer.text).export_metadata()}
    # §4.4: REDCap clears the record-ID field's section header.
    assert rows["record_id"]["section_header"] == ""
    # ODM::parseOdm: Mandatory="Yes" makes the field required; the label is the HTML one, its
    # line break kept; a GT range check is the minimum.
    assert rows["first_name"]["required_field"] == "y"
    assert rows["first_name"]["field_label"] == "<b>First</b>\nName"
    assert (rows["height"]["text_validation_min"], rows["height"]["text_validation_max"]) == (
        "130",
        "215",
    )
