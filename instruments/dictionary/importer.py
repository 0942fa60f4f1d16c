"""Import a REDCap data dictionary CSV, as REDCap downloads it, into the instrument JSON format.

Real dictionaries are awkward: a byte-order mark, CRLF line ends, Windows-1252 text, the web
page's label headers or the API's raw names, legacy choice strings, HTML in labels, old
validation names. The import keeps every column so that compiling the result gives the same
dictionary back; what REDCap itself would normalise (choice spacing, legacy validation names) is
normalised the same way, and anything REDCap would drop is reported as a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instruments.csv_text import CsvFileError, csv_rows, decode_csv
from instruments.dictionary.choices import parse_choices, parse_slider_labels
from instruments.dictionary.columns import API_COLUMNS, UI_HEADERS
from instruments.model import LISTED_CHOICE_TYPES
from instruments.validation_types import LEGACY_NAMES


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
    """Convert a dictionary (a path, or the file's bytes) into instrument data."""
    if isinstance(source, str | Path):
        path = Path(source)
        raw = path.read_bytes()
        file = file or path.name
        stem = path.stem
    else:
        raw, file, stem = source, file or "<memory>", "imported"
    rows, warnings = read_dictionary(raw, file=file)
    if not rows:
        raise DictionaryError(f"[{file}] has a header but no fields")
    ident = instrument_id or _identifier(stem)
    forms = _forms(rows)
    fields = [_field(row, file, warnings) for row in rows]
    data: dict[str, Any] = {
        "id": ident,
        "version": version,
        "title": title or ident.replace("_", " ").capitalize(),
        "kind": kind,
        "respondent": respondent or "not recorded in the data dictionary",
        "source": {"citation": f"Imported from the REDCap data dictionary {file}"},
        "record_id": rows[0]["field_name"].strip(),
        "domains": [{"name": name, "label": label} for name, label in forms],
        "forms": [{"name": name, "label": label} for name, label in forms],
        "fields": fields,
    }
    for fld in fields[1:]:
        if fld["type"] != "descriptive":
            fld["domain"] = fld["form"]
    return ImportResult(data, warnings)


def _identifier(stem: str) -> str:
    ident = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
    return ident if ident and ident[0].isalpha() else f"instrument_{ident}"


def _forms(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in rows:
        name = row["form_name"].strip()
        seen.setdefault(name, name.replace("_", " ").strip().capitalize() or name)
    return list(seen.items())


def _field(row: dict[str, str], file: str, warnings: list[str]) -> dict[str, Any]:
    where = f"[{file} row {row['_row']}]"
    ftype = row["field_type"].strip()
    ftype = {"select": "dropdown", "textarea": "notes"}.get(ftype, ftype)
    out: dict[str, Any] = {
        "name": row["field_name"].strip(),
        "form": row["form_name"].strip(),
        "type": ftype,
    }
    _copy(
        out,
        row,
        {
            "field_label": "label",
            "section_header": "section_header",
            "field_note": "note",
            "branching_logic": "branching_logic",
            "custom_alignment": "alignment",
            "question_number": "question_number",
            "field_annotation": "annotation",
        },
    )
    if "alignment" in out:
        out["alignment"] = out["alignment"].strip()
    column_f = row["select_choices_or_calculations"]
    kind_h = row["text_validation_type_or_show_slider_number"].strip()
    low, high = row["text_validation_min"], row["text_validation_max"]
    if ftype in LISTED_CHOICE_TYPES:
        out["choices"] = [
            {"code": c.code} if c.label is None else {"code": c.code, "label": c.label}
            for c in parse_choices(column_f)
        ]
    elif ftype == "calc":
        out["calculation"] = column_f
    elif ftype == "sql":
        out["sql"] = column_f
    elif ftype == "slider":
        out["slider"] = _slider(column_f, kind_h, low, high)
    elif column_f.strip():
        warnings.append(f"{where} field '{out['name']}': column F is ignored on a {ftype} field")
    if ftype != "slider" and kind_h:
        validation: dict[str, str] = {"type": LEGACY_NAMES.get(kind_h, kind_h)}
        if low:
            validation["min"] = low
        if high:
            validation["max"] = high
        out["validation"] = validation
    elif ftype != "slider" and (low or high):
        warnings.append(f"{where} field '{out['name']}': min/max without a validation type ignored")
    for column, key in (("identifier", "identifier"), ("required_field", "required")):
        if _yes(row[column]):
            out[key] = True
    group = row["matrix_group_name"].strip()
    if group:
        out["matrix"] = {"group": group, "ranking": _yes(row["matrix_ranking"])}
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


def _yes(value: str) -> bool:
    return value.strip().lower() in ("y", "1")
