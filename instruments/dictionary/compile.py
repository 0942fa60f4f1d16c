"""Compile instruments into a REDCap data dictionary: rows of the 18 columns, as CSV or JSON.

Several instruments may be compiled into one project: they must share the record-id field, which
is written once, and their field and form names must not collide.
"""

from __future__ import annotations

import csv
import io
import json

from instruments.dictionary.choices import format_choices, format_slider_labels
from instruments.dictionary.columns import API_COLUMNS, UI_HEADERS
from instruments.dictionary.structure import structure_problems
from instruments.model import Field, Instrument
from instruments.problems import ErrorCode, InstrumentError, Problem, problem

Row = dict[str, str]


def compile_dictionary(instruments: list[Instrument]) -> list[Row]:
    """The dictionary rows for one project made of ``instruments`` (raises InstrumentError)."""
    problems = project_problems(instruments)
    if problems:
        raise InstrumentError(problems)
    rows: list[Row] = []
    for position, instrument in enumerate(instruments):
        for fld in instrument.fields:
            if position and fld.name == instrument.record_id:
                continue
            rows.append(field_row(fld))
    return rows


def project_problems(instruments: list[Instrument]) -> list[Problem]:
    """Problems that only appear when instruments share a project."""
    found: list[Problem] = []
    if not instruments:
        return found
    expected = instruments[0].record_id
    fields: dict[str, str] = {}
    forms: dict[str, str] = {}
    for position, instrument in enumerate(instruments):
        if instrument.record_id != expected:
            found.append(
                problem(
                    ErrorCode.PROJECT_RECORD_ID,
                    file=instrument.read_from,
                    pointer="/record_id",
                    instrument=instrument.id,
                    name=instrument.record_id,
                    expected=expected,
                )
            )
        for form in instrument.forms:
            if form.name in forms:
                found.append(
                    problem(
                        ErrorCode.NAME_DUPLICATE,
                        file=instrument.read_from,
                        pointer=f"{form.pointer}/name",
                        what="form",
                        name=form.name,
                        first=forms[form.name],
                    )
                )
            forms.setdefault(form.name, f"{instrument.read_from} {form.pointer}")
        for fld in instrument.fields:
            if position and fld.name == instrument.record_id:
                continue
            if fld.name in fields:
                found.append(
                    problem(
                        ErrorCode.NAME_DUPLICATE,
                        file=instrument.read_from,
                        pointer=f"{fld.pointer}/name",
                        field=fld.name,
                        what="field",
                        name=fld.name,
                        first=fields[fld.name],
                    )
                )
            fields.setdefault(fld.name, f"{instrument.read_from} {fld.pointer}")
    return found + structure_problems(instruments)


def field_row(fld: Field) -> Row:
    """One field as one dictionary row, every value a string, keys in REDCap's column order."""
    validation, low, high = "", "", ""
    if fld.validation is not None:
        validation, low, high = fld.validation.type, fld.validation.min, fld.validation.max
    if fld.slider is not None:
        validation = "number" if fld.slider.show_number else ""
        low, high = fld.slider.min, fld.slider.max
    values = (
        fld.name,
        fld.form,
        fld.section_header,
        fld.type,
        fld.label,
        _column_f(fld),
        fld.note,
        validation,
        low,
        high,
        _flag(fld.identifier),
        fld.branching_logic,
        _flag(fld.required),
        fld.alignment,
        fld.question_number,
        fld.matrix.group if fld.matrix else "",
        _flag(fld.matrix.ranking) if fld.matrix else "",
        fld.annotation,
    )
    return dict(zip(API_COLUMNS, values, strict=True))


def _column_f(fld: Field) -> str:
    if fld.lists_choices:
        return format_choices(fld.choices)
    if fld.type == "calc":
        return fld.calculation
    if fld.type == "sql":
        return fld.sql
    if fld.type == "slider" and fld.slider is not None:
        return format_slider_labels(fld.slider.labels)
    return ""


def _flag(value: bool) -> str:
    return "y" if value else ""


def to_csv(rows: list[Row], *, headers: str = "ui") -> str:
    """CSV text: ``headers='ui'`` writes the headers of REDCap's download, ``'api'`` raw names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UI_HEADERS if headers == "ui" else API_COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in API_COLUMNS])
    return out.getvalue()


def to_json(rows: list[Row]) -> str:
    """The JSON metadata the REDCap API takes (``content=metadata``, ``format=json``)."""
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
