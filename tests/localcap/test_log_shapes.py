"""Export Logging (``content=log``) in REDCap's shapes and with each of its filters, through PyCap.

Shapes: redcap-api.md §2.5 and REDCapR's recorded exports of a real REDCap log
(``inst/test-data/specific-redcapr/log-read/2024-10-11.R``): keys ``timestamp, username, action,
details, record``, newest first, the timestamp to the minute, ``record`` blank for an entry about
no record. REDCap's API help: ``dag`` is a DAG's ``group_id``.
"""

from __future__ import annotations

import re
from datetime import datetime

from redcap import Project

from plugin.localcap import RunningServer
from plugin.localcap.storage import open_database
from tests.localcap.conftest import backdate_log, post

OWNER = "site_admin"
SECOND_TOKEN = "5EC0ND" * 5 + "EF"
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
KEYS = ["timestamp", "username", "action", "details", "record"]


def add_user(database: str, project: Project, username: str = "second_user") -> Project:
    """A second user of the project, with a token of their own."""
    project_id = project.export_project_info()["project_id"]
    with open_database(database) as db:
        db.add_token(SECOND_TOKEN, project_id, username)
    return Project(project.url, SECOND_TOKEN)


def test_every_entry_has_redcaps_keys_and_minute_timestamps(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "Ann"}])
    entries = simple.export_logging()
    assert entries
    for entry in entries:
        assert list(entry) == KEYS
        assert MINUTE.match(entry["timestamp"]), entry["timestamp"]
        assert all(isinstance(value, str) for value in entry.values())
    created = next(entry for entry in entries if entry["details"] == "Create project (API)")
    assert (created["action"], created["record"]) == ("Manage/Design ", "")


def test_newest_first_across_kinds_of_entry(database: str, simple: Project) -> None:
    backdate_log(database, simple, "2020-01-02 03:04:05")
    simple.import_records([{"record_id": "1", "first_name": "Ann"}])
    simple.export_records()
    entries = simple.export_logging()
    stamps = [entry["timestamp"] for entry in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[-1] == "2020-01-02 03:04"
    assert entries[0]["action"] == "Data export (API) "


def test_log_as_csv_xml_and_dataframe(server: RunningServer, simple: Project) -> None:
    text = simple.export_logging(format_type="csv")
    assert text.startswith("timestamp,username,action,details,record\n")
    assert '"Manage/Design ","Create project (API)",\n' in text
    frame = simple.export_logging(format_type="df")
    assert list(frame.columns) == KEYS
    # Each export is logged once answered: the next one lists the one before.
    assert len(simple.export_logging()) == len(frame) + 1
    xml = post(server, token=simple.token, content="log", format="xml").text
    assert "<action><![CDATA[Manage/Design ]]></action>" in xml
    assert "<record></record>" in xml


def test_logtype_filters(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "Ann"}, {"record_id": "9"}])
    simple.delete_records(["9"])
    simple.export_records()

    def actions(log_type: str) -> set[str]:
        return {entry["action"] for entry in simple.export_logging(log_type=log_type)}

    assert actions("export") == {"Data export (API) "}
    assert actions("manage") == {"Manage/Design "}
    assert actions("record_delete") == {"Delete record (API) 9"}
    assert "Create record (API) 9" in actions("record_add")
    assert "Update record (API) 1" in actions("record_edit")
    assert actions("record") == actions("record_add") | actions("record_edit") | actions(
        "record_delete"
    )
    # No user or role events are logged by localcap, and nothing is locked or viewed.
    assert actions("user") == actions("lock_record") == actions("page_view") == set()


def test_user_and_record_filters(database: str, simple: Project) -> None:
    second = add_user(database, simple)
    second.import_records([{"record_id": "2", "first_name": "Bea"}])
    simple.import_records([{"record_id": "1", "first_name": "Ann"}])
    theirs = simple.export_logging(user="second_user")
    # Their update, and the calculations it set off (logged as theirs), all about record 2.
    assert "Update record (API) 2" in {entry["action"] for entry in theirs}
    assert {entry["record"] for entry in theirs} == {"2"}
    about_two = simple.export_logging(record="2")
    assert {entry["username"] for entry in about_two} == {OWNER, "second_user"}
    assert {entry["record"] for entry in about_two} == {"2"}
    assert simple.export_logging(user="nobody") == []


def test_dag_filter_takes_a_group_id(database: str, simple: Project) -> None:
    second = add_user(database, simple)
    [dag] = simple.export_dags()
    simple.import_user_dag_assignment(
        [{"username": "second_user", "redcap_data_access_group": "test_dag"}]
    )
    second.import_records([{"record_id": "1", "first_name": "Ann"}])
    simple.import_records([{"record_id": "2", "first_name": "Bea"}])
    in_dag = simple.export_logging(dag=str(dag["data_access_group_id"]))
    # Record 3 is in the DAG (so is every entry about it); the second user is in it too.
    assert {entry["record"] for entry in in_dag} == {"1", "3"}
    assert {(entry["username"], entry["record"]) for entry in in_dag} >= {
        ("second_user", "1"),
        (OWNER, "3"),
    }
    assert all(entry["record"] != "2" for entry in in_dag)
    # The unique group name is not the id REDCap asks for: no DAG has it, so no entry matches.
    assert simple.export_logging(dag="test_dag") == []
    assert simple.export_logging(dag="999999") == []


def test_time_bounds_are_inclusive(database: str, simple: Project) -> None:
    backdate_log(database, simple, "2020-01-02 03:04:05")
    simple.import_records([{"record_id": "2", "comments": "later"}])
    at_the_minute = datetime(2020, 1, 2, 3, 4, 5)
    assert {e["timestamp"] for e in simple.export_logging(begin_time=at_the_minute)} >= {
        "2020-01-02 03:04"
    }
    old = simple.export_logging(end_time=at_the_minute)
    assert old and {entry["timestamp"] for entry in old} == {"2020-01-02 03:04"}
    window = simple.export_logging(
        begin_time=datetime(2020, 1, 2, 3, 5), end_time=datetime(2021, 1, 1)
    )
    assert window == []
