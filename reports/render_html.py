"""A Report as one self-contained HTML file: CSS embedded, charts inline, no requests.

The page works offline and from an e-mail attachment: nothing is fetched (a Content Security
Policy forbids it, and there is no script at all), tables scroll sideways inside their own box
on a phone, and the print stylesheet (also what the PDF renderer uses) lays it out on A4.

Text that anyone could type (answers, labels, names) is capped by :mod:`reports.long_text`
before it is laid out: a 1 MB comment shows its first 5,000 characters and a note saying where
the whole of it is (the XLSX), so the page, and the PDF printed from it, stays readable.

Everything the builder wrote is data. Jinja2 escapes every value (autoescape on), the SVG
charts escape their own text, and the only markup passed through unescaped is our own: the
stylesheets and the charts' SVG. Numbers are formatted here, by the column's kind, so the HTML
and the PDF show the same digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports import charts
from reports.files import write_atomically
from reports.long_text import readable
from reports.model import (
    Block,
    Cell,
    Chart,
    Column,
    Facts,
    Report,
    RunChart,
    Suppressed,
    Table,
    Text,
    TextList,
)

EM_DASH = "\u2014"


@dataclass(frozen=True)
class CellView:
    """One cell as shown: its text, whether it is a number (right-aligned), and the reason a
    suppressed value was withheld (the cell's tooltip)."""

    text: str
    numeric: bool = False
    empty: bool = False
    reason: str = ""


@dataclass(frozen=True)
class TableView:
    """A table as the template draws it: its cells formatted, its column widths, and each kind
    of withheld cell once (``withheld``) for the line under the table."""

    ident: str
    title: str
    note: str
    columns: tuple[tuple[str, bool], ...]  # (header, numeric)
    widths: tuple[float, ...]  # percent of the table's width, one per column
    rows: tuple[tuple[CellView, ...], ...]
    withheld: tuple[tuple[str, str], ...]  # (shown, reason), printed under the table


@dataclass(frozen=True)
class BlockView:
    """A block and what the template needs to draw it; ``kind`` names the template macro."""

    kind: str
    block: Block
    table: TableView | None = None
    chart: Markup | None = None


@dataclass(frozen=True)
class SectionView:
    """A section as the template draws it; ``ident`` is the anchor its contents entry links to."""

    ident: str
    title: str
    level: int
    blocks: tuple[BlockView, ...]


def format_cell(value: Cell, column: Column) -> str:
    """``value`` as the column's kind shows it: integer "1,143", number "3.46", percent "58.0%",
    p_value "0.042" or "<0.001"; an empty or NaN value is an em dash, a suppressed one its
    ``shown``. P-values keep at least three decimals, so a small p never reads as 0.0."""
    if isinstance(value, Suppressed):
        return value.shown
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EM_DASH
    if isinstance(value, str) or column.kind == "text":
        return str(value)
    if column.kind == "integer":
        return f"{round(value):,}"
    if column.kind == "percent":
        return f"{value:,.{column.decimals}f}%"
    if column.kind == "p_value":
        decimals = max(column.decimals, 3)
        return "<0.001" if value < 0.001 else f"{value:.{decimals}f}"
    return f"{value:,.{column.decimals}f}"


def cell_view(value: Cell, column: Column) -> CellView:
    """``value`` formatted (:func:`format_cell`), marked numeric (right-aligned), empty, or
    withheld with its reason."""
    numeric = column.kind != "text"
    text = format_cell(value, column)
    if isinstance(value, Suppressed):
        return CellView(text, numeric, reason=value.reason)
    empty = value is None or (isinstance(value, float) and math.isnan(value))
    return CellView(text, numeric, empty=empty)


def table_view(table: Table, ident: str) -> TableView:
    rows = tuple(
        tuple(cell_view(row.get(column.key), column) for column in table.columns)
        for row in table.rows
    )
    withheld = tuple(
        dict.fromkeys(
            (value.shown, value.reason)
            for row in table.rows
            for value in row.values()
            if isinstance(value, Suppressed)
        )
    )
    return TableView(
        ident,
        table.title,
        table.note,
        tuple((column.header, column.kind != "text") for column in table.columns),
        column_widths(table.columns, rows),
        rows,
        withheld,
    )


LINE_CHARS = 100
WORD_CHARS = 26


def column_widths(
    columns: tuple[Column, ...], rows: tuple[tuple[CellView, ...], ...]
) -> tuple[float, ...]:
    """Each column's share of the table width, in percent, from the length of what it shows.

    The PDF lays tables out with fixed column widths: WeasyPrint's automatic table layout
    measures every break opportunity, which takes minutes for one long unbroken answer. A
    number column gets room for its widest value or header word (up to 24 characters: numbers
    do not wrap); a text column for its longest line, between 8 and 40 characters (longer
    text wraps)."""
    chars: list[float] = []
    floors: list[float] = []
    for index, column in enumerate(columns):
        # A text column keeps room for its longest word, its header's too (a field name, a code,
        # "Krippendorff's"), so that wrapping never breaks one mid-word; a word past WORD_CHARS
        # may still break.
        longest_word = max((len(word) for word in column.header.split()), default=1)
        word = max((len(w) for row in rows for w in row[index].text.split()), default=1)
        floors.append(max(min(max(word, longest_word) + 4, WORD_CHARS), 10))  # + cell padding
        longest_cell = max((len(row[index].text) for row in rows), default=1)
        if column.kind == "text":
            # + 4 for the cell's padding: a short cell stays on one line
            chars.append(max(min(max(longest_cell, longest_word, 8), 40) + 4, floors[-1]))
        else:
            chars.append(min(max(longest_cell, longest_word, 4), 24) + 4)  # + its padding
    # A page holds about LINE_CHARS characters of 9 pt text: past that, text columns give way
    # (they wrap) so that number columns keep room for their values and header words. The
    # widest text columns give way first, down to a common ceiling (never below their longest
    # word), so a short column ("Ready to engage") stays on one line while a long one wraps.
    texts = [i for i, column in enumerate(columns) if column.kind == "text"]
    if sum(chars) > LINE_CHARS and texts:

        def capped(ceiling: float) -> list[float]:
            return [
                max(min(c, ceiling), floors[i]) if i in texts else c for i, c in enumerate(chars)
            ]

        low, high = 0.0, max(chars[i] for i in texts)
        for _ in range(30):  # bisect the ceiling at which the columns fit
            middle = (low + high) / 2
            low, high = (low, middle) if sum(capped(middle)) > LINE_CHARS else (middle, high)
        chars = capped(low)
    total = sum(chars)
    return tuple(round(100 * c / total, 2) for c in chars)


def _block_view(block: Block, ident: str) -> BlockView:
    if isinstance(block, Table):
        return BlockView("table", block, table=table_view(block, ident))
    if isinstance(block, Chart):
        kind = "run_chart" if isinstance(block, RunChart) else "chart"
        return BlockView(kind, block, chart=Markup(charts.svg(block, ident)))
    if isinstance(block, Text):
        return BlockView("text", block)
    if isinstance(block, Facts):
        return BlockView("facts", block)
    if isinstance(block, TextList):
        return BlockView("text_list", block)
    raise TypeError(f"no HTML layout for block {type(block).__name__}")


def section_views(report: Report) -> tuple[SectionView, ...]:
    """The report's sections with page-unique ids (``s1``, ``s1-b2``): counters, never derived
    from titles, so no builder text ever lands in an id or a URL fragment."""
    return tuple(
        SectionView(
            f"s{i}",
            section.title,
            3 if section.level >= 3 else 2,
            tuple(
                _block_view(block, f"s{i}-b{j}")
                for j, block in enumerate(section.blocks, 1)
                if not (isinstance(block, Table) and block.workbook_only)
            ),
        )
        for i, section in enumerate(report.sections, 1)
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def project_names(project: str) -> str:
    """The provenance's project keys (``server#project id``, comma-separated) as a reader should
    see them: a REDCap server's URL stays, but the embedded localcap's key names a folder on
    this computer (``localcap:/home/.../instance#3``), which is no business of the report's
    readers, so it shows as "localcap project 3"."""
    shown = []
    for key in (part.strip() for part in project.split(",")):
        server, _, number = key.rpartition("#")
        if server.startswith("localcap:"):
            shown.append(f"localcap project {number}" if number else "localcap")
        elif key:
            shown.append(key)
    return ", ".join(shown)


def stylesheet(name: str) -> Markup:
    """One of our own stylesheets, as trusted markup for a ``<style>`` element."""
    text = resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")
    return Markup(text)


def to_html(report: Report, *, phone: bool = True, breaks: bool = False, css: bool = True) -> str:
    """The report as one HTML document (UTF-8 text), every text capped
    (:func:`reports.long_text.readable`). ``phone`` adds the small-screen rules; the PDF leaves
    them out (WeasyPrint reads no media features, and paper is not a phone). ``breaks`` gives
    long unbroken runs invisible break opportunities, which WeasyPrint needs and browsers do
    not. ``css=False`` leaves the stylesheets' elements empty, for a renderer that applies
    report.css and print.css itself (the PDF parses them once per process)."""
    report = readable(report, breaks=breaks)
    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        sections=section_views(report),
        project=project_names(report.provenance.project),
        screen_css=stylesheet("report.css") if css else "",
        phone_css=stylesheet("phone.css") if phone and css else "",
        print_css=stylesheet("print.css") if css else "",
    )


def render(report: Report, out: Path) -> Path:
    """Write the report as one HTML file at ``out``; returns ``out``."""
    return write_atomically(out, to_html(report).encode("utf-8"))
