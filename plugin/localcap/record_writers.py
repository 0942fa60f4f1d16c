"""Write exported record rows as REDCap does, flat or EAV, in json, csv or xml.

Flat columns (§2.2): the record id, ``redcap_event_name`` (longitudinal), the two repeat columns
(any repeating setup), ``redcap_data_access_group``, ``redcap_survey_identifier``, then the
fields in metadata order with checkboxes expanded and each survey's ``<form>_timestamp`` before
its first field. A row shows only the fields it owns; a checkbox or form status on a form not
designated for the event is blank, on a designated one ``0`` by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from instruments.naming import checkbox_column
from instruments.validation_types import lookup
from plugin.localcap import answers
from plugin.localcap.project import Field, Project
from plugin.localcap.rows import RecordRow, chunks, owns
from plugin.localcap.storage import Database

if TYPE_CHECKING:
    from plugin.localcap.records_export import ExportOptions

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
DAG = "redcap_data_access_group"
SURVEY_IDENTIFIER = "redcap_survey_identifier"
NOT_COMPLETED = "[not completed]"  # the timestamp of a partial survey response
FIXED_HEADERS = {
    EVENT: "Event Name",
    REPEAT_INSTRUMENT: "Repeat Instrument",
    REPEAT_INSTANCE: "Repeat Instance",
    DAG: "Data Access Group",
    SURVEY_IDENTIFIER: "Survey Identifier",
}
_TAGS = re.compile(r"<[^>]*>")
Cell = str | int


@dataclass
class Lookups:
    """What rows do not hold: DAGs, survey responses and file names."""

    dags: dict[str, int] = field(default_factory=dict)
    responses: dict[tuple[str, int, str, int], tuple[str, str]] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        db: Database,
        project: Project,
        records: list[str],
        selected: list[Field],
        documents: dict[str, str] | None = None,
    ) -> Lookups:
        """The lookups for ``records``; file names only when a file field is among ``selected``
        (or ``documents``, when they were read already)."""
        found = cls(documents=dict(documents or {}))
        unique = sorted(set(records))
        for part in chunks(unique):
            marks = ", ".join("?" for _ in part)
            args = (project.project_id, *part)
            for row in db.execute(
                "SELECT record, group_id FROM record_dags "
                f"WHERE project_id = ? AND record IN ({marks})",
                args,
            ):
                found.dags[row["record"]] = row["group_id"]
            for row in db.execute(
                "SELECT record, event_id, form_name, instance, identifier, completion_time "
                f"FROM responses WHERE project_id = ? AND record IN ({marks})",
                args,
            ):
                key = (row["record"], row["event_id"], row["form_name"], row["instance"])
                completed = row["completion_time"] or NOT_COMPLETED
                found.responses[key] = (row["identifier"], completed)
        if any(item.field_type == "file" for item in selected):
            for row in db.execute(
                "SELECT doc_id, name FROM documents WHERE project_id = ?", (project.project_id,)
            ):
                found.documents[str(row["doc_id"])] = row["name"]
        return found


class ValueWriter:
    """Turns stored values into exported text: labels, decimal marks, file names, defaults."""

    def __init__(self, project: Project, lookups: Lookups, options: ExportOptions) -> None:
        self.project = project
        self.lookups = lookups
        self.options = options

    def value(self, item: Field, row: RecordRow) -> str:
        """A field's exported cell in ``row``: a blank form status is ``0`` on a designated form
        (unless ``exportBlankForGrayFormStatus``), a file is its name, a number takes the requested
        decimal mark, and a choice its label in label mode."""
        stored = row.values.get(item.name, "")
        if item.status:
            if stored == "" and not self.options.blank_gray:
                stored = "0" if self.project.designated(row.event_id, item.form) else ""
            return self.label(item, stored)
        if item.field_type == "file":
            return self.lookups.documents.get(stored, stored)
        if stored and self.options.decimal and _numeric(item):
            other = "," if self.options.decimal == "." else "."
            stored = stored.replace(other, self.options.decimal)
        return self.label(item, stored)

    def label(self, item: Field, stored: str) -> str:
        """``stored`` as its choice's label in label mode (an unknown code as it is), else as
        stored."""
        if self.options.label and stored != "":
            return item.labels.get(stored, stored)
        return stored

    def checkbox(self, item: Field, row: RecordRow) -> list[str]:
        """One cell per option: ``1``/``0``, ``Checked``/``Unchecked`` in label mode or the
        option's label with ``exportCheckboxLabel``; all blank on a form not designated for the
        row's event."""
        codes = row.checked.get(item.name)
        if codes is None and not self.project.designated(row.event_id, item.form):
            return ["" for _ in item.choices]
        codes = codes or set()
        if not self.options.label:
            return ["1" if code in codes else "0" for code, _ in item.choices]
        if self.options.checkbox_labels:
            return [label if code in codes else "" for code, label in item.choices]
        return ["Checked" if code in codes else "Unchecked" for code, _ in item.choices]

    def event(self, row: RecordRow) -> str:
        """The row's ``redcap_event_name``: the unique name, or in label mode the event's label."""
        event = self.project.event_by_id[row.event_id]
        return self.project.event_label(event) if self.options.label else event.unique_name

    def instrument(self, row: RecordRow) -> str:
        """The row's ``redcap_repeat_instrument``: the form's name, or its label in label mode;
        blank outside a repeating instrument."""
        if not row.instrument or not self.options.label:
            return row.instrument
        return self.project.form_map[row.instrument].label

    def instance(self, row: RecordRow) -> Cell:
        """The row's ``redcap_repeat_instance``, blank when the row does not repeat."""
        if row.instrument or self.project.repeats_event(row.event_id):
            return row.instance
        return ""

    def dag(self, record: str) -> str:
        """The record's ``redcap_data_access_group``: the unique name, or the DAG's name in label
        mode; blank in no DAG."""
        group = self.project.dag_by_id.get(self.lookups.dags.get(record, -1))
        if group is None:
            return ""
        return group.name if self.options.label else group.unique_name

    def response(self, row: RecordRow, form: str) -> tuple[str, str]:
        """The survey identifier and completion time (``[not completed]`` for a partial one)
        of the row's response to ``form``; blanks when there is none."""
        instance = (
            row.instance if (row.instrument or self.project.repeats_event(row.event_id)) else 1
        )
        return self.lookups.responses.get((row.record, row.event_id, form, instance), ("", ""))

    def identifier(self, row: RecordRow) -> str:
        """The row's ``redcap_survey_identifier``: that of its first survey response, in form
        order."""
        for form in self.project.survey_forms:
            identifier = self.response(row, form)[0]
            if identifier:
                return identifier
        return ""


def _numeric(item: Field) -> bool:
    if item.field_type == "calc":
        return True
    found = lookup(item.validation) if item.field_type == "text" else None
    return found is not None and found.family in ("number", "integer")


def _plain(label: str) -> str:
    return _TAGS.sub("", label).strip()


@dataclass
class Column:
    """One column of a flat record export: its name, its label header and what fills it."""

    name: str
    header: str
    kind: str  # "id", "fixed", "timestamp", "field", "option"
    item: Field | None = None
    index: int = 0
    plain: bool = False  # a field's cell is its stored value as it is

    @property
    def form(self) -> str:
        """The form whose rows show the column: its field's, or its survey's for a timestamp."""
        if self.item is not None:
            return self.item.form
        return self.name.removesuffix("_timestamp") if self.kind == "timestamp" else ""


def flat_columns(project: Project, selected: list[Field], options: ExportOptions) -> list[Column]:
    """The columns of a flat record export in REDCap's order: the record id, the event, repeat
    and DAG columns, then the selected fields (a checkbox's one per option)."""
    columns: list[Column] = []
    by_name = {item.name: item for item in selected}
    record_id = by_name.get(project.record_id)
    if record_id is not None:
        columns.append(Column(record_id.name, _plain(record_id.label), "id", record_id))
    fixed: list[str] = []
    if project.longitudinal:
        fixed.append(EVENT)
    if project.has_repeating:
        fixed += [REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    if options.dags and project.dags:
        fixed.append(DAG)
    surveys = set(project.survey_forms) if options.survey_fields else set()
    if surveys:
        fixed.append(SURVEY_IDENTIFIER)
    columns += [Column(name, FIXED_HEADERS[name], "fixed") for name in fixed]
    pending = {item.form for item in selected} & surveys
    if record_id is not None and record_id.form in pending:
        pending.discard(record_id.form)
        columns.append(Column(f"{record_id.form}_timestamp", "Survey Timestamp", "timestamp"))
    for item in selected:
        if item is record_id:
            continue
        if item.form in pending:
            pending.discard(item.form)
            columns.append(Column(f"{item.form}_timestamp", "Survey Timestamp", "timestamp"))
        if item.is_checkbox:
            for index, (code, label) in enumerate(item.choices):
                header = f"{_plain(item.label)} (choice={_plain(label)})"
                columns.append(
                    Column(checkbox_column(item.name, code), header, "option", item, index)
                )
        else:
            plain = not (
                item.status
                or item.field_type == "file"
                or (options.decimal and _numeric(item))
                or (options.label and item.labels)
            )
            columns.append(Column(item.name, _plain(item.label), "field", item, plain=plain))
    return columns


def flat_table(
    project: Project, rows: list[RecordRow], columns: Sequence[Column], writer: ValueWriter
) -> list[dict[str, Cell]]:
    """The export rows' cells by column, built a column at a time; a form a row does not own
    leaves its columns blank."""
    owned: dict[str, list[bool]] = {}
    boxes: dict[str, list[list[str]]] = {}
    built: list[list[Cell]] = []
    for column in columns:
        name, item = column.name, column.item
        if column.kind == "id":
            built.append([row.record for row in rows])
            continue
        if column.kind == "fixed":
            built.append([_fixed(name, row, writer) for row in rows])
            continue
        form = column.form
        if form not in owned:
            owned[form] = [owns(project, row, form) for row in rows]
        shown = zip(rows, owned[form], strict=True)
        if column.plain:
            built.append([row.values.get(name, "") if mine else "" for row, mine in shown])
        elif item is None:  # a survey's timestamp
            built.append([writer.response(row, form)[1] if mine else "" for row, mine in shown])
        elif column.kind == "option":
            if item.name not in boxes:
                boxes[item.name] = [
                    writer.checkbox(item, row) if mine else [] for row, mine in shown
                ]
            index = column.index
            built.append(
                [
                    options[index] if mine else ""
                    for options, mine in zip(boxes[item.name], owned[form], strict=True)
                ]
            )
        else:
            built.append([writer.value(item, row) if mine else "" for row, mine in shown])
    if not built:
        return [{} for _ in rows]
    names = [column.name for column in columns]
    return [dict(zip(names, cells, strict=True)) for cells in zip(*built, strict=True)]


def _fixed(name: str, row: RecordRow, writer: ValueWriter) -> Cell:
    if name == EVENT:
        return writer.event(row)
    if name == REPEAT_INSTRUMENT:
        return writer.instrument(row)
    if name == REPEAT_INSTANCE:
        return writer.instance(row)
    if name == DAG:
        return writer.dag(row.record)
    return writer.identifier(row)


@dataclass(frozen=True)
class StreamedAnswer:
    """An answer sent in pieces as they are written (an export too large to hold whole)."""

    pieces: Iterator[str]
    content_type: str
    status: int = 200


class RowText(Protocol):
    """An export's text written a chunk of rows at a time: ``head()``, ``rows()`` per chunk in
    order, then ``tail()``; together they are the whole answer's body."""

    def head(self) -> str: ...

    def rows(self, rows: list[RecordRow], lookups: Lookups) -> str: ...

    def tail(self) -> str: ...


class FlatText:
    """The flat record export (JSON, CSV or XML) written a chunk of rows at a time."""

    def __init__(self, project: Project, selected: list[Field], options: ExportOptions) -> None:
        self.project = project
        self.options = options
        self.columns = flat_columns(project, selected, options)
        self.names = [column.name for column in self.columns]
        self.started = False

    def head(self) -> str:
        """What comes before the first row: ``[``, the CSV header line or the XML preamble."""
        if self.options.fmt == "json":
            return "["
        if self.options.fmt == "csv":
            headers = (
                [column.header for column in self.columns]
                if self.options.label_headers
                else self.names
            )
            return answers.csv_line(headers, self.options.delimiter)
        return f"{answers.XML_HEAD}\n<records>\n"

    def rows(self, rows: list[RecordRow], lookups: Lookups) -> str:
        """The text of ``rows``, which follow those already written."""
        writer = ValueWriter(self.project, lookups, self.options)
        cells = flat_table(self.project, rows, self.columns, writer)
        if self.options.fmt == "json":
            # One encoding of the whole list: the same text as each row's, joined by commas.
            text = answers.php_json(cells)[1:-1]
            if text and self.started:
                text = "," + text
            self.started = self.started or bool(text)
            return text
        if self.options.fmt == "csv":
            delimiter = self.options.delimiter
            return "".join(
                answers.csv_line((row[name] for name in self.names), delimiter) for row in cells
            )
        return "".join(answers.xml_item(row, self.names) + "\n" for row in cells)

    def tail(self) -> str:
        """What closes the answer after the last row."""
        if self.options.fmt == "json":
            return "]"
        return "" if self.options.fmt == "csv" else "</records>\n"


class EavText:
    """The EAV record export: its columns depend on every row, so it is written in its tail."""

    def __init__(self, project: Project, selected: list[Field], options: ExportOptions) -> None:
        self.project = project
        self.selected = selected
        self.options = options
        self.found: list[RecordRow] = []
        self.lookups = Lookups()

    def head(self) -> str:
        """Nothing: the columns are known once every row is."""
        return ""

    def rows(self, rows: list[RecordRow], lookups: Lookups) -> str:
        """Keep ``rows`` and their lookups for the tail."""
        self.found += rows
        self.lookups.dags.update(lookups.dags)
        self.lookups.responses.update(lookups.responses)
        self.lookups.documents.update(lookups.documents)
        return ""

    def tail(self) -> str:
        """The whole EAV answer's body."""
        answer = eav_answer(self.project, self.found, self.selected, self.lookups, self.options)
        return str(answer.body)


def eav_answer(
    project: Project,
    rows: list[RecordRow],
    selected: list[Field],
    lookups: Lookups,
    options: ExportOptions,
) -> answers.Answer:
    """One entry per stored non-blank value; checkboxes give one entry per checked code."""
    writer = ValueWriter(project, lookups, options)
    repeats = any(row.instrument or project.repeats_event(row.event_id) for row in rows)
    surveys = set(project.survey_forms) if options.survey_fields else set()
    entries: list[dict[str, Cell]] = []
    for row in rows:
        head: dict[str, Cell] = {"record": row.record}
        if project.longitudinal:
            head[EVENT] = writer.event(row)
        if repeats:
            head[REPEAT_INSTRUMENT] = writer.instrument(row)
            head[REPEAT_INSTANCE] = writer.instance(row)
        for field_name, value in _eav_values(project, row, selected, writer, surveys, options):
            entries.append({**head, "field_name": field_name, "value": value})
    columns = ["record"] + ([EVENT] if project.longitudinal else [])
    columns += [REPEAT_INSTRUMENT, REPEAT_INSTANCE] if repeats else []
    columns += ["field_name", "value"]
    return answers.table(entries, options.fmt, columns, delimiter=options.delimiter)


def _eav_values(
    project: Project,
    row: RecordRow,
    selected: list[Field],
    writer: ValueWriter,
    surveys: set[str],
    options: ExportOptions,
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    base = not row.instrument and row.instance == 1
    if options.dags and project.dags and base and writer.dag(row.record):
        found.append((DAG, writer.dag(row.record)))
    stamped: set[str] = set()
    for item in selected:
        if item.name != project.record_id and not owns(project, row, item.form):
            continue
        if item.form in surveys and item.form not in stamped:
            stamped.add(item.form)
            completed = writer.response(row, item.form)[1]
            if completed:
                found.append((f"{item.form}_timestamp", completed))
        if item.is_checkbox:
            labels = item.labels if options.label else {}
            for code, _ in item.choices:
                if code in row.checked.get(item.name, set()):
                    found.append((item.name, labels.get(code, code)))
        elif row.values.get(item.name, "") != "":
            found.append((item.name, writer.value(item, row)))
    return found
