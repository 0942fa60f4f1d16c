"""The blocks of a report that are not tables, as tables for the workbook: its paragraphs and
fact boxes ("Notes"), each list of typed answers, the numbers behind every chart ("Chart
data") and the tidy statistics table ("Statistics"), so that nothing the report says is lost in
XLSX."""

from __future__ import annotations

import math

from reports.model import (
    BarChart,
    Cell,
    Chart,
    Column,
    Facts,
    Heatmap,
    LineChart,
    PanelChart,
    Report,
    RunChart,
    StackedBarChart,
    Suppressed,
    Table,
    Text,
    TextList,
)
from reports.tables import FORMULA_STARTS


def notes_table(report: Report) -> Table | None:
    """The report's paragraphs and fact boxes as one table, in reading order."""
    rows: list[dict[str, Cell]] = []
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Text):
                item = {"note": "Note", "warning": "Warning"}.get(block.kind, "")
                rows.append({"section": section.title, "item": item, "text": block.text})
            elif isinstance(block, Facts):
                where = f"{section.title} / {block.title}" if block.title else section.title
                rows.extend({"section": where, "item": k, "text": v} for k, v in block.items)
    if not rows:
        return None
    columns = (Column("section", "Section"), Column("item", "Item"), Column("text", "Text"))
    return Table("Notes", "Notes", columns, tuple(rows), "The report's text, in reading order.")


def text_list_tables(report: Report) -> list[tuple[Table, str]]:
    """Each list of typed answers as a numbered table, with the section it is in. Every answer
    is kept whole: one longer than a cell holds goes on over the rows below it, numbered
    "1 of 33", "2 of 33", ... in a Part column (only lists with such an answer have it)."""
    return [
        (answers_table(block), section.title)
        for section in report.sections
        for block in section.blocks
        if isinstance(block, TextList)
    ]


def answers_table(block: TextList) -> Table:
    """A list of typed answers as a table, numbered and none cut: an answer too long for a cell
    goes on over the rows below it (then with a Part column)."""
    rows: list[dict[str, Cell]] = []
    split = False
    for number, item in enumerate(block.items, 1):
        parts = answer_parts(item)
        split |= len(parts) > 1
        rows += [
            {"number": number, "part": f"{k} of {len(parts)}", "answer": part}
            for k, part in enumerate(parts, 1)
        ]
    columns: tuple[Column, ...] = (Column("number", "#", "integer"), Column("answer", "Answer"))
    note = block.note
    if split:
        columns = (columns[0], Column("part", "Part"), columns[1])
        cut = f"An answer longer than {ANSWER_PART:,} characters goes on over the rows below it."
        note = f"{note} {cut}".strip()
    else:
        rows = [{"number": row["number"], "answer": row["answer"]} for row in rows]
    return Table(block.title or "Answers", block.title, columns, tuple(rows), note)


ANSWER_PART = 32_000  # UTF-16 code units a cell gets: Excel holds 32,767, neutralise adds one


def answer_parts(text: str) -> list[str]:
    """``text`` cut into pieces of at most :data:`ANSWER_PART` UTF-16 code units (Excel's
    count), never inside a character beyond U+FFFF and, where it can, not before a character
    that would start a formula (so no piece gets :func:`reports.tables.neutralise`'s
    apostrophe in the middle of the answer)."""
    data = text.encode("utf-16-le")
    step = 2 * ANSWER_PART
    if len(data) <= step:
        return [text]
    parts, start = [], 0
    while start < len(data):
        end = min(start + step, len(data))
        while end < len(data) and end > start + step - 200 and _bad_cut(data, end):
            end -= 2
        parts.append(data[start:end].decode("utf-16-le"))
        start = end
    return parts


def _bad_cut(data: bytes, at: int) -> bool:
    """Cutting UTF-16-LE ``data`` at byte ``at`` splits a surrogate pair or starts the next
    piece with a formula character."""
    high_surrogate_before = 0xD8 <= data[at - 1] <= 0xDB
    unit = data[at] | data[at + 1] << 8
    return high_surrogate_before or chr(unit) in FORMULA_STARTS


CHART_COLUMNS = (
    Column("section", "Section"),
    Column("chart", "Chart"),
    Column("series", "Series"),
    Column("point", "Point"),
    Column("value", "Value", "number", 2),
    Column("low", "Low", "number", 2),
    Column("high", "High", "number", 2),
    Column("unit", "Unit"),
    Column("note", "Note"),
)


def statistics_table_sheet(report: Report) -> Table | None:
    """The report's tidy statistics table (the rows ``qiscan stats`` writes), as a sheet to
    filter: the same numbers as every other format, withheld cells blank with their note."""
    if report.tidy is None or report.tidy.empty:
        return None
    numbers = {"value", "n", "ci_low", "ci_high"}
    columns = tuple(
        Column(key, key, "number", 6) if key in numbers else Column(key, key)
        for key in report.tidy.columns
    )
    rows: list[dict[str, Cell]] = []
    for record in report.tidy.to_dict("records"):
        row: dict[str, Cell] = {}
        for key, value in record.items():
            if key in numbers:
                number = float(value)
                row[str(key)] = None if math.isnan(number) else number
            else:
                row[str(key)] = str(value)
        rows.append(row)
    note = "One row per statistic; n is the base it rests on; note names the method."
    return Table("Statistics", "Statistics (the tidy table)", columns, tuple(rows), note)


def chart_data_table(report: Report) -> Table | None:
    """The numbers behind every chart, one point a row. A withheld bar shows only its
    Suppressed text: its value and interval are never written."""
    rows: list[dict[str, Cell]] = []
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Chart):
                where = {"section": section.title, "chart": block.title}
                rows.extend({**where, **point} for point in chart_points(block))
    if not rows:
        return None
    return Table("Chart data", "Chart data", CHART_COLUMNS, tuple(rows))


def chart_points(chart: Chart) -> list[dict[str, Cell]]:
    """Every number a chart draws, as rows of the "Chart data" sheet: series, point, value,
    interval and unit."""
    points: list[dict[str, Cell]] = []
    if isinstance(chart, BarChart):
        for bar in chart.bars:
            point: dict[str, Cell] = {"point": bar.label, "unit": chart.unit, "note": bar.note}
            if chart.series:
                point["series"] = chart.series[bar.series]
            if bar.suppressed is not None:
                points.append({**point, "value": bar.suppressed, "unit": ""})
            else:
                points.append({**point, "value": bar.value, "low": bar.low, "high": bar.high})
    elif isinstance(chart, LineChart):
        for series in chart.series:
            points.extend(
                {"series": series.name, "point": x, "value": value, "unit": chart.y_label}
                for x, value in zip(chart.x_labels, series.values, strict=False)
            )
        points.extend(
            {"series": "band", "point": band.label, "low": band.low, "high": band.high}
            for band in chart.bands
        )
    elif isinstance(chart, StackedBarChart):
        for row in chart.rows:
            if isinstance(row.n, Suppressed):
                points.append({"point": row.label, "value": row.n})
                continue
            points.extend(
                {"series": level, "point": row.label, "value": share, "unit": "%"}
                for level, share in zip(chart.levels, row.shares, strict=True)
            )
            points.append({"series": "n", "point": row.label, "value": row.n})
    elif isinstance(chart, PanelChart):
        mine, median, middle = chart.names
        for panel in chart.panels:
            for i, x in enumerate(chart.x_labels):
                name = f"{panel.title}: {mine}"
                points.append({"series": name, "point": x, "value": panel.values[i]})
                if panel.median:
                    name = f"{panel.title}: {median}"
                    points.append({"series": name, "point": x, "value": panel.median[i]})
                if panel.low and panel.high:
                    name = f"{panel.title}: {middle}"
                    low, high = panel.low[i], panel.high[i]
                    points.append({"series": name, "point": x, "low": low, "high": high})
    elif isinstance(chart, Heatmap):
        for name, cells in zip(chart.y_labels, chart.cells, strict=True):
            points.extend(
                {
                    "series": x,
                    "point": name,
                    "note": "not assessed" if cell is None else chart.categories[cell],
                }
                for x, cell in zip(chart.x_labels, cells, strict=True)
            )
    else:
        for i, (x, value) in enumerate(zip(chart.x_labels, chart.values, strict=False)):
            point = {"series": "value", "point": x, "value": value, "unit": chart.y_label}
            if chart.low and chart.high:
                point |= {"low": chart.low[i], "high": chart.high[i]}
            points.append(point)
        points.append({"series": "median", "value": chart.median, "unit": chart.y_label})
        points.extend({"series": "signal", "note": signal} for signal in chart.signals)
        if chart.rules_note:
            points.append({"note": chart.rules_note})
    if not isinstance(chart, RunChart) and chart.note:
        points.append({"note": chart.note})
    return points
