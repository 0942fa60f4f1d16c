"""``content=record`` export: which records, rows and fields, in REDCap's order (§2.2).

The request is read into :class:`ExportOptions`; fields, forms and events are checked against the
project with REDCap's error texts; records are narrowed by ``records``, the date range and
``filterLogic``; the rows are then written flat or EAV by :mod:`plugin.localcap.record_writers`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice

from plugin.localcap import answers
from plugin.localcap.errors import ONLY_DESCRIPTIVE, ApiError, invalid_values
from plugin.localcap.params import Format, Params
from plugin.localcap.project import Field, Project
from plugin.localcap.record_filters import (
    apply_filter_logic,
    date_window,
    records_changed,
    restrict,
)
from plugin.localcap.record_writers import (
    EavText,
    FlatText,
    Lookups,
    RowText,
    StreamedAnswer,
)
from plugin.localcap.rows import (
    RecordRow,
    chunks,
    eav_key,
    load_rows,
    natural_key,
    ordered,
    record_names,
)
from plugin.localcap.storage import Database, now

CHUNK = 500  # records read and written at a time
WHOLE_PIECES = 4  # an answer of at most this many pieces (about two chunks) is sent whole
# REDCap's action for an API data export: English.ini reporting_28 and " (API)", then a blank
# record name after renderLogRow's line break, as PyCap's "Manage/Design " shows.
EXPORT_ACTION = "Data export (API) "


@dataclass(frozen=True)
class ExportOptions:
    """How a record export is written, read from its parameters: format, flat or EAV, raw or labels,
    the optional columns, and the decimal mark and CSV delimiter."""

    fmt: Format
    eav: bool
    label: bool
    label_headers: bool
    checkbox_labels: bool
    survey_fields: bool
    dags: bool
    blank_gray: bool
    decimal: str | None
    delimiter: str

    @classmethod
    def read(cls, params: Params) -> ExportOptions:
        """The options of the call ``params``, an unknown choice falling back to REDCap's
        default."""
        return cls(
            fmt=params.format,
            eav=params.choice("type", ("flat", "eav"), "flat") == "eav",
            label=params.choice("rawOrLabel", ("raw", "label"), "raw") == "label",
            label_headers=params.choice("rawOrLabelHeaders", ("raw", "label"), "raw") == "label",
            checkbox_labels=params.flag("exportCheckboxLabel"),
            survey_fields=params.flag("exportSurveyFields"),
            dags=params.flag("exportDataAccessGroups"),
            blank_gray=params.flag("exportBlankForGrayFormStatus"),
            decimal=params.decimal_character,
            delimiter=params.csv_delimiter,
        )


def select_fields(project: Project, fields: list[str], forms: list[str]) -> list[Field]:
    """The union of ``fields`` and the fields of ``forms``, in metadata order.

    Nothing requested means everything; descriptive fields are dropped silently, and a request
    for nothing but descriptive fields is refused.
    """
    unknown = [name for name in fields if name not in project.field_map]
    if unknown:
        raise ApiError(invalid_values("fields", unknown))
    unknown = [name for name in forms if name not in project.form_map]
    if unknown:
        raise ApiError(invalid_values("forms", unknown))
    candidates = list(project.data_fields)
    if fields or forms:
        wanted = set(fields)
        candidates = [item for item in candidates if item.name in wanted or item.form in forms]
    selected = [item for item in candidates if item.holds_data]
    if candidates and not selected:
        raise ApiError(ONLY_DESCRIPTIVE)
    return selected


def select_events(project: Project, events: list[str]) -> set[int] | None:
    """The event ids named by ``events`` (None: every event); REDCap's error for an unknown name."""
    if not events:
        return None
    unknown = [name for name in events if name not in project.event_map]
    if unknown:
        raise ApiError(invalid_values("events", unknown))
    return {project.event_map[name].event_id for name in events}


def candidate_records(db: Database, project: Project, params: Params) -> list[str]:
    """The records an export may return, in no particular order: those listed in ``records``
    (looked up alone when listed) and changed within the date range, when given."""
    wanted = params.listing("records")
    records = record_names(db, project.project_id, wanted or None)
    begin, end = params.text("dateRangeBegin"), params.text("dateRangeEnd")
    if begin.strip() or end.strip():
        window = date_window(begin, end, now())
        records = restrict(records, records_changed(db, project.project_id, *window))
    return records


@dataclass
class ExportPlan:
    """What an export reads, checked before the first byte is written: the candidate records in
    REDCap's order, the fields whose values it needs (None: all), the events and forms whose
    rows it keeps, and its ``filterLogic``."""

    project: Project
    selected: list[Field]
    records: list[str]
    fields: list[str] | None
    events: set[int] | None
    forms: set[str]
    logic: str
    eav: bool

    @property
    def chunk(self) -> int:
        """Records read at a time: all of them when ``filterLogic`` or EAV needs every row."""
        return max(len(self.records), 1) if self.logic.strip() or self.eav else CHUNK

    def rows(self, db: Database, records: list[str]) -> list[RecordRow]:
        """The exported rows of ``records`` (candidates in REDCap's order), in order."""
        project = self.project
        all_rows = load_rows(db, project, records, self.fields)
        rank = {record: place for place, record in enumerate(records)}
        rows = ordered(project, all_rows.values(), eav=self.eav, rank=rank)
        if self.logic.strip():
            rows = apply_filter_logic(project, self.logic, rows, all_rows)
        return [
            row
            for row in rows
            if (self.events is None or row.event_id in self.events)
            and (not row.instrument or row.instrument in self.forms)
        ]


def plan_export(
    db: Database, project: Project, params: Params, selected: list[Field], eav: bool
) -> ExportPlan:
    """Check the events and date range and list the candidate records in order.

    Only the selected fields' values are read, unless ``filterLogic`` (which may name any
    field) is given.
    """
    events = select_events(project, params.listing("events"))
    records = candidate_records(db, project, params)
    records.sort(key=eav_key if eav else natural_key)
    logic = params.text("filterLogic")
    every = [item for item in project.data_fields if item.holds_data]
    fields = None
    if not logic.strip() and len(selected) < len(every):
        fields = [item.name for item in selected]
    forms = {item.form for item in selected}
    return ExportPlan(project, selected, records, fields, events, forms, logic, eav)


def export_pieces(
    db: Database, plan: ExportPlan, options: ExportOptions, username: str
) -> Iterator[str]:
    """The answer's text, a chunk of records at a time, then the export's log entry.

    The reads share one read transaction, so a write between two chunks is never half seen.
    """
    project = plan.project
    text: RowText = (
        EavText(project, plan.selected, options)
        if options.eav
        else FlatText(project, plan.selected, options)
    )
    documents = Lookups.load(db, project, [], plan.selected).documents
    yield text.head()
    try:
        for part in chunks(plan.records, plan.chunk):
            rows = plan.rows(db, part)
            exported = list(dict.fromkeys(row.record for row in rows))
            lookups = Lookups.load(db, project, exported, [], documents=documents)
            yield text.rows(rows, lookups)
    finally:
        if db.connection.in_transaction:
            db.execute("COMMIT")
    db.log(project.project_id, username, "export", EXPORT_ACTION, export_details(project, options))
    yield text.tail()


def export_details(project: Project, options: ExportOptions) -> str:
    """The export's log details as REDCap 15 writes them (API/record/export.php logs
    ``export_format`` and ``rawOrLabel``, and says Yes to the DAG and survey columns only when it
    exports them; renderLogRow joins them ``key: value, ...``):
    ``export_format: CSV, rawOrLabel: raw``."""
    values = {
        "export_format": options.fmt.upper(),
        "rawOrLabel": "label" if options.label else "raw",
    }
    if options.dags and project.dags:
        values["export_data_access_group"] = "Yes"
    if options.survey_fields and project.survey_forms:
        values["export_survey_fields"] = "Yes"
    return ", ".join(f"{key}: {value}" for key, value in values.items())


def export_records(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer | StreamedAnswer:
    """REDCap's Export Records: the chosen rows and fields, flat or EAV, in the requested format,
    logged as an export. An unknown field, form or event is refused.

    An answer of more than a couple of chunks of records is streamed; everything that can be
    refused is checked before its first byte, and a smaller one is answered whole.
    """
    options = ExportOptions.read(params)
    selected = select_fields(project, params.listing("fields"), params.listing("forms"))
    db.execute("BEGIN")
    plan = plan_export(db, project, params, selected, options.eav)
    pieces = export_pieces(db, plan, options, username)
    first = list(islice(pieces, WHOLE_PIECES + 1))
    content_type = answers.CONTENT_TYPES[options.fmt]
    if len(first) <= WHOLE_PIECES:
        return answers.Answer("".join(first), content_type)
    return StreamedAnswer(chain(first, pieces), content_type)
