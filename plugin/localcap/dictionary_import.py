"""``content=metadata`` import: REDCap's checks on a data dictionary, then a full replacement.

REDCap maps each row's values by position onto its 18 columns (§4.1), fixes what it can with a
warning (name case and characters, flags other than ``y``, unknown alignments, a non-text record
ID) and refuses the rest with every problem listed. The import replaces the dictionary, and every
form gets its ``_complete`` field again. Like REDCap's ``MetaData::save_metadata``, which deletes
and rewrites only the metadata, it keeps the data: a field left out keeps its stored values, unseen
by exports, and shows them again when a dictionary brings it back; a field that stops being a file
field keeps its values (document ids) and its documents. A dropped form loses its event
designations, as in REDCap, and its repeating and survey settings. Production projects refuse it.
"""

from __future__ import annotations

import re

from instruments.dictionary.choices import parse_choices
from instruments.dictionary.columns import API_COLUMNS, LEGACY_FIELD_TYPES
from instruments.naming import CHOICE_CODE_PATTERN, RESERVED_FIELD_NAMES, complete_field
from instruments.validation_types import LEGACY_NAMES, VALIDATION_TYPES
from plugin.localcap import answers
from plugin.localcap.errors import PRODUCTION_METADATA, ApiError
from plugin.localcap.import_data import read_rows
from plugin.localcap.import_values import DATE_ORDERS, check_value
from plugin.localcap.params import Params
from plugin.localcap.project import Field, Project
from plugin.localcap.storage import MANAGE, Database

FIELD_TYPES = frozenset(
    "text notes radio dropdown calc file checkbox yesno truefalse descriptive slider sql".split()
)
SPECIAL_VALIDATION = {
    "autocomplete": ("dropdown", "sql"),
    "signature": ("file",),
    "number": ("slider",),
}
ALIGNMENTS = frozenset({"LV", "LH", "RV", "RH"})
FLAGS = ("identifier", "required_field", "matrix_ranking")
_REFERENCE = re.compile(r"\[([^\[\]]+)\]")
_NAME_JUNK = re.compile(r"[^a-z0-9_]")


def _by_position(raw: dict[str, str]) -> dict[str, str]:
    if set(raw) <= set(API_COLUMNS):
        return {name: raw.get(name, "").strip() for name in API_COLUMNS}
    values = [value.strip() for value in raw.values()]
    values += [""] * (len(API_COLUMNS) - len(values))
    return dict(zip(API_COLUMNS, values[: len(API_COLUMNS)], strict=True))


def _clean_name(text: str) -> str:
    name = _NAME_JUNK.sub("_", text.strip().lower())
    return re.sub(r"__+", "_", name)


def check_dictionary(
    rows: list[dict[str, str]], date_order: str, events: frozenset[str] = frozenset()
) -> tuple[list[dict[str, str]], list[str]]:
    """The dictionary as REDCap would store it, and every reason REDCap would refuse it."""
    errors: list[str] = []
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    forms: list[str] = []
    for number, raw in enumerate(rows, start=1):
        row = _by_position(raw)
        row["field_name"] = name = _clean_name(row["field_name"])
        row["form_name"] = form = _clean_name(row["form_name"])
        where = f"Row {number} (field '{name}')"
        if not name:
            errors.append(f"Row {number}: each row MUST have a variable/field name.")
            continue
        if not form:
            errors.append(f"{where}: each row MUST have a form name.")
        elif form[0].isdigit():
            row["form_name"] = form = f"form_{form}"
        errors += _name_problems(where, name, seen)
        seen.add(name)
        if form and forms and form != forms[-1] and form in forms:
            errors.append(
                f"{where}: the form '{form}' is not contiguous; all fields of a form must be "
                "listed together."
            )
        if form and (not forms or forms[-1] != form):
            forms.append(form)
        if len(form) > 64:
            errors.append(f"{where}: the form name '{form}' is longer than 64 characters.")
        if number == 1:
            row["section_header"] = ""
            row["field_type"] = "text"
        errors += _row_problems(where, row, date_order)
        out.append(row)
    for form in forms:
        for name in (complete_field(form), f"{form}_timestamp", f"{form}_return_code"):
            if name in seen:
                errors.append(f"The variable name '{name}' is reserved for the form '{form}'.")
    errors += _reference_problems(out, seen | {complete_field(form) for form in forms}, events)
    return out, errors


def _name_problems(where: str, name: str, seen: set[str]) -> list[str]:
    found = []
    if name[0].isdigit() or name.startswith("_"):
        found.append(f"{where}: a variable name cannot begin with a number or an underscore.")
    if name.endswith("_"):
        found.append(f"{where}: a variable name cannot end with an underscore.")
    if len(name) > 100:
        found.append(f"{where}: a variable name cannot be longer than 100 characters.")
    if name in seen:
        found.append(f"The following variable/field names were duplicated: {name}")
    if name in RESERVED_FIELD_NAMES:
        found.append(f"{where}: '{name}' is an illegal variable name reserved by REDCap.")
    return found


def _row_problems(where: str, row: dict[str, str], date_order: str) -> list[str]:
    found: list[str] = []
    kind = LEGACY_FIELD_TYPES.get(row["field_type"], row["field_type"])
    row["field_type"] = kind
    if kind not in FIELD_TYPES:
        valid = ", ".join(sorted(FIELD_TYPES))
        return [f"{where}: '{kind}' is not a valid field type; use one of {valid}."]
    choices = row["select_choices_or_calculations"]
    if kind in ("radio", "dropdown", "checkbox"):
        found += _choice_problems(where, choices)
    if kind == "calc" and not choices:
        found.append(f"{where}: a calculated field needs an equation.")
    for column in ("select_choices_or_calculations", "branching_logic"):
        if (
            row[column]
            and not _balanced(row[column])
            and (column == "branching_logic" or kind == "calc")
        ):
            found.append(f"{where}: the {column} has unbalanced brackets or quotes.")
    validation = LEGACY_NAMES.get(
        row["text_validation_type_or_show_slider_number"],
        row["text_validation_type_or_show_slider_number"],
    )
    row["text_validation_type_or_show_slider_number"] = validation
    if validation:
        allowed = SPECIAL_VALIDATION.get(validation, ())
        if validation in VALIDATION_TYPES:
            allowed = (*allowed, "text")
        if kind not in allowed:
            found.append(
                f"{where}: the validation '{validation}' cannot be used on a {kind} field."
            )
    found += _bound_problems(where, row, kind, validation, date_order)
    for flag in FLAGS:
        row[flag] = "y" if row[flag].lower() in ("y", "1") else ""
    if kind == "descriptive":
        row["required_field"] = ""
    if row["custom_alignment"] not in ALIGNMENTS:
        row["custom_alignment"] = ""
    matrix = row["matrix_group_name"]
    if matrix and (
        len(matrix) > 60 or _NAME_JUNK.search(matrix) or kind not in ("radio", "checkbox")
    ):
        found.append(f"{where}: the matrix group name '{matrix}' is not valid for this field.")
    return found


def _choice_problems(where: str, text: str) -> list[str]:
    choices = parse_choices(text)
    if not choices:
        return [f"{where}: a multiple-choice field needs choices."]
    found = []
    codes = [choice.code for choice in choices]
    if len(set(codes)) != len(codes):
        found.append(f"{where}: the choice codes are not unique.")
    bad = [code for code in codes if not CHOICE_CODE_PATTERN.match(code)]
    if bad:
        found.append(
            f"{where}: choice codes may hold only letters, numbers, '.', '_' and '-': {bad[0]}"
        )
    return found


def _bound_problems(
    where: str, row: dict[str, str], kind: str, validation: str, order: str
) -> list[str]:
    found = []
    for column in ("text_validation_min", "text_validation_max"):
        bound = row[column]
        if not bound:
            continue
        if kind == "slider":
            if not re.fullmatch(r"-?\d+", bound):
                found.append(f"{where}: a slider's {column} must be an integer.")
            continue
        if not validation:
            found.append(f"{where}: {column} needs a text validation type.")
            continue
        if validation.startswith(("date", "datetime")) and bound not in ("today", "now"):
            probe = Field(row["field_name"], row["form_name"], "text", "", {**row})
            stored, problem = check_value(probe, bound, order)
            if problem:
                found.append(f"{where}: {column} '{bound}' is not a valid date.")
            row[column] = stored
    return found


def _balanced(text: str) -> bool:
    depth = {"(": 0, "[": 0}
    closing = {")": "(", "]": "["}
    for char in text:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return (
        all(value == 0 for value in depth.values())
        and text.count('"') % 2 == 0
        and text.count("'") % 2 == 0
    )


def _reference_problems(
    rows: list[dict[str, str]], names: set[str], events: frozenset[str]
) -> list[str]:
    """References to unknown fields; smart variables (they hold a '-') and events pass."""
    found = []
    for row in rows:
        for column in ("branching_logic", "select_choices_or_calculations"):
            if column == "select_choices_or_calculations" and row["field_type"] != "calc":
                continue
            for token in _REFERENCE.findall(row[column]):
                bare = token.split("(")[0].split(":")[0].strip()
                if "-" in bare or bare.isdigit() or bare in names or bare in events:
                    continue
                found.append(
                    f"Field '{row['field_name']}': the {column} refers to [{bare}], which is not a "
                    "field in the data dictionary."
                )
    return found


def _form_label(name: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in name.split("_") if word)


def replace_dictionary(
    db: Database, project: Project, rows: list[dict[str, str]], username: str
) -> None:
    """Write ``rows`` as the project's whole dictionary, dropping the settings of forms that are
    no longer in it but no data, and log the upload."""
    pid = project.project_id
    forms = list(dict.fromkeys(row["form_name"] for row in rows))
    labels = {form.name: form.label for form in project.forms}
    dropped_forms = [form.name for form in project.forms if form.name not in forms]
    columns = ", ".join(API_COLUMNS)
    marks = ", ".join("?" for _ in API_COLUMNS)
    with db.transaction():
        db.execute("DELETE FROM metadata WHERE project_id = ?", (pid,))
        db.executemany(
            f"INSERT INTO metadata (project_id, position, {columns}) VALUES (?, ?, {marks})",
            [
                (pid, position, *(row[name] for name in API_COLUMNS))
                for position, row in enumerate(rows)
            ],
        )
        db.execute("DELETE FROM forms WHERE project_id = ?", (pid,))
        db.executemany(
            "INSERT INTO forms (project_id, position, form_name, form_label) VALUES (?, ?, ?, ?)",
            [
                (pid, position, form, labels.get(form, _form_label(form)))
                for position, form in enumerate(forms)
            ],
        )
        for table in ("mappings", "repeating", "surveys", "survey_settings"):
            db.executemany(
                f"DELETE FROM {table} WHERE project_id = ? AND form_name = ?",
                [(pid, form) for form in dropped_forms],
            )
        db.log(pid, username, "manage", MANAGE, "Upload data dictionary (API)")


def import_metadata(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Import Metadata: the rows are checked and fixed as REDCap does, then replace the
    dictionary; the answer is the number of fields. Refused in production, or with every problem
    listed."""
    if project.in_production:
        raise ApiError(PRODUCTION_METADATA)
    rows = read_rows(params.text("data"), params.format)
    order = params.choice("dateFormat", DATE_ORDERS, "YMD")
    events = frozenset(project.event_map) if project.longitudinal else frozenset()
    dictionary, errors = check_dictionary(rows, order, events)
    if errors:
        raise ApiError("\n".join(errors))
    replace_dictionary(db, project, dictionary, username)
    return answers.number(len(dictionary), params.return_format)
