"""``content=record&action=delete``: whole records, or one instrument, event or instance of them.

REDCap requires ``records`` as a real array, refuses the whole request when any record does not
exist, and runs it in one transaction. ``arm`` limits a delete to one arm's events;
``instrument``, ``event`` and ``repeat_instance`` delete only that part of each record (the
record ID stays, so the event's row is still exported); the documents of the file fields it
removes go with them. The answer is the number of records that actually lost something.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin.localcap import answers
from plugin.localcap.errors import (
    BAD_ARM,
    BAD_EVENT_PARAM,
    BAD_INSTRUMENT_PARAM,
    BAD_REPEAT_INSTANCE,
    EVENT_REQUIRED,
    RECORDS_EMPTY,
    RECORDS_MISSING,
    RECORDS_NOT_ARRAY,
    ApiError,
)
from plugin.localcap.files import forget_documents
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.storage import Database, record_action
from plugin.localcap.surveys import record_exists


@dataclass(frozen=True)
class Scope:
    """Which part of each record a delete removes; all ``None`` means the whole record."""

    event_ids: list[int]
    form: str | None
    event: int | None
    instance: int | None

    @property
    def whole(self) -> bool:
        return self.form is None and self.event is None and self.instance is None


def read_scope(project: Project, params: Params) -> Scope:
    """What a delete removes, from ``arm``, ``event``, ``instrument`` and ``repeat_instance``;
    REDCap's error for a value the project does not have."""
    events = [event.event_id for event in project.events]
    arm = params.text("arm").strip()
    if arm:
        arms = {item.num for item in project.arms}
        if not project.longitudinal or not arm.isdigit() or int(arm) not in arms:
            raise ApiError(BAD_ARM)
        events = [event.event_id for event in project.events if event.arm_num == int(arm)]
    event_name = params.text("event").strip()
    event = None
    if event_name:
        found = project.event_map.get(event_name)
        if found is None or found.event_id not in events:
            raise ApiError(BAD_EVENT_PARAM)
        event = found.event_id
    form = params.text("instrument").strip() or None
    if form is not None:
        if form not in project.form_map:
            raise ApiError(BAD_INSTRUMENT_PARAM)
        if project.longitudinal and event is None:
            raise ApiError(EVENT_REQUIRED)
        if event is None:
            event = events[0]
    instance = None
    text = params.text("repeat_instance").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ApiError(BAD_REPEAT_INSTANCE)
        instance = int(text)
    elif form is not None:
        instance = 1
    return Scope(events, form, event, instance)


def _present(db: Database, project: Project, records: list[str], events: list[int]) -> set[str]:
    marks = ", ".join("?" for _ in events)
    found: set[str] = set()
    for record in records:
        hit = db.rows(
            f"SELECT 1 FROM data WHERE project_id = ? AND record = ? AND event_id IN ({marks}) "
            "LIMIT 1",
            (project.project_id, record, *events),
        )
        if hit:
            found.add(record)
    return found


def _delete_part(db: Database, project: Project, record: str, scope: Scope) -> int:
    clauses = ["project_id = ?", "record = ?"]
    args: list[object] = [project.project_id, record]
    marks = ", ".join("?" for _ in scope.event_ids)
    clauses.append(f"event_id IN ({marks})")
    args += scope.event_ids
    if scope.event is not None:
        clauses.append("event_id = ?")
        args.append(scope.event)
    if scope.instance is not None:
        clauses.append("instance = ?")
        args.append(scope.instance)
    if scope.form is not None:
        names = [
            item.name for item in project.form_fields(scope.form) if item.name != project.record_id
        ]
        clauses.append(f"field_name IN ({', '.join('?' for _ in names)})")
        args += names
    where = " AND ".join(clauses)
    files = [item.name for item in project.fields if item.field_type == "file"]
    if files:
        # A file field's value is its document's id: the document goes with it.
        marks = ", ".join("?" for _ in files)
        found = db.rows(
            f"SELECT value FROM data WHERE {where} AND field_name IN ({marks})", [*args, *files]
        )
        forget_documents(db, project.project_id, [row["value"] for row in found])
    cursor = db.execute(f"DELETE FROM data WHERE {where}", args)
    return cursor.rowcount


def _details(project: Project, scope: Scope) -> str:
    parts = []
    if scope.form is not None:
        parts.append(f"Delete all record data for single form ({scope.form})")
    else:
        parts.append("Delete all record data for single event")
    if scope.event is not None and project.longitudinal:
        parts.append(f"[event = {project.event_by_id[scope.event].unique_name}]")
    if scope.instance is not None:
        parts.append(f"[instance = {scope.instance}]")
    return " ".join(parts)


def delete_records(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete Records, all or nothing: the answer is the number of records that lost data.
    Refused when ``records`` is not an array or is empty, when it names a record without data (in
    the events of ``arm``, when given), or when another parameter names what the project lacks."""
    records, was_array = params.array("records")
    if records and not was_array:
        raise ApiError(RECORDS_NOT_ARRAY)
    if not records:
        raise ApiError(RECORDS_EMPTY)
    records = list(dict.fromkeys(records))
    scope = read_scope(project, params)
    present = _present(db, project, records, scope.event_ids)
    missing = [record for record in records if record not in present]
    if missing:
        raise ApiError(RECORDS_MISSING.format(records=", ".join(missing)))
    count = 0
    pid = project.project_id
    with db.transaction():
        for record in records:
            removed = _delete_part(db, project, record, scope)
            if removed == 0:
                continue
            count += 1
            if scope.whole:
                _forget(db, project, record)
                details = f"{project.record_id} = '{record}'"
                action = record_action("delete", record, event=_arm_event(project, params))
                db.log(pid, username, "record_delete", action, details, record)
            else:
                details = _details(project, scope)
                event = ""
                if scope.event is not None and project.longitudinal:
                    # renderLogRow names the entry's event after the record.
                    event = project.event_label(project.event_by_id[scope.event])
                action = record_action("update", record, event=event)
                db.log(pid, username, "record_edit", action, details, record)
    return answers.number(count, params.return_format)


def _arm_event(project: Project, params: Params) -> str:
    """The event a whole-record delete's entry names: with ``arm`` in a project of several arms,
    the arm's first event, which REDCap's API/record/delete.php sets "for logging only" so that
    the entry denotes the arm; otherwise none (logEvent then has no event)."""
    arm = params.text("arm").strip()
    if not arm or len(project.arms) < 2:
        return ""
    first = next(event for event in project.events if event.arm_num == int(arm))
    return project.event_label(first)


def _forget(db: Database, project: Project, record: str) -> None:
    """A record with no data left leaves no DAG assignment or survey responses behind."""
    if record_exists(db, project, record):
        return
    for table in ("record_dags", "responses"):
        db.execute(
            f"DELETE FROM {table} WHERE project_id = ? AND record = ?", (project.project_id, record)
        )
