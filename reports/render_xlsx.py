"""A report as an Excel workbook, for analysts who sort, filter and re-use the numbers.

Sheets, in order: "README" (what the report is, every sheet with its title and note, and the
provenance), one sheet per table in reading order, then "Notes" (the report's paragraphs and
fact boxes), one sheet per list of typed answers, "Chart data" (the numbers behind the
charts) and "Statistics" (the report's tidy table, as ``qiscan stats`` writes it), so nothing
the report says is lost. Each table sheet has its title in row 1, a bold
frozen header in row 2 with an autofilter, and its note below the rows.

Numbers are stored as numbers and only formatted, so they sort and sum:

- integer: a whole number, ``#,##0``;
- number: ``0.0`` with the column's decimals;
- percent: the percent value itself (58.0 for 58 %) with the format ``0.0"%"``; never the
  fraction 0.58, so a cell holds the same number as the HTML, PDF and tidy table;
- p_value: three decimals (more if the column asks), and a value below 0.001 stays that
  number but shows as "<0.001".

A :class:`~reports.model.Suppressed` cell is the text it shows, with its reason as a cell
comment; ``None`` and NaN are empty cells. Every text cell is neutralised with
:func:`reports.tables.neutralise`, so typed text never becomes a formula. A cell holds at most
32,767 characters (Excel's limit, in UTF-16 code units): a typed answer longer than that goes on
over the rows below it (:func:`reports.xlsx_sheets.text_list_tables`), and any other longer
text is cut there with a note in the cell saying so and how long the text was.

The workbook's created and modified times and its zip entries' times come from the
provenance's ``generated_at`` (or a fixed date without one), so rendering the same report
twice gives the same bytes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reports.files import write_atomically
from reports.long_text import ELLIPSIS, XLSX_CELL_LIMIT, xlsx_length
from reports.model import (
    Cell,
    Column,
    Provenance,
    Report,
    Suppressed,
    Table,
)
from reports.tables import neutralise
from reports.xlsx_sheets import (
    chart_data_table,
    notes_table,
    statistics_table_sheet,
    text_list_tables,
)

README = "README"
SHEET_NAME_LIMIT = 31
# Excel refuses these in a sheet name; openpyxl raises on them.
SHEET_NAME_FORBIDDEN = str.maketrans({char: "-" for char in "[]:*?/\\"})
CELL_TEXT_LIMIT = XLSX_CELL_LIMIT  # a longer cell makes Excel "repair" the file
WIDTH_MIN, WIDTH_MAX = 8, 60
FALLBACK_TIME = datetime(2000, 1, 1)
ZIP_EPOCH = datetime(1980, 1, 1)
AUTHOR = "qiscan"

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
NOTE_FONT = Font(italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Sheet:
    """A table as one sheet: its safe name and the section it came from."""

    name: str
    table: Table
    section: str = ""


def render(report: Report, out: Path) -> Path:
    """Write ``report`` as an XLSX workbook to ``out`` (atomically) and return ``out``."""
    return write_atomically(out, workbook_bytes(report))


def workbook_bytes(report: Report) -> bytes:
    """The workbook as bytes, dated by the provenance, so the same report gives the same bytes."""
    sheets = report_sheets(report)
    book = Workbook()
    readme = book.active
    readme.title = README
    write_readme(readme, report, sheets)
    for sheet in sheets:
        write_table(book.create_sheet(sheet.name), sheet.table)
    when = generated_time(report.provenance)
    book.properties.creator = f"{AUTHOR} {report.provenance.qiscan_version}".strip()
    book.properties.title = clean(report.title)
    book.properties.created = when
    book.properties.modified = when
    buffer = BytesIO()
    # ExcelWriter rather than Workbook.save: save() stamps "modified" with the clock.
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return with_entry_times(buffer.getvalue(), when)


def report_sheets(report: Report) -> list[Sheet]:
    """Every sheet after the README, in order, with names Excel accepts."""
    wanted: list[tuple[Table, str]] = [
        (block, section.title)
        for section in report.sections
        for block in section.blocks
        if isinstance(block, Table)
    ]
    notes = notes_table(report)
    if notes is not None:
        wanted.append((notes, ""))
    wanted.extend(text_list_tables(report))
    charts = chart_data_table(report)
    if charts is not None:
        wanted.append((charts, ""))
    statistics = statistics_table_sheet(report)
    if statistics is not None:
        wanted.append((statistics, ""))
    names = sheet_names([table.name for table, _ in wanted], reserved=(README,))
    return [
        Sheet(name, table, section) for name, (table, section) in zip(names, wanted, strict=True)
    ]


def sheet_names(wanted: Iterable[str], reserved: Sequence[str] = ()) -> list[str]:
    """Each name made valid for Excel: forbidden characters ``[]:*?/\\`` replaced by "-", no
    apostrophe at either end, at most 31 characters, and unique ignoring case (a repeat, or a
    name that is the same as another once truncated, gets " (2)", " (3)", ...)."""
    used = {name.casefold() for name in reserved} | {"history"}  # "History" is Excel's own
    names = []
    for name in wanted:
        base = clean(name).translate(SHEET_NAME_FORBIDDEN)
        base = " ".join(base.split()).strip("'") or "Sheet"
        candidate, number = fit(base, SHEET_NAME_LIMIT), 2
        while candidate.casefold() in used:
            suffix = f" ({number})"
            candidate = fit(base, SHEET_NAME_LIMIT - len(suffix)).rstrip() + suffix
            number += 1
        used.add(candidate.casefold())
        names.append(candidate)
    return names


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters as Excel counts them, without the trailing apostrophe
    a sheet name may not have."""
    # Excel counts UTF-16 code units, so a character outside the BMP counts twice.
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text.rstrip("'")


def clean(text: str) -> str:
    """``text`` without the control characters an XLSX file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def safe_text(text: str) -> str:
    """Text as a cell holds it: cleaned, neutralised, and within Excel's cell limit; a longer
    text is cut there, ending with a note that says so."""
    safe = neutralise(clean(text))
    if xlsx_length(safe) <= CELL_TEXT_LIMIT:
        return safe
    note = (
        f" {ELLIPSIS} [truncated: a spreadsheet cell holds at most {CELL_TEXT_LIMIT:,} "
        f"characters; this text has {len(text):,}]"
    )
    return first_units(safe, CELL_TEXT_LIMIT - xlsx_length(note)) + note


def first_units(text: str, units: int) -> str:
    """The longest start of ``text`` within ``units`` UTF-16 code units (Excel's count),
    never splitting a character beyond U+FFFF."""
    return text.encode("utf-16-le")[: 2 * units].decode("utf-16-le", errors="ignore")


def number_format(column: Column) -> str:
    """The Excel number format for a column's kind and decimals."""
    if column.kind == "integer":
        return "#,##0"
    if column.kind == "p_value":
        return f'[<0.001]"<0.001";{decimal_format(max(column.decimals, 3))}'
    if column.kind == "number":
        return decimal_format(column.decimals)
    if column.kind == "percent":
        return f'{decimal_format(column.decimals)}"%"'
    return "General"


def decimal_format(decimals: int) -> str:
    """Excel's number format for ``decimals`` places, e.g. ``0.00``."""
    return "0." + "0" * decimals if decimals > 0 else "0"


def write_table(ws: Worksheet, table: Table) -> None:
    """One table on its sheet: the title in row 1, a frozen header with a filter in row 2, the
    rows, and the note two rows below them."""
    ws.cell(1, 1, safe_text(table.title)).font = TITLE_FONT
    for j, column in enumerate(table.columns, start=1):
        header = ws.cell(2, j, safe_text(column.header))
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
    for i, row in enumerate(table.rows, start=3):
        for j, column in enumerate(table.columns, start=1):
            put(ws, i, j, row.get(column.key), column)
    last_row = 2 + len(table.rows)
    ws.freeze_panes = "A3"
    if table.columns:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(table.columns))}{last_row}"
    if table.note:
        ws.cell(last_row + 2, 1, safe_text(table.note)).font = NOTE_FONT
    fit_widths(ws, table)


def put(ws: Worksheet, row: int, col: int, value: Cell, column: Column) -> None:
    """One cell: a number with its format, text neutralised, Suppressed with its reason."""
    if value is None:
        return
    cell = ws.cell(row, col)
    if isinstance(value, Suppressed):
        cell.value = safe_text(value.shown)
        cell.comment = Comment(clean(value.reason), AUTHOR)
        if column.kind != "text":
            cell.alignment = Alignment(horizontal="right")
    elif isinstance(value, str):
        cell.value = safe_text(value)
    elif isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return  # NaN: no value, as in the CSV; an XLSX cannot hold NaN anyway
        whole = isinstance(value, numbers.Integral) or (
            column.kind == "integer" and number.is_integer()
        )
        cell.value = int(number) if whole else number
        cell.number_format = number_format(column)
    else:
        cell.value = safe_text(str(value))


def shown(value: Cell, column: Column) -> str:
    """Roughly what Excel displays for a cell: enough to size its column."""
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return value.shown
    if isinstance(value, str) or not isinstance(value, numbers.Real):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return ""
    if column.kind == "integer":
        return f"{round(number):,}"
    if column.kind == "p_value":
        return "<0.001" if number < 0.001 else f"{number:.{max(column.decimals, 3)}f}"
    if column.kind in ("number", "percent"):
        unit = "%" if column.kind == "percent" else ""
        return f"{number:.{max(column.decimals, 0)}f}{unit}"
    return str(value)


def fit_widths(ws: Worksheet, table: Table) -> None:
    """Each column as wide as its longest line (capped); a capped text column wraps."""
    for j, column in enumerate(table.columns, start=1):
        texts = [column.header, *(shown(row.get(column.key), column) for row in table.rows)]
        longest = max((len(line) for text in texts for line in text.splitlines()), default=0)
        ws.column_dimensions[get_column_letter(j)].width = min(
            max(longest + 2, WIDTH_MIN), WIDTH_MAX
        )
        if longest + 2 > WIDTH_MAX or any("\n" in text for text in texts):
            for i in range(3, 3 + len(table.rows)):
                ws.cell(i, j).alignment = WRAP


def write_readme(ws: Worksheet, report: Report, sheets: Sequence[Sheet]) -> None:
    """What the report is, every sheet with its title and note, then the provenance."""
    ws.cell(1, 1, safe_text(report.title)).font = TITLE_FONT
    facts = [
        ("Subtitle", report.subtitle),
        ("Audience", report.audience),
        ("Report", report.kind),
    ]
    if report.suppress_below is not None:
        facts.append(
            ("Suppression", f"counts below {report.suppress_below} are withheld and shown as text")
        )
    row = label_rows(ws, 3, facts)
    row = heading(ws, row + 1, ("Sheet", "Title", "Section", "Note"))
    for sheet in sheets:
        link = ws.cell(row, 1, safe_text(sheet.name))
        quoted = sheet.name.replace("'", "''")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!A1")
        link.style = "Hyperlink"
        for j, text in enumerate((sheet.table.title, sheet.section, sheet.table.note), start=2):
            ws.cell(row, j, safe_text(text)).alignment = WRAP
        row += 1
    row = heading(ws, row + 1, ("Provenance", "", "", ""))
    label_rows(ws, row, provenance_rows(report.provenance))
    for letter, width in zip("ABCD", (22, 50, 30, 60), strict=True):
        ws.column_dimensions[letter].width = width


def provenance_rows(provenance: Provenance) -> list[tuple[str, str]]:
    """The provenance as the README sheet's label-value rows."""
    instruments = [
        ("Instrument", f"{instrument} (version {version})")
        for instrument, version in provenance.instruments
    ]
    snapshot = "" if provenance.snapshot_id is None else str(provenance.snapshot_id)
    return [
        ("qiscan version", provenance.qiscan_version),
        *(instruments or [("Instrument", "")]),
        ("Snapshot id", snapshot),
        ("Content hash", ", ".join(provenance.content_hashes)),
        ("Pulled at", provenance.pulled_at),
        ("REDCap project", provenance.project),
        ("Generated at", provenance.generated_at),
        *([("Simulated records", str(provenance.simulated))] if provenance.simulated else []),
    ]


def heading(ws: Worksheet, row: int, labels: Sequence[str]) -> int:
    """``labels`` across ``row`` in the header style; returns the next row."""
    for j, label in enumerate(labels, start=1):
        cell = ws.cell(row, j, label or None)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    return row + 1


def label_rows(ws: Worksheet, row: int, pairs: Iterable[tuple[str, str]]) -> int:
    """Each (label, value) pair on a row of its own from ``row`` down, the label bold; returns
    the row after the last."""
    for label, value in pairs:
        ws.cell(row, 1, label).font = HEADER_FONT
        if value:
            ws.cell(row, 2, safe_text(value)).alignment = WRAP
        row += 1
    return row


def generated_time(provenance: Provenance) -> datetime:
    """``generated_at`` as naive UTC (what openpyxl writes); a fixed date when it is missing
    or unreadable, so the bytes still do not depend on the clock."""
    try:
        when = datetime.fromisoformat(provenance.generated_at)
    except ValueError:
        return FALLBACK_TIME
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return max(when.replace(microsecond=0), ZIP_EPOCH)


def with_entry_times(data: bytes, when: datetime) -> bytes:
    """The zip ``data`` with every entry dated ``when``: openpyxl dates them with the clock."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = BytesIO()
    with ZipFile(BytesIO(data)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            copy = ZipInfo(entry.filename, date_time=stamp)
            copy.compress_type = ZIP_DEFLATED
            copy.external_attr = entry.external_attr
            target.writestr(copy, source.read(entry))
    return out.getvalue()
