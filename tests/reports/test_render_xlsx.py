"""XLSX: every table a sheet, numbers stored as numbers, typed text never a formula, withheld
values nowhere, and the same bytes each time."""

from __future__ import annotations

import math
from pathlib import Path
from zipfile import ZipFile

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reports.model import (
    Bar,
    BarChart,
    Cell,
    Column,
    Facts,
    LineChart,
    Provenance,
    Report,
    Section,
    Series,
    Suppressed,
    Table,
    Text,
    TextList,
)
from reports.render_xlsx import render, sheet_names

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2", "@SUM(A1)"]
LONG_NAME = "Readiness by practice size and region"  # 37 characters
# A withheld bar's real value and interval: none of them may reach the workbook.
HIDDEN = (3.0, 1.2345, 6.789)
HOSTILE_ROWS: list[dict[str, Cell]] = [
    {"answer": text, "n": 9, "percent": 41.7} for text in HOSTILE
]

FREQUENCIES = Table(
    name="frequencies",
    title="How often do you plan CME?",
    columns=(
        Column("answer", "Answer"),
        Column("n", "n", "integer"),
        Column("percent", "Percent", "percent", 1),
        Column("p", "p", "p_value"),
        Column("mean", "Mean", "number", 2),
    ),
    rows=(
        {"answer": "Yearly", "n": 12, "percent": 58.0, "p": 0.0004, "mean": 3.14159},
        {"answer": "Never", "n": Suppressed(), "percent": Suppressed(), "p": 0.2345},
        {"answer": "007", "n": 7.0, "percent": None, "p": math.nan, "mean": -1.5},
        *HOSTILE_ROWS,
    ),
    note="Percent of those asked.",
)


def one_column(name: str, title: str) -> Table:
    return Table(name, title, (Column("x", "X"),), ({"x": "y"},))


def sample_report() -> Report:
    return Report(
        kind="committee",
        title="Committee summary",
        subtitle="Environmental scan, spring 2024",
        audience="Research committee",
        suppress_below=5,
        sections=(
            Section(
                "Planning",
                (
                    Text("Most providers plan yearly."),
                    Facts((("Respondents", "40"), ("Field period", "Jan to Mar")), "Methods"),
                    FREQUENCIES,
                    BarChart(
                        "Plan yearly",
                        (
                            Bar("Yes", 58.0, 40.5, 70.25),
                            Bar("No", HIDDEN[0], HIDDEN[1], HIDDEN[2], suppressed=Suppressed()),
                        ),
                    ),
                    TextList("What would help?", ("More time", "=cmd|' /C calc'!A0")),
                ),
            ),
            Section(
                "Regions",
                (
                    Text("Look at the north first.", "warning"),
                    one_column(LONG_NAME + " 2023", "First long"),
                    one_column(LONG_NAME + " 2024", "Second long"),
                    one_column("frequencies", "Same name again"),
                    one_column("a/b: [c]?", "Forbidden characters"),
                    LineChart("Score", ("W1", "W2"), (Series("You", (1.5, 2.5)),)),
                ),
            ),
        ),
        provenance=Provenance(
            qiscan_version="0.1.0",
            instruments=(("provider_scan", "1.2.0"), ("supporter_scan", "1.0.1")),
            snapshot_id=17,
            content_hashes=("sha256:abc123",),
            pulled_at="2024-05-01 10:00:00",
            project="Scan 2024",
            generated_at="2024-05-02T12:30:00+02:00",
        ),
    )


@pytest.fixture()
def book(tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(render(sample_report(), tmp_path / "report.xlsx"))


def rows_of(ws: Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def test_sheets_are_readme_then_tables_in_reading_order_then_text_lists_and_charts(
    book: openpyxl.Workbook,
) -> None:
    assert book.sheetnames == [
        "README",
        "frequencies",
        "Readiness by practice size and ",
        "Readiness by practice size (2)",
        "frequencies (2)",
        "a-b- -c--",
        "Notes",
        "What would help-",
        "Chart data",
    ]
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_readme_describes_the_report_lists_every_sheet_and_gives_provenance(
    book: openpyxl.Workbook,
) -> None:
    readme = rows_of(book["README"])
    pairs = {row[0]: row[1] for row in readme if row[0] is not None}
    assert readme[0][0] == "Committee summary"
    assert pairs["Subtitle"] == "Environmental scan, spring 2024"
    assert pairs["Audience"] == "Research committee"
    assert "below 5" in str(pairs["Suppression"])
    listed = {row[0]: row[1:4] for row in readme if row[0] in book.sheetnames}
    assert list(listed) == book.sheetnames[1:]
    assert listed["frequencies"] == [
        "How often do you plan CME?",
        "Planning",
        "Percent of those asked.",
    ]
    link = book["README"].cell(
        next(i for i, row in enumerate(readme, 1) if row[0] == "frequencies (2)"), 1
    )
    assert link.hyperlink.location == "'frequencies (2)'!A1"
    assert pairs["qiscan version"] == "0.1.0"
    instruments = [row[1] for row in readme if row[0] == "Instrument"]
    assert instruments == ["provider_scan (version 1.2.0)", "supporter_scan (version 1.0.1)"]
    assert pairs["Snapshot id"] == "17"
    assert pairs["Content hash"] == "sha256:abc123"
    assert pairs["Pulled at"] == "2024-05-01 10:00:00"


def test_a_table_sheet_has_its_title_a_frozen_bold_filled_header_and_an_autofilter(
    book: openpyxl.Workbook,
) -> None:
    ws = book["frequencies"]
    assert ws["A1"].value == "How often do you plan CME?"
    assert [cell.value for cell in ws[2]] == ["Answer", "n", "Percent", "p", "Mean"]
    assert ws.freeze_panes == "A3"
    assert all(cell.font.bold and cell.fill.fill_type == "solid" for cell in ws[2])
    assert ws.auto_filter.ref == "A2:E9"
    assert ws["A11"].value == "Percent of those asked."


def test_numbers_are_stored_as_numbers_with_a_format_for_each_kind(
    book: openpyxl.Workbook,
) -> None:
    ws = book["frequencies"]
    count, percent, p_value, mean = ws["B3"], ws["C3"], ws["D3"], ws["E3"]
    assert all(cell.data_type == "n" for cell in (count, percent, p_value, mean))
    assert (count.value, count.number_format) == (12, "#,##0")
    assert isinstance(ws["B5"].value, int)  # 7.0 in an integer column is the integer 7
    # The percent value itself, shown with a literal "%", never multiplied by 100.
    assert (percent.value, percent.number_format) == (58.0, '0.0"%"')
    # Below 0.001 the cell keeps its number and only shows "<0.001".
    assert (p_value.value, p_value.number_format) == (0.0004, '[<0.001]"<0.001";0.000')
    assert (mean.value, mean.number_format) == (3.14159, "0.00")
    assert ws["C5"].value is None  # None: not applicable
    assert ws["D5"].value is None  # NaN: no value
    assert (ws["A5"].value, ws["A5"].data_type) == ("007", "s")  # an id keeps its zeros


def test_a_suppressed_cell_is_its_text_with_the_reason_and_the_hidden_value_is_nowhere(
    book: openpyxl.Workbook,
) -> None:
    cell = book["frequencies"]["B4"]
    assert (cell.value, cell.data_type) == ("<5", "s")
    assert cell.comment.text == "fewer than 5 respondents"
    every_value = [value for ws in book for row in rows_of(ws) for value in row]
    assert not any(value in HIDDEN for value in every_value if isinstance(value, float | int))
    chart = [row for row in rows_of(book["Chart data"]) if row[3] == "No"]
    assert chart[0][4] == "<5" and chart[0][5:7] == [None, None]


def test_typed_text_that_looks_like_a_formula_is_stored_as_neutralised_text(
    book: openpyxl.Workbook,
) -> None:
    answers = [cell for (cell,) in book["frequencies"].iter_rows(min_row=6, max_row=9, max_col=1)]
    assert [cell.value for cell in answers] == [f"'{text}" for text in HOSTILE]
    assert all(cell.data_type == "s" for cell in answers)
    listed = book["What would help-"]["B4"]
    assert (listed.value, listed.data_type) == ("'=cmd|' /C calc'!A0", "s")
    formulas = [
        cell for ws in book for row in ws.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []


def test_hostile_headers_titles_and_control_characters_are_safe(tmp_path: Path) -> None:
    table = Table(
        "=bad",
        "=title",
        (Column("a", "@header"),),
        ({"a": "tab\x0bbed \x01answer"},),
        note="-note",
    )
    report = Report("quality", "+Title", "", (Section("s", (table,)),), Provenance("0.1.0", ()))
    ws = openpyxl.load_workbook(render(report, tmp_path / "r.xlsx"))["=bad"]
    assert [ws["A1"].value, ws["A2"].value, ws["A5"].value] == ["'=title", "'@header", "'-note"]
    assert ws["A3"].value == "tabbed answer"


def test_sheet_names_are_valid_unique_and_at_most_31_characters() -> None:
    names = sheet_names(
        ["Results", "results", "x" * 40, "x" * 40, "'quoted'", "a*b?c", "", "History"],
        reserved=("README",),
    )
    assert names == [
        "Results",
        "results (2)",
        "x" * 31,
        "x" * 27 + " (2)",
        "quoted",
        "a-b-c",
        "Sheet",
        "History (2)",
    ]
    assert sheet_names(["readme"], reserved=("README",)) == ["readme (2)"]


def test_paragraphs_and_fact_boxes_go_to_notes_and_lists_to_their_own_sheet(
    book: openpyxl.Workbook,
) -> None:
    notes = rows_of(book["Notes"])[2:]
    assert ["Planning", None, "Most providers plan yearly."] in notes
    assert ["Planning / Methods", "Field period", "Jan to Mar"] in notes
    assert ["Regions", "Warning", "Look at the north first."] in notes
    answers = rows_of(book["What would help-"])
    assert answers[0][0] == "What would help?"
    assert answers[2] == [1, "More time"]
    line = [row[2:5] for row in rows_of(book["Chart data"]) if row[1] == "Score"]
    assert line == [["You", "W1", 1.5], ["You", "W2", 2.5]]


def test_columns_are_as_wide_as_their_content_up_to_a_cap(tmp_path: Path) -> None:
    table = Table(
        "t",
        "t",
        (Column("short", "n", "integer"), Column("mid", "Answer"), Column("long", "Comment")),
        ({"short": 1, "mid": "a" * 20, "long": "b" * 500},),
    )
    report = Report("quality", "T", "", (Section("s", (table,)),), Provenance("0.1.0", ()))
    ws = openpyxl.load_workbook(render(report, tmp_path / "r.xlsx"))["t"]
    widths = [ws.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] < widths[1] < widths[2] <= 60
    assert widths[1] == pytest.approx(22)
    assert ws["C3"].alignment.wrap_text


def test_rendering_twice_gives_the_same_bytes_dated_from_the_provenance(tmp_path: Path) -> None:
    first = render(sample_report(), tmp_path / "a.xlsx").read_bytes()
    second = render(sample_report(), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with ZipFile(tmp_path / "a.xlsx") as archive:
        # 12:30 at +02:00 is 10:30 UTC, the time openpyxl writes.
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 2, 10, 30, 0)}
    properties = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert str(properties.created) == str(properties.modified) == "2024-05-02 10:30:00"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]
