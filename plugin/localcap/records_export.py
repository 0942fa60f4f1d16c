"""``content=record`` export: which records, rows and fields, in REDCap's order (§2.2).

The request is read into :class:`ExportOptions`; fields, forms and events are checked against the
project with REDCap's error texts; records are narrowed by ``records``, the date range and
``filterLogic``; the rows are then written flat or EAV by :mod:`plugin.localcap.record_writers`.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from plugin.localcap.record_writers import Lookups, eav_answer, flat_answer
from plugin.localcap.rows import RecordRow, load_rows, ordered, record_names
from plugin.localcap.storage import Database, now


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
    """The records an export may return: those listed in ``records`` and changed within the
    date range, when given."""
    records = record_names(db, project.project_id)
    wanted = params.listing("records")
    if wanted:
        records = restrict(records, set(wanted))
    begin, end = params.text("dateRangeBegin"), params.text("dateRangeEnd")
    if begin.strip() or end.strip():
        window = date_window(begin, end, now())
        records = restrict(records, records_changed(db, project.project_id, *window))
    return records


def export_rows(
    db: Database, project: Project, params: Params, selected: list[Field], eav: bool
) -> tuple[list[RecordRow], Lookups]:
    """The rows to write, in order, and what the writers look up besides the rows."""
    events = select_events(project, params.listing("events"))
    records = candidate_records(db, project, params)
    all_rows = load_rows(db, project, records)
    rows = ordered(project, all_rows.values(), eav=eav)
    logic = params.text("filterLogic")
    if logic.strip():
        rows = apply_filter_logic(project, logic, rows, all_rows)
    forms = {item.form for item in selected}
    rows = [
        row
        for row in rows
        if (events is None or row.event_id in events)
        and (not row.instrument or row.instrument in forms)
    ]
    return rows, Lookups.load(db, project, [row.record for row in rows], selected)


def export_records(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Export Records: the chosen rows and fields, flat or EAV, in the requested format,
    logged as an export. An unknown field, form or event is refused."""
    options = ExportOptions.read(params)
    selected = select_fields(project, params.listing("fields"), params.listing("forms"))
    rows, lookups = export_rows(db, project, params, selected, options.eav)
    if options.eav:
        answer = eav_answer(project, rows, selected, lookups, options)
    else:
        answer = flat_answer(project, rows, selected, lookups, options)
    records = sorted({row.record for row in rows})
    db.log(project.project_id, username, "export", "Data export", _export_details(records))
    return answer


def _export_details(records: list[str]) -> str:
    shown = ", ".join(records[:20]) + (", ..." if len(records) > 20 else "")
    return f"Export data (API) records: {shown}" if records else "Export data (API)"
