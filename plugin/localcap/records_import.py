"""``content=record`` import: check all rows, then write all of them or nothing.

Writing follows ``overwriteBehavior``: ``normal`` ignores blank values, ``overwrite`` erases
with them. The touched records' data is read into memory, changed there (a form that receives
data and has no status gets status 0, as REDCap sets it), calc fields are recomputed over it,
and only the changed values are written back in one transaction. Each record's change is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from instruments.naming import complete_field
from plugin.localcap import answers
from plugin.localcap.calc import Store, StoreKey, recompute
from plugin.localcap.errors import ApiError
from plugin.localcap.import_check import Plan, PlannedRow, number_records, plan_import
from plugin.localcap.import_data import read_rows
from plugin.localcap.import_values import DATE_ORDERS
from plugin.localcap.params import Format, Params
from plugin.localcap.project import Field, Project
from plugin.localcap.rows import chunks, next_record_name, stored_values
from plugin.localcap.storage import Database, record_action

RETURN_CONTENTS = ("count", "ids", "auto_ids", "nothing")


EntryKey = tuple[str, int, int]  # record, event_id, instance: REDCap logs each apart


@dataclass
class Changes:
    """What one import did, for the log: per record, event and instance the rows reached (in the
    order reached), the changes as REDCap lists them."""

    by_entry: dict[EntryKey, list[str]] = field(default_factory=dict)

    def reach(self, key: EntryKey) -> None:
        """Note that a row reached ``key``, even when it changes nothing there."""
        self.by_entry.setdefault(key, [])

    def note(self, key: EntryKey, text: str) -> None:
        """Add one change to what the log says of ``key``."""
        self.by_entry.setdefault(key, []).append(text)


class Writer:
    """Applies planned rows to the in-memory data of the records they touch."""

    def __init__(self, project: Project, store: Store, overwrite: bool) -> None:
        self.project = project
        self.store = store
        self.overwrite = overwrite
        self.touched: set[StoreKey] = set()
        self.changes = Changes()
        self.dags: dict[str, str | None] = {}
        self.new_instances: dict[tuple[str, int, str], int] = {}

    def apply(self, row: PlannedRow) -> None:
        """Write the row's values into the store (blanks only when overwriting); a form that
        receives data and has no status gets status 0, as REDCap sets it."""
        project = self.project
        instance = self.instance(row)
        base = instance if project.repeats_event(row.event_id) else 1
        self.changes.reach((row.record, row.event_id, instance))
        self.put(row, base, project.record_id, row.record, quiet=True)
        filled: set[str] = set()
        given = {item.form for item, _ in row.values if item.status}
        for item, value in row.values:
            if value == "" and not self.overwrite:
                continue
            self.put(row, instance, item.name, value)
            if value and item.name != project.record_id and not item.status:
                filled.add(item.form)
        for item, code, value in row.boxes:
            if value == "" and not self.overwrite:
                continue
            self.check(row, instance, item, code, value == "1")
            if value == "1":
                filled.add(item.form)
        for form in filled - given:
            key = (row.record, row.event_id, instance, complete_field(form))
            if key not in self.store:
                self.put(row, instance, complete_field(form), "0")
        if row.dag is not None and (row.dag or self.overwrite):
            self.dags[row.record] = row.dag or None

    def instance(self, row: PlannedRow) -> int:
        """The row's instance number; for ``new``, the next one free for its record, event and form
        (any form of a repeating event)."""
        if row.instance != "new":
            return int(row.instance)
        scope = (row.record, row.event_id, row.form)
        forms = {row.form} if row.form else {form.name for form in self.project.forms}
        names = {item.name for item in self.project.data_fields if item.form in forms}
        used = [
            instance
            for (record, event_id, instance, name) in self.store
            if record == row.record and event_id == row.event_id and name in names
        ]
        number = max([*used, self.new_instances.get(scope, 0)], default=0) + 1
        self.new_instances[scope] = number
        return number

    def put(
        self, row: PlannedRow, instance: int, name: str, value: str, quiet: bool = False
    ) -> None:
        """Set one stored value (a blank removes it) and note the change, unless it changes nothing
        or ``quiet``."""
        key = (row.record, row.event_id, instance, name)
        new = {value} if value != "" else set()
        if self.store.get(key, set()) == new:
            return
        if new:
            self.store[key] = new
        else:
            self.store.pop(key, None)
        self.touched.add(key)
        if not quiet:
            self.changes.note((row.record, row.event_id, instance), f"{name} = '{value}'")

    def check(self, row: PlannedRow, instance: int, item: Field, code: str, checked: bool) -> None:
        """Tick or untick one checkbox option and note the change, unless it changes nothing."""
        key = (row.record, row.event_id, instance, item.name)
        codes = set(self.store.get(key, set()))
        if (code in codes) == checked:
            return
        if checked:
            codes.add(code)
        else:
            codes.discard(code)
        if codes:
            self.store[key] = codes
        else:
            self.store.pop(key, None)
        self.touched.add(key)
        self.changes.note(
            (row.record, row.event_id, instance),
            f"{item.name}({code}) = {'checked' if checked else 'unchecked'}",
        )


def existing_records(db: Database, project_id: int, records: list[str]) -> set[str]:
    """Which of ``records`` already hold data in the project."""
    found: set[str] = set()
    for part in chunks(records):
        marks = ", ".join("?" for _ in part)
        for row in db.execute(
            f"SELECT DISTINCT record FROM data WHERE project_id = ? AND record IN ({marks})",
            (project_id, *part),
        ):
            found.add(row["record"])
    return found


def write_store(db: Database, project_id: int, store: Store, keys: set[StoreKey]) -> None:
    """Replace the stored values of every key in ``keys`` with the ones ``store`` holds."""
    ordered_keys = sorted(keys)
    db.executemany(
        "DELETE FROM data WHERE project_id = ? AND record = ? AND event_id = ? AND instance = ? "
        "AND field_name = ?",
        [(project_id, *key) for key in ordered_keys],
    )
    db.executemany(
        "INSERT INTO data (project_id, record, event_id, instance, field_name, value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(project_id, *key, value) for key in ordered_keys for value in store.get(key, set())],
    )


def apply_plan(
    db: Database,
    project: Project,
    plan: Plan,
    overwrite: bool,
    username: str,
    *,
    via: str = "API",
    also: Callable[[], None] | None = None,
) -> None:
    """Write ``plan`` in one transaction, logged as made through ``via`` ("API", "survey");
    ``also`` runs inside the same transaction (the survey pages record the response there)."""
    records = list(dict.fromkeys(row.record for row in plan.rows))
    existed = existing_records(db, project.project_id, records)
    store: Store = {}
    for record, event_id, instance, name, value in stored_values(db, project.project_id, records):
        store.setdefault((record, event_id, instance, name), set()).add(value)
    writer = Writer(project, store, overwrite)
    for row in plan.rows:
        writer.apply(row)
    calculated = recompute(project, store)
    with db.transaction():
        write_store(db, project.project_id, store, writer.touched | calculated)
        _write_dags(db, project, writer.dags)
        _log(db, project, username, existed, writer.changes, store, calculated, via)
        if also is not None:
            also()


def _write_dags(db: Database, project: Project, dags: dict[str, str | None]) -> None:
    groups = {dag.unique_name: dag.group_id for dag in project.dags}
    for record, unique in dags.items():
        db.execute(
            "DELETE FROM record_dags WHERE project_id = ? AND record = ?",
            (project.project_id, record),
        )
        if unique is not None:
            db.execute(
                "INSERT INTO record_dags (project_id, record, group_id) VALUES (?, ?, ?)",
                (project.project_id, record, groups[unique]),
            )


def _log(
    db: Database,
    project: Project,
    username: str,
    existed: set[str],
    changes: Changes,
    store: Store,
    calculated: set[StoreKey],
    via: str,
) -> None:
    """One entry per record, event and instance changed (Logging::logEvent logs one event and
    one instance); a record new to the project is created in each of them."""
    pid = project.project_id
    for key, noted in changes.by_entry.items():
        record = key[0]
        listed = ", ".join(noted)
        if record not in existed:
            listed = listed or f"{project.record_id} = '{record}'"
            verb, kind = "create", "record_add"
        elif noted:
            verb, kind = "update", "record_edit"
        else:
            continue
        action = record_action(verb, record, via, event=_event_label(project, key[1]))
        db.log(pid, username, kind, action, _instance_details(key[2], listed), record)
    by_entry: dict[EntryKey, list[str]] = {}
    for stored in sorted(calculated):
        value = next(iter(store.get(stored, {""})))
        by_entry.setdefault(stored[:3], []).append(f"{stored[3]} = '{value}'")
    for (record, event_id, instance), noted in by_entry.items():
        event = _event_label(project, event_id)
        action = record_action("update", record, via, calculated=True, event=event)
        db.log(
            pid,
            username,
            "record_edit",
            action,
            _instance_details(instance, ", ".join(noted)),
            record,
        )


def _event_label(project: Project, event_id: int) -> str:
    """The event a longitudinal project's entry names (renderLogRow's ``name_ext``); none in a
    classic project."""
    if not project.longitudinal:
        return ""
    return project.event_label(project.event_by_id[event_id])


def _instance_details(instance: int, details: str) -> str:
    """Logging::logEvent puts ``[instance = N]`` before the changes of an instance above 1, its
    line break a space in the export."""
    if instance <= 1:
        return details
    return f"[instance = {instance}]" + (f", {details}" if details else "")


def import_answer(fmt: Format, content: str, names: list[tuple[str, str]]) -> answers.Answer:
    """REDCap's answer to an import: the count, the record names, or the auto-numbered pairs."""
    kind = answers.CONTENT_TYPES[fmt]
    if content == "nothing":
        return answers.Answer("", kind)
    if content == "count":
        if fmt == "json":
            return answers.Answer(f'{{"count": {len(names)}}}', kind)
        if fmt == "csv":
            return answers.Answer(str(len(names)), kind)
        return answers.Answer(f"{answers.XML_HEAD}<count>{len(names)}</count>", kind)
    if content == "ids":
        items = [new for new, _ in names]
        header = "id"
    else:
        items = [f"{new},{sent}" for new, sent in names]
        header = "id,original_id"
    if fmt == "json":
        return answers.Answer(answers.php_json(items), kind)
    if fmt == "csv":
        return answers.Answer("\n".join([header, *items]), kind)
    ids = "".join(f"<id>{item}</id>" for item in items)
    return answers.Answer(f"{answers.XML_HEAD}<ids>{ids}</ids>", kind)


def import_records(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import Records: every row checked, then all written in one transaction or none; the
    answer is what ``returnContent`` asks for (count, ids, auto_ids or nothing). Refused with every
    problem listed."""
    overwrite = params.choice("overwriteBehavior", ("normal", "overwrite"), "normal") == "overwrite"
    content = params.choice("returnContent", RETURN_CONTENTS, "count")
    date_order = params.choice("dateFormat", DATE_ORDERS, "YMD")
    auto = params.flag("forceAutoNumber")
    rows = read_rows(params.text("data"), params.format)
    plan = plan_import(project, rows, date_order, auto)
    if plan.errors:
        raise ApiError("\n".join(plan.errors))
    names = number_records(plan, next_record_name(db, project.project_id) if auto else None)
    apply_plan(db, project, plan, overwrite, username)
    return import_answer(params.return_format, content, names)
