"""Project creation with the super token, and the project information REDCap reports.

The XML files are REDCap's own exports (PyCap's test data); what they hold is what the new
project must hold.
"""

from __future__ import annotations

import re

from redcap import Project

from plugin.localcap import RunningServer
from tests.localcap.conftest import SUPER_TOKEN, create_project, post


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
