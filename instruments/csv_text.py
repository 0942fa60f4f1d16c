"""Reading a CSV file that a person saved: a REDCap data dictionary, a committee's member list.

Spreadsheet programs write CSV in several encodings: UTF-8 with or without a byte-order mark,
Windows-1252 ("CSV" on older Excel), and UTF-16 ("Unicode Text"). Each is recognised and read;
a file that still holds NUL bytes is no text CSV and is refused, instead of being read as names
full of NULs. Rows are read with the standard ``csv`` module, whose cell limit (131,072
characters) stays as it is: a longer cell is refused with its line, not a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io

CELL_LIMIT = csv.field_size_limit()  # read only; the limit is process-wide
SAMPLE = 4096  # bytes looked at to tell UTF-16 without a byte-order mark


class CsvFileError(ValueError):
    """The file cannot be read as a CSV table; the message names the file and the line."""


def decode_csv(raw: bytes, *, file: str) -> tuple[str, list[str]]:
    """The file's text, and warnings about how it was decoded."""
    encoding = _utf16(raw)
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"[{file}] looks like UTF-16 but is not (byte {exc.start}); save it as CSV (UTF-8)"
            ) from None
        warnings = [f"[{file}] read as UTF-16; CSV (UTF-8) is the usual format"]
    else:
        try:
            text, warnings = raw.decode("utf-8"), []
        except UnicodeDecodeError as exc:
            text = raw.decode("cp1252", errors="replace")
            warnings = [
                f"[{file}] not UTF-8 (byte {exc.start}); read as Windows-1252, check accented text"
            ]
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvFileError(
            f"[{file} line {line}] holds NUL bytes, so it is not a text CSV; "
            "save it from the spreadsheet as CSV (UTF-8)"
        )
    return text, warnings


def csv_rows(text: str, *, file: str) -> list[list[str]]:
    """Every row of ``text`` as cells; a cell over the limit is an error naming its line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise CsvFileError(
                f"[{file} line {line}] a cell is longer than {CELL_LIMIT:,} characters; "
                "shorten it (or check for an unclosed quote that swallowed the rows after it)"
            ) from None
        raise CsvFileError(f"[{file} line {line}] not readable as CSV: {exc}") from None
    return rows


def _utf16(raw: bytes) -> str | None:
    """``utf-16`` (with a byte-order mark), ``utf-16-le``/``-be`` when every other byte of the
    start is NUL as UTF-16 text in a Latin script is, else None."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[:SAMPLE]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    if sample[1::2].count(0) > pairs * 0.9 and sample[0::2].count(0) < pairs * 0.1:
        return "utf-16-le"
    if sample[0::2].count(0) > pairs * 0.9 and sample[1::2].count(0) < pairs * 0.1:
        return "utf-16-be"
    return None
