"""Small multiples for a practice: the group's middle half shaded wave by wave, a gap where a
wave has no score, the legend once, every wave's number in the description, no title cut."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from reports import chart_panels, chart_text
from reports.charts import svg
from reports.model import Panel, PanelChart

NS = "{http://www.w3.org/2000/svg}"
WAVES = ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12")
NAN = math.nan
CHART = PanelChart(
    "Your scores",
    WAVES,
    (
        Panel(
            "Willingness to change",
            (40.0, 55.0, NAN, 70.0, 80.0),
            (50.0, 52.0, 55.0, 60.0, 62.0),
            (30.0, 35.0, 40.0, 45.0, 50.0),
            (65.0, 70.0, 72.0, 80.0, 85.0),
        ),  # fmt: skip
        Panel(
            "Organisational stability and resources",
            (60.0,) * 5,
            (55.0,) * 5,
            (NAN, 40.0, 42.0, NAN, 44.0),
            (NAN, 70.0, 71.0, NAN, 73.0),
        ),  # fmt: skip
    ),
)


def tree(chart: PanelChart) -> ET.Element:
    return ET.fromstring(svg(chart, "p1"))


def test_the_middle_half_follows_each_waves_quartiles() -> None:
    root = tree(CHART)
    bands = root.findall(f".//{NS}polygon[@class='middle-half']")
    # Panel 1: one band over the five waves; panel 2: a lone wave (a bar) and a run of two.
    assert len(bands) == 2
    first = [tuple(map(float, p.split(","))) for p in bands[0].get("points", "").split()]
    assert len(first) == 10  # five upper corners, five lower
    ys = [y for _, y in first]
    assert len({round(y) for y in ys[:5]}) == 5  # the upper edge moves with each wave
    lone = [r for r in root.iter(f"{NS}rect") if r.get("width") == "8"]
    assert len(lone) == 1


def test_a_wave_without_a_score_leaves_a_gap() -> None:
    root = tree(CHART)
    lines = [p for p in root.iter(f"{NS}path") if p.get("stroke") == chart_panels.BLUE]
    first = lines[0].get("d", "")
    assert first.count("M") == 2  # lifted at Month 6


def test_the_legend_is_drawn_once_and_later_rows_go_without() -> None:
    texts = ["".join(t.itertext()) for t in tree(CHART).iter(f"{NS}text")]
    assert texts.count("Your practice") == 1 and texts.count("Middle half") == 1
    later = PanelChart("", WAVES, CHART.panels, legend=False)
    root = tree(later)
    assert "Your practice" not in ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    title = root.find(f"{NS}title")
    assert title is not None and title.text == (
        "Willingness to change, Organisational stability and resources"
    )


def test_every_number_is_in_the_description_and_titles_are_whole() -> None:
    root = tree(CHART)
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text is not None
    assert "Willingness to change: Your practice Baseline 40.0, Month 3 55.0, Month 6 none" in (
        desc.text
    )
    assert "Middle half Month 3 40.0 to 70.0, Month 6 42.0 to 71.0, Month 12 44.0 to 73.0" in (
        desc.text
    )
    bold = [t for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    shown = " ".join(" ".join(s.text or "" for s in t) for t in bold)
    assert "Organisational stability and resources" in shown and "\u2026" not in shown
    for t in bold:
        for span in t:
            assert chart_text.text_width(span.text or "", 12) <= chart_panels.PANEL_W


def test_the_latest_wave_is_always_named_and_no_label_is_cut() -> None:
    labels = [
        "".join(t.itertext())
        for t in tree(CHART).iter(f"{NS}text")
        if "".join(t.itertext()) in WAVES
    ]
    assert labels.count("Month 12") == 2 and labels.count("Baseline") == 2  # in each panel


def test_values_must_cover_every_wave() -> None:
    short = PanelChart("x", WAVES, (Panel("A", (1.0, 2.0)),))
    with pytest.raises(ValueError, match="panel 'A' has 2 values for 5 waves"):
        svg(short, "p2")
