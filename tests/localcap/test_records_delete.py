"""Record deletion: whole records, one instrument, one event, one repeat instance; REDCap's
refusals, which delete nothing (redcap-api.md §2.3).
"""

from __future__ import annotations

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from tests.localcap.conftest import message_of, post


def test_delete_whole_records(simple: Project) -> None:
    assert simple.delete_records(["1", "3"]) == 2
    assert [row["record_id"] for row in simple.export_records()] == ["2"]
    assert (
        simple.export_records(export_data_access_groups=True)[0]["redcap_data_access_group"] == ""
    )


def test_missing_records_delete_nothing(simple: Project) -> None:
    with pytest.raises(RedcapError, match="do not exist") as caught:
        simple.delete_records(["1", "77", "78"])
    assert message_of(caught.value) == (
        "One or more of the records provided cannot be deleted because they do not exist in the "
        "project. The following records do not exist: 77, 78"
    )
    assert len(simple.export_records()) == 3


def test_records_must_be_an_array(server: RunningServer, simple: Project) -> None:
    answer = post(
        server,
        token=simple.token,
        content="record",
        action="delete",
        returnFormat="json",
        records="1",
    )
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Incorrect format for 'records' parameter.")
    answer = post(
        server, token=simple.token, content="record", action="delete", returnFormat="json"
    )
    assert answer.status_code == 400
    assert len(simple.export_records()) == 3


def test_delete_one_instrument_keeps_the_event_row(long: Project) -> None:
    assert long.delete_records(["1"], instrument="visit_lab_data", event="visit_1_arm_1") == 1
    row = long.export_records(records=["1"], events=["visit_1_arm_1"])[0]
    assert (row["vld1"], row["visit_lab_data_complete"], row["vob1"]) == ("", "0", "1")


def test_delete_one_event(long: Project) -> None:
    assert long.delete_records(["1"], event="visit_1_arm_1") == 1
    events = [row["redcap_event_name"] for row in long.export_records(records=["1"])]
    assert "visit_1_arm_1" not in events
    assert "visit_2_arm_1" in events


def test_delete_one_repeat_instance(doctest: Project) -> None:
    # PyCap's delete_records doctest, step by step.
    rows = [
        {
            "record_id": 3,
            "redcap_event_name": "event_1_arm_1",
            "redcap_repeat_instance": 1,
            "field_1": 1,
        },
        {
            "record_id": 3,
            "redcap_event_name": "event_1_arm_1",
            "redcap_repeat_instance": 2,
            "field_1": 0,
        },
    ]
    assert doctest.import_records(rows) == {"count": 1}
    assert doctest.delete_records(records=["3"], event="event_1_arm_1", repeat_instance=2) == 1
    assert doctest.export_records(records=["3"]) == [
        {
            "record_id": "3",
            "redcap_event_name": "event_1_arm_1",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": 1,
            "field_1": "1",
            "checkbox_field___1": "0",
            "checkbox_field___2": "0",
            "upload_field": "",
            "form_1_complete": "0",
        }
    ]
    assert doctest.delete_records(records=["3"]) == 1


def test_delete_in_one_arm(long: Project) -> None:
    with pytest.raises(RedcapError, match="do not exist"):
        long.delete_records(["2"], arm="1")
    assert long.delete_records(["2"], arm="2") == 1
    with pytest.raises(RedcapError, match="The arm provided is not correct for the project."):
        long.delete_records(["1"], arm="5")


def test_delete_part_errors(long: Project) -> None:
    with pytest.raises(RedcapError, match="'event' parameter is required"):
        long.delete_records(["1"], instrument="demographics")
    with pytest.raises(RedcapError, match="instrument provided is not correct"):
        long.delete_records(["1"], instrument="nope", event="enrollment_arm_1")
    with pytest.raises(RedcapError, match="event provided is not correct"):
        long.delete_records(["1"], event="nope_arm_1")
    assert len(long.export_records(records=["1"])) == 9


def test_deletions_are_logged(simple: Project) -> None:
    simple.delete_records(["2"])
    entry = simple.export_logging(log_type="record_delete")[0]
    assert entry["action"] == "Delete record (API) 2"
    assert (entry["record"], entry["details"]) == ("2", "record_id = '2'")
    assert entry["username"] == "site_admin"
