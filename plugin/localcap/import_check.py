"""Check every row of a record import before anything is written.

Checking follows REDCap's record import: field names, checkbox option columns, event names,
repeat columns, designation of forms for events, validation types and record names. Every
problem becomes one of REDCap's CSV-style lines (``"record","field","value","message"``); the
caller refuses the whole import when there is any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from instruments.naming import checkbox_column
from plugin.localcap.errors import import_line
from plugin.localcap.import_values import check_value
from plugin.localcap.project import Field, Project
from plugin.localcap.record_filters import missing_codes

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
DAG = "redcap_data_access_group"
SURVEY_IDENTIFIER = "redcap_survey_identifier"
_BAD_NAME = re.compile(r"[+&#'\n\r]|<br", re.IGNORECASE)
_INSTANCE = re.compile(r"^0*[1-9]\d*(\.0+)?$")

UNKNOWN_FIELD = "This field name does not exist in the project."
CHECKBOX_VALUE = "The value of a checkbox option must be 0, 1 or blank."
NO_REPEATING_SETUP = (
    "Trying to import repeat instance/instrument fields! This project has no repeating "
    "instruments or events, so redcap_repeat_instrument and redcap_repeat_instance must be blank."
)
INSTANCE_REQUIRED = (
    "The field 'redcap_repeat_instance' is required for a repeating instrument or event: give a "
    "positive integer or 'new'."
)
BAD_INSTANCE = "The value of redcap_repeat_instance must be a positive integer or 'new'."
NOT_REPEATING = "This row is not repeating, so redcap_repeat_instance must be blank or 1."


@dataclass
class PlannedRow:
    """One checked import row: where it goes (record as sent, event, form, instance) and what
    it writes."""

    sent: str
    event_id: int
    form: str
    instance: str
    values: list[tuple[Field, str]] = field(default_factory=list)
    boxes: list[tuple[Field, str, str]] = field(default_factory=list)
    dag: str | None = None
    record: str = ""


@dataclass
class Plan:
    """The rows of an import once checked, and every problem found (any problem: nothing is
    written)."""

    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RowChecker:
    """Checks one import row against the project and turns it into a :class:`PlannedRow`."""

    def __init__(self, project: Project, date_order: str, auto_number: bool) -> None:
        self.project = project
        self.missing = missing_codes(project)
        self.date_order = date_order
        self.auto_number = auto_number
        self.dags = {dag.unique_name for dag in project.dags}

    def check(self, row: dict[str, str], errors: list[str]) -> PlannedRow | None:
        """The row as a :class:`PlannedRow`, or None when it has a problem; every problem found is
        appended to ``errors``."""
        project = self.project
        sent = row.get(project.record_id, "").strip()
        before = len(errors)
        if not self.auto_number:
            self.check_name(sent, errors)
        event_id = self.event(sent, row, errors)
        if event_id is None:
            return None
        planned = PlannedRow(sent, event_id, *self.repeat(sent, event_id, row, errors))
        for column, raw in row.items():
            self.cell(planned, column, raw.strip(), errors)
        return planned if len(errors) == before else None

    def check_name(self, sent: str, errors: list[str]) -> None:
        """Append REDCap's refusal of a blank or too long record name, or one holding ``+ & # '``, a
        line break or ``<br>``."""
        problem = None
        if sent == "":
            problem = "The record name is blank: every row needs a value for the record ID field."
        elif len(sent) > 100:
            problem = "Record names may be at most 100 characters long."
        elif _BAD_NAME.search(sent):
            problem = "Record names cannot contain + & # or an apostrophe, nor line breaks or <br>."
        if problem:
            errors.append(import_line(sent, self.project.record_id, sent, problem))

    def event(self, sent: str, row: dict[str, str], errors: list[str]) -> int | None:
        """The row's event id (the first event when a longitudinal row has no ``redcap_event_name``
        column, as REDCap takes it), or None with the problem in ``errors``."""
        project = self.project
        name = row.get(EVENT, "").strip()
        if not project.longitudinal:
            if name and name not in project.event_map:
                errors.append(import_line(sent, EVENT, name, UNKNOWN_FIELD))
                return None
            return project.events[0].event_id
        if EVENT not in row:
            # PyCap's doctest imports into a longitudinal project without the column and REDCap
            # accepts it, putting the row in the first event.
            return project.events[0].event_id
        if name == "":
            errors.append(import_line(sent, EVENT, name, "The record event name is missing."))
            return None
        if name not in project.event_map:
            message = "This event name does not exist in the project."
            errors.append(import_line(sent, EVENT, name, message))
            return None
        return project.event_map[name].event_id

    def repeat(
        self, sent: str, event_id: int, row: dict[str, str], errors: list[str]
    ) -> tuple[str, str]:
        """The row's repeat instrument and instance (``"new"`` kept as sent; ``"1"`` where nothing
        repeats), each problem appended to ``errors``."""
        project = self.project
        form = row.get(REPEAT_INSTRUMENT, "").strip()
        instance = row.get(REPEAT_INSTANCE, "").strip()
        if not project.has_repeating:
            if form or instance:
                errors.append(import_line(sent, REPEAT_INSTANCE, instance, NO_REPEATING_SETUP))
            return "", "1"
        unique = project.event_by_id[event_id].unique_name
        if form and not project.repeats_form(event_id, form):
            message = (
                f"The instrument '{form}' is not a repeating instrument in the event '{unique}'."
            )
            errors.append(import_line(sent, REPEAT_INSTRUMENT, form, message))
            return form, "1"
        repeating = bool(form) or project.repeats_event(event_id)
        if not repeating:
            if instance not in ("", "1") and not (
                _INSTANCE.match(instance) and float(instance) == 1
            ):
                errors.append(import_line(sent, REPEAT_INSTANCE, instance, NOT_REPEATING))
            return "", "1"
        if instance == "":
            errors.append(import_line(sent, REPEAT_INSTANCE, instance, INSTANCE_REQUIRED))
        elif instance.lower() == "new":
            return form, "new"
        elif not _INSTANCE.match(instance):
            errors.append(import_line(sent, REPEAT_INSTANCE, instance, BAD_INSTANCE))
        else:
            return form, str(int(float(instance)))
        return form, "1"

    def cell(self, planned: PlannedRow, column: str, value: str, errors: list[str]) -> None:
        """Check one column's value and add it to ``planned``. The record ID, event and repeat
        columns are read elsewhere; calc, file and descriptive fields are skipped (an import
        writes none of them)."""
        project = self.project
        sent = planned.sent
        if column == project.record_id or column in (EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE):
            return
        if column == DAG:
            if value and value not in self.dags:
                message = "The value is not the unique group name of a data access group."
                errors.append(import_line(sent, column, value, message))
            planned.dag = value
            return
        option = project.checkbox_columns.get(column)
        item = project.field_map[option[0]] if option else project.field_map.get(column)
        if item is None:
            if (
                column != SURVEY_IDENTIFIER
                and column.removesuffix("_timestamp") not in project.form_map
            ):
                errors.append(import_line(sent, column, value, UNKNOWN_FIELD))
            return
        if item.is_checkbox and option is None:
            first = checkbox_column(item.name, item.choices[0][0]) if item.choices else item.name
            message = (
                f"CHECKBOX RENAME ERROR: {item.name} is a checkbox field: import each option as "
                f"its own column, such as {first}."
            )
            errors.append(import_line(sent, column, value, message))
            return
        if item.field_type in ("calc", "file", "descriptive"):
            return
        if value and not self.placed(planned, item, column, value, errors):
            return
        if option is not None:
            if value not in ("", "0", "1"):
                errors.append(import_line(sent, column, value, CHECKBOX_VALUE))
            planned.boxes.append((item, option[1], value))
            return
        # REDCap accepts a project's missing-data code in any field, whatever its type.
        if value and value not in self.missing:
            value, problem = check_value(item, value, self.date_order)
            if problem:
                errors.append(import_line(sent, column, value, problem))
                return
        planned.values.append((item, value))

    def placed(
        self, planned: PlannedRow, item: Field, column: str, value: str, errors: list[str]
    ) -> bool:
        """Whether a non-blank value may go in this row's event and repeat context."""
        project = self.project
        unique = project.event_by_id[planned.event_id].unique_name
        message = None
        if not project.designated(planned.event_id, item.form):
            message = (
                f"This field ({item.name}) exists on an instrument that is not designated for "
                f"the event named {unique}."
            )
        elif planned.form and item.form != planned.form:
            message = f"This field is not on the repeating instrument '{planned.form}'."
        elif not planned.form and project.repeats_form(planned.event_id, item.form):
            message = (
                f"The field '{item.name}' is on the repeating instrument '{item.form}', so the "
                "field 'redcap_repeat_instrument' is required in this row."
            )
        if message:
            errors.append(import_line(planned.sent, column, value, message))
        return message is None


def plan_import(project: Project, rows: list[dict[str, str]], date_order: str, auto: bool) -> Plan:
    """Check every row of a record import against the project, all problems in one pass."""
    plan = Plan()
    if rows and not any(project.record_id in row for row in rows):
        message = (
            f"The record ID field ({project.record_id}) is missing from the data being imported."
        )
        plan.errors.append(message)
        return plan
    checker = RowChecker(project, date_order, auto)
    seen: set[tuple[str, int, str, str]] = set()
    for row in rows:
        planned = checker.check(row, plan.errors)
        if planned is None:
            continue
        key = (planned.sent, planned.event_id, planned.form, planned.instance)
        if key in seen and planned.instance != "new":
            message = (
                "This record occurs more than once (in the same event and repeat instance) in the "
                "data being imported."
            )
            plan.errors.append(import_line(planned.sent, project.record_id, planned.sent, message))
        seen.add(key)
        plan.rows.append(planned)
    return plan


def number_records(plan: Plan, first: int | None) -> list[tuple[str, str]]:
    """Give each row its record name: the sent one, or the next free numbers when auto-numbering."""
    names: dict[str, str] = {}
    for row in plan.rows:
        if row.sent not in names:
            names[row.sent] = row.sent if first is None else str(first + len(names))
        row.record = names[row.sent]
    return [(new, sent) for sent, new in names.items()]
