"""The HTML report: structure, formatted numbers, suppression, provenance, and hostile text."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from reports.model import (
    Cell,
    Chart,
    Column,
    Report,
    RunChart,
    Suppressed,
    TextList,
)
from reports.render_html import cell_view, column_widths, format_cell, render, table_view, to_html
from tests.reports.sample import HOSTILE, PROVENANCE, hostile_report, sample_report

EM_DASH = "\u2014"


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def soup(report: Report) -> BeautifulSoup:
    return BeautifulSoup(to_html(report), "html.parser")


def text_of(tag: Tag) -> str:
    return tag.get_text(strip=True)


def charts_of(report: Report) -> list[Chart]:
    return [
        block for section in report.sections for block in section.blocks if isinstance(block, Chart)
    ]


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (1143, Column("n", "n", "integer"), "1,143"),
        (1142.6, Column("n", "n", "integer"), "1,143"),
        (58.0, Column("p", "p", "percent"), "58.0%"),
        (12.345, Column("p", "p", "percent", 2), "12.35%"),
        (3.456, Column("m", "m", "number", 2), "3.46"),
        (1234567.891, Column("m", "m", "number"), "1,234,567.9"),
        (0.0004, Column("p", "p", "p_value", 3), "<0.001"),
        (0.0421, Column("p", "p", "p_value", 3), "0.042"),
        (0.0421, Column("p", "p", "p_value"), "0.042"),  # never fewer than 3 decimals
        (0.5, Column("p", "p", "p_value", 4), "0.5000"),
        (None, Column("n", "n", "integer"), EM_DASH),
        (math.nan, Column("m", "m", "number"), EM_DASH),
        (Suppressed("<5", "too few"), Column("n", "n", "integer"), "<5"),
        ("12 (40%)", Column("n", "n", "integer"), "12 (40%)"),
        (7, Column("t", "t"), "7"),
    ],
)
def test_cells_are_formatted_by_their_column_kind(value: Cell, column: Column, shown: str) -> None:
    assert format_cell(value, column) == shown


def test_the_page_is_self_contained_and_readable_on_a_phone(soup: BeautifulSoup) -> None:
    assert soup.select_one('meta[name="viewport"]')["content"] == (
        "width=device-width, initial-scale=1"
    )
    assert soup.select("script") == [] and soup.select("link") == []
    styles = soup.select("style")
    assert len(styles) == 3 and "table-scroll" in styles[0].text
    assert soup.select_one('style[media="screen and (max-width: 30rem)"]') is not None
    assert soup.select_one('meta[http-equiv="Content-Security-Policy"]')["content"].startswith(
        "default-src 'none'"
    )
    for table in soup.select("table"):
        assert "table-scroll" in table.parent["class"]


def test_no_reference_leaves_the_page(soup: BeautifulSoup) -> None:
    assert soup.select("[src]") == []
    ids = {tag["id"] for tag in soup.select("[id]")}
    hrefs = [tag["href"] for tag in soup.select("[href]")]
    assert hrefs and all(href.startswith("#") and href[1:] in ids for href in hrefs)


def test_headings_follow_the_sections_with_a_table_of_contents(
    soup: BeautifulSoup, report: Report
) -> None:
    assert text_of(soup.select_one("h1")) == report.title
    sections = soup.select("main > section.report-section")
    assert len(sections) == len(report.sections)
    for tag, section in zip(sections, report.sections, strict=True):
        heading = tag.select_one(".section-title")
        assert heading.name == f"h{section.level}" and text_of(heading) == section.title
    toc = [(text_of(a), a["href"]) for a in soup.select("nav.toc a")]
    built = zip(report.sections, sections, strict=True)
    assert toc[:-1] == [(section.title, f"#{tag['id']}") for section, tag in built]
    assert toc[-1] == ("Provenance", "#provenance")


def test_every_table_has_its_caption_headers_and_formatted_cells(
    soup: BeautifulSoup, report: Report
) -> None:
    tables = soup.select("table")
    assert len(tables) == len(report.tables())
    for tag, table in zip(tables, report.tables(), strict=True):
        assert text_of(tag.select_one("caption")) == table.title
        assert [text_of(th) for th in tag.select("thead th")] == [c.header for c in table.columns]
        body = [[td.get_text() for td in tr.select("td")] for tr in tag.select("tbody tr")]
        expected = [[format_cell(row.get(c.key), c) for c in table.columns] for row in table.rows]
        assert body == expected
        numeric = [c.kind != "text" for c in table.columns]
        for tr in tag.select("tbody tr"):
            assert ["num" in td["class"] for td in tr.select("td")] == numeric


def test_the_numbers_read_as_a_person_expects(soup: BeautifulSoup) -> None:
    involvement, by_type = soup.select("table")[:2]
    rows = {
        text_of(tr.td): [text_of(td) for td in tr.select("td")]
        for tr in involvement.select("tbody tr")
    }
    assert rows["Have done QI education"] == [
        "Have done QI education",
        "83",
        "58.0%",
        "49.8%",
        "65.8%",
    ]
    assert rows["All asked"][1:3] == ["1,143", "100.0%"]
    cells = [[text_of(td) for td in tr.select("td")] for tr in by_type.select("tbody tr")]
    assert [row[4] for row in cells] == ["0.042", "<0.001", EM_DASH]
    assert [row[3] for row in cells] == ["3.46", "3.10", EM_DASH]
    assert all("empty" in td["class"] for td in by_type.select("td") if text_of(td) == EM_DASH)


def test_suppressed_cells_show_their_mark_with_the_reason(
    soup: BeautifulSoup, report: Report
) -> None:
    built = [v for t in report.tables() for row in t.rows for v in row.values()]
    suppressed = [v for v in built if isinstance(v, Suppressed)]
    cells = soup.select("td.suppressed")
    assert len(cells) == len(suppressed) > 0
    assert [(text_of(td), td["title"]) for td in cells] == [(s.shown, s.reason) for s in suppressed]
    # The reason is also printed, for paper and phones where no tooltip shows.
    first = soup.select("table")[0].find_parent(class_="table-block")
    assert text_of(first.select_one(".withheld")) == "<5: fewer than 5 respondents"


def test_every_chart_is_one_accessible_svg(soup: BeautifulSoup, report: Report) -> None:
    svgs = soup.select("figure.chart-block > svg")
    built = charts_of(report)
    assert len(svgs) == len(soup.select("svg")) == len(built)
    for svg, chart in zip(svgs, built, strict=True):
        assert svg["role"] == "img"
        assert text_of(svg.find("title")) == chart.title
        assert text_of(svg.find("desc"))
        labelled_by = svg["aria-labelledby"].split()
        assert [soup.find(id=i).name for i in labelled_by] == ["title", "desc"]
    run = next(f for f in soup.select("figure.chart-block") if f.select("ul.signals"))
    assert [text_of(li) for li in run.select("ul.signals li")] == list(
        next(c for c in built if isinstance(c, RunChart)).signals
    )
    ids = [tag["id"] for tag in soup.select("[id]")]
    assert len(ids) == len(set(ids))


def test_facts_and_answers_are_lists(soup: BeautifulSoup, report: Report) -> None:
    methods = soup.select_one("div.facts")
    pairs = [(text_of(d.dt), text_of(d.dd)) for d in methods.select("div.fact")]
    assert pairs[0] == ("Providers who responded", "143")
    answers = next(b for s in report.sections for b in s.blocks if isinstance(b, TextList))
    assert [li.get_text() for li in soup.select("ul.answers li")] == list(answers.items)


def test_the_provenance_ends_the_report(soup: BeautifulSoup) -> None:
    footer = soup.select_one("footer.provenance")
    assert footer is soup.select_one(".page").find_all(recursive=False)[-1]
    facts = {d.dt.get_text(): d.dd.get_text() for d in footer.select("div.fact")}
    assert facts["Snapshot"] == str(PROVENANCE.snapshot_id)
    assert facts["Content hash"] == PROVENANCE.content_hashes[0]
    assert facts["Instruments"] == "provider_scan 1.2.0, supporter_scan 1.1.0"
    assert facts["qiscan version"] == "0.1.0"
    assert facts["Pulled from REDCap"] == PROVENANCE.pulled_at
    assert facts["Generated"] == PROVENANCE.generated_at
    assert facts["Small counts"] == "Counts below 5 are withheld"


def assert_inert(soup: BeautifulSoup, report: Report) -> None:
    """No element or attribute came from the text, and the page kept the shape it was built with."""
    assert soup.select("script, img, iframe, object, embed, link, base") == []
    assert [a for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")] == []
    assert len(soup.select("section.report-section")) == len(report.sections)
    assert len(soup.select("table")) == len(report.tables())
    for tag, table in zip(soup.select("table"), report.tables(), strict=True):
        assert len(tag.select("tbody > tr")) == len(table.rows)
        assert len(tag.select("thead th")) == len(table.columns)
    assert len(soup.select("svg")) == len(charts_of(report))


@pytest.mark.parametrize("build", [sample_report, hostile_report])
def test_hostile_text_renders_as_text(build: Callable[[], Report]) -> None:
    report = build()
    html = to_html(report)
    soup = BeautifulSoup(html, "html.parser")
    assert_inert(soup, report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/table&gt;" in html
    for payload in HOSTILE:
        assert soup.find(string=lambda s, p=payload: s is not None and p in s) is not None


def test_hostile_text_lands_in_each_slot_verbatim() -> None:
    report = hostile_report()
    soup = BeautifulSoup(to_html(report), "html.parser")
    one, two, three, four, five = HOSTILE
    assert text_of(soup.select_one("h1")) == one and soup.title.string == one
    assert text_of(soup.select_one(".subtitle")) == two
    assert [text_of(h) for h in soup.select(".section-title")] == [four, three]
    assert [li.get_text() for li in soup.select("ul.answers li")] == list(HOSTILE)
    assert [li.get_text() for li in soup.select("ul.signals li")] == list(HOSTILE)
    table = soup.select_one("table")
    assert text_of(table.caption) == three
    assert [td.get_text() for td in table.select("td.txt")] == list(HOSTILE)
    assert [td["title"] for td in table.select("td.suppressed")] == list(HOSTILE)
    assert soup.select_one("code.content-hash").get_text() == four
    assert "49" not in soup.get_text()  # {{7*7}} was never evaluated


def test_a_long_answer_leaves_the_number_column_room() -> None:
    table = hostile_report().tables()[0]
    widths = column_widths(table.columns, table_view(table, "t").rows)
    assert sum(widths) == pytest.approx(100, abs=0.05)
    assert min(widths) > 30


def test_render_writes_the_page_and_leaves_nothing_else(tmp_path: Path, report: Report) -> None:
    out = tmp_path / "committee.html"
    out.write_text("an older report", encoding="utf-8")
    assert render(report, out) == out
    assert out.read_text(encoding="utf-8") == to_html(report)
    assert [p.name for p in tmp_path.iterdir()] == ["committee.html"]


def test_the_widest_text_column_gives_way_first() -> None:
    """Past a line's width, the longest text column wraps; a short one ("Ready to engage")
    keeps room for its words on one line, and a number column for its values."""
    columns = (
        Column("element", "Element"),
        Column("value", "Yours", "number"),
        Column("note", "Note"),
        Column("band", "Band"),
    )
    long = "Organisational stability and resources, " * 3
    rows = ((long, 62.0, "No threshold for this element yet", "Ready to engage"),)
    views = tuple(tuple(cell_view(v, c) for v, c in zip(r, columns, strict=True)) for r in rows)
    widths = column_widths(columns, views)
    assert sum(widths) == pytest.approx(100, abs=0.1)
    assert widths[3] >= len("Ready to engage") + 4 - 0.1  # one line, with its padding
    assert widths[0] < 40  # the long one wraps (it would want 44 characters)


def test_a_header_word_keeps_its_room_when_columns_give_way() -> None:
    """A text column's header word ("Krippendorff's") is never squeezed below its width, even
    when its cells are short and the table has to give way."""
    columns = (
        Column("code", "Code"),
        Column("alpha", "Krippendorff's alpha", "number"),
        Column("reading", "Krippendorff's reading"),
        Column("note", "Note"),
    )
    rows = (("A code " * 8, 0.65, "tentative", "a long note " * 6),)
    views = tuple(tuple(cell_view(v, c) for v, c in zip(r, columns, strict=True)) for r in rows)
    widths = column_widths(columns, views)
    room = len("Krippendorff's") + 4
    assert widths[1] >= room - 0.1 and widths[2] >= room - 0.1


@pytest.mark.parametrize(
    ("project", "simulated", "suppress_below"),
    [("", 0, None), ("pid 31", 0, 5), ("pid 31", 12, 5), ("", 12, None)],
)
def test_the_printed_provenance_is_read_down_two_even_columns(
    report: Report, project: str, simulated: int, suppress_below: int | None
) -> None:
    """On paper the provenance is a grid filled by column (print.css): its rows must be half
    its facts, rounded up, whichever optional facts the report has."""
    provenance = replace(report.provenance, project=project, simulated=simulated)
    varied = replace(report, provenance=provenance, suppress_below=suppress_below)
    listing = BeautifulSoup(to_html(varied), "html.parser").select_one("footer.provenance dl")
    facts = len(listing.select("div.fact"))
    assert 6 <= facts <= 9
    assert listing["class"] == [f"rows-{math.ceil(facts / 2)}"]
    css = (Path(__file__).parents[2] / "reports" / "templates" / "print.css").read_text()
    assert f".provenance dl.rows-{math.ceil(facts / 2)} {{ grid-template-rows" in css
