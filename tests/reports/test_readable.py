"""Every kind of report, built from simulated data and read back from its HTML and its PDF
(issue 13): no question or option label is cut with an ellipsis, no field name or long word is
broken across lines of the PDF, every interval the report's model carries is drawn as a
whisker, and no heading is left alone at the foot of a printed page."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytest
from bs4 import BeautifulSoup, Tag
from pypdf import PdfReader

from instruments import load_shipped
from instruments.model import Instrument
from plugin.simulate import simulate
from reports.coding import build_coding
from reports.cohort import build_cohort
from reports.committee import build_committee
from reports.model import (
    BarChart,
    Chart,
    Heatmap,
    LineChart,
    Provenance,
    Report,
    RunChart,
    StackedBarChart,
)
from reports.practice import build_practices
from reports.quality import build_quality
from reports.render_html import to_html
from reports.render_pdf import to_pdf_bytes
from scoring.decode import Responses, decode
from tests.scoring.redcap_export import export_frame

ELLIPSIS = "\u2026"
KINDS = ("committee", "cohort", "practice", "coding", "quality")
SHORTEST_CUT = 6  # characters of a label before an ellipsis that count as a cut label
WORD = re.compile(r"\b[A-Za-z0-9_]{10,40}\b")  # long words; a hyphen or slash may end a line


@dataclass(frozen=True)
class Built:
    report: Report
    instruments: tuple[Instrument, ...]
    html: BeautifulSoup
    pdf_pages: tuple[str, ...]


def instrument(name: str) -> Instrument:
    return load_shipped(name).unwrap()


def responses_of(of: Instrument, n: int, seed: int) -> Responses:
    return decode(export_frame(of, simulate(of, seed=seed, n=n)), of)


def build(kind: str) -> tuple[Report, tuple[Instrument, ...]]:
    if kind == "committee":
        providers, supporters = instrument("provider_scan"), instrument("supporter_scan")
        provenance = Provenance("0.1.0", (("provider_scan", "1"), ("supporter_scan", "1")))
        report = build_committee(
            responses_of(providers, 40, 11),
            responses_of(supporters, 30, 12),
            provenance=provenance,
        )
        return report, (providers, supporters)
    readiness = instrument("practice_readiness")
    provenance = Provenance("0.1.0", (("practice_readiness", "1.0.0"),))
    if kind == "cohort":
        return build_cohort(responses_of(readiness, 30, 1), provenance=provenance), (readiness,)
    if kind == "practice":
        made = build_practices(responses_of(readiness, 30, 1), provenance=provenance)
        return made[0], (readiness,)
    if kind == "quality":
        export = export_frame(readiness, simulate(readiness, seed=11, n=20))
        return build_quality(export, readiness, provenance=provenance), (readiness,)
    coding = instrument("qualitative_coding")
    report = build_coding(responses_of(coding, 40, 1), provenance=provenance)
    return report, (coding,)


@cache
def built(kind: str) -> Built:
    report, instruments = build(kind)
    pages = PdfReader(io.BytesIO(to_pdf_bytes(report))).pages
    return Built(
        report,
        instruments,
        BeautifulSoup(to_html(report), "html.parser"),
        tuple(page.extract_text() for page in pages),
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def labels(of: Instrument) -> set[str]:
    """Every question, choice and scale label of the instrument, as one line each."""
    found = set()
    for field in of.fields:
        found.add(one_line(field.label))
        found.update(one_line(choice.label or "") for choice in field.choices)
    found.update(one_line(scale.label) for scale in of.all_scales())
    return {label for label in found if label}


def cut_labels(text: str, of_labels: set[str]) -> list[str]:
    """Labels shown cut: a beginning of the label (at least SHORTEST_CUT characters) followed
    by an ellipsis, where the label itself goes on."""
    text = one_line(text)
    cut = []
    for found in re.finditer(ELLIPSIS, text):
        before = text[: found.start()].rstrip()
        for label in of_labels:
            for k in range(len(label) - 1, SHORTEST_CUT - 1, -1):
                stem = label[:k].rstrip()
                if len(stem) >= SHORTEST_CUT and before.endswith(stem):
                    cut.append(f"{stem}{ELLIPSIS} (of {label!r})")
                    break
    return cut


def svg_texts(svg: Tag) -> list[str]:
    """What a chart draws as text, one string per <text> (its wrapped lines joined)."""
    return [one_line(" ".join(text.stripped_strings)) for text in svg.find_all("text")]


def page_text(html: BeautifulSoup) -> str:
    """The HTML's visible text with charts drawn as text (not their tooltips)."""
    copy = BeautifulSoup(str(html), "html.parser")
    for svg in copy.find_all("svg"):
        svg.replace_with(" ".join(svg_texts(svg)))
    for hidden in copy.find_all(["style", "title", "script"]):
        hidden.decompose()
    return one_line(copy.get_text(" "))


def charts(report: Report) -> Iterator[tuple[str, Chart]]:
    """Each chart with the id its SVG gets on the page (reports.render_html.section_views)."""
    for i, section in enumerate(report.sections, 1):
        for j, block in enumerate(section.blocks, 1):
            if isinstance(block, BarChart | LineChart | RunChart | StackedBarChart | Heatmap):
                yield f"s{i}-b{j}", block


def svg_of(html: BeautifulSoup, ident: str) -> Tag:
    title = html.find("title", id=f"{ident}-title")
    svg = title.parent if title is not None else None
    assert svg is not None and svg.name == "svg", ident
    return svg


def chart_labels(chart: Chart) -> list[str]:
    if isinstance(chart, BarChart):
        return [bar.label for bar in chart.bars] + list(chart.series)
    if isinstance(chart, StackedBarChart):
        return [row.label for row in chart.rows] + list(chart.levels)
    if isinstance(chart, LineChart):
        return list(chart.x_labels) + [series.name for series in chart.series]
    if isinstance(chart, RunChart):
        return list(chart.x_labels)
    return list(chart.x_labels) + list(chart.y_labels) + list(chart.categories)


def kinds(*xfails: tuple[str, str]) -> list[object]:
    """KINDS as parameters, each named kind marked as a known defect (strict: it must fail)."""
    known = dict(xfails)
    return [
        pytest.param(kind, marks=pytest.mark.xfail(strict=True, reason=known[kind]))
        if kind in known
        else kind
        for kind in KINDS
    ]


# (a) No label is cut.


@pytest.mark.parametrize("kind", kinds())
def test_no_label_is_cut_in_the_html(kind: str) -> None:
    b = built(kind)
    of_labels = set().union(*(labels(of) for of in b.instruments))
    assert cut_labels(page_text(b.html), of_labels) == []


@pytest.mark.parametrize("kind", kinds())
def test_no_label_is_cut_in_the_pdf(kind: str) -> None:
    b = built(kind)
    of_labels = set().union(*(labels(of) for of in b.instruments))
    assert cut_labels(" ".join(b.pdf_pages), of_labels) == []


@pytest.mark.parametrize("kind", kinds())
def test_every_chart_label_is_drawn_whole(kind: str) -> None:
    b = built(kind)
    cut = []
    for ident, chart in charts(b.report):
        drawn = svg_texts(svg_of(b.html, ident))
        cut += [
            f"{ident}: {label!r}"
            for label in chart_labels(chart)
            if label and not any(one_line(label) in text for text in drawn)
        ]
    assert cut == []


def test_every_option_of_the_committees_questions_is_shown_whole() -> None:
    """Each choice label of the scans appears whole on the committee's page: in a chart (its
    wrapped lines joined), a table cell or the text."""
    b = built("committee")
    shown = page_text(b.html)
    missing = [
        f"{of.id}.{field.name}: {choice.label!r}"
        for of in b.instruments
        for field in of.fields
        for choice in field.choices
        if choice.label and one_line(choice.label) not in shown
    ]
    assert missing == []


def test_every_question_of_the_committees_scans_is_shown_in_its_own_words() -> None:
    b = built("committee")
    shown = page_text(b.html)
    missing = [
        f"{of.id}.{field.name}: {field.label!r}"
        for of in b.instruments
        for field in of.fields
        if field.name != of.record_id and one_line(field.label) not in shown
    ]
    assert missing == []


def test_a_cut_label_is_found() -> None:
    """The check above finds the cut the issue reported in the committee's PDF."""
    label = "Live, in person (conferences, courses, grand rounds)"
    cut = f"Which formats? Live, in person (conferences, courses, gran{ELLIPSIS} 89.7%"
    assert cut_labels(cut, {label}) == [
        f"Live, in person (conferences, courses, gran{ELLIPSIS} (of {label!r})"
    ]
    assert cut_labels(f"{label} and more{ELLIPSIS}", {label}) == []


# (b) No word is broken.


def pdf_words(pages: tuple[str, ...]) -> set[str]:
    """The PDF's words; a word broken over two lines is two words here ("qi_involve", "ment")."""
    return {word for text in pages for word in re.findall(r"[A-Za-z0-9_]+", text)}


def test_a_word_broken_over_two_lines_is_two_words() -> None:
    assert "qi_involvement" not in pdf_words(("Field qi_involve\nment Which",))
    assert "qi_involvement" in pdf_words(("Field\nqi_involvement's Which",))


@pytest.mark.parametrize("kind", kinds())
def test_no_long_word_is_broken_in_the_pdf(kind: str) -> None:
    b = built(kind)
    words = pdf_words(b.pdf_pages)
    broken = sorted(set(WORD.findall(page_text(b.html))) - words)
    assert broken == []


@pytest.mark.parametrize("kind", kinds())
def test_every_field_name_shown_prints_whole(kind: str) -> None:
    b = built(kind)
    shown = set(re.findall(r"[A-Za-z0-9_]+", page_text(b.html)))
    names = {field.name for of in b.instruments for field in of.fields} & shown
    assert sorted(names - pdf_words(b.pdf_pages)) == []


# (c) Every interval the model carries is drawn.


def intervals_in_model(chart: Chart) -> int:
    if isinstance(chart, BarChart):
        return sum(
            bar.suppressed is None
            and not math.isnan(bar.value)
            and not (math.isnan(bar.low) or math.isnan(bar.high))
            for bar in chart.bars
        )
    if isinstance(chart, RunChart):
        return sum(
            not (math.isnan(low) or math.isnan(high))
            for low, high in zip(chart.low, chart.high, strict=False)
        )
    return 0


@pytest.mark.parametrize("kind", kinds())
def test_every_interval_is_drawn_as_a_whisker(kind: str) -> None:
    b = built(kind)
    missing = []
    for ident, chart in charts(b.report):
        drawn = len(svg_of(b.html, ident).select("path.interval"))
        if drawn != intervals_in_model(chart):
            missing.append(f"{ident} {chart.title!r}: {intervals_in_model(chart)} in the model")
    assert missing == []


# Printable: headings stay with what follows them.


@pytest.mark.parametrize("kind", kinds())
def test_no_page_ends_on_a_heading(kind: str) -> None:
    b = built(kind)
    headings = {
        one_line(h.get_text(" "))
        for h in b.html.select("main h2, main h3, main h4, main caption, main figcaption")
    }
    alone = []
    for number, text in enumerate(b.pdf_pages[:-1], 1):
        lines = [one_line(line) for line in text.splitlines() if line.strip()]
        # The page's margins come last: "Page N of M" and the running title above the page.
        while lines and (
            re.fullmatch(r"Page \d+ of \d+", lines[-1]) or b.report.title.startswith(lines[-1])
        ):
            lines.pop()
        if lines and lines[-1] in headings:
            alone.append(f"page {number}: {lines[-1]!r}")
    assert alone == []
