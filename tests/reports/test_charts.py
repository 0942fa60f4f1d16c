"""SVG charts: what they draw, where, and that no text ever becomes markup.

Every chart is parsed as XML: a character that was not escaped would make it fail to parse.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from reports import chart_bars, chart_svg, chart_text, charts
from reports.model import Band, Bar, BarChart, LineChart, RunChart, Series, Suppressed
from tests.reports.sample import HOSTILE, LONG_STRING

NS = {"svg": "http://www.w3.org/2000/svg"}
NAN = math.nan


def tree(block: charts.ChartBlock) -> ET.Element:
    return ET.fromstring(charts.svg(block, "c1"))


def all_text(root: ET.Element) -> str:
    return " ".join("".join(node.itertext()) for node in root.iter(f"{{{NS['svg']}}}text"))


def bar_rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iterfind(".//svg:rect", NS) if r.get("fill") == chart_svg.BLUE]


def path_points(d: str) -> list[tuple[str, float, float]]:
    return [(c, float(x), float(y)) for c, x, y in re.findall(r"([ML])([\d.]+) ([\d.]+)", d)]


QI = BarChart(
    "Providers' involvement in QI",
    (
        Bar("Have done QI", 58.0, 49.8, 65.8),
        Bar("Never", 28.0, 21.3, 35.9),
        Bar("Not relevant", 14.0),
        Bar("Other", 3.7, suppressed=Suppressed("<5", "fewer than 5 respondents")),
    ),
)


def test_a_chart_is_an_accessible_image_with_its_numbers_in_words() -> None:
    root = tree(QI)
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 560 ")
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.findtext("svg:title", namespaces=NS) == QI.title
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "Have done QI: 58.0% (interval 49.8% to 65.8%)" in desc
    assert "Other: <5 (fewer than 5 respondents)" in desc


def test_bars_are_as_long_as_their_values_with_whiskers_at_the_interval() -> None:
    root = tree(QI)
    rects = bar_rects(root)
    assert len(rects) == 3  # the suppressed bar is not drawn
    track = chart_bars.PLOT_X1 - chart_bars.PLOT_X0
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths == pytest.approx([0.58 * track, 0.28 * track, 0.14 * track], abs=0.11)
    whiskers = root.findall(".//svg:path[@class='interval']", NS)
    assert len(whiskers) == 2  # "Not relevant" has no interval
    ends = [float(v) for v in re.findall(r"[MH]([\d.]+)", whiskers[0].get("d", ""))[:2]]
    x0 = chart_bars.PLOT_X0
    assert ends == pytest.approx([x0 + 0.498 * track, x0 + 0.658 * track], abs=0.11)
    assert {"58.0%", "28.0%", "14.0%"} <= set(all_text(root).split())


def test_a_suppressed_bar_is_an_empty_slot_showing_its_mark_never_its_value() -> None:
    markup = charts.svg(QI)
    root = ET.fromstring(markup)
    slots = root.findall(".//svg:rect[@class='withheld']", NS)
    assert len(slots) == 1 and slots[0].get("fill") == "none"
    assert "<5 \u00b7 fewer than 5 respondents" in all_text(root)
    assert "3.7" not in markup


def test_values_beyond_the_axis_widen_it_rather_than_run_off_the_chart() -> None:
    root = tree(BarChart("Change", (Bar("up", 120.0), Bar("down", -20.0), Bar("even", 100.0))))
    up, down, even = bar_rects(root)
    assert float(up.get("x", "0")) + float(up.get("width", "0")) <= chart_bars.PLOT_X1 + 0.1
    assert float(down.get("x", "0")) >= chart_bars.PLOT_X0 - 0.1
    assert float(even.get("width", "0")) < float(up.get("width", "0"))


def test_a_questions_label_wraps_whole_and_only_a_runaway_one_is_cut() -> None:
    """Issue 13: labels were cut at two lines ("Live, in person (conferences, courses, gran…")."""
    label = (
        "Live, in person (conferences, courses, grand rounds, regularly scheduled series, "
        "workshops and other face-to-face activities)"
    )
    root = tree(BarChart("Long", (Bar(label, 10.0), Bar(LONG_STRING, 20.0))))
    whole, runaway = (
        [span.text or "" for span in group.iterfind(".//svg:tspan", NS)]
        for group in root.iterfind(".//svg:g[@class='bar']", NS)
    )
    assert " ".join(whole) == label and 2 < len(whole) <= chart_bars.LABEL_LINES
    assert len(runaway) == chart_bars.LABEL_LINES and runaway[-1].endswith("\u2026")
    assert all(chart_text.text_width(line, 13) <= chart_bars.LABEL_W for line in whole + runaway)
    titles = [t.text or "" for t in root.iterfind(".//svg:g/svg:title", NS)]
    assert any(label in t for t in titles) and any(LONG_STRING in t for t in titles)


def test_wrap_breaks_at_words_and_cuts_with_an_ellipsis() -> None:
    assert chart_text.wrap("Have done QI", 200, 2) == (["Have done QI"], False)
    lines, cut = chart_text.wrap("one two three four five six seven", 60, 2)
    assert cut and len(lines) == 2 and lines[-1].endswith("\u2026")
    assert all(chart_text.text_width(line, 13) <= 60 for line in lines)
    lines, cut = chart_text.wrap("W" * 40, 100, 3)
    assert cut and all(chart_text.text_width(line, 13) <= 100 for line in lines)


@pytest.mark.parametrize(
    ("low", "high", "target", "expected"),
    [
        (0, 100, 5, [0, 20, 40, 60, 80, 100]),
        (0, 100, 4, [0, 25, 50, 75, 100]),
        (40, 80, 5, [40, 50, 60, 70, 80]),
        (-20, 120, 4, [0, 50, 100]),
        (3, 3, 5, [3]),
    ],
)
def test_axis_ticks_are_round_numbers_inside_the_range(
    low: float, high: float, target: int, expected: list[float]
) -> None:
    assert chart_text.nice_ticks(low, high, target) == expected


READINESS = LineChart(
    "Readiness",
    ("Baseline", "6 months", "12 months", "18 months"),
    (
        Series("Riverside", (42.0, 48.5, NAN, 61.0), emphasis=True),
        Series("Cohort median", (45.0, 49.0, 53.5, 55.0)),
    ),
    y_label="Readiness score",
    bands=(Band("Getting started", 0, 40), Band("Building", 40, 70), Band("Ready", 70, 100)),
)


def test_lines_have_a_point_per_value_and_a_gap_at_a_skipped_wave() -> None:
    root = tree(READINESS)
    lines = [p for p in root.iterfind("svg:path", NS) if p.get("stroke") != chart_svg.MUTED]
    cohort, practice = lines  # the emphasised line is drawn last, over the cohort's
    assert [c for c, _, _ in path_points(practice.get("d", ""))] == ["M", "L", "M"]
    assert [c for c, _, _ in path_points(cohort.get("d", ""))] == ["M", "L", "L", "L"]
    circles = root.findall("svg:circle", NS)
    assert len(circles) == 3 + 4
    practice_points = [c for c in circles if "Riverside" in (c.findtext("svg:title", "", NS))]
    heights = [float(c.get("cy", "0")) for c in practice_points]
    assert heights == sorted(heights, reverse=True)  # 42 < 48.5 < 61: higher values sit higher
    assert {"42.0", "48.5", "61.0"} <= set(all_text(root).split())


def test_the_emphasised_series_is_stronger_and_the_others_dashed() -> None:
    root = tree(READINESS)
    cohort, practice = [
        p for p in root.iterfind("svg:path", NS) if p.get("stroke") != chart_svg.MUTED
    ]
    assert float(practice.get("stroke-width", "0")) > float(cohort.get("stroke-width", "0"))
    assert practice.get("stroke-dasharray") is None and cohort.get("stroke-dasharray")
    assert practice.get("stroke") == chart_svg.BLUE and cohort.get("stroke") == chart_svg.ORANGE


def test_bands_are_labelled_strips_and_the_y_axis_has_ticks() -> None:
    root = tree(READINESS)
    bands = root.findall("svg:rect[@class='band']", NS)
    assert len(bands) == 3
    tops = [float(b.get("y", "0")) for b in bands]
    assert tops == sorted(tops, reverse=True)  # 0..40 at the bottom, 70..100 at the top
    text = all_text(root)
    assert all(label in text for label in ("Getting started", "Building", "Ready"))
    assert {"0", "20", "40", "60", "80", "100"} <= set(text.split())
    assert "Readiness score" in text


def test_the_y_axis_widens_to_hold_a_value_above_its_declared_maximum() -> None:
    root = tree(LineChart("Over", ("a", "b"), (Series("s", (50.0, 130.0)),)))
    top, bottom = 0.0, float(root.get("height", "0"))
    assert all(top <= float(c.get("cy", "-1")) <= bottom for c in root.iterfind("svg:circle", NS))


def test_a_series_of_the_wrong_length_is_refused_with_what_to_do() -> None:
    chart = LineChart("Short", ("a", "b", "c"), (Series("practice", (1.0, 2.0)),))
    with pytest.raises(ValueError, match=r"series 'practice' has 2 values for 3 x labels"):
        charts.svg(chart)


def test_a_run_chart_draws_its_points_and_median_and_says_its_signals() -> None:
    chart = RunChart(
        "On time",
        tuple(f"m{i}" for i in range(1, 9)),
        (52.0, 55.0, 49.0, 51.0, 58.0, 60.0, 61.0, 63.0),
        median=56.5,
        signals=("A shift of 4 points above the median.",),
        rules_note="Anhoej rules applied to 8 points.",
    )
    root = tree(chart)
    assert len(root.findall("svg:circle", NS)) == 8
    (median,) = root.findall("svg:line[@class='median']", NS)
    ys = {c.get("cy"): float(c.get("cy", "0")) for c in root.iterfind("svg:circle", NS)}
    median_y = float(median.get("y1", "0"))
    assert min(ys.values()) < median_y < max(ys.values())
    assert "Median 56.5" in all_text(root)
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "A shift of 4 points above the median." in desc and "Anhoej rules" in desc


@pytest.mark.parametrize("payload", [*HOSTILE, "a\x00b\x1bc & d"])
def test_hostile_text_stays_text_in_every_chart(payload: str) -> None:
    blocks: list[charts.ChartBlock] = [
        BarChart(
            payload,
            (
                Bar(payload, 10.0, note=payload),
                Bar(payload, 1.0, suppressed=Suppressed(payload, payload)),
            ),
            note=payload,
        ),
        LineChart(
            payload,
            (payload, payload),
            (Series(payload, (1.0, 2.0), emphasis=True),),
            y_label=payload,
            bands=(Band(payload, 0, 1),),
            note=payload,
        ),
        RunChart(
            payload,
            (payload, payload),
            (1.0, 2.0),
            1.5,
            signals=(payload,),
            rules_note=payload,
            y_label=payload,
        ),
    ]
    for block in blocks:
        markup = charts.svg(block, "c9")
        root = ET.fromstring(markup)  # fails if anything was left unescaped
        tags = {node.tag.split("}")[-1] for node in root.iter()}
        assert tags <= {
            "svg",
            "title",
            "desc",
            "g",
            "text",
            "tspan",
            "rect",
            "line",
            "path",
            "circle",
        }
        assert not any(name.startswith("on") for node in root.iter() for name in node.attrib)
        assert root.findtext("svg:title", namespaces=NS) == payload.replace("\x00", "").replace(
            "\x1b", ""
        )


def test_the_palette_survives_greyscale() -> None:
    def luminance(colour: str) -> float:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue  # Rec. 709 luma, on the sRGB values

    # The emphasised blue prints dark, the orange of the comparison light.
    assert luminance(chart_svg.ORANGE) - luminance(chart_svg.BLUE) > 0.25


def test_a_chart_of_counts_labels_them_as_whole_numbers() -> None:
    counts = BarChart("Units", (Bar("Improved", 17.0), Bar("Declined", 0.0)), unit="")
    root = tree(counts)
    assert "17" in all_text(root).split() and "17.0" not in all_text(root)
    assert "Improved: 17; Declined: 0." in (root.findtext("svg:desc", namespaces=NS) or "")
    # a chart with one fractional value keeps one decimal on every bar
    means = BarChart("Means", (Bar("A", 3.0), Bar("B", 3.5)), unit="", max_value=5)
    assert "3.0" in all_text(tree(means)).split()


MEDIANS = RunChart(
    title="Resources: cohort median per wave",
    x_labels=("Baseline", "Month 3", "Month 6"),
    values=(54.0, 57.0, 60.0),
    median=57.0,
    y_label="median score",
    low=(50.0, NAN, 55.0),
    high=(58.0, NAN, 66.0),
    y_min=0.0,
    y_max=100.0,
    interval_label="95% confidence interval of the median",
)


def test_a_run_chart_with_intervals_draws_a_whisker_per_point_that_has_one() -> None:
    root = tree(MEDIANS)
    whiskers = root.findall(".//svg:path[@class='interval']", NS)
    assert [w.findtext("svg:title", namespaces=NS) for w in whiskers] == [
        "Baseline: 50.0 to 58.0",
        "Month 6: 55.0 to 66.0",
    ]
    (line,) = [p for p in root.iterfind("svg:path", NS) if p.get("stroke") == chart_svg.BLUE]
    points = path_points(line.get("d", ""))
    # the whisker runs through its point, from the low end to the high end
    x, y_low, y_high = (float(v) for v in re.findall(r"[\d.]+", whiskers[0].get("d", ""))[:3])
    assert x == points[0][1] and y_high < points[0][2] < y_low
    assert "95% confidence interval of the median" in all_text(root)
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "on a scale of 0 to 100" in desc
    assert (
        "95% confidence interval of the median: Baseline 50.0 to 58.0, Month 6 55.0 to 66.0."
        in desc
    )


def test_a_run_chart_with_a_scale_range_starts_its_axis_at_the_scale_minimum() -> None:
    ticks = [float(t) for t in all_text(tree(MEDIANS)).split() if t.replace(".", "").isdigit()]
    assert min(ticks) == 0 and max(ticks) == 100
    # a plain run chart still zooms to its points
    plain = RunChart("Plain", MEDIANS.x_labels, MEDIANS.values, MEDIANS.median)
    assert "on a scale of 52 to 62" in (tree(plain).findtext("svg:desc", namespaces=NS) or "")


def test_an_interval_outside_the_scale_widens_the_axis() -> None:
    wide = RunChart(
        "Wide", ("A",), (95.0,), 95.0, low=(90.0,), high=(104.0,), y_min=0.0, y_max=100.0
    )
    assert "on a scale of 0 to 104" in (tree(wide).findtext("svg:desc", namespaces=NS) or "")


def test_intervals_of_the_wrong_length_are_refused_with_what_to_do() -> None:
    short = RunChart("Short", ("A", "B"), (1.0, 2.0), 1.5, low=(0.0,), high=(3.0,))
    with pytest.raises(ValueError, match="low has 1 values for 2 x labels; give one value"):
        charts.svg(short)
