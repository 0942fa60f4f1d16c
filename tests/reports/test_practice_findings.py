"""Practice feedback that agrees with itself: strengths and opportunities under one rule that
matches the reliable-change table, the answers behind each opportunity, the cohort's middle
half drawn at each wave, and no grading word in any block."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from instruments import load_shipped
from instruments.model import Instrument
from plugin.simulate import simulate
from reports.charts import svg
from reports.model import PanelChart, Report, Section, TextList
from reports.practice import build_practices
from reports.practice_text import FORBIDDEN
from scoring.benchmark import cohort_benchmarks
from scoring.decode import Responses, decode
from scoring.scale_stats import item_frame, long_scores, scale_scores
from tests.reports.test_practice import PROVENANCE, texts
from tests.scoring.redcap_export import export_frame

SEEDS = (1, 3, 7)


@pytest.fixture(scope="module")
def readiness() -> Instrument:
    return load_shipped("practice_readiness").unwrap()


@pytest.fixture(scope="module")
def cohorts(readiness: Instrument) -> list[Responses]:
    return [
        decode(export_frame(readiness, simulate(readiness, seed=seed, n=40)), readiness)
        for seed in SEEDS
    ]


@pytest.fixture(scope="module")
def batches(cohorts: list[Responses]) -> list[list[Report]]:
    return [build_practices(c, provenance=PROVENANCE) for c in cohorts]


def section(report: Report, title: str) -> Section:
    return next(s for s in report.sections if s.title == title)


def listed(report: Report, title: str) -> tuple[str, ...]:
    blocks = section(report, "Strengths and opportunities").blocks
    return next((b.items for b in blocks if isinstance(b, TextList) and b.title == title), ())


def element_of(sentence: str, labels: list[str]) -> str:
    """The element a feedback sentence is about (the longest label it names)."""
    named = [
        label for label in labels if re.search(re.escape(label) + r"( score|:| \(| has)", sentence)
    ]
    assert named, f"no element in {sentence!r}"
    return max(named, key=len)


def marks(report: Report) -> dict[str, str]:
    """The change table's marks (the workbook's table behind page 1), checked against page 1's
    own column, so the pages and the workbook say the same."""
    change = next(t for t in report.tables() if t.name == "change")
    assert change.workbook_only
    glance = next(t for t in report.tables() if t.name == "glance")
    shown = {str(row["scale"]): row["marked"] for row in glance.rows}
    found = {str(row["scale"]): str(row["marked"]) for row in change.rows}
    for scale, mark in found.items():
        if mark.startswith("Yes: a rise"):
            assert shown[scale] == "Yes, a rise", (report.audience, scale)
        elif mark.startswith("Yes: a fall"):
            assert shown[scale] == "Yes, a fall", (report.audience, scale)
    return found


def test_strengths_never_contradict_the_change_table_nor_repeat_an_opportunity(
    cohorts: list[Responses], batches: list[list[Report]]
) -> None:
    labels = [info.label for info in scale_scores(cohorts[0]).scales]
    seen = {"rose": 0, "fell": 0, "checked": 0}
    for reports in batches:
        for report in reports:
            strengths = listed(report, "Strengths")
            chances = listed(report, "Opportunities to build on")
            good = {element_of(s, labels) for s in strengths}
            build = {element_of(s, labels) for s in chances}
            assert len(good) == len(strengths) and len(build) == len(chances)
            assert good & build == set(), f"{report.audience}: both lists name {good & build}"
            marked = marks(report)
            for sentence in strengths:
                element = element_of(sentence, labels)
                rise = "risen" in sentence
                seen["rose"] += rise
                # a rise is named exactly when the change table marks one
                assert rise == marked[element].startswith("Yes: a rise"), (
                    report.audience,
                    sentence,
                )
                assert not marked[element].startswith("Yes: a fall"), (report.audience, sentence)
            for sentence in chances:
                element = element_of(sentence, labels)
                fall = "moved down" in sentence
                seen["fell"] += fall
                assert fall == marked[element].startswith("Yes: a fall"), (
                    report.audience,
                    sentence,
                )
                assert not marked[element].startswith("Yes: a rise"), (report.audience, sentence)
            # every reliable change in the table is in the lists
            for element, mark in marked.items():
                if mark.startswith("Yes: a rise"):
                    assert element in good
                if mark.startswith("Yes: a fall"):
                    assert element in build
            seen["checked"] += 1
    assert seen["checked"] == 120 and seen["rose"] > 5 and seen["fell"] > 5


def test_each_item_scale_opportunity_lists_the_answers_that_held_it_down(
    cohorts: list[Responses], batches: list[list[Report]]
) -> None:
    responses, reports = cohorts[0], batches[0]
    instrument = responses.instrument
    fields = instrument.field_map()
    items = item_frame(responses)
    data = long_scores(responses, scale_scores(responses))
    scales = {s.label: s for s in instrument.scales}
    shown, reversed_shown = 0, 0
    for report in reports:
        chances = listed(report, "Opportunities to build on")
        blocks = section(report, "Strengths and opportunities").blocks
        drivers = {
            b.title.split(": the answers")[0]: b
            for b in blocks
            if isinstance(b, TextList) and ": the answers that held" in b.title
        }
        for sentence in chances:
            label = element_of(
                sentence,
                list(scales)
                + ["Organisational stability and resources", "Readiness to engage in QI"],
            )
            if label not in scales:
                assert label not in drivers  # a composite has no answers of its own
                continue
            scale = scales[label]
            mine = data.loc[(data["unit"] == report.audience) & data[scale.name].notna()]
            row = mine.sort_values("wave_index").index[-1]
            # independently: keyed = 6 - x for the reverse-keyed item on 1-5; under the row's mean
            numbers = items.loc[row, scale.items].to_numpy(dtype=float)
            given = dict(zip(scale.items, numbers, strict=True))
            keyed = {
                item: (6.0 - x) if item in scale.reverse else x
                for item, x in given.items()
                if not math.isnan(x)
            }
            mean = sum(keyed.values()) / len(keyed)
            low = sorted((v, scale.items.index(i), i) for i, v in keyed.items() if v < mean)[:3]
            expected = []
            for _, _, item in low:
                answer = fields[item].choice_labels()[f"{given[item]:g}"]
                expected.append((fields[item].label, answer))
            if not expected:
                assert label not in drivers
                continue
            got = drivers[label].items
            assert len(got) == len(expected)
            for line, (question, answer) in zip(got, expected, strict=True):
                assert line.startswith(f'"{question}" Your answer: {answer}.')
                reversed_shown += "counts the other way round" in line
            shown += 1
    assert shown > 10 and reversed_shown > 0


def test_the_cohort_middle_half_is_drawn_at_each_wave(
    cohorts: list[Responses], batches: list[list[Report]]
) -> None:
    responses, report = cohorts[0], batches[0][0]
    scored = scale_scores(responses)
    data = long_scores(responses, scored)
    charts = [b for s in report.sections for b in s.blocks if isinstance(b, PanelChart)]
    panels = [panel for chart in charts for panel in chart.panels]
    moving = 0
    for info, panel in zip(scored.scales, panels, strict=True):
        for column, drawn in (("cohort_q3", panel.high), ("cohort_q1", panel.low)):
            expected = [
                cohort_benchmarks(data, [info.name], wave_index=w)[column].iloc[0] for w in range(5)
            ]
            assert list(drawn) == pytest.approx(expected)
            moving += len(set(expected)) > 1
    assert "at each assessment" in charts[-1].note
    assert moving > 0
    # ... and drawn so: the band's outline follows each wave's quartiles, not one wave's.
    root = ET.fromstring(svg(charts[0], "p1"))
    band = root.find(".//{http://www.w3.org/2000/svg}polygon[@class='middle-half']")
    assert band is not None
    heights = {round(float(p.split(",")[1]), 1) for p in band.get("points", "").split()}
    assert len(heights) > 2


def test_no_block_of_any_report_uses_a_grading_word(batches: list[list[Report]]) -> None:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, FORBIDDEN)) + r")", re.IGNORECASE)
    every = []
    for reports in batches:
        for report in reports:
            words = texts(report)
            found = [w for w in words if pattern.search(w)]
            assert found == [], f"{report.audience}: {found}"
            every += words
    joined = " ".join(every)
    # the walk reached the new blocks: rises, falls, drivers and their note, quartile lines
    for phrase in ("has risen", "moved down", "Your answer:", "a place to start", "upper quartile"):
        assert phrase in joined
    assert pattern.search("An underperforming practice, struggling") is not None
