"""Response bodies as REDCap writes them: PHP ``json_encode``, ``fputcsv`` and CDATA XML.

* JSON is compact and escapes ``/`` as ``\\/`` and non-ASCII as ``\\uXXXX``, as PHP does.
* CSV follows ``fputcsv($fh, $row, $delimiter, '"', '')``: a cell is quoted when it holds the
  delimiter, a quote, a line break, a tab or a space; lines end with ``\\n``.
* XML wraps every non-blank value in CDATA; a blank value is an empty element.
* An error is ``{"error":"..."}``, ``ERROR: ...`` or ``<hash><error>...</error></hash>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from plugin.localcap.params import Format

JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
TEXT_TYPE = "text/html; charset=utf-8"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>'
CONTENT_TYPES: dict[str, str] = {"json": JSON_TYPE, "csv": CSV_TYPE, "xml": XML_TYPE}

Cell = str | int | float
Row = Mapping[str, Cell]


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: body (text, or bytes for a file), content type and status."""

    body: str | bytes
    content_type: str = TEXT_TYPE
    status: int = 200


def php_json(value: Any) -> str:
    """``json_encode`` of ``value`` with PHP's default flags."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def csv_line(cells: Iterable[Cell], delimiter: str = ",") -> str:
    """One ``fputcsv`` line, newline included."""
    return delimiter.join(_csv_cell(str(cell), delimiter) for cell in cells) + "\n"


def _csv_cell(text: str, delimiter: str) -> str:
    if any(char in text for char in (delimiter, '"', "\n", "\r", "\t", " ")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_table(columns: Sequence[str], rows: Iterable[Row], delimiter: str = ",") -> str:
    """A header line and one line per row; an empty table still has its header."""
    lines = [csv_line(columns, delimiter)]
    lines.extend(csv_line((row.get(column, "") for column in columns), delimiter) for row in rows)
    return "".join(lines)


def xml_value(value: Cell) -> str:
    """One value as REDCap's XML holds it: in CDATA (a ``]]>`` inside split across two sections), or
    nothing when blank."""
    text = str(value)
    if text == "":
        return ""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_item(row: Row, columns: Sequence[str] | None = None) -> str:
    """One ``<item>`` of ``row``'s values, in ``columns`` order (else the row's own order)."""
    keys = list(row) if columns is None else columns
    cells = "".join(f"<{key}>{xml_value(row.get(key, ''))}</{key}>" for key in keys)
    return f"<item>{cells}</item>"


def xml_items(
    rows: Iterable[Row], root: str = "records", columns: Sequence[str] | None = None
) -> str:
    """An XML document of one ``<item>`` per row under ``root``, as REDCap writes a list."""
    items = "".join(xml_item(row, columns) + "\n" for row in rows)
    return f"{XML_HEAD}\n<{root}>\n{items}</{root}>\n"


def table(
    rows: Sequence[Row],
    fmt: Format,
    columns: Sequence[str],
    *,
    root: str = "records",
    delimiter: str = ",",
    json_separator: str = ",",
) -> Answer:
    """A list of objects in the requested format, keys in ``columns`` order."""
    if fmt == "json":
        objects = [{column: row.get(column, "") for column in columns} for row in rows]
        body = "[" + json_separator.join(php_json(item) for item in objects) + "]"
        return Answer(body, JSON_TYPE)
    if fmt == "csv":
        return Answer(csv_table(columns, rows, delimiter), CSV_TYPE)
    return Answer(xml_items(rows, root, columns), XML_TYPE)


def single(row: Row, fmt: Format) -> Answer:
    """One object (project information): a JSON object, a one-row CSV or one XML item."""
    if fmt == "json":
        return Answer(php_json(dict(row)), JSON_TYPE)
    if fmt == "csv":
        return Answer(csv_table(list(row), [row]), CSV_TYPE)
    return Answer(f"{XML_HEAD}\n{xml_item(row)}", XML_TYPE)


def number(count: int, fmt: Format) -> Answer:
    """A bare integer, as REDCap answers deletes and most imports whatever the format."""
    return Answer(str(count), CONTENT_TYPES[fmt])


def download(content: bytes, mime_type: str, name: str) -> Answer:
    """A file: REDCap names it in a Content-Type parameter, which is where PyCap reads it."""
    return Answer(content, f'{mime_type}; name="{name}"')


def error(message: str, fmt: Format, status: int) -> Answer:
    """REDCap's refusal in ``fmt`` with ``status``: a JSON ``{"error": ...}``, ``ERROR: ...`` text
    or an XML ``<hash>``."""
    if fmt == "json":
        return Answer(php_json({"error": message}), JSON_TYPE, status)
    if fmt == "csv":
        return Answer(f"ERROR: {message}", CSV_TYPE, status)
    body = f"{XML_HEAD}<hash><error>{escape(message)}</error></hash>"
    return Answer(body, XML_TYPE, status)
