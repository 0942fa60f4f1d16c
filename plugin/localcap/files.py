"""``content=file``: the document a file upload field holds, imported, exported and deleted.

As REDCap stores it (redcap-api.md §2.8), a document is a row of ``documents`` and the field's
value is that row's id, so a record export shows the document's name and a record import cannot
set it (the import skips file fields, as REDCap's ``saveData`` does by default). The methods
follow REDCap's ``API/file/import.php``, ``export.php`` and ``delete.php``, their checks in
REDCap's order and with its texts:

* import (multipart, the file in part ``file``): the event (longitudinal: required and known),
  the instance (``repeat_instance`` where the field's form or the event repeats, else 1), the
  size, the record (anywhere in the project), the field (a ``file`` field, not a signature);
  then the document replaces any earlier one, and a form without a status gets status 0;
* export: the event, the instance, the record (in that event), the field, a document there;
  the answer is the file, named in a Content-Type parameter where PyCap reads it;
* delete: as export; the document and the field's value go.

A file is refused above REDCap's ``maxUploadSizeEdoc()``: the server's own limit in whole MB
(localcap's request limit), or the project's ``edoc_upload_max`` setting when that is lower
(:func:`plugin.localcap.storage.set_upload_limit`). Success is an empty 200, which PyCap turns
into ``[{}]``. Nothing is stored when a request is refused.
"""

from __future__ import annotations

import html
import mimetypes
import re
from dataclasses import dataclass

import flask

from instruments.naming import complete_field
from plugin.localcap import answers
from plugin.localcap.errors import ApiError
from plugin.localcap.params import Params
from plugin.localcap.project import Field, Project
from plugin.localcap.storage import Database
from plugin.localcap.surveys import record_exists

NO_FILE_SENT = "No valid file was uploaded"
UPLOAD_PROBLEM = "There was a problem with the uploaded file"
INVALID_EVENT = "invalid event"
TOO_LARGE = (
    "The uploaded file exceeded the maximum file size limit of {limit} MB for File Upload fields."
)
NOT_A_FILE_FIELD = "The field '{field}' does not exist or is not a 'file' field"
SIGNATURE_FIELD = (
    "The field '{field}' is a signature field, which cannot be imported using the API but can "
    "only be created using the web interface. However, it can be downloaded or deleted using the "
    "API."
)
UPLOAD_RECORD_MISSING = "The record '{record}' does not exist. It must exist to upload a file"
EXPORT_RECORD_MISSING = 'The record "{record}" does not exist'
DELETE_RECORD_MISSING = "The record '{record}' does not exist"
NOTHING_TO_EXPORT = "There is no file to download for this record"
NOTHING_TO_DELETE = "There is no file to delete for this record"
UPLOAD_LIMIT = "edoc_upload_max"  # the project setting: the largest file, in MB
MEGABYTE = 1024 * 1024
_SLASHED = re.compile(r"\\(.?)", re.DOTALL)


@dataclass(frozen=True)
class Slot:
    """Where a field's document sits: record, event and instance."""

    record: str
    field: str
    event_id: int
    instance: int


def import_file(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import a File: the upload becomes the field's document, replacing any before."""
    upload = flask.request.files.get("file")
    if upload is None:
        raise ApiError(NO_FILE_SENT)
    if not upload.filename:
        raise ApiError(UPLOAD_PROBLEM)
    slot = _slot(project, params)
    content = upload.read()
    limit = upload_limit(db, project)
    if len(content) / MEGABYTE > limit:
        raise ApiError(TOO_LARGE.format(limit=limit))
    if not record_exists(db, project, slot.record):
        raise ApiError(UPLOAD_RECORD_MISSING.format(record=slot.record))
    item = _file_field(project, slot.field)
    if item.validation == "signature":
        raise ApiError(SIGNATURE_FIELD.format(field=slot.field))
    name = document_name(upload.filename)
    mime_type = upload.mimetype
    if not mime_type or mime_type == "application/octet-stream":
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    with db.transaction():
        old = _stored(db, project, slot)
        if old is not None:
            forget_documents(db, project.project_id, [old])
        cursor = db.execute(
            "INSERT INTO documents (project_id, name, mime_type, content) VALUES (?, ?, ?, ?)",
            (project.project_id, name, mime_type, content),
        )
        doc_id = str(cursor.lastrowid)
        _put(db, project, slot, slot.field, doc_id, replace=True)
        # The record lives in the event (its base row, or this instance of a repeating event), as
        # REDCap's saveData keeps it, and the form gets a status as any saved data gives it.
        base = slot.instance if project.repeats_event(slot.event_id) else 1
        home = Slot(slot.record, project.record_id, slot.event_id, base)
        _put(db, project, home, project.record_id, slot.record)
        _put(db, project, slot, complete_field(item.form), "0")
        db.log(
            project.project_id,
            username,
            "record_edit",
            "Upload document (API)",
            f"{slot.field} = '{doc_id}'",
            slot.record,
        )
    return _empty(params)


def export_file(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Export a File: the document's bytes, its name and type in the Content-Type."""
    slot = _slot(project, params)
    if not _record_in_event(db, project, slot):
        raise ApiError(EXPORT_RECORD_MISSING.format(record=html.escape(slot.record)))
    _file_field(project, slot.field)
    doc_id = _stored(db, project, slot)
    found = []
    if doc_id is not None:
        found = db.rows(
            "SELECT name, mime_type, content FROM documents WHERE project_id = ? AND doc_id = ?",
            (project.project_id, doc_id),
        )
    if not found:
        raise ApiError(NOTHING_TO_EXPORT)
    document = found[0]
    db.log(project.project_id, username, "manage", "Download file (API)", slot.field, slot.record)
    content_type = f'{document["mime_type"]}; name="{document["name"]}"'
    if document["mime_type"].startswith("text/"):
        content_type += "; charset=UTF-8"  # PHP adds it to text types; PyCap's doctest shows it
    return answers.Answer(bytes(document["content"]), content_type)


def delete_file(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete a File: the document and the field's value go."""
    slot = _slot(project, params)
    if not _record_in_event(db, project, slot):
        raise ApiError(DELETE_RECORD_MISSING.format(record=slot.record))
    _file_field(project, slot.field)
    doc_id = _stored(db, project, slot)
    if not doc_id:
        raise ApiError(NOTHING_TO_DELETE)
    with db.transaction():
        forget_documents(db, project.project_id, [doc_id])
        db.execute(
            "DELETE FROM data WHERE project_id = ? AND record = ? AND event_id = ? "
            "AND instance = ? AND field_name = ?",
            (project.project_id, slot.record, slot.event_id, slot.instance, slot.field),
        )
        db.log(
            project.project_id,
            username,
            "record_edit",
            "Delete uploaded document (API)",
            slot.field,
            slot.record,
        )
    return _empty(params)


def upload_limit(db: Database, project: Project) -> int:
    """REDCap's ``maxUploadSizeEdoc()`` in MB: the server's limit, or the project's
    ``edoc_upload_max`` when that is a number below it."""
    server = int((flask.current_app.config.get("MAX_CONTENT_LENGTH") or 0) // MEGABYTE)
    setting = db.setting(project.project_id, UPLOAD_LIMIT).strip()
    if setting.isdigit() and int(setting) < server:
        return int(setting)
    return server


def document_name(sent: str) -> str:
    """The name REDCap keeps: PHP's ``stripslashes`` and ``html_entity_decode``, apostrophes
    dropped."""
    return html.unescape(_SLASHED.sub(r"\1", sent)).replace("'", "")


def forget_documents(db: Database, project_id: int, doc_ids: list[str]) -> None:
    """Delete the project's documents ``doc_ids`` (values of file fields)."""
    ids = [int(value) for value in doc_ids if value.isdigit()]
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        db.execute(
            f"DELETE FROM documents WHERE project_id = ? AND doc_id IN "
            f"({', '.join('?' for _ in part)})",
            (project_id, *part),
        )


def forget_held(
    db: Database,
    project: Project,
    fields: list[str] | None = None,
    event_ids: list[int] | None = None,
) -> None:
    """Delete the documents the project's file fields hold: those of ``fields`` (every file
    field when None) in ``event_ids`` (every event when None). REDCap marks the edocs of data it
    deletes as deleted, never to be served again; localcap drops them."""
    names = [item.name for item in project.fields if item.field_type == "file"]
    if fields is not None:
        names = [name for name in names if name in fields]
    if not names or event_ids == []:
        return
    clauses = [f"field_name IN ({', '.join('?' for _ in names)})"]
    args: list[object] = [project.project_id, *names]
    if event_ids is not None:
        clauses.append(f"event_id IN ({', '.join('?' for _ in event_ids)})")
        args += event_ids
    found = db.rows(
        f"SELECT value FROM data WHERE project_id = ? AND {' AND '.join(clauses)}", args
    )
    forget_documents(db, project.project_id, [row["value"] for row in found])


def pdf_text(item: Field, value: str, names: dict[str, str]) -> str:
    """A file field's answer on a filled PDF form, as REDCap's ``PDF`` class prints it: a
    document as ``[FILE: <name>]`` (the name cut in the middle past 40 characters), a signature
    as ``[signature]``, nothing when the field is empty."""
    if not value:
        return ""
    if item.validation == "signature":
        return "[signature]"
    return f"[FILE: {_middle(names.get(value, ''), 40, 10)}]"


def _middle(text: str, limit: int, tail: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - tail - 3] + "..." + text[-tail:]


def _slot(project: Project, params: Params) -> Slot:
    """The record, field, event and instance a call names; REDCap's ``invalid event`` when a
    longitudinal project's event is missing or unknown."""
    field = params.text("field")
    if project.longitudinal:
        event = project.event_map.get(params.text("event"))
        if event is None:
            raise ApiError(INVALID_EVENT)
        event_id = event.event_id
    else:
        event_id = project.events[0].event_id
    text = params.text("repeat_instance").strip()
    instance = int(text) if text.isdigit() and int(text) > 0 else 1
    item = project.field_map.get(field)
    repeats = item is not None and project.repeats_form(event_id, item.form)
    if not repeats and not (project.longitudinal and project.repeats_event(event_id)):
        instance = 1
    return Slot(params.text("record"), field, event_id, instance)


def _file_field(project: Project, name: str) -> Field:
    item = project.field_map.get(name)
    if item is None or item.field_type != "file":
        raise ApiError(NOT_A_FILE_FIELD.format(field=html.escape(name)))
    return item


def _record_in_event(db: Database, project: Project, slot: Slot) -> bool:
    return bool(
        db.rows(
            "SELECT 1 FROM data WHERE project_id = ? AND record = ? AND event_id = ? LIMIT 1",
            (project.project_id, slot.record, slot.event_id),
        )
    )


def _stored(db: Database, project: Project, slot: Slot) -> str | None:
    """The field's value in the slot (a document id), None when it has none."""
    found = db.rows(
        "SELECT value FROM data WHERE project_id = ? AND record = ? AND event_id = ? "
        "AND instance = ? AND field_name = ?",
        (project.project_id, slot.record, slot.event_id, slot.instance, slot.field),
    )
    return found[0]["value"] if found else None


def _put(
    db: Database, project: Project, slot: Slot, name: str, value: str, replace: bool = False
) -> None:
    """Store ``name`` = ``value`` in the slot's event and instance; without ``replace``, only
    when it holds no value yet."""
    if replace:
        db.execute(
            "DELETE FROM data WHERE project_id = ? AND record = ? AND event_id = ? "
            "AND instance = ? AND field_name = ?",
            (project.project_id, slot.record, slot.event_id, slot.instance, name),
        )
    db.execute(
        "INSERT INTO data (project_id, record, event_id, instance, field_name, value) "
        "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM data WHERE project_id = ? "
        "AND record = ? AND event_id = ? AND instance = ? AND field_name = ?)",
        (
            project.project_id,
            slot.record,
            slot.event_id,
            slot.instance,
            name,
            value,
            project.project_id,
            slot.record,
            slot.event_id,
            slot.instance,
            name,
        ),
    )


def _empty(params: Params) -> answers.Answer:
    return answers.Answer("", answers.CONTENT_TYPES[params.return_format])
