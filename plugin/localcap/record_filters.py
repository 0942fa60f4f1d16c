"""``filterLogic`` and ``dateRangeBegin``/``dateRangeEnd`` for record exports.

filterLogic is evaluated once over a frame of all candidate rows with the instruments logic
engine. A bare ``[field]`` reads the row's own event (REDCap evaluates filterLogic on every
event); a repeating instrument's row also sees the non-repeating fields of its event, so a
filter on a base field keeps that record-event's instances too. Cross-event references read the
same record's row for that event.

The date range keeps records created or modified, according to the log, inside the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from instruments.logic import (
    Context,
    LogicError,
    UnknownFieldError,
    evaluate_frame,
    parse,
    truthy_frame,
)
from instruments.naming import checkbox_column
from plugin.localcap.errors import BAD_DATE_RANGE, BAD_FILTER_LOGIC, ApiError
from plugin.localcap.project import Project
from plugin.localcap.rows import RecordRow, RowKey, owns
from plugin.localcap.storage import TIME_FORMAT, Database

EVENT_COLUMN = "redcap_event_name"
EARLIEST = "2004-08-01 00:00:00"  # REDCap's default start of a date range
_TIME_FORMATS = (TIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d")


def logic_context(project: Project) -> Context:
    """What REDCap logic needs of the project to be evaluated on its rows (``filterLogic``)."""
    return Context(
        missing_codes=missing_codes(project),
        checkbox_fields=frozenset(item.name for item in project.fields if item.is_checkbox),
        record_id=project.record_id,
        event_column=EVENT_COLUMN,
    )


def missing_codes(project: Project) -> frozenset[str]:
    """The codes of the project's missing-data codes setting, ``"NA, Not applicable | ..."``."""
    text = project.settings.get("missing_data_codes", "")
    return frozenset(
        part.split(",", 1)[0].strip() for part in text.split("|") if part.split(",", 1)[0].strip()
    )


def logic_frame(
    project: Project, rows: list[RecordRow], all_rows: dict[RowKey, RecordRow]
) -> pd.DataFrame:
    """One frame row per export row, every data column in raw form (checkboxes as 0/1)."""
    columns: dict[str, list[str]] = {project.record_id: [], EVENT_COLUMN: []}
    fields = [item for item in project.data_fields if item.holds_data]
    for item in fields:
        for column in item.export_columns():
            columns.setdefault(column, [])
    for row in rows:
        base = all_rows.get((row.record, row.event_id, "", 1)) if row.instrument else None
        columns[project.record_id].append(row.record)
        columns[EVENT_COLUMN].append(project.event_by_id[row.event_id].unique_name)
        for item in fields:
            if item.name == project.record_id:
                continue
            source = row if owns(project, row, item.form) or base is None else base
            if item.is_checkbox:
                codes = source.checked.get(item.name, set())
                for code, _ in item.choices:
                    columns[checkbox_column(item.name, code)].append("1" if code in codes else "0")
            else:
                columns[item.name].append(source.values.get(item.name, ""))
    return pd.DataFrame(columns, dtype=object)


def apply_filter_logic(
    project: Project, logic: str, rows: list[RecordRow], all_rows: dict[RowKey, RecordRow]
) -> list[RecordRow]:
    """The rows for which ``logic`` is true."""
    if not rows:
        return rows
    try:
        expression = parse(logic)
        frame = logic_frame(project, rows, all_rows)
        keep = truthy_frame(evaluate_frame(expression, frame, logic_context(project)))
    except (LogicError, UnknownFieldError) as exc:
        raise ApiError(BAD_FILTER_LOGIC.format(detail=str(exc))) from exc
    return [row for row, kept in zip(rows, keep.to_numpy(dtype=bool), strict=True) if kept]


def parse_time(name: str, text: str, end: bool = False) -> str:
    """A time bound as stored log time; an end bound without seconds covers its whole minute
    (or day). Malformed bounds get an error naming the parameter."""
    for fmt in _TIME_FORMATS:
        try:
            moment = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if end and fmt == "%Y-%m-%d":
            moment = moment.replace(hour=23, minute=59, second=59)
        elif end and fmt == "%Y-%m-%d %H:%M":
            moment = moment.replace(second=59)
        return moment.strftime(TIME_FORMAT)
    raise ApiError(BAD_DATE_RANGE.format(name=name))


def records_changed(db: Database, project_id: int, begin: str, end: str) -> set[str]:
    """Records the log shows created or modified between ``begin`` and ``end`` (inclusive)."""
    found = db.rows(
        "SELECT DISTINCT record FROM log WHERE project_id = ? AND kind IN "
        "('record_add', 'record_edit') AND ts >= ? AND ts <= ? AND record <> ''",
        (project_id, begin, end),
    )
    return {row["record"] for row in found}


def date_window(begin: str, end: str, now: str) -> tuple[str, str]:
    """The ``dateRangeBegin``/``dateRangeEnd`` window as times; an open end is the earliest
    time, or now."""
    return (
        parse_time("dateRangeBegin", begin) if begin.strip() else EARLIEST,
        parse_time("dateRangeEnd", end, end=True) if end.strip() else now,
    )


def restrict(records: Iterable[str], allowed: set[str]) -> list[str]:
    """``records`` that are in ``allowed``, in their own order."""
    return [record for record in records if record in allowed]
