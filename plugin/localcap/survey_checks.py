"""What a survey page takes from a submission, what it checks before it stores an answer, and
where it says so.

A required question (REDCap's ``required_field = y``) that branching logic shows must be
answered before the response is stored as complete; "Save & Return Later" stores it unfinished,
as REDCap's page does. A value the import refuses (its type, its minimum or maximum) is
refused as in an API import (nothing stored). Each problem is said beside its question: the
import's CSV-style lines ("record","field","value","message") are read back into one message per
field.
"""

from __future__ import annotations

import csv

from flask import request

from instruments.logic import LogicError, UnknownFieldError, evaluate, parse, truthy
from instruments.naming import checkbox_column
from plugin.localcap.project import Field, Project
from plugin.localcap.record_filters import logic_context
from plugin.localcap.surveys import Place

REQUIRED = "This question needs an answer."
ANSWERED_TYPES = frozenset(
    {"text", "notes", "radio", "dropdown", "yesno", "truefalse", "checkbox", "slider"}
)


def shown(project: Project, logic: str, values: dict[str, str]) -> bool:
    """Whether branching logic shows a question; logic localcap cannot read shows it."""
    if not logic.strip():
        return True
    try:
        return truthy(evaluate(parse(logic), values, logic_context(project)))
    except (LogicError, UnknownFieldError):
        return True


def submitted_values(project: Project, place: Place, current: dict[str, str]) -> dict[str, str]:
    """The form's answers from the page, with questions hidden by branching left blank."""
    values = dict(current)
    asked = [
        item
        for item in project.form_fields(place.form)
        if item.field_type in ANSWERED_TYPES and item.name != project.record_id
    ]
    for item in asked:
        if item.is_checkbox:
            picked = set(request.form.getlist(item.name))
            for code, _ in item.choices:
                values[checkbox_column(item.name, code)] = "1" if code in picked else "0"
        else:
            values[item.name] = request.form.get(item.name, "").strip()
    for item in asked:
        if shown(project, item.row.get("branching_logic", ""), values):
            continue
        if item.is_checkbox:
            for code, _ in item.choices:
                values[checkbox_column(item.name, code)] = "0"
        else:
            values[item.name] = ""
    return values


def required_missing(
    project: Project, questions: list[Field], values: dict[str, str], shown: set[str]
) -> dict[str, str]:
    """Field -> message for each required question that is shown and left blank."""
    missing: dict[str, str] = {}
    for item in questions:
        if item.row.get("required_field", "").strip().lower() != "y" or item.name not in shown:
            continue
        if item.is_checkbox:
            answered = any(
                values.get(checkbox_column(item.name, c)) == "1" for c, _ in item.choices
            )
        else:
            answered = bool(values.get(item.name, "").strip())
        if not answered:
            missing[item.name] = REQUIRED
    return missing


def by_field(errors: list[str]) -> dict[str, str]:
    """The import's error lines, one message per field (a line it cannot read is left out: the
    page lists every line above the form as well)."""
    found: dict[str, str] = {}
    for line in errors:
        cells = next(csv.reader([line]), [])
        if len(cells) == 4:
            _, field, value, message = cells
            found.setdefault(field, f"'{value}' was not accepted: {message}")
    return found
