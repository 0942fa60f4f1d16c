"""Instruments drawn as paper forms with ReportLab: what ``content=pdf`` sends back.

A :class:`Section` is one instrument as it is printed: blank (no record) or holding one record's
values in one event and instance. Each section starts on a new page under a header (project
title, instrument, record, event, instance); every field is a row of label and answer, choices
with an empty or marked box (checkbox) or circle (the others). A marked choice carries a real
glyph ("X" in a box, a bullet in a circle) so that it survives text extraction and photocopies.

Text is set in Bitstream Vera, the TrueType family ReportLab ships, so the output is the same on
every machine; a character Vera lacks falls back to its unaccented letter, else ``?``.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from instruments.dictionary.choices import parse_slider_labels
from instruments.labels import plain_text
from instruments.model import CATEGORICAL_TYPES
from plugin.localcap.project import Field

FONT = "LocalcapVera"
FONT_FILES = {
    "": "Vera.ttf",
    "-Bold": "VeraBd.ttf",
    "-Italic": "VeraIt.ttf",
    "-BoldItalic": "VeraBI.ttf",
}
MARGIN = 0.6 * inch
WIDTH = LETTER[0] - 2 * MARGIN
LABEL_WIDTH = WIDTH * 0.55
ANSWER_WIDTH = WIDTH - LABEL_WIDTH
MARK = 9.0  # side of a choice box, diameter of a choice circle
GREY = colors.Color(0.4, 0.4, 0.4)
RULE = colors.Color(0.8, 0.8, 0.8)
SHADE = colors.Color(0.9, 0.9, 0.9)
BOXED_TYPES = frozenset({"checkbox"})


@dataclass(frozen=True)
class Section:
    """One instrument on paper; ``record`` None means a blank form."""

    form_label: str
    fields: list[Field]
    record: str | None = None
    event: str = ""
    instance: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    checked: dict[str, set[str]] = field(default_factory=dict)

    def value(self, item: Field) -> str:
        """The field's stored value in this section, "" when none (a checkbox's ticks are in
        ``checked``)."""
        return self.values.get(item.name, "")

    def has_value(self, item: Field) -> bool:
        """Whether the section holds an answer to ``item``: a value, or for a checkbox any option
        ticked."""
        if item.is_checkbox:
            return bool(self.checked.get(item.name))
        return self.value(item) != ""


@cache
def _font_coverage() -> frozenset[int]:
    """Register the Vera family once per process; the code points it can draw."""
    for suffix, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, filename))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=FONT + "-Bold",
        italic=FONT + "-Italic",
        boldItalic=FONT + "-BoldItalic",
    )
    face: Any = pdfmetrics.getFont(FONT).face
    return frozenset(face.charToGlyph)


def drawable(text: str) -> str:
    """``text`` with every character the font lacks replaced by its base letter, else ``?``."""
    covered = _font_coverage()
    out = []
    for char in text:
        if ord(char) in covered or char == "\n":
            out.append(char)
            continue
        if char.isspace():
            out.append(" ")
            continue
        base = "".join(part for part in unicodedata.normalize("NFKD", char) if ord(part) in covered)
        out.append(base or ("" if unicodedata.category(char) in ("Mn", "Cf") else "?"))
    return "".join(out)


def markup(text: str) -> str:
    """Plain text as Paragraph markup, line breaks kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(drawable(lines), quote=False).replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    _font_coverage()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12)
    small = ParagraphStyle("small", base, fontSize=7.5, leading=9, textColor=GREY)
    return {
        "base": base,
        "project": ParagraphStyle("project", base, fontSize=9, textColor=GREY),
        "form": ParagraphStyle("form", base, fontName=FONT + "-Bold", fontSize=15, leading=19),
        "meta": ParagraphStyle("meta", base, fontSize=9.5, spaceBefore=3),
        "section": ParagraphStyle("section", base, fontName=FONT + "-Bold", fontSize=10),
        "note": small,
        "logic": ParagraphStyle("logic", small, fontName=FONT + "-Italic"),
        "choice": ParagraphStyle("choice", base, fontSize=9, leading=11),
        "value": ParagraphStyle("value", base, fontName=FONT + "-Bold", fontSize=9.5),
        "left": ParagraphStyle("left", small),
        "centre": ParagraphStyle("centre", small, alignment=TA_CENTER),
        "right": ParagraphStyle("right", small, alignment=TA_RIGHT),
    }


class ChoiceMark(Flowable):
    """An empty or marked box (checkbox) or circle (radio, dropdown, yes/no, true/false)."""

    def __init__(self, boxed: bool, marked: bool) -> None:
        super().__init__()
        self.boxed = boxed
        self.marked = marked

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return MARK, MARK

    def draw(self) -> None:
        canvas = self.canv
        canvas.setLineWidth(0.7)
        half = MARK / 2
        if self.boxed:
            canvas.rect(0, 0, MARK, MARK)
        else:
            canvas.circle(half, half, half)
        if self.marked:
            glyph, size, drop = ("X", 8.0, 2.9) if self.boxed else ("\u2022", 13.0, 3.6)
            canvas.setFont(FONT + "-Bold", size)
            canvas.drawCentredString(half, half - drop, glyph)


def _choices(item: Field, section: Section, styles: dict[str, ParagraphStyle]) -> Table:
    chosen = section.checked.get(item.name, set()) if item.is_checkbox else {section.value(item)}
    boxed = item.field_type in BOXED_TYPES
    rows = [
        [ChoiceMark(boxed, code in chosen), Paragraph(markup(label), styles["choice"])]
        for code, label in item.choices
    ]
    widths = [MARK + 6, ANSWER_WIDTH - MARK - 18]
    table = Table(rows, colWidths=widths, hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (0, -1), 2.5),
            ]
        )
    )
    return table


def _line(value: str, styles: dict[str, ParagraphStyle], lines: int = 1) -> Table:
    """A value on a writing line, or (``lines`` > 1) in a box at least that many lines tall."""
    width = ANSWER_WIDTH - 12
    # A long answer in a box reads better in the regular weight than in the bold of a value.
    style = styles["value"] if lines == 1 else styles["base"]
    cell: list[Flowable] = [Paragraph(markup(value), style)]
    if lines > 1:
        rule = ("BOX", (0, 0), (-1, -1), 0.6, colors.black)
        height = cell[0].wrap(width - 9, LETTER[1])[1]
        if height < lines * 12.0:
            cell.append(Spacer(1, lines * 12.0 - height))
    else:
        rule = ("LINEBELOW", (0, 0), (-1, -1), 0.6, colors.black)
    table = Table([[cell]], colWidths=[width], hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [rule, ("LEFTPADDING", (0, 0), (-1, -1), 3), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def _slider(item: Field, section: Section, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    labels = parse_slider_labels(item.row.get("select_choices_or_calculations", ""))
    anchors = ([plain_text(label) for label in labels] + ["", "", ""])[:3]
    cells = [
        Paragraph(markup(text), styles[name])
        for text, name in zip(anchors, ("left", "centre", "right"), strict=True)
    ]
    scale = Table([cells], colWidths=[(ANSWER_WIDTH - 12) / 3] * 3, hAlign="LEFT")
    scale.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    value = section.value(item)
    text = f"Value (0\u2013100): {value}" if value else "Value (0\u2013100): ________"
    return [scale, Spacer(1, 3), Paragraph(markup(text), styles["choice"])]


def _answer(item: Field, section: Section, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if (item.field_type in CATEGORICAL_TYPES or item.status) and item.choices:
        return [_choices(item, section, styles)]
    if item.field_type == "slider":
        return _slider(item, section, styles)
    if item.field_type == "notes":
        return [_line(section.value(item), styles, lines=4)]
    return [_line(section.value(item), styles)]


def _label(item: Field, section: Section, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    cell: list[Flowable] = [Paragraph(markup(plain_text(item.label)), styles["base"])]
    note = plain_text(item.row.get("field_note", ""))
    if note:
        cell.append(Paragraph(markup(note), styles["note"]))
    logic = " ".join(item.row.get("branching_logic", "").split())
    if logic and section.record is None:
        cell.append(Paragraph(markup(f"Shown if {logic}"), styles["logic"]))
    return cell


def _rows(section: Section, compact: bool, styles: dict[str, ParagraphStyle]) -> Iterator[Table]:
    """One table per field (so a long form breaks between fields), section headers before."""
    header = ""
    for item in section.fields:
        if item.status:
            header = "Form Status"
        header = plain_text(item.row.get("section_header", "")) or header
        if compact and section.record is not None and not section.has_value(item):
            continue
        if header:
            yield _banner(header, styles)
            header = ""
        if item.field_type == "descriptive":
            cells = [[_label(item, section, styles), ""]]
            spans = [("SPAN", (0, 0), (1, 0))]
        else:
            cells = [[_label(item, section, styles), _answer(item, section, styles)]]
            spans = []
        # splitInRow: a field taller than a page (a long note, a long choice list) goes on.
        table = Table(cells, colWidths=[LABEL_WIDTH, ANSWER_WIDTH], splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                    *spans,
                ]
            )
        )
        yield table


def _banner(text: str, styles: dict[str, ParagraphStyle]) -> Table:
    table = Table([[Paragraph(markup(text), styles["section"])]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle([("BACKGROUND", (0, 0), (-1, -1), SHADE), ("TOPPADDING", (0, 0), (-1, -1), 3)])
    )
    table.keepWithNext = True  # a section header never ends a page without its first field
    return table


def _heading(
    title: str, record_label: str, section: Section, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    record = section.record if section.record is not None else "______________"
    parts = [f"{record_label}: {record}"]
    if section.event:
        parts.append(f"Event: {section.event}")
    if section.instance is not None:
        parts.append(f"Instance: {section.instance}")
    meta = "\u2003\u00b7\u2003".join(markup(part) for part in parts)
    heading = [
        Paragraph(markup(title), styles["project"]),
        Paragraph(markup(section.form_label), styles["form"]),
        Paragraph(meta, styles["meta"]),
        Spacer(1, 8),
    ]
    for flowable in heading:
        flowable.keepWithNext = True
    return heading


def render_pdf(title: str, record_label: str, sections: list[Section], compact: bool) -> bytes:
    """The sections as one PDF, each from a new page; ``compact`` drops fields with no value."""
    styles = _styles()
    story: list[Flowable] = []
    for position, section in enumerate(sections):
        if position:
            story.append(PageBreak())
        story.extend(_heading(title, record_label, section, styles))
        story.extend(_rows(section, compact, styles))
    if not story:
        story.append(Paragraph("This project has no records.", styles["base"]))
    footer = drawable(title)

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawRightString(LETTER[0] - MARGIN, LETTER[1] - MARGIN / 2, "Confidential")
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(LETTER[0] - MARGIN, MARGIN / 2, f"Page {document.page}")
        canvas.restoreState()

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=drawable(title),
        creator="localcap",
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
