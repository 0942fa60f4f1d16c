"""Stored values gathered into export rows, and REDCap's orders for records and rows.

A row is one record in one event, and for repeating data one instance: the base row of an event
(instance 1), one row per instance of a repeating instrument, or one row per instance of a
repeating event. Which row a stored value lands in follows from the project's repeating settings
at read time, exactly as REDCap decides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from plugin.localcap.project import Project
from plugin.localcap.storage import Database

RowKey = tuple[str, int, str, int]  # record, event_id, repeat instrument ("" for none), instance
Stored = tuple[str, int, int, str, str]  # record, event_id, instance, field, value
_CHUNK = 500
_DIGITS = re.compile(r"(\d+)")


@dataclass
class RecordRow:
    """One export row: a record in one event, with its repeat instrument ("" for none) and instance;
    ``values`` by field, a checkbox's ticked codes in ``checked``."""

    record: str
    event_id: int
    instrument: str
    instance: int
    values: dict[str, str] = field(default_factory=dict)
    checked: dict[str, set[str]] = field(default_factory=dict)

    @property
    def key(self) -> RowKey:
        """(record, event id, repeat instrument, instance): what identifies the row."""
        return (self.record, self.event_id, self.instrument, self.instance)


def row_slot(project: Project, event_id: int, name: str, instance: int) -> tuple[str, int] | None:
    """The (repeat instrument, instance) of the row a stored value belongs to, None if orphaned."""
    found = project.field_map.get(name)
    if found is None:
        return None
    if name == project.record_id:
        if project.repeats_event(event_id):
            return ("", instance)
        return ("", 1) if instance == 1 else None
    if project.repeats_form(event_id, found.form):
        return (found.form, instance)
    if project.repeats_event(event_id):
        return ("", instance)
    return ("", 1) if instance == 1 else None


def record_names(db: Database, project_id: int) -> list[str]:
    """Every record that holds data in the project."""
    rows = db.rows("SELECT DISTINCT record FROM data WHERE project_id = ?", (project_id,))
    return [row["record"] for row in rows]


def chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    """``items`` in slices small enough for one SQL ``IN`` list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(db: Database, project: Project, records: list[str]) -> dict[RowKey, RecordRow]:
    """Every row of ``records`` that holds data, keyed by :data:`RowKey`."""
    return build_rows(project, stored_values(db, project.project_id, records))


def stored_values(db: Database, project_id: int, records: list[str]) -> Iterator[Stored]:
    """(record, event_id, instance, field, value) for every stored value of ``records``."""
    for part in chunks(records):
        marks = ", ".join("?" for _ in part)
        yield from db.execute(
            "SELECT record, event_id, instance, field_name, value FROM data "
            f"WHERE project_id = ? AND record IN ({marks})",
            (project_id, *part),
        )


def build_rows(project: Project, values: Iterable[Stored]) -> dict[RowKey, RecordRow]:
    """Stored values gathered into rows, one per (record, event, repeating form, instance)."""
    rows: dict[RowKey, RecordRow] = {}
    for record, event_id, instance, name, value in values:
        slot = row_slot(project, event_id, name, instance)
        if slot is None or event_id not in project.event_by_id:
            continue
        key = (record, event_id, slot[0], slot[1])
        row = rows.get(key)
        if row is None:
            row = rows[key] = RecordRow(record, event_id, slot[0], slot[1])
        if project.field_map[name].is_checkbox:
            row.checked.setdefault(name, set()).add(value)
        else:
            row.values[name] = value
    return rows


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """PHP ``natcasesort``: digit runs compare as numbers, the rest without case."""
    parts = _DIGITS.split(name.lower())
    return tuple(
        (0, int(part), "") if position % 2 else (1, 0, part)
        for position, part in enumerate(parts)
        if part != ""
    ) + ((2, 0, name),)


def eav_key(name: str) -> tuple[int, int, str]:
    """EAV exports sort in SQL: numeric record names first, by value, then the others."""
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def ordered(project: Project, rows: Iterable[RecordRow], eav: bool = False) -> list[RecordRow]:
    """Records in REDCap's order, then events in event order, base rows before repeats."""
    record_key = eav_key if eav else natural_key

    def key(row: RecordRow) -> tuple[object, ...]:
        form = project.form_order.get(row.instrument, -1) if row.instrument else -1
        return (record_key(row.record), project.event_order[row.event_id], form, row.instance)

    return sorted(rows, key=key)


def owns(project: Project, row: RecordRow, form: str) -> bool:
    """Whether ``row`` shows the fields of ``form`` (other rows leave them blank)."""
    if row.instrument:
        return form == row.instrument
    return not project.repeats_form(row.event_id, form)


def next_record_name(db: Database, project_id: int) -> int:
    """REDCap's next automatic record name: the largest integer record name plus one."""
    found = db.rows(
        "SELECT MAX(CAST(record AS INTEGER)) AS top FROM data "
        "WHERE project_id = ? AND record GLOB '[0-9]*' AND record NOT GLOB '*[^0-9]*'",
        (project_id,),
    )
    top = found[0]["top"] if found else None
    return int(top or 0) + 1
