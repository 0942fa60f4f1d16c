"""The project log: newest first, REDCap's log types, record and time filters."""

from __future__ import annotations

from datetime import datetime

from redcap import Project

from plugin.localcap import RunningServer
from tests.localcap.conftest import backdate_log, post


def test_log_is_newest_first(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "Ann"}, {"record_id": "12"}])
    simple.delete_records(["12"])
    actions = [entry["action"] for entry in simple.export_logging()]
    assert actions[:3] == [
        "Deleted Record (API) 12",
        "Updated Record (Auto calculation) 1",
        "Created Record (API) 12",
    ]
    assert "Updated Record (API) 1" in actions
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
        "Data export"
    }
    assert {entry["record"] for entry in simple.export_logging(log_type="record_add")} == {
        "1",
        "2",
        "3",
    }
    records = simple.export_logging(log_type="record")
    assert all(entry["action"].startswith(("Created", "Updated", "Deleted")) for entry in records)


def test_log_time_window(database: str, simple: Project) -> None:
    backdate_log(database, simple)
    simple.import_records([{"record_id": "2", "comments": "later"}])
    old = simple.export_logging(end_time=datetime(2020, 1, 2, 3, 5))
    assert {entry["timestamp"] for entry in old} == {"2020-01-02 03:04"}
    recent = simple.export_logging(begin_time=datetime(2021, 1, 1))
    assert [entry["record"] for entry in recent] == ["2", "2"]


def test_log_time_must_parse(server: RunningServer, simple: Project) -> None:
    answer = post(server, token=simple.token, content="log", format="json", beginTime="yesterday")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "The value of the parameter beginTime is not a valid date/time: use "
        "YYYY-MM-DD HH:MM:SS."
    }
