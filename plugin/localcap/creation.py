"""Create a project: from a parsed REDCap project XML, or blank as REDCap makes a new one.

A :class:`Definition` holds everything a new project starts with; :func:`create_project` writes
it in one transaction and answers with the new 32-character project token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from instruments.dictionary.columns import API_COLUMNS
from instruments.naming import unique_event_name
from plugin.localcap.project import load_project
from plugin.localcap.storage import ADMIN_USER, Database, now, record_action

DEFAULT_SETTINGS: dict[str, str] = {
    "project_language": "English",
    "purpose": "0",
    "purpose_other": "",
    "project_notes": "",
    "custom_record_label": "",
    "secondary_unique_field": "",
    "is_longitudinal": "0",
    "surveys_enabled": "0",
    "scheduling_enabled": "0",
    "record_autonumbering_enabled": "0",
    "randomization_enabled": "0",
    "display_today_now_button": "1",
    "missing_data_codes": "",
}


@dataclass
class EventDefinition:
    """An event of a new project in arm ``arm_num``, with the forms designated for it."""

    arm_num: int
    name: str
    unique_name: str
    day_offset: float = 0
    offset_min: float = 0
    offset_max: float = 0
    custom_label: str = ""
    forms: list[str] = field(default_factory=list)


@dataclass
class Document:
    """A file a new project's record holds in one field (a file upload field), stored in
    ``documents``."""

    record: str
    event: str
    instance: int
    field: str
    name: str
    mime_type: str
    content: bytes


@dataclass
class Definition:
    """A project to create. Events are named by unique name; a classic project has none."""

    title: str
    settings: dict[str, str] = field(default_factory=dict)
    metadata: list[dict[str, str]] = field(default_factory=list)
    forms: list[tuple[str, str]] = field(default_factory=list)
    arms: list[tuple[int, str]] = field(default_factory=list)
    events: list[EventDefinition] = field(default_factory=list)
    repeating: list[tuple[str, str, str]] = field(default_factory=list)
    surveys: list[tuple[str, str, int]] = field(default_factory=list)
    # form, instructions, acknowledgement, expiration: what respondents read around a survey
    survey_settings: list[tuple[str, str, str, str]] = field(default_factory=list)
    dags: list[str] = field(default_factory=list)
    values: list[tuple[str, str, int, str, str]] = field(default_factory=list)
    record_dags: dict[str, str] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    responses: dict[tuple[str, str, str, int], tuple[str, str]] = field(default_factory=dict)
    records: list[str] = field(default_factory=list)


def blank_definition(title: str, settings: dict[str, str]) -> Definition:
    """What REDCap makes for a new project: one instrument holding ``record_id``."""
    row = dict.fromkeys(API_COLUMNS, "")
    row.update(
        field_name="record_id",
        form_name="my_first_instrument",
        field_type="text",
        field_label="Record ID",
    )
    definition = Definition(
        title, dict(settings), [row], [("my_first_instrument", "My First Instrument")]
    )
    if settings.get("is_longitudinal") == "1":
        definition.arms = [(1, "Arm 1")]
        definition.events = [
            EventDefinition(1, "Event 1", "event_1_arm_1", 1, forms=["my_first_instrument"])
        ]
    return definition


def new_token(length: int = 32) -> str:
    """A token as REDCap issues them: uppercase hexadecimal, 32 (project) or 64 (super)."""
    return secrets.token_hex(length // 2).upper()


def unique_group_name(name: str, taken: set[str]) -> str:
    """REDCap's unique DAG name: ``[0-9a-z_ ]`` kept, spaces to ``_``, 18 characters, suffixes."""
    stem = re.sub(r"[^0-9a-z_ ]", "", name.lower()).replace(" ", "_")[:18].rstrip("_")
    candidate = stem
    suffix = ord("b")
    while candidate in taken:
        candidate = stem + chr(suffix)
        suffix += 1
    return candidate


def create_project(db: Database, definition: Definition, username: str = ADMIN_USER) -> str:
    """Write ``definition`` as a new project and return its new project token."""
    token = new_token()
    created = now()
    with db.transaction():
        cursor = db.execute(
            "INSERT INTO projects (title, creation_time) VALUES (?, ?)",
            (definition.title, created),
        )
        project_id = int(cursor.lastrowid or 0)
        db.add_token(token, project_id, username)
        settings = {**DEFAULT_SETTINGS, **definition.settings}
        settings["is_longitudinal"] = "1" if definition.events else "0"
        for name, value in settings.items():
            db.set_setting(project_id, name, value)
        _write_design(db, project_id, definition)
        events = _write_events(db, project_id, definition)
        _write_data(db, project_id, definition, events)
        db.log(project_id, username, "manage", "Manage/Design ", "Create project (API)", ts=created)
        id_field = definition.metadata[0]["field_name"] if definition.metadata else "record_id"
        for record, event in _record_events(db, project_id, definition.records):
            db.log(
                project_id,
                username,
                "record_add",
                record_action("create", record, event=event),
                f"{id_field} = '{record}'",
                record,
                ts=created,
            )
    return token


def _record_events(db: Database, project_id: int, records: list[str]) -> list[tuple[str, str]]:
    """Each record with each event that holds its data, in event order, the event as a
    longitudinal project's log names it (blank in a classic project, which logs each record once).
    """
    project = load_project(db, project_id)
    if not project.longitudinal:
        return [(record, "") for record in records]
    held: dict[str, set[int]] = {}
    for row in db.rows(
        "SELECT DISTINCT record, event_id FROM data WHERE project_id = ?", (project_id,)
    ):
        held.setdefault(row["record"], set()).add(row["event_id"])
    return [
        (record, project.event_label(event))
        for record in records
        for event in project.events
        if event.event_id in held.get(record, set())
    ]


def _write_design(db: Database, project_id: int, definition: Definition) -> None:
    columns = ", ".join(API_COLUMNS)
    marks = ", ".join("?" for _ in API_COLUMNS)
    db.executemany(
        f"INSERT INTO metadata (project_id, position, {columns}) VALUES (?, ?, {marks})",
        [
            (project_id, position, *(row.get(name, "") for name in API_COLUMNS))
            for position, row in enumerate(definition.metadata)
        ],
    )
    db.executemany(
        "INSERT INTO forms (project_id, position, form_name, form_label) VALUES (?, ?, ?, ?)",
        [
            (project_id, position, name, label)
            for position, (name, label) in enumerate(definition.forms)
        ],
    )
    db.executemany(
        "INSERT INTO surveys (project_id, form_name, title, save_and_return) VALUES (?, ?, ?, ?)",
        [(project_id, *survey) for survey in definition.surveys],
    )
    db.executemany(
        "INSERT INTO survey_settings (project_id, form_name, instructions, acknowledgement, "
        "expiration) VALUES (?, ?, ?, ?, ?)",
        [(project_id, *settings) for settings in definition.survey_settings],
    )
    taken: set[str] = set()
    for name in definition.dags:
        unique = unique_group_name(name, taken)
        taken.add(unique)
        db.execute(
            "INSERT INTO dags (project_id, group_name, unique_group_name) VALUES (?, ?, ?)",
            (project_id, name, unique),
        )


def _write_events(db: Database, project_id: int, definition: Definition) -> dict[str, int]:
    """Arms, events, mappings and repeating settings; the event ids by unique name.

    A classic project still gets REDCap's hidden single event, which holds its data.
    """
    events = definition.events or [EventDefinition(1, "Event 1", unique_event_name("Event 1", 1))]
    arms = definition.arms or [(1, "Arm 1")]
    db.executemany(
        "INSERT INTO arms (project_id, arm_num, name) VALUES (?, ?, ?)",
        [(project_id, num, name) for num, name in arms],
    )
    ids: dict[str, int] = {}
    for event in events:
        cursor = db.execute(
            "INSERT INTO events (project_id, arm_num, event_name, day_offset, offset_min, "
            "offset_max, unique_event_name, custom_event_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                project_id,
                event.arm_num,
                event.name,
                event.day_offset,
                event.offset_min,
                event.offset_max,
                event.unique_name,
                event.custom_label,
            ),
        )
        ids[event.unique_name] = int(cursor.lastrowid or 0)
        db.executemany(
            "INSERT OR IGNORE INTO mappings (project_id, event_id, form_name) VALUES (?, ?, ?)",
            [(project_id, ids[event.unique_name], form) for form in event.forms],
        )
    only = next(iter(ids.values()))
    for event_name, form, label in definition.repeating:
        event_id = ids.get(event_name, only) if definition.events else only
        db.execute(
            "INSERT OR REPLACE INTO repeating (project_id, event_id, form_name, custom_form_label) "
            "VALUES (?, ?, ?, ?)",
            (project_id, event_id, form, label),
        )
    return ids


def _write_data(
    db: Database, project_id: int, definition: Definition, events: dict[str, int]
) -> None:
    only = next(iter(events.values()))

    def event_id(name: str) -> int:
        return events.get(name, only) if definition.events else only

    db.executemany(
        "INSERT OR IGNORE INTO data (project_id, record, event_id, instance, field_name, value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (project_id, record, event_id(event), instance, name, value)
            for record, event, instance, name, value in definition.values
        ],
    )
    for document in definition.documents:
        cursor = db.execute(
            "INSERT INTO documents (project_id, name, mime_type, content) VALUES (?, ?, ?, ?)",
            (project_id, document.name, document.mime_type, document.content),
        )
        db.execute(
            "INSERT OR REPLACE INTO data (project_id, record, event_id, instance, field_name, "
            "value) VALUES (?, ?, ?, ?, ?, ?)",
            (
                project_id,
                document.record,
                event_id(document.event),
                document.instance,
                document.field,
                str(cursor.lastrowid),
            ),
        )
    groups = {
        row["unique_group_name"]: row["group_id"]
        for row in db.rows("SELECT * FROM dags WHERE project_id = ?", (project_id,))
    }
    db.executemany(
        "INSERT OR REPLACE INTO record_dags (project_id, record, group_id) VALUES (?, ?, ?)",
        [
            (project_id, record, groups[unique])
            for record, unique in definition.record_dags.items()
            if unique in groups
        ],
    )
    db.executemany(
        "INSERT OR REPLACE INTO responses (project_id, record, event_id, form_name, instance, "
        "identifier, completion_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (project_id, record, event_id(event), form, instance, identifier, completed)
            for (record, event, form, instance), (
                identifier,
                completed,
            ) in definition.responses.items()
        ],
    )
