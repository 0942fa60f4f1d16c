"""Imports and deletes of arms, events, form/event mappings and repeating settings.

``override=1`` on arms or events first deletes every arm's events, their mappings and their
data, as REDCap does, and like deletes it is for development projects only. Whatever deletes an
event also deletes the documents its file fields hold, as REDCap's record delete marks deleted
the edocs of the data it deletes. An event import updates the event named by an existing
``unique_event_name`` and creates the others; unique names follow REDCap's rule from the label.
Mapping and repeating imports replace everything.
"""

from __future__ import annotations

from instruments.naming import EVENT_LABEL_MAX, unique_event_name
from plugin.localcap import answers
from plugin.localcap.errors import (
    ARMS_MISSING_KEYS,
    CLASSIC_ARMS_DELETE,
    CLASSIC_ARMS_IMPORT,
    CLASSIC_EVENTS_DELETE,
    CLASSIC_EVENTS_IMPORT,
    CLASSIC_MAPPING_IMPORT,
    EVENTS_MISSING_KEYS,
    MAPPING_MISSING_KEYS,
    PRODUCTION_ONLY_DEVELOPMENT,
    ApiError,
    invalid_values,
)
from plugin.localcap.files import forget_held
from plugin.localcap.import_data import read_rows
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.storage import Database

EVENT_TABLES = ("data", "mappings", "repeating", "responses")


def _development(project: Project) -> None:
    if project.in_production:
        raise ApiError(PRODUCTION_ONLY_DEVELOPMENT)


def drop_events(db: Database, project: Project, event_ids: list[int]) -> None:
    """Delete events with their designations, repeating settings and data, and the documents
    their file fields hold."""
    project_id = project.project_id
    forget_held(db, project, event_ids=event_ids)
    for table in EVENT_TABLES:
        db.executemany(
            f"DELETE FROM {table} WHERE project_id = ? AND event_id = ?",
            [(project_id, event_id) for event_id in event_ids],
        )
    db.executemany("DELETE FROM events WHERE event_id = ?", [(event_id,) for event_id in event_ids])


def _arm_number(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 99:
        raise ApiError(f"The arm number '{text}' is not valid: it must be an integer from 1 to 99.")
    return int(text)


def import_arms(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import Arms: adds arms and renames existing ones; ``override=1`` (development only)
    first deletes every arm with its events and their data. A classic project is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_ARMS_IMPORT)
    override = params.text("override").strip() == "1"
    if override:
        _development(project)
    arms: dict[int, str] = {}
    for row in read_rows(params.text("data"), params.format):
        if "arm_num" not in row or "name" not in row:
            raise ApiError(ARMS_MISSING_KEYS)
        number = _arm_number(row["arm_num"])
        name = row["name"].strip() or f"Arm {number}"
        if len(name) > 50:
            raise ApiError(f"The name of arm {number} is longer than 50 characters.")
        arms[number] = name
    pid = project.project_id
    with db.transaction():
        if override:
            drop_events(db, project, [event.event_id for event in project.events])
            db.execute("DELETE FROM arms WHERE project_id = ?", (pid,))
        db.executemany(
            "INSERT OR REPLACE INTO arms (project_id, arm_num, name) VALUES (?, ?, ?)",
            [(pid, number, name) for number, name in arms.items()],
        )
        db.log(pid, username, "manage", "Manage/Design ", "Import arms (API)")
    return answers.number(len(arms), params.return_format)


def delete_arms(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete Arms, with their events and the events' data; development projects only. A
    classic project, or an arm the project lacks, is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_ARMS_DELETE)
    _development(project)
    wanted, _ = params.array("arms")
    known = {str(arm.num) for arm in project.arms}
    bad = [arm for arm in wanted if arm.strip() not in known]
    if bad or not wanted:
        raise ApiError(invalid_values("arms", bad or ["(none given)"]))
    numbers = {int(arm) for arm in wanted}
    pid = project.project_id
    with db.transaction():
        drop_events(
            db, project, [event.event_id for event in project.events if event.arm_num in numbers]
        )
        db.executemany(
            "DELETE FROM arms WHERE project_id = ? AND arm_num = ?", [(pid, num) for num in numbers]
        )
        db.log(pid, username, "manage", "Manage/Design ", "Delete arms (API)")
    return answers.number(len(numbers), params.return_format)


def _offset(row: dict[str, str], key: str, default: float) -> float:
    text = row.get(key, "").strip()
    try:
        return float(text) if text else default
    except ValueError as exc:
        raise ApiError(f"The value of {key} ('{text}') is not a number.") from exc


def import_events(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import Events, all or nothing: a row naming an existing ``unique_event_name``
    updates that event (renaming its unique name with its label), the others are created;
    ``override=1`` (development only) first deletes every event. A classic project is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_EVENTS_IMPORT)
    override = params.text("override").strip() == "1"
    if override:
        _development(project)
    rows = read_rows(params.text("data"), params.format)
    arms = {arm.num for arm in project.arms}
    events = [] if override else list(project.events)
    existing = {event.unique_name: event for event in events}
    taken = set(existing)
    count = {num: sum(1 for event in events if event.arm_num == num) for num in arms}
    pid = project.project_id
    with db.transaction():
        if override:
            drop_events(db, project, [event.event_id for event in project.events])
        for row in rows:
            if "event_name" not in row or "arm_num" not in row:
                raise ApiError(EVENTS_MISSING_KEYS)
            name = row["event_name"].strip()
            arm = _arm_number(row["arm_num"])
            if arm not in arms:
                raise ApiError(
                    f"The arm number {arm} does not exist in the project: import it first."
                )
            if not name or len(name) > EVENT_LABEL_MAX:
                raise ApiError(
                    f"The event name '{name}' must have 1 to {EVENT_LABEL_MAX} characters."
                )
            current = existing.get(row.get("unique_event_name", "").strip())
            if current is not None:
                unique = current.unique_name
                if name != current.name:
                    taken.discard(unique)
                    unique = unique_event_name(name, current.arm_num, taken)
                db.execute(
                    "UPDATE events SET event_name = ?, day_offset = ?, offset_min = ?, "
                    "offset_max = ?, custom_event_label = ?, unique_event_name = ? "
                    "WHERE event_id = ?",
                    (
                        name,
                        _offset(row, "day_offset", current.day_offset),
                        _offset(row, "offset_min", current.offset_min),
                        _offset(row, "offset_max", current.offset_max),
                        row.get("custom_event_label", current.custom_label),
                        unique,
                        current.event_id,
                    ),
                )
            else:
                count[arm] = count.get(arm, 0) + 1
                unique = unique_event_name(name, arm, taken)
                db.execute(
                    "INSERT INTO events (project_id, arm_num, event_name, day_offset, "
                    "offset_min, offset_max, unique_event_name, custom_event_label) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        pid,
                        arm,
                        name,
                        _offset(row, "day_offset", count[arm]),
                        _offset(row, "offset_min", 0),
                        _offset(row, "offset_max", 0),
                        unique,
                        row.get("custom_event_label", ""),
                    ),
                )
            taken.add(unique)
        db.log(pid, username, "manage", "Manage/Design ", "Import events (API)")
    return answers.number(len(rows), params.return_format)


def delete_events(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete Events, with their data; development projects only. A classic project, or an
    event the project lacks, is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_EVENTS_DELETE)
    _development(project)
    wanted, _ = params.array("events")
    bad = [name for name in wanted if name not in project.event_map]
    if bad or not wanted:
        raise ApiError(invalid_values("events", bad or ["(none given)"]))
    ids = list(dict.fromkeys(project.event_map[name].event_id for name in wanted))
    with db.transaction():
        drop_events(db, project, ids)
        db.log(project.project_id, username, "manage", "Manage/Design ", "Delete events (API)")
    return answers.number(len(ids), params.return_format)


def import_mappings(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Import Instrument-Event Mappings: the rows replace every designation. A classic
    project, or an event or form the project lacks, is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_MAPPING_IMPORT)
    pairs: list[tuple[int, str]] = []
    for row in read_rows(params.text("data"), params.format):
        if not {"arm_num", "unique_event_name", "form"} <= set(row):
            raise ApiError(MAPPING_MISSING_KEYS)
        event = project.event_map.get(row["unique_event_name"].strip())
        if event is None:
            raise ApiError(invalid_values("unique_event_name", [row["unique_event_name"]]))
        if row["arm_num"].strip() and row["arm_num"].strip() != str(event.arm_num):
            raise ApiError(
                f"The event {event.unique_name} does not belong to arm {row['arm_num']}."
            )
        form = row["form"].strip()
        if form not in project.form_map:
            raise ApiError(invalid_values("form", [form]))
        pairs.append((event.event_id, form))
    pairs = list(dict.fromkeys(pairs))
    pid = project.project_id
    with db.transaction():
        db.execute("DELETE FROM mappings WHERE project_id = ?", (pid,))
        db.executemany(
            "INSERT INTO mappings (project_id, event_id, form_name) VALUES (?, ?, ?)",
            [(pid, event_id, form) for event_id, form in pairs],
        )
        db.log(pid, username, "manage", "Manage/Design ", "Import instrument-event mappings (API)")
    return answers.number(len(pairs), params.return_format)


def import_repeating(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Import Repeating Instruments and Events: the rows replace every repeating setting; a
    row without ``form_name`` repeats its whole event, which a classic project refuses."""
    settings: dict[tuple[int, str], str] = {}
    for row in read_rows(params.text("data"), params.format):
        form = row.get("form_name", "").strip()
        if project.longitudinal:
            event = project.event_map.get(row.get("event_name", "").strip())
            if event is None:
                raise ApiError(invalid_values("event_name", [row.get("event_name", "")]))
            event_id = event.event_id
        else:
            event_id = project.events[0].event_id
            if not form:
                raise ApiError("A classic project can repeat only instruments: give form_name.")
        if form and form not in project.form_map:
            raise ApiError(invalid_values("form_name", [form]))
        settings[(event_id, form)] = row.get("custom_form_label", "")
    pid = project.project_id
    with db.transaction():
        db.execute("DELETE FROM repeating WHERE project_id = ?", (pid,))
        db.executemany(
            "INSERT INTO repeating (project_id, event_id, form_name, custom_form_label) "
            "VALUES (?, ?, ?, ?)",
            [(pid, event_id, form, label) for (event_id, form), label in settings.items()],
        )
        db.log(
            pid, username, "manage", "Manage/Design ", "Import repeating instruments/events (API)"
        )
    return answers.number(len(settings), params.return_format)
