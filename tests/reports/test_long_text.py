"""Very long text cannot stall a report: the HTML and PDF show the start of it with a note of its
length and of where all of it is, a long unbroken run wraps in the PDF, and the XLSX keeps
every character (an answer longer than a cell goes on over the rows below it)."""

from __future__ import annotations

import copy
import io
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from instruments import Instrument, load_instrument
from reports.committee import build_committee
from reports.long_text import (
    HEADING_LIMIT,
    LONG_RUN,
    RUN_PIECE,
    TEXT_LIMIT,
    breakable,
    capped,
    readable,
)
from reports.model import Column, Facts, Provenance, Report, Section, Table, Text, TextList
from reports.render_html import to_html
from reports.render_pdf import to_pdf_bytes
from reports.render_xlsx import CELL_TEXT_LIMIT, workbook_bytes
from reports.xlsx_sheets import ANSWER_PART, answer_parts
from scoring.decode import decode
from tests.scoring.redcap_export import export_columns

PROVENANCE = Provenance("0.1.0", (("scan", "1.0.0"),), snapshot_id=3)
MEGABYTE = 1_048_576
# A comment of real-looking words, and a "word" a respondent's paste left without a space.
WORDS = ("We ran three QI projects this year; the data team was stretched thin. " * 15_000)[
    :MEGABYTE
]
UNBROKEN = "x" * 200_000


def load(data: dict[str, Any]) -> Instrument:
    return load_instrument(copy.deepcopy(data), name=f"{data['id']}.json").unwrap()


SCAN = load(
    {
        "id": "scan",
        "version": "1.0.0",
        "title": "Scan",
        "kind": "survey",
        "respondent": "provider organisations",
        "source": {"citation": "Written for the long-text tests."},
        "record_id": "record_id",
        "forms": [{"name": "scan", "label": "Scan", "survey": True}],
        "fields": [
            {"name": "record_id", "type": "text", "form": "scan", "label": "Record"},
            {
                "name": "org_type",
                "type": "radio",
                "form": "scan",
                "label": "Which best describes your organisation?",
                "choices": [
                    {"code": "1", "label": "Medical school"},
                    {"code": "2", "label": "Medical education company"},
                ],
            },
            {
                "name": "comments",
                "type": "notes",
                "form": "scan",
                "label": "Is there anything else you would like to tell us?",
            },
        ],
    }
)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a stalled render ran for over an hour before the cap."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still rendering after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def committee_with(*comments: str) -> Report:
    columns = export_columns(SCAN)
    rows = [
        {"record_id": str(i), "org_type": str(1 + i % 2), "comments": text, "scan_complete": "2"}
        for i, text in enumerate((*comments, "Short and sweet.", "", "", ""), start=1)
    ]
    records = [{c: row.get(c, "") for c in columns} for row in rows]
    return build_committee(decode(records, SCAN), None, provenance=PROVENANCE)


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_shown_whole_and_long_text_says_how_long_and_where_it_is() -> None:
    assert capped("a" * TEXT_LIMIT) == "a" * TEXT_LIMIT
    assert capped(WORDS, what="answer") == (
        WORDS[:TEXT_LIMIT].rstrip()
        + " \u2026 [truncated: 1,048,576 characters; the full answer is in the XLSX]"
    )
    assert capped("b" * 6_000).endswith(
        "[truncated: 6,000 characters; the full text is in the XLSX]"
    )
    # Other text than an answer fits one XLSX cell or not: the note says which.
    assert capped("c" * 40_000).endswith(
        "[truncated: 40,000 characters; the XLSX holds its first 32,767]"
    )


def test_only_long_runs_get_break_opportunities() -> None:
    url = "https://example.org/" + "a" * 30  # shorter than a line: left alone
    assert breakable(url) == url
    run = "y" * (LONG_RUN + 1)
    broken = breakable(f"see {run} end")
    assert broken.replace("\u200b", "") == f"see {run} end"
    assert max(len(piece) for piece in broken.split("\u200b")) == RUN_PIECE + len("see ")


def test_every_text_slot_is_capped_and_the_report_itself_is_unchanged() -> None:
    huge = "z" * 20_000
    report = Report(
        "committee",
        huge,
        huge,
        (
            Section(
                huge,
                (
                    Text(huge),
                    Facts(((huge, huge),), title=huge),
                    Table("t", huge, (Column("a", huge),), ({"a": huge},), note=huge),
                    TextList(huge, (huge,), note=huge),
                ),
            ),
        ),
        Provenance(huge, ((huge, huge),), project=huge),
        audience=huge,
    )
    shown = readable(report)
    assert len(shown.title) < HEADING_LIMIT + 80
    (section,) = shown.sections
    text, facts, table, answers = section.blocks
    assert isinstance(text, Text) and len(text.text) < TEXT_LIMIT + 80
    assert isinstance(facts, Facts) and len(facts.items[0][0]) < HEADING_LIMIT + 80
    assert isinstance(table, Table) and len(str(table.rows[0]["a"])) < TEXT_LIMIT + 80
    assert isinstance(answers, TextList) and answers.items[0].endswith(
        "full answer is in the XLSX]"
    )
    assert len(shown.provenance.project) < HEADING_LIMIT + 80
    assert len(shown.audience) < HEADING_LIMIT + 80
    assert report.title == huge and report.sections[0].blocks[0] == Text(huge)
    assert len(to_html(report)) < 100_000


def test_a_committee_pdf_with_a_megabyte_comment_and_a_long_word_renders_in_seconds(
    tmp_path: Path,
) -> None:
    report = committee_with(WORDS, UNBROKEN)
    started = time.monotonic()
    with deadline(120):
        pdf = to_pdf_bytes(report)
    took = time.monotonic() - started
    (tmp_path / "committee.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = squeezed("".join(page.extract_text() for page in reader.pages))
    assert squeezed("[truncated: 1,048,576 characters; the full answer is in the XLSX]") in text
    assert squeezed("[truncated: 200,000 characters; the full answer is in the XLSX]") in text
    assert squeezed(WORDS[:2_000]) in text and "Shortandsweet." in text
    # The long word wraps over lines and pages, whose furniture pypdf reads out in between.
    assert sum(len(run) for run in re.findall(r"x{20,}", text.replace("\u200b", ""))) == TEXT_LIMIT
    assert len(reader.pages) < 15, "about a page for each long answer"
    assert took < 60, f"rendering took {took:.1f} s"


def test_the_xlsx_keeps_every_character_of_each_answer(tmp_path: Path) -> None:
    report = committee_with(WORDS, UNBROKEN)
    book = load_workbook(io.BytesIO(workbook_bytes(report)))
    sheet = next(ws for ws in book.worksheets if ws["A2"].value == "#" and ws["C2"].value)
    assert [ws_cell.value for ws_cell in sheet[2]] == ["#", "Part", "Answer"]
    answers: dict[int, str] = {}
    for number, part, answer in sheet.iter_rows(min_row=3, values_only=True):
        if number is None:
            break
        assert len(str(answer)) <= ANSWER_PART
        answers[int(number)] = answers.get(int(number), "") + str(answer)
        assert part is not None
    assert answers[1] == WORDS and answers[2] == UNBROKEN
    assert answers[3] == "Short and sweet."
    assert sheet.cell(3, 2).value == f"1 of {len(answer_parts(WORDS))}"


def test_a_cell_too_long_for_excel_says_so_instead_of_failing() -> None:
    emoji = "\U0001f600" * 20_000  # 40,000 UTF-16 code units: Excel counts each twice
    for long in ("=" + "q" * 40_000, emoji):
        table = Table("long", "Long", (Column("a", "A"),), ({"a": long},))
        report = Report("committee", "T", "", (Section("S", (table,)),), PROVENANCE)
        book = load_workbook(io.BytesIO(workbook_bytes(report)))
        value = str(book["long"]["A3"].value)
        assert len(value.encode("utf-16-le")) // 2 <= CELL_TEXT_LIMIT
        assert value.endswith(
            f"[truncated: a spreadsheet cell holds at most 32,767 characters; "
            f"this text has {len(long):,}]"
        )
        assert value.startswith("'=" if long.startswith("=") else "\U0001f600")


def test_answer_parts_never_split_a_character_or_start_with_a_formula() -> None:
    text = ("=" + "\U0001f600" * 20_000) * 3
    parts = answer_parts(text)
    assert "".join(parts) == text and len(parts) > 3
    assert all(len(part.encode("utf-16-le")) // 2 <= ANSWER_PART for part in parts)
    assert not any(part.startswith("=") for part in parts[1:])


@pytest.mark.parametrize("answer", [WORDS, UNBROKEN], ids=["words", "unbroken"])
def test_the_html_shows_the_capped_answer(answer: str) -> None:
    html = to_html(committee_with(answer))
    assert f"[truncated: {len(answer):,} characters; the full answer is in the XLSX]" in html
    assert len(html) < 200_000 and "\u200b" not in html
