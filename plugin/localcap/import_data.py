"""Read the ``data`` parameter of an import: a JSON array, a CSV table or an XML item list.

Every value becomes text the way PHP casts it (numbers as written, ``null`` blank, ``true`` as
``1``). The column order of each row is kept, because REDCap maps some imports by position.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from typing import Any

from plugin.localcap.errors import CSV_DATA, JSON_DATA, NO_DATA, XML_DATA, ApiError
from plugin.localcap.params import Format

Rows = list[dict[str, str]]


def read_rows(text: str, fmt: Format) -> Rows:
    """The rows of ``data`` in ``fmt``, every value as text, columns in the order sent. Blank or
    unreadable data is refused with REDCap's text."""
    if not text.strip():
        raise ApiError(NO_DATA)
    if fmt == "json":
        return _json_rows(text)
    if fmt == "csv":
        return _csv_rows(text)
    return _xml_rows(text)


def php_text(value: Any) -> str:
    """A decoded JSON value as PHP's string cast writes it."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _json_rows(text: str) -> Rows:
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(JSON_DATA.format(detail="Syntax error")) from exc
    if isinstance(decoded, dict):
        decoded = [decoded]
    if not isinstance(decoded, list) or not all(isinstance(row, dict) for row in decoded):
        raise ApiError(JSON_DATA.format(detail="the data is not an array of objects"))
    return [{str(key): php_text(value) for key, value in row.items()} for row in decoded]


def _csv_rows(text: str) -> Rows:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ApiError(CSV_DATA.format(detail=str(exc))) from exc
    if not table:
        raise ApiError(NO_DATA)
    header = [name.strip() for name in table[0]]
    rows: Rows = []
    for number, line in enumerate(table[1:], start=2):
        if len(line) > len(header):
            detail = f"line {number} has {len(line)} values but the header names {len(header)}"
            raise ApiError(CSV_DATA.format(detail=detail))
        padded = line + [""] * (len(header) - len(line))
        rows.append(dict(zip(header, padded, strict=True)))
    return rows


def _xml_rows(text: str) -> Rows:
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise ApiError(XML_DATA.format(detail=str(exc))) from exc
    if len(root) == 0:
        return []
    items = [child for child in root if len(child)] or [root]
    return [{cell.tag: (cell.text or "") for cell in item} for item in items]
