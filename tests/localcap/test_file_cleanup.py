"""What deletes a file field's data deletes its documents too, through an unmodified PyCap.

REDCap never serves a document again once the data that held it is deleted: its record delete
and its erase-all-data script set ``delete_date`` on the file fields' rows of
``redcap_edocs_metadata`` (REDCap's ``Records`` class, ``ProjectGeneral/erase_project_data.php``).
localcap does the same wherever it deletes file field data: deleting events or arms (development
only, redcap-api.md §2.6) and an arm or event import with ``override=1``. Afterwards the document
is gone from the ``documents`` table and a file export answers REDCap's error
(``API/file/export.php``, §2.8); a refused request deletes nothing. A dictionary import deletes
no data (REDCap's ``MetaData::save_metadata`` rewrites only the metadata), so a file field it
drops or retypes keeps its values and documents, served again once it is a file field again.
"""

from __future__ import annotations

import io

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from tests.localcap.test_files import call, documents, xml_error

KEPT = "test_upload.txt"  # the XML's document: record 1, event_1_arm_1, upload_field
NOT_A_FILE_FIELD = "The field 'upload_field' does not exist or is not a 'file' field"


def names(database: str, project: Project) -> list[str]:
    return [name for name, _ in documents(database, project)]


def export(server: RunningServer, project: Project, event: str) -> str:
    """The raw answer of a file export of record 1's upload_field in ``event``."""
    return call(server, project, "export", record="1", field="upload_field", event=event).text


def test_deleting_an_event_forgets_the_documents_held_there(
    server: RunningServer, doctest: Project, database: str
) -> None:
    doctest.import_file("1", "upload_field", "later.txt", io.BytesIO(b"2"), event="event_2_arm_1")
    assert names(database, doctest) == [KEPT, "later.txt"]
    with pytest.raises(RedcapError):
        doctest.delete_events(["event_2_arm_1", "nope"])
    assert names(database, doctest) == [KEPT, "later.txt"]
    assert doctest.delete_events(["event_2_arm_1"]) == 1
    assert names(database, doctest) == [KEPT]
    assert export(server, doctest, "event_2_arm_1") == xml_error("invalid event")
    assert doctest.export_file("1", "upload_field", event="event_1_arm_1")[0] == b"test upload\n"


def test_deleting_an_arm_forgets_the_documents_of_its_events(
    server: RunningServer, doctest: Project, database: str
) -> None:
    doctest.import_arms([{"arm_num": 2, "name": "Arm 2"}])
    doctest.import_events([{"event_name": "Visit", "arm_num": 2}])
    doctest.import_file("1", "upload_field", "arm2.txt", io.BytesIO(b"2"), event="visit_arm_2")
    assert names(database, doctest) == [KEPT, "arm2.txt"]
    assert doctest.delete_arms(["2"]) == 1
    assert names(database, doctest) == [KEPT]
    assert export(server, doctest, "visit_arm_2") == xml_error("invalid event")


def test_an_arm_override_forgets_every_document(
    server: RunningServer, doctest: Project, database: str
) -> None:
    assert doctest.import_arms([{"arm_num": 1, "name": "Arm 1"}], override=1) == 1
    assert names(database, doctest) == []
    # the event comes back under its old name, empty: the record has no data there
    doctest.import_events([{"event_name": "Event 1", "arm_num": 1}])
    assert export(server, doctest, "event_1_arm_1") == xml_error('The record "1" does not exist')


def test_an_event_override_forgets_every_document_unless_refused(
    doctest: Project, database: str
) -> None:
    with pytest.raises(RedcapError, match="arm number 9 does not exist"):
        doctest.import_events([{"event_name": "Later", "arm_num": 9}], override=1)
    assert names(database, doctest) == [KEPT]
    doctest.import_events([{"event_name": "Later", "arm_num": 1}], override=1)
    assert names(database, doctest) == []


def test_a_dictionary_without_the_file_field_keeps_its_documents(
    server: RunningServer, doctest: Project, database: str
) -> None:
    rows = doctest.export_metadata()
    kept = [row for row in rows if row["field_name"] != "upload_field"]
    doctest.import_metadata(kept)
    assert names(database, doctest) == [KEPT]
    assert export(server, doctest, "event_1_arm_1") == xml_error(NOT_A_FILE_FIELD)
    doctest.import_metadata(rows)
    again = Project(doctest.url, doctest.token)  # PyCap keeps the field types it read
    assert again.export_file("1", "upload_field", event="event_1_arm_1")[0] == b"test upload\n"


def test_a_file_field_made_text_keeps_its_value_and_document(
    server: RunningServer, doctest: Project, database: str
) -> None:
    rows = doctest.export_metadata()
    as_text = [
        {**row, "field_type": "text"} if row["field_name"] == "upload_field" else row
        for row in rows
    ]
    doctest.import_metadata(as_text)
    assert names(database, doctest) == [KEPT]
    assert export(server, doctest, "event_1_arm_1") == xml_error(NOT_A_FILE_FIELD)
    texts = doctest.export_records(records=["1"], fields=["upload_field"], events=["event_1_arm_1"])
    # the stored value, which a file field's export shows as the document's name
    assert [row["upload_field"].isdigit() for row in texts] == [True]
    doctest.import_metadata(rows)
    again = Project(doctest.url, doctest.token)  # PyCap keeps the field types it read
    assert again.export_file("1", "upload_field", event="event_1_arm_1")[0] == b"test upload\n"


def test_a_dictionary_that_keeps_the_file_field_keeps_its_documents(
    doctest: Project, database: str
) -> None:
    doctest.import_metadata(doctest.export_metadata())
    assert names(database, doctest) == [KEPT]
    assert doctest.export_file("1", "upload_field", event="event_1_arm_1")[0] == b"test upload\n"
