"""A PDF report has a bookmark for each of its sections, under the report's title, so a reader
jumps to a section from the viewer's outline (issue 13)."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from reports.render_pdf import to_pdf_bytes
from tests.reports.sample import sample_report


def titles(outline: list[Any]) -> list[Any]:
    """The outline as titles, a nested list for each level below."""
    return [titles(item) if isinstance(item, list) else item.title for item in outline]


def flat(outline: list[Any]) -> list[str]:
    return [t for item in outline for t in (flat(item) if isinstance(item, list) else [item])]


def test_every_section_is_a_bookmark_under_the_title() -> None:
    report = sample_report()
    outline = titles(PdfReader(io.BytesIO(to_pdf_bytes(report))).outline)
    assert outline[0] == report.title and isinstance(outline[1], list)
    below = iter(flat(outline[1]))
    assert all(section.title in below for section in report.sections), "each, in order"
    assert flat(outline[1])[-1] == "Provenance"
