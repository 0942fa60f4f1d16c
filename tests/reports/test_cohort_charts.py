"""The cohort report's charts and tables as a board reads them: every median drawn with its
interval on the scale's whole range, counts as whole numbers, notes in plain words."""

from __future__ import annotations

import re
from dataclasses import replace
from xml.etree import ElementTree

import pandas as pd
import pytest

from instruments import load_shipped
from plugin.simulate import simulate
from reports.chart_heatmap import ROW_H, pieces
from reports.charts import svg
from reports.cohort import build_cohort
from reports.model import Heatmap, Provenance, Report, RunChart, Text
from reports.render_html import to_html
from scoring.decode import Responses, decode
from scoring.median_ci import wave_median_intervals
from scoring.scale_stats import long_scores, scale_scores
from tests.scoring.redcap_export import export_frame

PROVENANCE = Provenance("test", (("practice_readiness", "1.0.0"),))


@pytest.fixture(scope="module")
def responses() -> Responses:
    readiness = load_shipped("practice_readiness").unwrap()
    rows = simulate(readiness, seed=1, n=40)
    return decode(export_frame(readiness, rows), readiness)


@pytest.fixture(scope="module")
def report(responses: Responses) -> Report:
    return build_cohort(responses, provenance=PROVENANCE)


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return to_html(report, phone=False, breaks=True)


def run_charts(report: Report) -> list[RunChart]:
    return [b for s in report.sections for b in s.blocks if isinstance(b, RunChart)]


def test_every_median_chart_carries_the_median_interval_from_scoring(
    responses: Responses, report: Report
) -> None:
    data = long_scores(responses, scale_scores(responses))
    charts = run_charts(report)
    assert len(charts) == 7
    for info, chart in zip(scale_scores(responses).scales, charts, strict=True):
        assert isinstance(chart, RunChart)
        found = wave_median_intervals(data, info.name)
        assert list(chart.values) == pytest.approx(list(found["median"]))
        assert list(chart.low) == pytest.approx(list(found["low"]))
        assert list(chart.high) == pytest.approx(list(found["high"]))
        spans = zip(chart.low, chart.values, chart.high, strict=True)
        assert all(lo <= v <= hi for lo, v, hi in spans)
        assert chart.interval_label == "95% confidence interval of the median"


def test_every_median_chart_spans_the_scales_possible_range(
    responses: Responses, report: Report
) -> None:
    for info, chart in zip(scale_scores(responses).scales, run_charts(report), strict=True):
        assert info.score_range is not None and isinstance(chart, RunChart)
        assert (chart.y_min, chart.y_max) == info.score_range


def test_the_rendered_charts_draw_a_whisker_per_wave_and_an_axis_from_the_minimum(
    html: str,
) -> None:
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    medians = [s for s in svgs if "cohort median per wave" in s]
    assert len(medians) == 7
    for found in medians:
        assert found.count('class="interval"') == 5
        assert "on a scale of 0 to 100" in found


def test_counts_are_whole_numbers_in_the_chart_of_reliable_change(html: str) -> None:
    (bars,) = [s for s in re.findall(r"<svg .*?</svg>", html, re.S) if "improved" in s]
    assert re.search(r">\d+</text>", bars)
    assert not re.search(r">\d+\.0</text>", bars)


def test_no_library_call_names_in_what_a_reader_sees(html: str) -> None:
    assert "scipy" not in html and "statsmodels" not in html
    assert "zero change(s)" not in html


def test_the_change_table_says_unchanged_units_in_plain_words(report: Report) -> None:
    change = next(s for s in report.sections if s.title == "Change from baseline to latest")
    table = next(t for t in report.tables() if t.name == "change")
    assert "note" not in [c.key for c in table.columns]  # no narrow column of sentences
    (said,) = [b for b in change.blocks if isinstance(b, Text)]
    assert re.fullmatch(
        r"Practices whose score was exactly the same at baseline and latest are left out of "
        r"the Wilcoxon test, which can only rank changes: Willingness to change \d+, "
        r"Practice leadership \d+, .*\.",
        said.text,
    )


def test_the_trend_table_counts_assessments_in_a_column_of_its_own(report: Report) -> None:
    slopes = next(t for t in report.tables() if t.name == "trend")
    ranks = next(t for t in report.tables() if t.name == "friedman")
    for table in (slopes, ranks):  # two tables of six columns, so every header fits
        assert "note" not in [c.key for c in table.columns] and len(table.columns) == 6
    assert [c.header for c in slopes.columns][5] == "Assessments"
    assert all(isinstance(row["assessments"], int) for row in slopes.rows)
    counts = pd.DataFrame(list(slopes.rows))["assessments"]
    assert (counts > pd.DataFrame(list(ranks.rows))["complete"]).all()


def test_an_empty_note_column_is_left_out(report: Report) -> None:
    table = next(t for t in report.tables() if t.name == "reliable")
    assert [c.key for c in table.columns][-1] == "alpha"


HEAT = Heatmap(
    title="Readiness: band of each practice at each wave",
    x_labels=("Baseline", "Month 3", "Month 6"),
    y_labels=("PRA-002", "PRA-001", "PRA-003"),
    cells=((2, 2, None), (0, 1, 2), (None, 0, 0)),
    categories=("Not yet ready", "Getting ready", "Ready to engage"),
    note="One row per practice.",
)
SVG = "{http://www.w3.org/2000/svg}"


def test_the_heatmap_draws_a_cell_per_practice_and_wave_and_names_every_band() -> None:
    root = ElementTree.fromstring(svg(HEAT, "h"))  # parses as XML
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert len(cells) == 9
    said = [r.findtext(f"{SVG}title") for r in cells]
    assert said[:3] == [
        "PRA-002, Baseline: Ready to engage",
        "PRA-002, Month 3: Ready to engage",
        "PRA-002, Month 6: not assessed",
    ]
    fills = {str(c.findtext(f"{SVG}title")).split(": ")[1]: c.get("fill") for c in cells}
    assert len(set(fills.values())) == 4 and fills["not assessed"] == "#FFFFFF"
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for band in (*HEAT.categories, "not assessed"):
        assert band in legend
    desc = root.findtext(f"{SVG}desc") or ""
    assert "PRA-001: Baseline Not yet ready, Month 3 Getting ready, Month 6 Ready to engage" in desc
    assert "PRA-003: Baseline not assessed, Month 3 Not yet ready" in desc


def test_a_heatmap_whose_cells_do_not_fit_its_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="cells do not match its rows and columns"):
        svg(replace(HEAT, cells=HEAT.cells[:2]), "h")
    with pytest.raises(ValueError, match="cell value 3 is not the index of one of its 3"):
        svg(replace(HEAT, cells=((3, 2, None), *HEAT.cells[1:])), "h")


def test_a_tall_heatmap_is_cut_into_near_equal_pieces_of_at_most_40_rows() -> None:
    rows = tuple(f"PRA-{k:03d}" for k in range(1, 101))
    tall = replace(HEAT, y_labels=rows, cells=tuple((k % 3, None, 1) for k in range(100)))
    found = pieces(tall, rows_word="practices")
    assert [len(p.y_labels) for p in found] == [34, 33, 33]
    assert [p.title[len(HEAT.title) :] for p in found] == [
        " (practices 1 to 34 of 100)",
        " (practices 35 to 67 of 100)",
        " (practices 68 to 100 of 100)",
    ]
    assert sum((p.cells for p in found), ()) == tall.cells
    assert pieces(replace(tall, y_labels=rows[:40], cells=tall.cells[:40])) == [
        replace(tall, y_labels=rows[:40], cells=tall.cells[:40])
    ]
    # every row keeps its height whatever the count: a piece's height grows with its rows
    heights = [float(svg(p, "h").split('height="')[1].split('"')[0]) for p in found]
    assert heights[0] - heights[1] == pytest.approx(ROW_H)
