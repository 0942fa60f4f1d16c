"""Stored values gathered into export rows, and REDCap's orders for records and rows.

A row is one record in one event, and for repeating data one instance: the base row of an event
(instance 1), one row per instance of a repeating instrument, or one row per instance of a
repeating event. Which row a stored value lands in follows from the project's repeating settings
at read time, exactly as REDCap decides it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugin.localcap.project import Project
from plugin.localcap.storage import Database

RowKey = tuple[str, int, str, int]  # record, event_id, repeat instrument ("" for none), instance
Stored = tuple[str, int, int, str, str]  # record, event_id, instance, field, value
RowForm = tuple[str, int, int, str]  # record, event_id, instance, form ("" for the record id)
Grouped = tuple[str, int, int, str, str]  # record, event_id, instance, names and values (JSON)
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


def record_names(db: Database, project_id: int, among: Iterable[str] | None = None) -> list[str]:
    """Every record that holds data in the project; with ``among``, only those of them, in text
    order (each looked up through the primary key, so the project's other values are never
    read)."""
    if among is None:
        # A seek to the next record name through the primary key, once per record: a plain
        # SELECT DISTINCT reads every stored value of the project.
        rows = db.execute(
            "WITH RECURSIVE names(record) AS ("
            " SELECT MIN(record) FROM data WHERE project_id = ?1"
            " UNION ALL SELECT (SELECT MIN(record) FROM data"
            "  WHERE project_id = ?1 AND record > names.record)"
            " FROM names WHERE names.record IS NOT NULL"
            ") SELECT record FROM names WHERE record IS NOT NULL",
            (project_id,),
        )
        return [row[0] for row in rows]
    # One seek per listed record, stopping at its first value (a DISTINCT over an IN list reads
    # every value of every listed record).
    rows = db.execute(
        "SELECT listed.value FROM json_each(?) AS listed WHERE EXISTS (SELECT 1 FROM data"
        " WHERE project_id = ? AND record = listed.value) ORDER BY listed.key",
        (json.dumps(sorted(set(among))), project_id),
    )
    return [row[0] for row in rows]


def chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    """``items`` in slices small enough for one SQL ``IN`` list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(
    db: Database, project: Project, records: list[str], fields: Sequence[str] | None = None
) -> dict[RowKey, RecordRow]:
    """Every row of ``records`` that holds data, keyed by :data:`RowKey`.

    With ``fields``, the rows are the same (a row exists when any of its fields holds a value)
    but they hold the values of ``fields`` only: which rows exist is read in SQL, one entry per
    row and form, and only the values of ``fields`` come to Python.
    """
    rows: dict[RowKey, RecordRow] = {}
    if fields is not None:
        rows = {key: RecordRow(*key) for key in existing_rows(db, project, records)}
    return gather_rows(project, grouped_values(db, project.project_id, records, fields), rows)


def grouped_values(
    db: Database, project_id: int, records: list[str], fields: Sequence[str] | None = None
) -> Iterator[Grouped]:
    """The stored values of ``records`` (of ``fields`` only, when given) as one entry per
    (record, event_id, instance): its field names and values as two JSON arrays, in the order
    :func:`stored_values` gives them (SQLite builds the arrays, far faster than a Python tuple
    per value)."""
    columns = "record, event_id, instance, json_group_array(field_name), json_group_array(value)"
    grouping = " GROUP BY record, event_id, instance"
    yield from _values_of(db, project_id, records, fields, columns, grouping)


def gather_rows(
    project: Project, groups: Iterable[Grouped], rows: dict[RowKey, RecordRow]
) -> dict[RowKey, RecordRow]:
    """:func:`build_rows` of grouped values (added to ``rows``): the same rows.

    In an event where nothing repeats every known field lands on the base row, and only on
    instance 1, so such a group fills its row at once; any other group goes value by value
    through :func:`build_rows`.
    """
    known = set(project.field_map)
    checkboxes = {item.name for item in project.field_map.values() if item.is_checkbox}
    plain = known - checkboxes
    repeating = {event_id for event_id, _ in project.repeating}
    simple = {event.event_id for event in project.events if event.event_id not in repeating}
    others: list[Stored] = []
    # Most rows hold the same fields, so their names' JSON is parsed once (never changed).
    parsed: dict[str, list[str]] = {}
    for record, event_id, instance, names_text, values_text in groups:
        names = parsed.get(names_text)
        if names is None:
            names = parsed[names_text] = json.loads(names_text)
        values = json.loads(values_text)
        if event_id not in simple:
            others += [
                (record, event_id, instance, *pair) for pair in zip(names, values, strict=True)
            ]
            continue
        if instance != 1 or known.isdisjoint(names):
            continue  # orphaned values only
        key = (record, event_id, "", 1)
        row = rows.get(key)
        if row is None:
            row = rows[key] = RecordRow(*key)
        if plain.issuperset(names):
            row.values.update(zip(names, values, strict=True))
            continue
        for name, value in zip(names, values, strict=True):
            if name in checkboxes:
                row.checked.setdefault(name, set()).add(value)
            elif name in known:
                row.values[name] = value
    return build_rows(project, others, rows)


def existing_rows(db: Database, project: Project, records: list[str]) -> set[RowKey]:
    """The rows of ``records`` that hold a value in any field.

    With one event and nothing repeating, a record's only possible row is the event's base row,
    and a record whose record id is stored there has it: those are found through the record id
    field's index alone. Only the others (a record whose record id is not stored, or whose only
    values are orphaned) have their values' forms read.
    """
    only = single_row_event(project)
    rest = records
    found: set[RowKey] = set()
    if only is not None:
        named = set(base_records(db, project, records, only))
        found = {(record, only, "", 1) for record in named}
        rest = [record for record in records if record not in named]
    rules = SlotRules(project)
    for record, event_id, instance, form in row_forms(db, project, rest) if rest else ():
        slot = rules.slot(event_id, form, instance)
        if slot is not None:
            found.add((record, event_id, slot[0], slot[1]))
    return found


def single_row_event(project: Project) -> int | None:
    """The event id when the project has one event and nothing repeats (every row is a record's
    base row there), else None."""
    if len(project.events) == 1 and not project.repeating:
        return project.events[0].event_id
    return None


def base_records(
    db: Database, project: Project, records: list[str], event_id: int
) -> Iterator[str]:
    """Those of ``records`` whose record id is stored on ``event_id``'s instance 1."""
    cursor = db.connection.cursor()
    cursor.row_factory = None
    for part in chunks(records):
        marks = ", ".join("?" for _ in part)
        for (record,) in cursor.execute(
            "SELECT record FROM data WHERE project_id = ? AND field_name = ? AND event_id = ? "
            f"AND instance = 1 AND record IN ({marks})",
            (project.project_id, project.record_id, event_id, *part),
        ):
            yield record


def stored_values(
    db: Database, project_id: int, records: list[str], fields: Sequence[str] | None = None
) -> Iterator[Stored]:
    """(record, event_id, instance, field, value) for every stored value of ``records`` (of
    ``fields`` only, when given)."""
    columns = "record, event_id, instance, field_name, value"
    yield from _values_of(db, project_id, records, fields, columns)


def _values_of(
    db: Database,
    project_id: int,
    records: list[str],
    fields: Sequence[str] | None,
    columns: str,
    grouping: str = "",
) -> Iterator[Any]:
    """``SELECT columns`` over the stored values of ``records`` (of ``fields`` only, when given),
    a chunk of records at a time."""
    cursor = db.connection.cursor()
    cursor.row_factory = None  # plain tuples: a sqlite3.Row per value costs more than the value
    only = ""
    if fields is not None:
        only = f" AND field_name IN ({', '.join('?' for _ in fields)})"
    for part in chunks(records):
        marks = ", ".join("?" for _ in part)
        yield from cursor.execute(
            f"SELECT {columns} FROM data "
            f"WHERE project_id = ? AND record IN ({marks}){only}{grouping}",
            (project_id, *part, *(fields or ())),
        )


def row_forms(db: Database, project: Project, records: list[str]) -> Iterator[RowForm]:
    """(record, event_id, instance, form) once for each form holding a value there; the record
    id field's form is "" (its row does not follow its form's repeating)."""
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS field_forms "
        "(field_name TEXT PRIMARY KEY, form_name TEXT NOT NULL) WITHOUT ROWID"
    )
    db.execute("DELETE FROM temp.field_forms")
    db.executemany(
        "INSERT INTO temp.field_forms (field_name, form_name) VALUES (?, ?)",
        [
            (name, "" if name == project.record_id else item.form)
            for name, item in project.field_map.items()
        ],
    )
    cursor = db.connection.cursor()
    cursor.row_factory = None
    for part in chunks(records):
        marks = ", ".join("?" for _ in part)
        yield from cursor.execute(
            "SELECT DISTINCT data.record, data.event_id, data.instance, forms.form_name "
            "FROM data JOIN temp.field_forms AS forms ON forms.field_name = data.field_name "
            f"WHERE data.project_id = ? AND data.record IN ({marks})",
            (project.project_id, *part),
        )


class SlotRules:
    """Which row a stored value lands in, decided once per (event, field) or (event, form).

    The record id sits on the event's base row (each instance's, when the event repeats); a
    field of a form that repeats in the event on that form's instance row; any other field on
    the base row, or each instance's in a repeating event. A value of an unknown field or event,
    or of an instance other than 1 where nothing repeats, is orphaned.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.by_field: dict[tuple[int, str], tuple[str, bool] | None] = {}
        self.by_form: dict[tuple[int, str], tuple[str, bool] | None] = {}

    def field_rule(self, event_id: int, name: str) -> tuple[str, bool] | None:
        """(repeat instrument, whether each instance is its own row), None for an unknown field or
        event."""
        key = (event_id, name)
        if key not in self.by_field:
            found = self.project.field_map.get(name)
            self.by_field[key] = (
                None
                if found is None
                else self._rule(event_id, "" if name == self.project.record_id else found.form)
            )
        return self.by_field[key]

    def slot(self, event_id: int, form: str, instance: int) -> tuple[str, int] | None:
        """The (repeat instrument, instance) of a value of ``form`` ("" for the record id)."""
        key = (event_id, form)
        if key not in self.by_form:
            self.by_form[key] = self._rule(event_id, form)
        return _place(self.by_form[key], instance)

    def _rule(self, event_id: int, form: str) -> tuple[str, bool] | None:
        project = self.project
        if event_id not in project.event_by_id:
            return None
        if form and project.repeats_form(event_id, form):
            return (form, True)
        return ("", project.repeats_event(event_id))


def _place(rule: tuple[str, bool] | None, instance: int) -> tuple[str, int] | None:
    if rule is None:
        return None
    if rule[1]:
        return (rule[0], instance)
    return ("", 1) if instance == 1 else None


def build_rows(
    project: Project, values: Iterable[Stored], rows: dict[RowKey, RecordRow] | None = None
) -> dict[RowKey, RecordRow]:
    """Stored values gathered into rows (added to ``rows``), one per (record, event, repeating
    form, instance)."""
    rows = {} if rows is None else rows
    rules = SlotRules(project)
    decided = rules.by_field
    checkboxes = {item.name for item in project.field_map.values() if item.is_checkbox}
    key: RowKey | None = None
    row = RecordRow("", 0, "", 0)
    for record, event_id, instance, name, value in values:
        try:
            rule = decided[(event_id, name)]
        except KeyError:
            rule = rules.field_rule(event_id, name)
        if rule is None or (instance != 1 and not rule[1]):
            continue
        here = (record, event_id, rule[0], instance)
        if here != key:  # values come grouped by row, so the dictionary is rarely asked
            key = here
            found = rows.get(key)
            if found is None:
                found = rows[key] = RecordRow(*key)
            row = found
        if name in checkboxes:
            row.checked.setdefault(name, set()).add(value)
        else:
            row.values[name] = value
    return rows


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """PHP ``natcasesort``: digit runs compare as numbers, the rest without case."""
    if name.isdecimal():  # most record names: the same key, without the split
        return ((0, int(name), ""), (2, 0, name))
    parts = _DIGITS.split(name.lower())
    return tuple(
        (0, int(part), "") if position % 2 else (1, 0, part)
        for position, part in enumerate(parts)
        if part != ""
    ) + ((2, 0, name),)


def eav_key(name: str) -> tuple[int, int, str]:
    """EAV exports sort in SQL: numeric record names first, by value, then the others."""
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def ordered(
    project: Project,
    rows: Iterable[RecordRow],
    eav: bool = False,
    rank: dict[str, int] | None = None,
) -> list[RecordRow]:
    """Records in REDCap's order (or by ``rank``, each record's place in that order when it is
    known already), then events in event order, base rows before repeats."""
    record_key: Callable[[str], object] = (
        rank.__getitem__ if rank is not None else (eav_key if eav else natural_key)
    )

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
