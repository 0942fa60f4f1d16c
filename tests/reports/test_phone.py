"""The HTML report on a phone (issue 13): loaded in Debian's headless Chromium at 360 px wide, the
page never scrolls sideways, a table wider than the screen scrolls inside its own box, words in
table cells stay whole, text is at least 14 px and chart labels stay legible. Skipped only where
Debian's chromedriver is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from reports.model import (
    Bar,
    BarChart,
    Cell,
    Column,
    Facts,
    Provenance,
    Report,
    Section,
    Table,
    Text,
)
from reports.render_html import render
from tests.service.test_browser import headless_chromium

PHONE = 360  # px: the narrowest common phone screen
FIELD = "qi_involvement_continuing_education"  # an instrument field name, 35 characters
LONG_WORD = "Z" * 300  # a respondent's unbroken answer
CHART_UNITS = 560  # the width every chart is drawn for (reports.chart_svg.WIDTH)
CHART_LABEL = 13  # its labels' size in those units


def phone_report() -> Report:
    columns = (
        Column("field", "Field"),
        Column("organisation", "Organisation type"),
        *(Column(f"p{k}", f"Percent wave {k}", "percent") for k in range(1, 7)),
        Column("n", "Respondents", "integer"),
    )
    rows: tuple[dict[str, Cell], ...] = tuple(
        {
            "field": FIELD if k == 0 else f"field_{k}",
            "organisation": "Pharmaceutical company" if k == 0 else "Medical school",
            **{f"p{w}": 10.0 * w + k for w in range(1, 7)},
            "n": 1200 + k,
        }
        for k in range(4)
    )
    chart = BarChart(
        "Providers' involvement in QI education",
        (
            Bar("Have done QI education", 58.0, 49.8, 65.8),
            Bar("Never", 28.0, 21.3, 35.9),
            Bar("Not relevant to our organisation's mission or accredited activities", 14.0),
        ),
    )
    return Report(
        "committee",
        "Environmental scan: summary for the research committee",
        "Providers and supporters",
        (
            Section(
                "Results",
                (
                    Text(f"One answer was {LONG_WORD} and nothing else."),
                    Table("waves", "Percent by wave and organisation type", columns, rows),
                    chart,
                    Facts((("Field period", "14 November to 16 December 2016"),), "Methods"),
                ),
            ),
        ),
        Provenance("0.1.0", (("provider_scan", "1.2.0"),), content_hashes=("sha256:" + "9f" * 32,)),
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    folder = tmp_path_factory.mktemp("phone")
    driver = headless_chromium(folder / "profile")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE, "height": 740, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(render(phone_report(), folder / "report.html").as_uri())
    yield driver
    driver.quit()


def run(page: WebDriver, script: str) -> Any:
    return page.execute_script(script)


def test_the_page_is_a_phone_wide(page: WebDriver) -> None:
    assert run(page, "return window.innerWidth") == PHONE


def test_the_page_never_scrolls_sideways(page: WebDriver) -> None:
    width = run(page, "return document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"


def test_a_table_wider_than_the_screen_scrolls_in_its_own_box(page: WebDriver) -> None:
    tables = run(
        page,
        """return [...document.querySelectorAll('table')].map(table => {
             const box = table.closest('.table-scroll');
             return {
               wide: table.getBoundingClientRect().width,
               box: box ? box.clientWidth : null,
               overflow: box ? getComputedStyle(box).overflowX : null,
               right: box ? box.getBoundingClientRect().right : null,
             };
           });""",
    )
    assert tables and tables[0]["wide"] > PHONE, "the test's table is wider than the screen"
    for table in tables:
        if table["box"] is None or table["wide"] > table["box"]:
            assert table["overflow"] in ("auto", "scroll"), table
            assert table["right"] <= PHONE, table


def test_words_in_table_cells_stay_whole(page: WebDriver) -> None:
    broken = run(
        page,
        """const broken = [];
           for (const cell of document.querySelectorAll('td, th')) {
             const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
               for (const word of node.data.matchAll(/\\S+/g)) {
                 const range = document.createRange();
                 range.setStart(node, word.index);
                 range.setEnd(node, word.index + word[0].length);
                 const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                 if (lines.size > 1) broken.push(word[0]);
               }
             }
           }
           return broken;""",
    )
    assert broken == [], f"words broken over lines: {broken}"
    assert run(page, "return document.body.innerText").count(FIELD) == 1


def test_text_is_at_least_14_px(page: WebDriver) -> None:
    small = run(
        page,
        """const small = [];
           const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
           for (let node = walker.nextNode(); node; node = walker.nextNode()) {
             const element = node.parentElement;
             if (!node.data.trim() || element.closest('svg')) continue;
             const size = parseFloat(getComputedStyle(element).fontSize);
             if (size < 14) small.push([element.tagName, element.className, size]);
           }
           return small;""",
    )
    assert small == [], f"text under 14 px: {small}"


def test_chart_labels_stay_legible(page: WebDriver) -> None:
    widths = run(page, "return [...document.querySelectorAll('svg.chart')].map(s => s.clientWidth)")
    assert widths, "the report has a chart"
    for width in widths:
        # Below about 11 px a label can no longer be read at arm's length.
        assert CHART_LABEL * width / CHART_UNITS >= 11, f"chart drawn {width} px wide"
    inside = run(
        page,
        """return [...document.querySelectorAll('svg.chart')].map(s => {
             const box = s.closest('.chart-block');
             return [getComputedStyle(box).overflowX, box.getBoundingClientRect().right];
           });""",
    )
    assert all(overflow == "auto" and right <= PHONE for overflow, right in inside)
