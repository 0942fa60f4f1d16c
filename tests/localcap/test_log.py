"""The project log: newest first, REDCap's log types, record and time filters, and each entry's
action and details as REDCap 15 writes them (Logging::renderLogRow with English.ini's reporting_25,
27, 28, 30; the details each API/<content>/export.php logs; REDCapR's recorded logs in
``inst/test-data/specific-redcapr/log-read/``)."""

from __future__ import annotations

from datetime import datetime

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from tests.localcap.conftest import backdate_log, post
from tests.localcap.test_surveys import contact_link, open_page


def test_log_is_newest_first(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "Ann"}, {"record_id": "12"}])
    simple.delete_records(["12"])
    actions = [entry["action"] for entry in simple.export_logging()]
    assert actions[:3] == [
        "Delete record (API) 12",
        "Update record (API) (Auto calculation) 1",
        "Create record (API) 12",
    ]
    assert "Update record (API) 1" in actions
    assert actions[-1] == "Manage/Design "


def test_log_entry_shape_and_details(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "Ann"}])
    entry = simple.export_logging(log_type="record_edit", record="1")[-1]
    assert list(entry) == ["timestamp", "username", "action", "details", "record"]
    assert entry["details"] == "first_name = 'Ann'"
    datetime.strptime(entry["timestamp"], "%Y-%m-%d %H:%M")


def test_log_types(simple: Project) -> None:
    simple.export_records()
    assert {entry["action"] for entry in simple.export_logging(log_type="export")} == {
        "Data export (API) "
    }
    assert {entry["record"] for entry in simple.export_logging(log_type="record_add")} == {
        "1",
        "2",
        "3",
    }
    records = simple.export_logging(log_type="record")
    assert all(
        entry["action"].startswith(
            ("Create record (API) ", "Update record (API) ", "Delete record")
        )
        for entry in records
    )


def test_log_time_window(database: str, simple: Project) -> None:
    backdate_log(database, simple)
    simple.import_records([{"record_id": "2", "comments": "later"}])
    old = simple.export_logging(end_time=datetime(2020, 1, 2, 3, 5))
    assert {entry["timestamp"] for entry in old} == {"2020-01-02 03:04"}
    recent = simple.export_logging(begin_time=datetime(2021, 1, 1))
    # The log export just before, then the update and its calculation.
    assert [entry["record"] for entry in recent] == ["", "2", "2"]
    assert recent[0]["details"] == "Export Logging (API)"


def test_log_time_must_parse(server: RunningServer, simple: Project) -> None:
    answer = post(server, token=simple.token, content="log", format="json", beginTime="yesterday")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "The value of the parameter beginTime is not a valid date/time: use "
        "YYYY-MM-DD HH:MM:SS."
    }


def test_record_export_details_name_format_and_options(simple: Project) -> None:
    # REDCapR's 2020-08-10 log: "Data export (API)" / "export_format: CSV, rawOrLabel: raw".
    simple.export_records(format_type="csv")
    [entry] = simple.export_logging(log_type="export")
    assert (entry["action"], entry["record"]) == ("Data export (API) ", "")
    assert entry["details"] == "export_format: CSV, rawOrLabel: raw"
    simple.export_records(raw_or_label="label", export_data_access_groups=True)
    assert simple.export_logging(log_type="export")[0]["details"] == (
        "export_format: JSON, rawOrLabel: label, export_data_access_group: Yes"
    )
    # No survey in the project: REDCap exports no survey columns and says nothing of them.
    simple.export_records(format_type="xml", export_survey_fields=True)
    assert simple.export_logging(log_type="export")[0]["details"] == (
        "export_format: XML, rawOrLabel: raw"
    )


def test_dag_exports_are_logged_as_redcap_logs_them(simple: Project) -> None:
    simple.export_dags()
    simple.export_user_dag_assignment()
    manage = simple.export_logging(log_type="manage")
    assert [(entry["action"], entry["details"], entry["record"]) for entry in manage[:2]] == [
        ("Manage/Design ", "Export User-DAG assignments (API)", ""),
        ("Manage/Design ", "Export DAGs (API)", ""),
    ]


def test_a_survey_save_is_logged_as_a_response(long: Project) -> None:
    # A survey respondent's save: renderLogRow's reporting_47 "Update Response", with no "(API)".
    link = contact_link(long)
    page = open_page(
        link, __action="submit", dialysis_unit_name="(615) 555-0100", dialysis_unit_phone="1"
    )
    assert page.status_code == 200, page.text
    entry = long.export_logging(record="1", user="[survey respondent]")[-1]
    # A longitudinal project's entry names its event after the record (see below).
    assert (entry["action"], entry["record"]) == (
        "Update Response 1 (Enrollment (Arm 1: Drug A))",
        "1",
    )


def manage_details(project: Project, count: int) -> list[str]:
    """The details of the newest ``count`` Manage/Design entries, oldest first."""
    entries = project.export_logging(log_type="manage")[:count]
    assert {(entry["action"], entry["record"]) for entry in entries} == {("Manage/Design ", "")}
    return [entry["details"] for entry in reversed(entries)]


def test_structure_exports_are_logged_as_redcap_logs_them(long: Project) -> None:
    # Logging::logEvent in REDCap 15.7.6's API/<content>/export.php, one MANAGE event each.
    long.export_metadata()
    long.export_instruments()
    long.export_project_info()
    long.export_arms()
    long.export_events()
    long.export_instrument_event_mappings()
    assert manage_details(long, 6) == [
        "Download data dictionary (API)",
        "Export instruments (API)",
        "Export project information (API)",
        "Export arms (API)",
        "Export events (API)",
        "Export instrument-event mappings (API)",
    ]


def test_a_refused_export_is_not_logged(simple: Project) -> None:
    with pytest.raises(RedcapError, match="arms"):
        simple.export_arms()
    with pytest.raises(RedcapError, match="are not valid"):
        simple.export_metadata(fields=["no_such_field"])
    details = {entry["details"] for entry in simple.export_logging()}
    assert not details & {"Export arms (API)", "Download data dictionary (API)"}


def test_a_log_export_is_logged_after_its_answer(simple: Project) -> None:
    # API/log/export.php logs once it has built the answer: an export never lists itself.
    first = simple.export_logging()
    assert "Export Logging (API)" not in {entry["details"] for entry in first}
    second = simple.export_logging()
    assert len(second) == len(first) + 1
    assert (second[0]["action"], second[0]["details"], second[0]["record"]) == (
        "Manage/Design ",
        "Export Logging (API)",
        "",
    )


def test_pdf_exports_are_logged_as_redcap_logs_them(simple: Project) -> None:
    # API/pdf/export.php's descriptions; renderLogRow shows one with a record's data as
    # "PDF Export with data Record <name>" and setEventFilterSql counts it an export.
    simple.export_pdf()
    simple.export_pdf(instrument="demographics")
    simple.export_pdf(all_records=True)
    simple.export_pdf(record="2", instrument="demographics")
    simple.export_pdf(record="3")
    assert manage_details(simple, 3) == [
        "Download all data entry forms as PDF (API)",
        "Download data entry form as PDF (API)",
        "Download all data entry forms as PDF (all records) (API)",
    ]
    exported = simple.export_logging(log_type="export")
    assert [(entry["action"], entry["details"], entry["record"]) for entry in exported] == [
        (
            "PDF Export with data Record 3",
            "Download all data entry forms as PDF (with data) (API)",
            "3",
        ),
        (
            "PDF Export with data Record 2",
            "Download data entry form as PDF (with data) (API)",
            "2",
        ),
    ]
    assert simple.export_logging(record="2")[0]["action"] == "PDF Export with data Record 2"


# A longitudinal project: Records::saveData logs each record, event and instance apart, and
# Logging::renderLogRow (REDCap 15.7.6) adds the event's label (Project's ``name_ext``: the event
# name, then "(Arm n: name)" when there are several arms) after the record's name; logEvent puts
# "[instance = N]" before an instance's changes when N > 1.


def record_entries(project: Project, count: int) -> list[tuple[str, str, str]]:
    """The newest ``count`` record entries as (action, details, record), oldest first."""
    entries = project.export_logging(log_type="record")[:count]
    return [(entry["action"], entry["details"], entry["record"]) for entry in reversed(entries)]


def test_longitudinal_import_is_logged_per_record_and_event(long: Project) -> None:
    long.import_records(
        [
            {
                "study_id": "1",
                "redcap_event_name": "enrollment_arm_1",
                "date_enrolled": "2024-01-02",
            },
            {"study_id": "1", "redcap_event_name": "visit_1_arm_1", "vld1": "12"},
            {"study_id": "1", "redcap_event_name": "visit_2_arm_1", "vld1": ""},
            {"study_id": "7", "redcap_event_name": "dose_1_arm_1"},
        ]
    )
    # Nothing changed in visit 2, so it has no entry; the new record is created in its event.
    assert record_entries(long, 3) == [
        ("Update record (API) 1 (Enrollment (Arm 1: Drug A))", "date_enrolled = '2024-01-02'", "1"),
        ("Update record (API) 1 (Visit 1 (Arm 1: Drug A))", "vld1 = '12'", "1"),
        ("Create record (API) 7 (Dose 1 (Arm 1: Drug A))", "study_id = '7'", "7"),
    ]
    assert long.export_logging(log_type="record")[3]["action"].startswith("Create record (API) 2 (")


def test_longitudinal_project_creation_logs_each_record_event(long: Project) -> None:
    created = [
        entry["action"]
        for entry in reversed(long.export_logging(log_type="record_add", record="2"))
    ]
    assert created[0] == "Create record (API) 2 (Enrollment (Arm 2: Drug B))"
    assert all(action.endswith("(Arm 2: Drug B))") for action in created)
    assert len(created) == len(set(created)) > 1


def test_repeat_instance_is_named_before_its_changes(long: Project) -> None:
    long.import_records(
        [
            {
                "study_id": "1",
                "redcap_event_name": "enrollment_arm_1",
                "redcap_repeat_instrument": "baseline_data",
                "redcap_repeat_instance": 2,
                "weight2": "70",
            }
        ]
    )
    assert record_entries(long, 1) == [
        (
            "Update record (API) 1 (Enrollment (Arm 1: Drug A))",
            "[instance = 2], weight2 = '70', baseline_data_complete = '0'",
            "1",
        )
    ]


def test_longitudinal_event_delete_names_the_event(long: Project) -> None:
    long.delete_records(["1"], event="visit_1_arm_1")
    action, details, record = record_entries(long, 1)[0]
    assert (action, record) == ("Update record (API) 1 (Visit 1 (Arm 1: Drug A))", "1")
    assert details.startswith("Delete all record data for single event")


def test_longitudinal_record_delete_is_still_a_delete_of_the_record(long: Project) -> None:
    # What the pull reads (plugin/pull/checks.py): "delete" in the action, the bare record name.
    long.delete_records(["2"])
    entry = long.export_logging(log_type="record_delete")[0]
    assert (entry["action"], entry["record"]) == ("Delete record (API) 2", "2")


def test_a_delete_in_one_arm_names_the_arms_first_event(long: Project) -> None:
    """REDCap's API/record/delete.php sets the arm's first event "for logging only" when ``arm``
    is sent to a project of several arms, so the entry denotes the arm (REDCap 7.1.2's source)."""
    long.delete_records(["2"], arm="2")
    entry = long.export_logging(log_type="record_delete")[0]
    assert entry["action"] == "Delete record (API) 2 (Enrollment (Arm 2: Drug B))"
    assert entry["record"] == "2"


def test_a_refused_longitudinal_import_logs_nothing(long: Project) -> None:
    before = long.export_logging(log_type="record")
    data = long.export_records(records=["1"], events=["visit_1_arm_1"], fields=["vld1"])
    with pytest.raises(RedcapError):
        long.import_records(
            [
                {"study_id": "1", "redcap_event_name": "visit_1_arm_1", "vld1": "12"},
                {"study_id": "1", "redcap_event_name": "no_such_event", "vld1": "13"},
            ]
        )
    assert long.export_logging(log_type="record") == before
    assert long.export_records(records=["1"], events=["visit_1_arm_1"], fields=["vld1"]) == data
