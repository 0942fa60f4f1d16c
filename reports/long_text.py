"""How much of one text the HTML and PDF reports show, and how the PDF breaks a long word.

Anyone who can type into REDCap controls some report text: a respondent's comment or
other-specify answer, a practice's name, an instrument's question and choice labels. WeasyPrint
lays such text out in time that grows faster than linearly with a run of characters it has no
place to break. Measured for one answer in a list (WeasyPrint 70, A4, 10 pt, on a 2-core
machine shared with other work, so each figure is one noisy run), before these rules and with
them:

    =========== ============ =================== ====================
    characters  with spaces  one unbroken "word" either, these rules
    =========== ============ =================== ====================
    1,000       0.3 s        0.4 s               0.2 s
    4,000       0.5 s        1.1 s               0.2 s
    16,000      0.5 s        4 to 6 s            0.3 s
    32,000      0.4 s        12 s                0.3 s
    =========== ============ =================== ====================

and a committee report with one 1 MB comment ran for over an hour. Forty answers of 4,000
unbroken characters took 6.7 s, of 4,000 characters in words 1.6 s. Two rules, applied to a
copy of the report just before it is laid out (:func:`readable`):

* **a cap**: one text shows at most :data:`TEXT_LIMIT` characters (5,000, about a printed page)
  and one heading (a title, a column header, a label) :data:`HEADING_LIMIT` (500); the rest is
  replaced by a note saying how long the text was and where all of it is, e.g.
  "… [truncated: 1,048,576 characters; the full answer is in the XLSX]";
* **PDF only, break opportunities**: a run of more than :data:`LONG_RUN` characters without a
  space gets an invisible break opportunity (U+200B ZERO WIDTH SPACE) every :data:`RUN_PIECE`
  characters, so WeasyPrint breaks it as it breaks words instead of trying every character
  (``overflow-wrap: anywhere`` still wraps it inside the page). Text extraction drops U+200B,
  so the text copied out of the PDF is what was typed.

With both, a 1 MB answer renders in 1 s and a 200,000-character word in 0.3 s; forty answers
at the cap take 3 to 4 s whether they are words or one unbroken run (about 40 pages: from
there the time grows with the pages, not with any one text). The running header (the title on
every page, print.css) is one line cut at the margin, so a long title costs nothing per page.

Chart text is capped but gets no break opportunities: :mod:`reports.chart_text` measures and
cuts chart labels itself. The data formats never pass through here: XLSX, CSV and JSON keep
every character (an XLSX cell holds at most :data:`XLSX_CELL_LIMIT`; :mod:`reports.xlsx_sheets`
continues a longer answer on the rows below, :mod:`reports.render_xlsx` says where it cut any
other cell).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from reports.model import (
    BarChart,
    Block,
    Cell,
    Chart,
    Facts,
    Heatmap,
    LineChart,
    PanelChart,
    Provenance,
    Report,
    Section,
    StackedBarChart,
    Suppressed,
    Table,
    Text,
    TextList,
)

TEXT_LIMIT = 5_000
HEADING_LIMIT = 500
LONG_RUN = 60
RUN_PIECE = 20
XLSX_CELL_LIMIT = 32_767  # Excel's own limit, in UTF-16 code units
BREAK = "\u200b"
ELLIPSIS = "\u2026"
_RUN = re.compile(rf"\S{{{LONG_RUN + 1},}}")
_PIECE = re.compile(rf"\S{{{RUN_PIECE}}}(?=\S)")

What = Literal["answer", "text"]


def capped(text: str, limit: int = TEXT_LIMIT, what: What = "text") -> str:
    """``text``, or its first ``limit`` characters and a note of its length and of where the
    whole of it is: an answer always in the XLSX (its answers sheet continues it over rows),
    other text there when one cell holds it."""
    if len(text) <= limit:
        return text
    if what == "answer" or (len(text) < XLSX_CELL_LIMIT and xlsx_length(text) < XLSX_CELL_LIMIT):
        where = f"the full {what} is in the XLSX"
    else:
        where = f"the XLSX holds its first {XLSX_CELL_LIMIT:,}"
    return f"{text[:limit].rstrip()} {ELLIPSIS} [truncated: {len(text):,} characters; {where}]"


def xlsx_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (a character beyond U+FFFF counts twice)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def breakable(text: str) -> str:
    """``text`` with a U+200B break opportunity every :data:`RUN_PIECE` characters of each run
    longer than :data:`LONG_RUN` characters without a space."""
    if len(text) <= LONG_RUN:
        return text
    return _RUN.sub(lambda run: _PIECE.sub(lambda piece: piece.group() + BREAK, run.group()), text)


def readable(report: Report, *, breaks: bool = False) -> Report:
    """A copy of ``report`` with every text capped (and with ``breaks``, long runs breakable):
    what the HTML and PDF renderers lay out."""
    return _Fit(breaks).report(report)


@dataclass(frozen=True)
class _Fit:
    breaks: bool

    def body(self, text: str, what: What = "text") -> str:
        shown = capped(text, TEXT_LIMIT, what)
        return breakable(shown) if self.breaks else shown

    def heading(self, text: str) -> str:
        shown = capped(text, HEADING_LIMIT)
        return breakable(shown) if self.breaks else shown

    def report(self, report: Report) -> Report:
        return replace(
            report,
            title=capped(report.title, HEADING_LIMIT),  # also the PDF's metadata: no breaks
            subtitle=self.heading(report.subtitle),
            audience=self.heading(report.audience),
            sections=tuple(self.section(section) for section in report.sections),
            provenance=self.provenance(report.provenance),
        )

    def section(self, section: Section) -> Section:
        blocks = tuple(self.block(block) for block in section.blocks)
        return replace(section, title=self.heading(section.title), blocks=blocks)

    def block(self, block: Block) -> Block:
        if isinstance(block, Text):
            return replace(block, text=self.body(block.text))
        if isinstance(block, Facts):
            items = tuple((self.heading(k), self.body(v)) for k, v in block.items)
            return replace(block, items=items, title=self.heading(block.title))
        if isinstance(block, Table):
            return replace(
                block,
                title=self.heading(block.title),
                note=self.body(block.note),
                columns=tuple(replace(c, header=self.heading(c.header)) for c in block.columns),
                rows=tuple(self.row(row) for row in block.rows),
            )
        if isinstance(block, TextList):
            return replace(
                block,
                title=self.heading(block.title),
                items=tuple(self.body(item, "answer") for item in block.items),
                note=self.body(block.note),
            )
        return _chart(block)

    def row(self, row: Mapping[str, Cell]) -> dict[str, Cell]:
        return {key: self.cell(value) for key, value in row.items()}

    def cell(self, value: Cell) -> Cell:
        if isinstance(value, str):
            return self.body(value)
        if isinstance(value, Suppressed):
            return Suppressed(self.heading(value.shown), self.body(value.reason))
        return value

    def provenance(self, provenance: Provenance) -> Provenance:
        return replace(
            provenance,
            qiscan_version=self.heading(provenance.qiscan_version),
            instruments=tuple(
                (self.heading(i), self.heading(v)) for i, v in provenance.instruments
            ),
            content_hashes=tuple(self.heading(h) for h in provenance.content_hashes),
            pulled_at=self.heading(provenance.pulled_at),
            project=self.heading(provenance.project),
            generated_at=self.heading(provenance.generated_at),
        )


def _chart(block: Chart) -> Block:
    """A chart with its text capped (no break opportunities: charts measure their own text)."""

    def label(text: str) -> str:
        return capped(text, HEADING_LIMIT)

    def note(text: str) -> str:
        return capped(text, TEXT_LIMIT)

    if isinstance(block, BarChart):
        bars = tuple(
            replace(
                bar,
                label=label(bar.label),
                note=note(bar.note),
                suppressed=_suppressed(bar.suppressed),
            )
            for bar in block.bars
        )
        return replace(
            block,
            title=label(block.title),
            bars=bars,
            note=note(block.note),
            series=tuple(label(s) for s in block.series),
        )
    if isinstance(block, LineChart):
        return replace(
            block,
            title=label(block.title),
            x_labels=tuple(label(x) for x in block.x_labels),
            series=tuple(replace(s, name=label(s.name)) for s in block.series),
            y_label=label(block.y_label),
            bands=tuple(replace(b, label=label(b.label)) for b in block.bands),
            note=note(block.note),
        )
    if isinstance(block, StackedBarChart):
        rows = tuple(
            replace(
                row,
                label=label(row.label),
                n=_withheld(row.n) if isinstance(row.n, Suppressed) else row.n,
            )
            for row in block.rows
        )
        return replace(
            block,
            title=label(block.title),
            levels=tuple(label(level) for level in block.levels),
            rows=rows,
            note=note(block.note),
        )
    if isinstance(block, PanelChart):
        panels = tuple(replace(p, title=label(p.title)) for p in block.panels)
        return replace(
            block,
            title=label(block.title),
            x_labels=tuple(label(x) for x in block.x_labels),
            panels=panels,
            names=(label(block.names[0]), label(block.names[1]), label(block.names[2])),
            note=note(block.note),
        )
    if isinstance(block, Heatmap):
        return replace(
            block,
            title=label(block.title),
            x_labels=tuple(label(x) for x in block.x_labels),
            y_labels=tuple(label(y) for y in block.y_labels),
            categories=tuple(label(c) for c in block.categories),
            note=note(block.note),
        )
    return replace(
        block,
        title=label(block.title),
        x_labels=tuple(label(x) for x in block.x_labels),
        signals=tuple(note(s) for s in block.signals),
        rules_note=note(block.rules_note),
        y_label=label(block.y_label),
        interval_label=label(block.interval_label),
    )


def _suppressed(value: Suppressed | None) -> Suppressed | None:
    return None if value is None else _withheld(value)


def _withheld(value: Suppressed) -> Suppressed:
    return Suppressed(capped(value.shown, HEADING_LIMIT), capped(value.reason, TEXT_LIMIT))
