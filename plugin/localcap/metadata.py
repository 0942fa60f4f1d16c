"""Exports of the data dictionary: ``metadata``, ``exportFieldNames`` and ``instrument``.

The dictionary export has REDCap's 18 columns, all strings, without the implicit
``<form>_complete`` fields. Export field names expand checkboxes to one entry per option and
include every form's ``_complete``; REDCap leaves out only file and descriptive fields (PyCap's
integration test counts 16 for the simple project: its 15 fields and ``demographics_complete``).
"""

from __future__ import annotations

from instruments.dictionary.columns import API_COLUMNS
from instruments.naming import checkbox_column
from plugin.localcap import answers
from plugin.localcap.errors import INVALID_FIELD, ApiError, invalid_values
from plugin.localcap.params import Params
from plugin.localcap.project import Project

FIELD_NAME_COLUMNS = ("original_field_name", "choice_value", "export_field_name")
INSTRUMENT_COLUMNS = ("instrument_name", "instrument_label")


def dictionary_row(row: dict[str, str]) -> dict[str, str]:
    """A stored dictionary row as the API exports it."""
    exported = {name: row.get(name, "") for name in API_COLUMNS}
    if exported["field_type"] == "slider" and not exported["custom_alignment"]:
        exported["custom_alignment"] = "RV"
    return exported


def export_metadata(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Metadata: the dictionary rows of the fields in ``fields`` or on the forms in
    ``forms`` (every row when neither is given). An unknown field or form is refused."""
    fields = params.listing("fields")
    forms = params.listing("forms")
    unknown = [name for name in fields if name not in project.field_map]
    if unknown:
        raise ApiError(invalid_values("fields", unknown))
    unknown = [name for name in forms if name not in project.form_map]
    if unknown:
        raise ApiError(invalid_values("forms", unknown))
    rows = [
        dictionary_row(item.row)
        for item in project.fields
        if not (fields or forms) or item.name in fields or item.form in forms
    ]
    # REDCap writes the dictionary's JSON array one object per line.
    return answers.table(rows, params.format, API_COLUMNS, json_separator=",\n")


def export_field_names(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export List of Export Field Names: one entry per export column (a checkbox one per
    option), or only the entries of ``field``; file and descriptive fields are left out, as REDCap
    leaves them out."""
    wanted = params.text("field").strip()
    if wanted and wanted not in project.field_map:
        raise ApiError(INVALID_FIELD)
    rows: list[dict[str, str]] = []
    for item in project.data_fields:
        if item.field_type in ("file", "descriptive") or (wanted and item.name != wanted):
            continue
        if item.is_checkbox:
            rows += [
                {
                    "original_field_name": item.name,
                    "choice_value": code,
                    "export_field_name": checkbox_column(item.name, code),
                }
                for code, _ in item.choices
            ]
        else:
            rows.append(
                {
                    "original_field_name": item.name,
                    "choice_value": "",
                    "export_field_name": item.name,
                }
            )
    return answers.table(rows, params.format, FIELD_NAME_COLUMNS)


def export_instruments(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Instruments: each form's name and label, in the project's order."""
    rows = [
        {"instrument_name": form.name, "instrument_label": form.label} for form in project.forms
    ]
    return answers.table(rows, params.format, INSTRUMENT_COLUMNS)
