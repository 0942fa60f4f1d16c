"""The committee report's layout for readers: a Likert grid as one diverging chart per group with
one table, shared questions on one chart, and the earlier scan's shares beside this scan's."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from statsmodels.stats.proportion import proportion_confint

from instruments.reference_values import load_references
from reports import chart_bars, chart_stacked, chart_text, charts
from reports.committee import build_committee
from reports.committee_questions import ANSWERS_PRINTED
from reports.model import (
    Bar,
    BarChart,
    Facts,
    StackedBarChart,
    StackedRow,
    Suppressed,
    Table,
    TextList,
)
from reports.render_html import to_html
from reports.render_xlsx import workbook_bytes
from scoring.asked import asked
from scoring.proportions import frequencies
from tests.reports.test_committee import PROVENANCE, PROVIDERS, SUPPORTERS, responses_of

NS = {"svg": "http://www.w3.org/2000/svg"}
GRID = ["edu_alp_gap", "edu_alp_active", "edu_alp_feedback", "edu_alp_reflect", "edu_alp_spaced"]
REFERENCES = Path(__file__).resolve().parents[2] / "instruments/references/alliance_2017.json"


@pytest.fixture(scope="module")
def scans():
    return responses_of(PROVIDERS, 120, 21), responses_of(SUPPORTERS, 70, 22)


@pytest.fixture(scope="module")
def report(scans):
    refs = load_references(REFERENCES, [PROVIDERS, SUPPORTERS])
    return build_committee(*scans, provenance=PROVENANCE, references=refs)


def section_with(report, name):
    return next(s for s in report.sections for b in s.blocks if getattr(b, "name", "") == name)


def test_a_likert_grid_is_one_section_with_a_diverging_chart_per_group(report, scans) -> None:
    section = section_with(report, "grid edu_alp_grid")
    assert section.title.endswith("\u2026")  # the stem its items finish
    assert not [s for s in report.sections if s.title.startswith("start from an assessed gap")]
    stacked = [b for b in section.blocks if isinstance(b, StackedBarChart)]
    assert [c.title.split(":")[0] for c in stacked] == ["Providers", "Supporters"]
    assert stacked[0].levels == ("Never", "Rarely", "Sometimes", "Often", "Always")
    table = next(b for b in section.blocks if isinstance(b, Table))
    for chart, responses, key in zip(stacked, scans, ("0", "1"), strict=True):
        for row, name, cells in zip(chart.rows, GRID, table.rows, strict=True):
            expected = frequencies(
                responses.frame[name],
                asked(responses)[name],
                list(responses.labels(name).items()),
                missing=responses.missing[name],
            )
            assert row.shares == pytest.approx(list(expected.table["percent"]))
            assert row.n == expected.denominator == cells[f"{key}_n"]
            high = int(expected.table["count"].iloc[-2:].sum())
            # An independent Wilson interval: statsmodels, as R prop.test(correct = FALSE).
            low_ci, high_ci = proportion_confint(high, row.n, method="wilson")
            assert cells[f"{key}_high"] == pytest.approx(100 * high / row.n)
            assert cells[f"{key}_ci"] == f"{100 * low_ci:.1f}\u2013{100 * high_ci:.1f}"


def test_the_earlier_scans_shares_sit_beside_this_scans(report, scans) -> None:
    providers, _ = scans
    table = next(t for t in report.tables() if t.name == "p then qi_involvement")
    expected = frequencies(
        providers.frame["qi_involvement"],
        asked(providers)["qi_involvement"],
        list(providers.labels("qi_involvement").items()),
        missing=providers.missing["qi_involvement"],
    ).table
    assert [row["then"] for row in table.rows] == [58, 28, 14]
    assert [row["now"] for row in table.rows] == pytest.approx(list(expected["percent"]))
    assert [row["change"] for row in table.rows] == pytest.approx(
        list(expected["percent"] - [58, 28, 14])
    )
    supporters = next(t for t in report.tables() if t.name == "s then qi_involvement")
    assert [row["then"] for row in supporters.rows] == [77]
    methods = next(s for s in report.sections if s.title == "Methods").blocks[0]
    assert isinstance(methods, Facts)
    assert "58 percent" in dict(methods.items)["Earlier scan"]


def test_without_references_there_is_no_comparison_with_an_earlier_scan(scans) -> None:
    plain = build_committee(*scans, provenance=PROVENANCE)
    assert not [t for t in plain.tables() if " then " in t.name]
    methods = next(s for s in plain.sections if s.title == "Methods").blocks[0]
    assert isinstance(methods, Facts) and "Earlier scan" not in dict(methods.items)


def tree(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_a_diverging_chart_centres_each_item_on_the_scales_middle() -> None:
    chart = StackedBarChart(
        "Grid",
        ("Never", "Rarely", "Sometimes", "Often", "Always"),
        (
            StackedRow("first item", (10.0, 20.0, 30.0, 25.0, 15.0), 40),
            StackedRow("second item", (0.0, 5.0, 15.0, 40.0, 40.0), 38),
            StackedRow("withheld item", (float("nan"),) * 5, Suppressed("withheld", "under 5")),
        ),
    )
    root = tree(charts.svg(chart, "g1"))
    centre = root.find(".//svg:line[@class='centre']", NS)
    assert centre is not None
    middle = float(centre.get("x1", "0"))
    groups = root.findall(".//svg:g[@class='stack']", NS)
    assert len(groups) == 3
    for group, left_share in zip(groups[:2], (10 + 20 + 15, 5 + 7.5), strict=True):
        segments = group.findall("svg:rect[@class='segment']", NS)
        start = min(float(s.get("x", "0")) for s in segments)
        end = max(float(s.get("x", "0")) + float(s.get("width", "0")) for s in segments)
        total = sum(float(s.get("width", "0")) for s in segments)
        # The low side plus half the middle level lies left of the centre line.
        assert (middle - start) / total == pytest.approx(left_share / 100, abs=0.01)
        assert end > middle > start
    assert groups[2].find("svg:rect[@class='withheld']", NS) is not None
    desc = root.find("svg:desc", NS)
    assert desc is not None and "first item (n = 40): Never 10.0%, Rarely 20.0%" in (
        desc.text or ""
    )
    assert "withheld item: withheld (under 5)" in (desc.text or "")
    assert chart_stacked.colours(5)[2] == chart_stacked.MIDDLE


def test_a_chart_of_two_groups_labels_each_option_once_with_a_legend() -> None:
    chart = BarChart(
        "Both",
        (
            Bar("Done QI", 60.0, 52.0, 67.5, series=0),
            Bar("Done QI", 73.3, 63.4, 81.4, series=1),
            Bar("Never", 25.3, 19.0, 32.8, series=0),
            Bar("Never", 12.2, 7.0, 20.6, series=1),
        ),
        series=("Providers", "Supporters"),
    )
    root = tree(charts.svg(chart, "b1"))
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{{{NS['svg']}}}text"))
    assert text.count("Done QI") == 1 and text.count("Never") == 1
    assert "Providers" in text and "Supporters" in text
    fills = [
        r.get("fill")
        for r in root.iter(f"{{{NS['svg']}}}rect")
        if r.get("height") == str(chart_bars.BAR_H)
    ]
    assert fills == [chart_bars.colour(0), chart_bars.colour(1)] * 2
    assert len(root.findall(".//svg:path[@class='interval']", NS)) == 4
    desc = root.find("svg:desc", NS)
    assert desc is not None and "Supporters, Never: 12.2%" in (desc.text or "")


def test_a_legend_of_many_series_wraps_inside_the_chart() -> None:
    waves = ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12", "Month 15")
    chart = BarChart(
        "Bands",
        tuple(Bar("Ready", 10.0 + k, series=k) for k in range(len(waves))),
        series=waves,
    )
    root = tree(charts.svg(chart, "w1"))
    width = float(root.get("width", "0"))
    for text in root.iter(f"{{{NS['svg']}}}text"):
        if "".join(text.itertext()) in waves:
            x = float(text.get("x", "0"))
            assert x + chart_text.text_width("".join(text.itertext()), 12) <= width, text
    assert len({t.get("y") for t in root.iter(f"{{{NS['svg']}}}text") if t.text in waves}) > 1


def test_answers_in_respondents_words_are_grouped_in_an_appendix_after_the_results(
    report,
) -> None:
    titles = [s.title for s in report.sections]
    appendix = titles.index("Appendix: what respondents wrote")
    lists = [  # after the executive summary, whose key findings are a list of their own
        at
        for at, s in enumerate(report.sections[1:], 1)
        if any(isinstance(b, TextList) for b in s.blocks)
    ]
    assert lists and min(lists) > appendix  # never in the body
    assert "Comments" not in titles  # a domain of open text only has no heading of its own
    assert titles[-1] == "Data dictionaries"


def test_the_pages_print_the_most_frequent_answers_and_the_workbook_all(report) -> None:
    lists = [b for s in report.sections for b in s.blocks if isinstance(b, TextList)]
    long = next(b for b in lists if b.title.startswith("Providers: Is there anything"))
    assert long.shown == ANSWERS_PRINTED < len(long.items)
    page = BeautifulSoup(to_html(report), "html.parser")
    heading = next(h for h in page.select(".text-list .block-title") if h.get_text() == long.title)
    box = heading.find_parent(class_="text-list")
    assert box is not None
    assert [li.get_text() for li in box.select("li")] == list(long.items[:ANSWERS_PRINTED])
    more = len(long.items) - ANSWERS_PRINTED
    assert f"{more} more answers are listed in this report's XLSX workbook." in box.get_text()
    book = load_workbook(io.BytesIO(workbook_bytes(report)), read_only=True)
    cells = {
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    }
    assert set(long.items) <= cells  # every answer, in the workbook


def test_a_long_reports_contents_list_its_parts_not_every_question(report) -> None:
    page = BeautifulSoup(to_html(report), "html.parser")
    listed = [a.get_text() for a in page.select("nav.toc a")]
    parts = [s.title for s in report.sections if s.level == 2]
    assert len(report.sections) > 20 and listed == [*parts, "Provenance"]


def test_the_earlier_scans_table_withholds_what_the_questions_table_withholds(scans) -> None:
    refs = load_references(REFERENCES, [PROVIDERS, SUPPORTERS])
    report = build_committee(*scans, provenance=PROVENANCE, references=refs, suppress_below=30)
    shared = next(t for t in report.tables() if t.name == "qi_involvement")
    then = next(t for t in report.tables() if t.name == "p then qi_involvement")
    hidden = [isinstance(row["a_n"], Suppressed) for row in shared.rows]
    assert any(hidden)  # the rule is exercised: a count under 30 (and what would give it away)
    assert [isinstance(row["now"], Suppressed) for row in then.rows] == hidden
