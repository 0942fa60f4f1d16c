"""The PDF report, read back with pypdf: pages, running header and footer, repeated table
headers, rows kept whole, provenance, and hostile text printed as text."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports import render_pdf
from reports.model import Report
from reports.render_html import format_cell, to_html
from reports.render_pdf import render, to_pdf_bytes
from tests.reports.sample import (
    HOSTILE,
    LONG_STRING,
    LONG_TABLE_HEADER,
    PROVENANCE,
    hostile_report,
    sample_report,
)


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def pdf(report: Report) -> PdfReader:
    return PdfReader(io.BytesIO(to_pdf_bytes(report)))


@pytest.fixture(scope="module")
def pages(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


def squeezed(text: str) -> str:
    """Text without whitespace: a long word or hash may be wrapped over lines on the page."""
    return "".join(text.split())


def without_furniture(pages: list[str], title: str) -> str:
    """The pages' text without the running header (the title), the footer (the page number)
    and list bullets, which pypdf reads out after the text of each page, so between the lines
    of an answer that runs over a page."""
    furniture = re.compile(r"Page \d+ of \d+|\u2022 ?")
    return "\n".join(
        line
        for text in pages
        for line in text.splitlines()
        if line != title and not furniture.fullmatch(line)
    )


def test_every_page_is_numbered_page_n_of_m(pages: list[str]) -> None:
    count = len(pages)
    assert count > 1
    assert "Page 1 of" in pages[0]
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {count}" in text


def test_the_title_opens_the_report_and_heads_every_later_page(
    pages: list[str], pdf: PdfReader, report: Report
) -> None:
    assert squeezed(pages[0]).startswith(squeezed(report.title))
    assert report.title not in pages[0].splitlines()  # the first page has no running header
    assert all(report.title in text.splitlines() for text in pages[1:])
    assert pdf.metadata is not None and pdf.metadata.title == report.title


def test_the_provenance_is_printed_at_the_end(pages: list[str]) -> None:
    last = squeezed(pages[-1])
    assert "Provenance" in pages[-1]
    for text in (
        f"Snapshot{PROVENANCE.snapshot_id}",
        PROVENANCE.content_hashes[0],
        "provider_scan1.2.0",
        PROVENANCE.pulled_at,
    ):
        assert text in last


def test_a_long_table_repeats_its_header_and_never_splits_a_row(
    pages: list[str], report: Report
) -> None:
    members = next(t for t in report.tables() if t.columns[0].header == LONG_TABLE_HEADER)
    with_rows = [i for i, text in enumerate(pages) if re.search(r"Organisation \d{3}:", text)]
    assert len(with_rows) >= 2
    for index in with_rows:
        assert pages[index].count(LONG_TABLE_HEADER) == 1
    learners = next(c for c in members.columns if c.key == "learners")
    for number, row in enumerate(members.rows, 1):
        (page,) = [i for i in with_rows if f"Organisation {number:03d}:" in pages[i]]
        # The name wraps over two lines: its end, and the row's numbers, are on the same page.
        assert f"refM-{number:03d}" in squeezed(pages[page])
        assert format_cell(row["learners"], learners) in pages[page]


def test_suppressed_cells_and_numbers_print_as_in_the_html(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert "Other (please specify) <5 <5" in text
    assert "All asked 1,143 100.0%" in text
    assert "<0.001" in text and "0.042" in text
    assert "<5: fewer than 5 respondents" in text


def test_charts_are_drawn_with_their_text(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert "Median 63.5" in text
    assert "58.0%" in text and "<5 \u00b7 fewer than 5 respondents" in text


@pytest.mark.parametrize("build", [sample_report, hostile_report], ids=["sample", "hostile"])
def test_hostile_text_is_printed_as_text(build: Callable[[], Report]) -> None:
    report = build()
    reader = PdfReader(io.BytesIO(to_pdf_bytes(report)))
    text = without_furniture([page.extract_text() for page in reader.pages], report.title)
    for payload in HOSTILE[:-1]:
        assert payload in text
    # The 5,000-character answer runs over pages; pypdf may read a chart's labels out between
    # its pieces, so count its characters rather than look for one unbroken run.
    runs = re.findall(r"A{20,}", squeezed(text))
    assert sum(len(run) for run in runs) >= len(LONG_STRING)


def test_render_writes_a_pdf_file(tmp_path: Path) -> None:
    out = tmp_path / "committee.pdf"
    small = sample_report()
    small = Report(small.kind, small.title, small.subtitle, small.sections[:1], small.provenance)
    assert render(small, out) == out
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["committee.pdf"]


def test_the_stylesheets_parsed_once_print_what_the_page_s_own_stylesheets_printed(
    report: Report,
) -> None:
    """Each PDF is given report.css and print.css parsed once per process, where the page once
    held them: the PDF must be the one the page's own stylesheets gave, byte for byte (the
    given sheets cascade as the user's, below the author's, so an ``!important`` rule or an
    author style added to the page could make them differ)."""
    with render_pdf._quiet_weasyprint():
        import weasyprint

        page = to_html(report, phone=False, breaks=True)
        fetcher = weasyprint.URLFetcher(allowed_protocols=())
        own = weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf(pdf_tags=True)
    assert to_pdf_bytes(report) == own
