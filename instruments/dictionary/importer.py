"""Import a REDCap data dictionary CSV, as REDCap downloads it, into the instrument JSON format.

Real dictionaries are awkward: a byte-order mark, CRLF line ends, Windows-1252 text, the web
page's label headers or the API's raw names, legacy choice strings, HTML in labels, old
validation names. The import keeps every column so that compiling the result gives the same
dictionary back, cell for cell; where REDCap itself would change a cell (legacy type and
validation names, a flag other than ``y``, a date bound in the field's own order, the record-id
field's section header) it is changed as REDCap changes it, and where the instrument format
keeps a cell in its own shape (choice spacing), a warning says what the cell becomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instruments.csv_text import CsvFileError, csv_rows, decode_csv
from instruments.date_bounds import ymd_bound
from instruments.dictionary.choices import (
    format_choices,
    format_slider_labels,
    parse_choices,
    parse_slider_labels,
)
from instruments.dictionary.columns import API_COLUMNS, LEGACY_FIELD_TYPES, UI_HEADERS
from instruments.dictionary.events import logic_events, waves_from_logic
from instruments.model import ALIGNMENTS, LISTED_CHOICE_TYPES
from instruments.validation_types import LEGACY_NAMES

LOGIC_COLUMN_F = "select_choices_or_calculations"
TEXT_COLUMNS = {
    "field_label": "label",
    "section_header": "section_header",
    "field_note": "note",
    "branching_logic": "branching_logic",
    "question_number": "question_number",
    "field_annotation": "annotation",
}


@dataclass
class ImportResult:
    """The instrument as JSON-ready data, and what the import had to say about the input."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class DictionaryError(ValueError):
    """The file is not a REDCap data dictionary at all (wrong columns, unreadable)."""


def read_dictionary(
    raw: bytes | str, *, file: str = "<memory>"
) -> tuple[list[dict[str, str]], list[str]]:
    """Rows keyed by the API column names, and warnings about the decoding."""
    try:
        if isinstance(raw, bytes):
            text, warnings = decode_csv(raw, file=file)
        else:
            text, warnings = raw.removeprefix("\ufeff"), []
        table = csv_rows(text, file=file)
    except CsvFileError as exc:
        raise DictionaryError(str(exc)) from None
    if not table:
        raise DictionaryError(f"[{file}] is empty")
    header, body = table[0], table[1:]
    normalised = [h.strip() for h in header]
    if tuple(normalised[:18]) not in (API_COLUMNS, UI_HEADERS):
        if len([h for h in normalised if h]) < 18:
            tabs = (
                " (it is separated by tabs: save it as CSV)" if "\t" in "".join(header[:1]) else ""
            )
            raise DictionaryError(
                f"[{file} row 1] expected REDCap's 18 dictionary columns, found {len(header)}: "
                f"{', '.join(normalised[:5])}...{tabs}"
            )
        warnings.append(
            f"[{file} row 1] unfamiliar headers; columns read by position as REDCap does"
        )
    rows = []
    for number, values in enumerate(body, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) < 18:
            values = values + [""] * (18 - len(values))
        elif len(values) > 18 and any(v.strip() for v in values[18:]):
            warnings.append(f"[{file} row {number}] values after column R are ignored")
        row = dict(zip(API_COLUMNS, values[:18], strict=True))
        row["_row"] = str(number)
        rows.append(row)
    return rows, warnings


def import_dictionary(
    source: str | Path | bytes,
    *,
    instrument_id: str | None = None,
    title: str | None = None,
    kind: str = "survey",
    respondent: str = "",
    version: str = "0.1.0",
    file: str | None = None,
) -> ImportResult:
    """Convert a dictionary (a path, or the file's bytes) into instrument data.

    Events the dictionary's logic names (a longitudinal project's ``[event][field]``) become the
    instrument's waves, with a warning that says what a dictionary cannot tell about them.
    """
    raw, file, stem = read_source(source, file)
    rows, warnings = read_dictionary(raw, file=file)
    if not rows:
        raise DictionaryError(f"[{file}] has a header but no fields")
    for row in rows:
        row["_where"] = f"[{file} row {row['_row']}]"
    ident = instrument_id or identifier(stem)
    result = instrument_data(
        rows,
        instrument_id=ident,
        title=title or ident.replace("_", " ").capitalize(),
        kind=kind,
        respondent=respondent,
        version=version,
        citation=f"Imported from the REDCap data dictionary {file}",
        warnings=warnings,
    )
    named = logic_events(
        row[column] for row in rows for column in ("branching_logic", LOGIC_COLUMN_F)
    )
    waves = waves_from_logic(named, f"[{file}]", result.warnings) if named else None
    if waves is not None:
        result.data["waves"] = waves
    return result


def read_source(source: str | Path | bytes, file: str | None) -> tuple[bytes, str, str]:
    """The bytes of ``source`` (a path or bytes), the name messages use, and the file's stem."""
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), file or path.name, path.stem
    return source, file or "<memory>", "imported"


def instrument_data(
    rows: list[dict[str, str]],
    *,
    instrument_id: str,
    title: str,
    kind: str,
    respondent: str,
    version: str,
    citation: str,
    warnings: list[str],
    form_labels: dict[str, str] | None = None,
) -> ImportResult:
    """Instrument data for dictionary ``rows`` (the 18 columns, and ``_where``: the place a
    message names), each form a report domain; what REDCap would change is changed as REDCap
    changes it, and ``warnings`` say what."""
    forms = _forms(rows, form_labels or {})
    fields = [_field(row, position == 0, warnings) for position, row in enumerate(rows)]
    data: dict[str, Any] = {
        "id": instrument_id,
        "version": version,
        "title": title,
        "kind": kind,
        "respondent": respondent or "not recorded in the data dictionary",
        "source": {"citation": citation},
        "record_id": rows[0]["field_name"].strip(),
        "domains": [{"name": name, "label": label} for name, label in forms],
        "forms": [{"name": name, "label": label} for name, label in forms],
        "fields": fields,
    }
    for fld in fields[1:]:
        if fld["type"] != "descriptive":
            fld["domain"] = fld["form"]
    return ImportResult(data, warnings)


def identifier(stem: str) -> str:
    """An instrument id made of a file name's stem."""
    ident = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
    return ident if ident and ident[0].isalpha() else f"instrument_{ident}"


def _forms(rows: list[dict[str, str]], labels: dict[str, str]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in rows:
        name = row["form_name"].strip()
        label = labels.get(name) or name.replace("_", " ").strip().capitalize() or name
        seen.setdefault(name, label)
    return list(seen.items())


def _field(row: dict[str, str], first: bool, warnings: list[str]) -> dict[str, Any]:
    name = row["field_name"].strip()
    where = f"{row['_where']} field '{name}':"

    def changed(what: str, before: str, after: str, why: str) -> None:
        shown = f"'{after}'" if after else "blank"
        warnings.append(f"{where} {what} '{before}' is kept as {shown}: {why}")

    written = row["field_type"].strip()
    ftype = LEGACY_FIELD_TYPES.get(written, written)
    if ftype != written:
        changed("field type", written, ftype, "REDCap exports the legacy type under this name")
    out: dict[str, Any] = {"name": name, "form": row["form_name"].strip(), "type": ftype}
    _copy(out, row, TEXT_COLUMNS)
    if first and "section_header" in out:
        changed(
            "section header",
            out.pop("section_header"),
            "",
            "REDCap clears the record-id field's section header (redcap-api.md §4.4)",
        )
    alignment = row["custom_alignment"].strip()
    if alignment in ALIGNMENTS:
        out["alignment"] = alignment
    elif alignment:
        changed("custom alignment", alignment, "", "REDCap blanks an alignment it does not know")
    column_f = row[LOGIC_COLUMN_F]
    kind_h = row["text_validation_type_or_show_slider_number"].strip()
    if kind_h != kind_h.lower():
        changed("validation type", kind_h, kind_h.lower(), "REDCap lower-cases it")
        kind_h = kind_h.lower()
    low, high = row["text_validation_min"], row["text_validation_max"]
    if ftype in LISTED_CHOICE_TYPES:
        choices = parse_choices(column_f)
        out["choices"] = [
            {"code": c.code} if c.label is None else {"code": c.code, "label": c.label}
            for c in choices
        ]
        if format_choices(choices) != column_f:
            changed(
                "choices", column_f, format_choices(choices), "choices are kept as codes and labels"
            )
    elif ftype == "calc":
        out["calculation"] = column_f
    elif ftype == "sql":
        out["sql"] = column_f
    elif ftype == "slider":
        out["slider"] = _slider(column_f, kind_h, low, high)
        labels = format_slider_labels(tuple(out["slider"]["labels"]))
        if labels != column_f:
            changed("slider labels", column_f, labels, "slider labels are kept one by one")
    elif column_f.strip():
        warnings.append(f"{where} column F is ignored on a {ftype} field")
    if ftype != "slider" and kind_h:
        vtype = LEGACY_NAMES.get(kind_h, kind_h)
        if vtype != kind_h:
            changed("validation type", kind_h, vtype, "REDCap exports the legacy name as this one")
        validation: dict[str, str] = {"type": vtype}
        for bound, text in (("min", low), ("max", high)):
            if not text:
                continue
            stored = ymd_bound(vtype, text)
            if stored is not None:
                changed(
                    f"{bound}",
                    text,
                    stored,
                    f"it is written in the {vtype} field's own order, and REDCap stores date "
                    "bounds as Y-M-D",
                )
            validation[bound] = stored or text
        out["validation"] = validation
    elif ftype != "slider" and (low or high):
        warnings.append(f"{where} min/max without a validation type ignored")
    for column, key in (("identifier", "identifier"), ("required_field", "required")):
        if _flag(row[column], column, changed):
            out[key] = True
    group = row["matrix_group_name"].strip()
    if group:
        ranking = _flag(row["matrix_ranking"], "matrix_ranking", changed)
        out["matrix"] = {"group": group, "ranking": ranking}
    return out


def _slider(labels: str, kind_h: str, low: str, high: str) -> dict[str, Any]:
    slider: dict[str, Any] = {"labels": list(parse_slider_labels(labels))}
    if kind_h == "number":
        slider["show_number"] = True
    if low:
        slider["min"] = low
    if high:
        slider["max"] = high
    return slider


def _copy(out: dict[str, Any], row: dict[str, str], mapping: dict[str, str]) -> None:
    for column, key in mapping.items():
        if row[column] != "":
            out[key] = row[column]


def _flag(value: str, column: str, changed: Any) -> bool:
    """Whether a y/blank column is set. REDCap takes ``y`` in any case and blanks anything else,
    with a warning (redcap-api.md §4.4)."""
    text = value.strip()
    if text.lower() == "y":
        if text != "y":
            changed(column, value, "y", "REDCap stores the flag and exports it as 'y'")
        return True
    if text:
        changed(column, value, "", "REDCap blanks a flag other than 'y'")
    return False
