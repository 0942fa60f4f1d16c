"""The committee PDF as a board reads it: no contents pages, identical comments merged, the data
dictionary left to the workbook with its field names whole, a methods box that says only what
applies, and provenance that names the project without a folder on the computer that made it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.committee import build_committee
from reports.committee_questions import grouped_answers
from reports.model import Facts, Provenance, Report
from reports.render_html import project_names, to_html
from reports.render_pdf import to_pdf_bytes
from reports.render_xlsx import workbook_bytes
from tests.reports.test_committee import PROVIDERS, SUPPORTERS, responses_of

STORE = "/home/analyst/qiscan-instance"
PROVENANCE = Provenance(
    "0.1.0",
    (("provider_scan", "1.0.0"), ("supporter_scan", "1.0.0")),
    snapshot_id=3,
    pulled_at="2026-12-06 23:28",
    project=f"localcap:{STORE}#3, localcap:{STORE}#5",
)


@pytest.fixture(scope="module")
def report() -> Report:
    return build_committee(
        responses_of(PROVIDERS, 40, 11),
        responses_of(SUPPORTERS, 30, 12),
        provenance=PROVENANCE,
    )


@pytest.fixture(scope="module")
def pages(report: Report) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(to_pdf_bytes(report))).pages]


def words_of(pages: list[str]) -> set[str]:
    return {word for text in pages for word in text.split()}


def test_the_dictionary_is_left_to_the_workbook_with_every_field_name_whole(
    pages: list[str], report: Report
) -> None:
    text = " ".join(" ".join(pages).split())
    assert "Data dictionaries" in text and "XLSX workbook" in text
    assert "Shown when (branching logic)" not in text  # no dictionary table in the PDF
    book = load_workbook(io.BytesIO(workbook_bytes(report)), read_only=True)
    for instrument in (PROVIDERS, SUPPORTERS):
        sheet = book[f"dictionary {instrument.id}"]
        cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c}
        missing = [f.name for f in instrument.fields if f.name not in cells]
        assert not missing, f"{instrument.id}: field names not whole in the workbook: {missing}"


def test_the_pdf_opens_on_the_report_not_on_contents(pages: list[str], report: Report) -> None:
    assert "Contents" not in pages[0].splitlines()
    assert "Contents" in to_html(report)  # the page on screen keeps its contents


def test_provenance_names_the_project_never_a_local_folder(
    pages: list[str], report: Report
) -> None:
    assert "localcap project 3, localcap project 5" in " ".join(pages[-1].split())
    assert STORE not in "".join("".join(text.split()) for text in pages)
    assert STORE not in to_html(report)


def test_a_redcap_servers_project_keeps_its_url() -> None:
    url = "https://redcap.example.org/api/#12"
    assert project_names(url) == url
    assert project_names("") == ""


def test_identical_answers_are_listed_once_with_their_count() -> None:
    typed = ["No", "Podcasts ", "no", "Journal clubs", "  podcasts", "NO", "a\nb"]
    assert grouped_answers(typed) == (
        "No (3 respondents)",
        "Podcasts (2 respondents)",
        "Journal clubs",
        "a\nb",
    )


def test_the_methods_box_of_providers_alone_compares_nothing() -> None:
    alone = build_committee(responses_of(PROVIDERS, 30, 3), None, provenance=PROVENANCE)
    methods = next(s for s in alone.sections if s.title == "Methods").blocks[0]
    assert isinstance(methods, Facts)
    text = " ".join(value for _, value in methods.items)
    assert "Wilson" in text
    assert "supporters" not in text.lower() and "Newcombe" not in text
