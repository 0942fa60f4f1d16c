"""``content=file`` (redcap-api.md §2.8): a file upload field's document, through PyCap.

PyCap reads no answer of ``import_file`` or ``delete_file`` (it returns ``[{}]`` whatever comes
back, §1.4), so a refusal is also checked with a raw POST shaped as PyCap sends it: a multipart
body with the file in part ``file`` and no ``format``, which makes REDCap answer errors in XML.
Texts are REDCap's own, from its ``API/file/import.php``, ``export.php`` and ``delete.php``.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable

import pytest
import requests
from pypdf import PdfReader
from redcap import Project, RedcapError

from instruments.dictionary.columns import API_COLUMNS
from plugin.localcap import RunningServer
from plugin.localcap.storage import set_upload_limit

MB = 1024 * 1024
DICTIONARY = [
    {"field_name": "record_id", "field_type": "text", "field_label": "Record ID"},
    {"field_name": "name", "field_type": "text", "field_label": "Name"},
    {"field_name": "consent", "field_type": "file", "field_label": "Signed consent"},
    {
        "field_name": "signed",
        "field_type": "file",
        "field_label": "Signature",
        "text_validation_type_or_show_slider_number": "signature",
    },
]


@pytest.fixture
def uploads(make_project: Callable[[str], Project]) -> Project:
    """A classic project with a file field and a signature field; records 1 to 3 (the XML's)."""
    project = make_project("test_simple_project")
    rows = [{**dict.fromkeys(API_COLUMNS, ""), "form_name": "intake", **row} for row in DICTIONARY]
    project.import_metadata(rows)
    project.import_records([{"record_id": "1", "name": "Ann"}, {"record_id": "2", "name": "Bo"}])
    return project


def upload(
    server: RunningServer, project: Project, content: bytes, **data: str
) -> requests.Response:
    """An import as PyCap's ``import_file`` sends it, for the answer PyCap does not read."""
    payload = {"token": str(project.token), "content": "file", "action": "import", **data}
    files = {"file": ("notes.txt", io.BytesIO(content))}
    return requests.post(server.url, data=payload, files=files, timeout=30)


def call(server: RunningServer, project: Project, action: str, **data: str) -> requests.Response:
    payload = {"token": str(project.token), "content": "file", "action": action, **data}
    return requests.post(server.url, data=payload, timeout=30)


def error_body(error: RedcapError) -> str:
    """The body PyCap raised with: ``export_file`` reads bytes, so it raises with bytes."""
    body = error.args[0]
    return body.decode("utf-8") if isinstance(body, bytes) else str(body)


def xml_error(message: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{message}</error></hash>'


def documents(database: str, project: Project) -> list[tuple[str, bytes]]:
    """The project's stored documents: (name, content)."""
    project_id = project.export_project_info()["project_id"]
    connection = sqlite3.connect(database)
    try:
        return [
            (name, bytes(content))
            for name, content in connection.execute(
                "SELECT name, content FROM documents WHERE project_id = ? ORDER BY doc_id",
                (project_id,),
            )
        ]
    finally:
        connection.close()


def cells(project: Project, field: str) -> dict[str, str]:
    return {row["record_id"]: row[field] for row in project.export_records(fields=[field])}


def test_import_export_and_the_name_in_record_exports(uploads: Project, database: str) -> None:
    assert uploads.import_file("1", "consent", "consent form.txt", io.BytesIO(b"signed\n")) == [{}]
    content, info = uploads.export_file("1", "consent")
    # doctest shape (PyCap files.py): the name and the charset in the Content-Type
    assert (content, info) == (b"signed\n", {"name": "consent form.txt", "charset": "UTF-8"})
    assert cells(uploads, "consent") == {"1": "consent form.txt", "2": "", "3": ""}
    assert cells(uploads, "intake_complete") == {"1": "0", "2": "0", "3": "0"}
    text = uploads.export_records(format_type="csv", fields=["consent"])
    assert text.splitlines()[1:] == ['1,"consent form.txt"', "2,", "3,"]
    # a second upload replaces the first, which is not kept
    uploads.import_file("1", "consent", "v2.pdf", io.BytesIO(b"%PDF-1.4"))
    assert uploads.export_file("1", "consent") == (b"%PDF-1.4", {"name": "v2.pdf"})
    assert documents(database, uploads) == [("v2.pdf", b"%PDF-1.4")]


def test_an_empty_file_and_a_quote_in_its_name(uploads: Project) -> None:
    # REDCap drops apostrophes from the name (str_replace("'", "", ...)).
    uploads.import_file("2", "consent", "Bo's form.txt", io.BytesIO(b""))
    assert uploads.export_file("2", "consent") == (
        b"",
        {"name": "Bos form.txt", "charset": "UTF-8"},
    )


def test_the_answers_on_the_wire(server: RunningServer, uploads: Project) -> None:
    imported = upload(server, uploads, b"x", record="1", field="consent")
    assert (imported.status_code, imported.text) == (200, "")
    exported = call(server, uploads, "export", record="1", field="consent")
    assert exported.headers["Content-Type"] == 'text/plain; name="notes.txt"; charset=UTF-8'
    deleted = call(server, uploads, "delete", record="1", field="consent")
    assert (deleted.status_code, deleted.text) == (200, "")


def test_delete_removes_the_document_and_the_value(
    server: RunningServer, uploads: Project, database: str
) -> None:
    uploads.import_file("1", "consent", "a.txt", io.BytesIO(b"a"))
    assert uploads.delete_file("1", "consent") == [{}]
    assert cells(uploads, "consent") == {"1": "", "2": "", "3": ""}
    assert documents(database, uploads) == []
    with pytest.raises(RedcapError) as raised:
        uploads.export_file("1", "consent")
    assert error_body(raised.value) == xml_error("There is no file to download for this record")
    again = call(server, uploads, "delete", record="1", field="consent")
    assert (again.status_code, again.text) == (
        400,
        xml_error("There is no file to delete for this record"),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"record": "1", "field": "nope"},
            "The field 'nope' does not exist or is not a 'file' field",
        ),
        (
            {"record": "1", "field": "name"},
            "The field 'name' does not exist or is not a 'file' field",
        ),
        (
            {"record": "9", "field": "consent"},
            "The record '9' does not exist. It must exist to upload a file",
        ),
        (
            {"record": "1", "field": "signed"},
            "The field 'signed' is a signature field, which cannot be imported using the API but "
            "can only be created using the web interface. However, it can be downloaded or deleted "
            "using the API.",
        ),
    ],
)
def test_a_refused_upload_stores_nothing(
    server: RunningServer, uploads: Project, database: str, data: dict[str, str], message: str
) -> None:
    before = uploads.export_records()
    answer = upload(server, uploads, b"data", **data)
    assert (answer.status_code, answer.text) == (400, xml_error(message))
    assert uploads.export_records() == before
    assert documents(database, uploads) == []


def test_pycap_cannot_see_a_refusal_but_nothing_is_stored(uploads: Project, database: str) -> None:
    assert uploads.import_file("9", "consent", "a.txt", io.BytesIO(b"a")) == [{}]
    assert documents(database, uploads) == []
    assert [row["record_id"] for row in uploads.export_records()] == ["1", "2", "3"]


def test_no_file_part(server: RunningServer, uploads: Project) -> None:
    answer = call(server, uploads, "import", record="1", field="consent")
    assert (answer.status_code, answer.text) == (400, xml_error("No valid file was uploaded"))


def test_export_and_delete_refusals(server: RunningServer, uploads: Project) -> None:
    with pytest.raises(RedcapError) as raised:
        uploads.export_file("9", "consent")
    assert error_body(raised.value) == xml_error('The record "9" does not exist')
    missing = call(server, uploads, "delete", record="9", field="consent")
    assert missing.text == xml_error("The record '9' does not exist")
    not_file = call(server, uploads, "export", record="1", field="name")
    assert not_file.text == xml_error("The field 'name' does not exist or is not a 'file' field")
    as_json = call(server, uploads, "export", record="1", field="consent", returnFormat="json")
    assert as_json.json() == {"error": "There is no file to download for this record"}


def test_a_file_over_the_limit_is_refused(
    server: RunningServer, uploads: Project, database: str
) -> None:
    set_upload_limit(database, str(uploads.token), 1)
    too_large = upload(server, uploads, b"x" * (MB + 1), record="1", field="consent")
    message = (
        "The uploaded file exceeded the maximum file size limit of 1 MB for File Upload fields."
    )
    assert (too_large.status_code, too_large.text) == (400, xml_error(message))
    assert documents(database, uploads) == []
    # REDCap compares size / 1024 / 1024 > limit: a file of exactly the limit is taken
    assert upload(server, uploads, b"x" * MB, record="1", field="consent").status_code == 200
    assert cells(uploads, "consent")["1"] == "notes.txt"


def test_the_default_limit_is_the_servers(server: RunningServer, uploads: Project) -> None:
    # No project limit: maxUploadSizeEdoc() is the server's own (localcap's 32 MB request limit),
    # so a 2 MB file (over PHP's stock 2M, under REDCap's recommended 32M) is taken.
    answer = upload(server, uploads, b"x" * (2 * MB), record="2", field="consent")
    assert answer.status_code == 200
    assert cells(uploads, "consent")["2"] == "notes.txt"


def test_a_record_import_cannot_set_a_file_field(doctest: Project) -> None:
    row = {"record_id": "1", "redcap_event_name": "event_1_arm_1", "redcap_repeat_instance": 1}
    doctest.import_records([{**row, "upload_field": "evil.txt", "field_1": "0"}])
    doctest.import_records([{**row, "upload_field": ""}], overwrite="overwrite")
    record = doctest.export_records(records=["1"])[0]
    assert (record["upload_field"], record["field_1"]) == ("test_upload.txt", "0")
    assert doctest.export_file("1", "upload_field", event="event_1_arm_1")[0] == b"test upload\n"


def test_events_and_repeat_instances(server: RunningServer, doctest: Project) -> None:
    # doctest (PyCap files.py): the XML's document, exported from its event
    assert doctest.export_file("1", "upload_field", event="event_1_arm_1") == (
        b"test upload\n",
        {"name": "test_upload.txt", "charset": "UTF-8"},
    )
    no_event = call(server, doctest, "export", record="1", field="upload_field")
    assert no_event.text == xml_error("invalid event")
    bad_event = upload(server, doctest, b"x", record="1", field="upload_field", event="nope")
    assert bad_event.text == xml_error("invalid event")
    # event_1_arm_1 repeats as a whole: instance 2 is created beside instance 1
    doctest.import_file(
        "1",
        "upload_field",
        "second.txt",
        io.BytesIO(b"2"),
        event="event_1_arm_1",
        repeat_instance=2,
    )
    rows = [row for row in doctest.export_records(records=["1"])]
    assert [(row["redcap_repeat_instance"], row["upload_field"]) for row in rows] == [
        (1, "test_upload.txt"),
        (2, "second.txt"),
    ]
    second = doctest.export_file("1", "upload_field", event="event_1_arm_1", repeat_instance=2)
    assert second[0] == b"2"
    # event_2_arm_1 holds no data for record 1: REDCap's export looks for the record there
    elsewhere = call(
        server, doctest, "export", record="1", field="upload_field", event="event_2_arm_1"
    )
    assert elsewhere.text == xml_error('The record "1" does not exist')


def test_deleting_a_record_deletes_its_documents(doctest: Project, database: str) -> None:
    doctest.import_file("2", "upload_field", "two.txt", io.BytesIO(b"2"), event="event_1_arm_1")
    assert [name for name, _ in documents(database, doctest)] == ["test_upload.txt", "two.txt"]
    doctest.delete_records(["1"])
    assert [name for name, _ in documents(database, doctest)] == ["two.txt"]
    doctest.delete_records(["2"], instrument="form_1", event="event_1_arm_1")
    assert documents(database, doctest) == []


def test_the_pdf_shows_a_document_as_redcap_prints_it(doctest: Project) -> None:
    def text() -> str:
        content, _ = doctest.export_pdf(record="1", event="event_1_arm_1", instrument="form_1")
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    # REDCap's PDF class: "[" . "FILE:" . " " . <document name> . "]"; nothing when empty
    assert "[FILE: test_upload.txt]" in text()
    doctest.delete_file("1", "upload_field", event="event_1_arm_1")
    assert "[FILE:" not in text()


def test_a_repeating_instrument_gets_the_instance_it_is_sent(uploads: Project) -> None:
    uploads.import_repeating_instruments_events([{"form_name": "intake", "custom_form_label": ""}])
    uploads.import_file("1", "consent", "third.txt", io.BytesIO(b"3"), repeat_instance=3)
    rows = uploads.export_records(records=["1"], fields=["record_id", "consent"], forms=["intake"])
    instance = [row for row in rows if row["redcap_repeat_instance"] == 3]
    # REDCap's import.php gives a new instance of a repeating form its status, 0
    assert [
        (row["redcap_repeat_instrument"], row["consent"], row["intake_complete"])
        for row in instance
    ] == [("intake", "third.txt", "0")]
    assert uploads.export_file("1", "consent", repeat_instance=3)[0] == b"3"
    with pytest.raises(RedcapError):
        uploads.export_file("1", "consent")  # instance 1 holds no file
