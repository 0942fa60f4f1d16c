"""``content=pdf`` export: instruments as blank or filled paper forms (redcap-api.md §2.5).

* No ``record``: a blank form of every instrument, or of ``instrument``; in a longitudinal
  project ``event`` narrows it to the instruments designated for that event.
* ``record``: that record's data, one section per event, instrument and instance that holds data,
  narrowed by ``event``, ``instrument`` and ``repeat_instance``. ``repeat_instance`` defaults to 1
  when an instrument is named (REDCap's single-form print); a whole record prints every instance.
  When nothing is left, the requested instruments print blank under the record's header.
* ``allRecords`` (any value): every record; as REDCap documents, ``record``, ``event`` and
  ``instrument`` are then ignored.
* ``compactDisplay`` (a flag): fields without a value are left out of filled forms.
* A file upload field holding a document prints ``[FILE: <name>]``, a signature ``[signature]``
  (REDCap's ``PDF`` class); an empty one, a writing line.

REDCap checks the instrument, then the event, then the record, and answers with its short texts
(kept here, beside the method that gives them). The file is named after REDCap's pattern,
``<ProjectTitle>[_<Instrument>][_<record>]_<YYYY-MM-DD_HHMM>.pdf``, in a Content-Type parameter
where PyCap reads it.
"""

from __future__ import annotations

import re
from datetime import datetime

from instruments.labels import plain_text
from plugin.localcap import answers
from plugin.localcap.errors import BAD_REPEAT_INSTANCE, ApiError
from plugin.localcap.files import pdf_text
from plugin.localcap.params import Params
from plugin.localcap.pdf_layout import Section, render_pdf
from plugin.localcap.project import Event, Form, Project
from plugin.localcap.record_writers import Lookups
from plugin.localcap.rows import RecordRow, load_rows, ordered, owns, record_names
from plugin.localcap.storage import Database

INVALID_INSTRUMENT = "Invalid instrument"
INVALID_EVENT = "Invalid event"
RECORD_MISSING = "The record '{record}' does not exist"
# The action of a filled PDF's log entry (renderLogRow's reporting_70, then global_49 and the
# record), as REDCap's own test features show it: "PDF Export with data Record 1".
PDF_WITH_DATA = "PDF Export with data Record"
_NOT_NAME = re.compile(r"[^A-Za-z0-9 ]")
_NOT_FILE = re.compile(r"[^A-Za-z0-9_-]")


def export_pdf(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Export PDF: the instruments as a PDF file, blank or filled as the module says,
    logged as REDCap logs it (:func:`_log`). An unknown instrument, event or record is refused
    with REDCap's text."""
    every = params.has("allRecords")
    form = None if every else _instrument(project, params.text("instrument").strip())
    event = None if every else _event(project, params.text("event").strip())
    record = None if every else (params.text("record").strip() or None)
    names = record_names(db, project.project_id)
    if record is not None and record not in names:
        raise ApiError(RECORD_MISSING.format(record=record))
    if every:
        sections = _filled(db, project, names, None, None, None)
    elif record is not None:
        instance = _instance(params, form)
        sections = _filled(db, project, [record], form, event, instance) or _blank(
            project, form, event, record
        )
    else:
        sections = _blank(project, form, event, None)
    label = plain_text(project.fields[0].label) if project.fields else ""
    body = render_pdf(project.title, label or "Record ID", sections, params.flag("compactDisplay"))
    _log(db, project.project_id, username, form is not None, record, every)
    return answers.download(body, "application/pdf", _file_name(project, form, record))


def _log(
    db: Database, project_id: int, username: str, one_form: bool, record: str | None, every: bool
) -> None:
    """Log the download as REDCap's ``API/pdf/export.php`` describes it. A record's data shows as
    an export, ``PDF Export with data Record <name>`` about that record; any other PDF as a
    Manage/Design entry (Logging::renderLogRow and setEventFilterSql). REDCap also names the event
    of a filled PDF when one is sent in a longitudinal project; localcap does not."""
    if every:
        details = "Download all data entry forms as PDF (all records)"
    else:
        forms = "data entry form" if one_form else "all data entry forms"
        details = f"Download {forms} as PDF" + (" (with data)" if record is not None else "")
    if record is None:
        db.log(project_id, username, "manage", "Manage/Design ", f"{details} (API)")
    else:
        action = f"{PDF_WITH_DATA} {record}"
        db.log(project_id, username, "export", action, f"{details} (API)", record)


def _instrument(project: Project, name: str) -> Form | None:
    if not name:
        return None
    if name not in project.form_map:
        raise ApiError(INVALID_INSTRUMENT)
    return project.form_map[name]


def _event(project: Project, name: str) -> Event | None:
    if not name:
        return None
    if name not in project.event_map:
        raise ApiError(INVALID_EVENT)
    return project.event_map[name]


def _instance(params: Params, form: Form | None) -> int | None:
    """The instance to print: as sent, else 1 for one named instrument, else every instance."""
    text = params.text("repeat_instance").strip()
    if not text:
        return 1 if form is not None else None
    if not text.isdigit() or int(text) < 1:
        raise ApiError(BAD_REPEAT_INSTANCE)
    return int(text)


def _filled(
    db: Database,
    project: Project,
    records: list[str],
    form: Form | None,
    event: Event | None,
    instance: int | None,
) -> list[Section]:
    """A section for every (row, instrument) of ``records`` that holds data, in REDCap's order."""
    files = [item for item in project.fields if item.field_type == "file"]
    documents = Lookups.load(db, project, [], files).documents
    sections = []
    for row in ordered(project, load_rows(db, project, records).values()):
        if event is not None and row.event_id != event.event_id:
            continue
        repeats = bool(row.instrument) or project.repeats_event(row.event_id)
        if instance is not None and repeats and row.instance != instance:
            continue
        for candidate in project.forms:
            if form is not None and candidate != form:
                continue
            if _holds(project, row, candidate):
                sections.append(_section(project, candidate, row, repeats, documents))
    return sections


def _holds(project: Project, row: RecordRow, form: Form) -> bool:
    if not owns(project, row, form.name) or not project.designated(row.event_id, form.name):
        return False
    # Every event's row stores the record ID; it does not make the first form "filled".
    return any(
        row.values.get(item.name) or row.checked.get(item.name)
        for item in project.form_fields(form.name)
        if item.name != project.record_id
    )


def _section(
    project: Project, form: Form, row: RecordRow, repeats: bool, documents: dict[str, str]
) -> Section:
    """One filled instrument; a file field shows ``[FILE: <name>]`` (:func:`files.pdf_text`)."""
    event = project.event_by_id[row.event_id]
    values: dict[str, str] = {}
    for name, value in row.values.items():
        item = project.field_map[name]
        values[name] = pdf_text(item, value, documents) if item.field_type == "file" else value
    return Section(
        form_label=form.label,
        fields=project.form_fields(form.name),
        record=row.record,
        event=project.event_label(event) if project.longitudinal else "",
        instance=row.instance if repeats else None,
        values={**values, project.record_id: row.record},
        checked=row.checked,
    )


def _blank(
    project: Project, form: Form | None, event: Event | None, record: str | None
) -> list[Section]:
    if form is not None:
        forms = [form]
    elif event is not None:
        forms = [item for item in project.forms if project.designated(event.event_id, item.name)]
    else:
        forms = list(project.forms)
    label = project.event_label(event) if event is not None and project.longitudinal else ""
    values = {project.record_id: record} if record is not None else {}
    return [
        Section(item.label, project.form_fields(item.name), record, label, values=values)
        for item in forms
    ]


def _file_name(project: Project, form: Form | None, record: str | None) -> str:
    parts = [_run_together(project.title, 30) or "Project"]
    if form is not None:
        parts.append(_run_together(form.label, 20))
    if record is not None:
        parts.append(_NOT_FILE.sub("", record))
    parts.append(datetime.now().strftime("%Y-%m-%d_%H%M"))
    return "_".join(part for part in parts if part) + ".pdf"


def _run_together(text: str, limit: int) -> str:
    """PHP's ``ucwords`` of the letters, digits and spaces, run together, cut to ``limit``."""
    words = _NOT_NAME.sub("", text).split()
    return "".join(word[:1].upper() + word[1:] for word in words)[:limit]
