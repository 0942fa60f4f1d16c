"""The practice feedback report: the practice's own numbers from scoring, its band and the
guide's strategy, strengths before opportunities, withheld comparisons in small cohorts, the
reliable-change marks, and no grading words anywhere."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from instruments import load_shipped
from instruments.model import Instrument
from plugin.simulate import simulate
from reports.model import (
    BarChart,
    Facts,
    LineChart,
    PanelChart,
    Provenance,
    Report,
    RunChart,
    Section,
    Suppressed,
    Table,
    Text,
    TextList,
)
from reports.practice import build_practice, build_practices
from reports.practice_page1 import meaning
from reports.practice_text import FORBIDDEN, NO_CHANGE_CELL, STATUS
from scoring.benchmark import cohort_benchmarks
from scoring.decode import Responses, decode
from scoring.paired import reliable_change
from scoring.reliability import cronbach_alpha
from scoring.scale_stats import item_frame, long_scores, scale_scores
from scoring.spc import wave_medians
from scoring.unit_findings import classify
from tests.scoring.redcap_export import export_frame

PROVENANCE = Provenance("test", (("practice_readiness", "1.0.0"),))
ITEM_SCALES = ("willingness_to_change", "leadership", "resources", "culture", "context")


@pytest.fixture(scope="module")
def readiness() -> Instrument:
    return load_shipped("practice_readiness").unwrap()


def responses_of(instrument: Instrument, n: int, seed: int = 1) -> Responses:
    return decode(export_frame(instrument, simulate(instrument, seed=seed, n=n)), instrument)


@pytest.fixture(scope="module")
def cohort(readiness: Instrument) -> Responses:
    return responses_of(readiness, 40)


@pytest.fixture(scope="module")
def reports(cohort: Responses) -> list[Report]:
    return build_practices(cohort, provenance=PROVENANCE)


@pytest.fixture(scope="module")
def small_reports(readiness: Instrument) -> list[Report]:
    return build_practices(responses_of(readiness, 4, seed=2), provenance=PROVENANCE)


def section(report: Report, title: str) -> Section:
    return next(s for s in report.sections if s.title == title)


def table(report: Report, name: str) -> Table:
    """A table of the report's pages or of its workbook only (the tables behind page 1)."""
    return next(t for t in report.tables() if t.name == name)


def rows_by_scale(report: Report, name: str) -> dict[str, dict[str, object]]:
    return {str(row["scale"]): dict(row) for row in table(report, name).rows}


def words_of(found: Section) -> str:
    return " ".join(block.text for block in found.blocks if isinstance(block, Text))


def texts(report: Report) -> list[str]:
    """Every word a reader of the report sees, wherever it sits (the workbook's tables too)."""
    found = [report.title, report.subtitle, report.audience]
    for s in report.sections:
        found.append(s.title)
        for block in s.blocks:
            found += _block_texts(block)
    return found


def _block_texts(block: object) -> list[str]:
    if isinstance(block, Text):
        return [block.text]
    if isinstance(block, Facts):
        return [block.title, *(part for item in block.items for part in item)]
    if isinstance(block, TextList):
        return [block.title, block.note, *block.items]
    if isinstance(block, Table):
        found = [block.title, block.note, *(c.header for c in block.columns)]
        for row in block.rows:
            for cell in row.values():
                if isinstance(cell, Suppressed):
                    found += [cell.shown, cell.reason]
                elif isinstance(cell, str):
                    found.append(cell)
        return found
    if isinstance(block, LineChart):
        bands = [band.label for band in block.bands]
        return [block.title, block.note, block.y_label, *block.x_labels, *bands] + [
            series.name for series in block.series
        ]
    if isinstance(block, BarChart):
        return [
            block.title,
            block.note,
            *(b.label for b in block.bars),
            *(b.note for b in block.bars),
        ]
    if isinstance(block, RunChart):
        return [block.title, block.rules_note, *block.signals]
    if isinstance(block, PanelChart):
        return [block.title, block.note, *block.x_labels, *block.names] + [
            panel.title for panel in block.panels
        ]
    raise AssertionError(f"unknown block {block!r}")


def test_one_report_per_practice_in_record_order(cohort: Responses, reports: list[Report]) -> None:
    ids = list(pd.unique(cohort.frame["practice_id"].dropna()))
    assert len(ids) == 40
    assert [r.audience for r in reports] == ids
    assert {r.kind for r in reports} == {"practice"}
    assert all(r.audience in r.title for r in reports)


def test_it_opens_as_a_conversation_not_a_grade(reports: list[Report]) -> None:
    glance = reports[0].sections[0]
    assert glance.title == "Your practice at a glance"
    opening = glance.blocks[0]
    assert isinstance(opening, Text)
    assert opening.text.startswith("This report shows where your practice stands")
    assert "start a conversation with your facilitator, not to grade you" in opening.text
    (lead,) = [b for b in glance.blocks if isinstance(b, Text) and b.kind == "lead"]
    assert lead.text.startswith("At Month 12, your practice's Readiness to engage in QI score")


def facts_line(report: Report) -> str:
    """The line of page 1 that names the practice's groups and waves."""
    glance = section(report, "Your practice at a glance")
    return next(b.text for b in glance.blocks if isinstance(b, Text) and "Region: " in b.text)


def test_facts_name_the_practice_its_groups_and_waves(
    cohort: Responses, reports: list[Report]
) -> None:
    first = cohort.frame.iloc[0]
    line = facts_line(reports[0])
    assert f"Region: {cohort.labels('region')[str(first['region'])]} \u00b7 " in line
    size_label = cohort.instrument.field_map()["practice_size"].label
    size = cohort.labels("practice_size")[str(first["practice_size"])]
    assert f"{size_label}: {size} \u00b7 " in line
    scored = scale_scores(cohort).frame.loc[cohort.frame["practice_id"] == first["practice_id"]]
    assessed = cohort.frame.loc[scored.index[scored["readiness_index"].notna()], "wave"]
    waves = cohort.instrument.waves
    assert waves is not None
    labels = {e.name: e.label for e in waves.events}
    named = ", ".join(labels[str(w)] for w in assessed)
    assert line.endswith(f"Waves assessed: {named}")
    assert reports[0].audience == first["practice_id"]  # the title names the practice


def test_band_and_strategy_are_the_scored_band_at_the_latest_wave(
    cohort: Responses, reports: list[Report]
) -> None:
    scored = scale_scores(cohort).frame
    bands = {b.label: b for b in scored_bands(cohort)}
    seen = set()
    for report in reports:
        rows = scored.loc[cohort.frame["practice_id"] == report.audience]
        latest = rows.loc[rows["readiness_index"].notna()].iloc[-1]
        band = bands[str(latest["readiness_index__band"])]
        glance = section(report, "Your practice at a glance")
        words = words_of(glance)
        assert f'in the band "{band.label}"' in words
        assert f"score was {latest['readiness_index']:.0f}," in words
        assert f"What this means: {meaning(band)}" in words
        (strategies,) = [b for b in glance.blocks if isinstance(b, TextList)]
        assert any(line.startswith(f"{band.label} (") for line in strategies.items)
        seen.add(band.label)
    assert len(seen) >= 2  # the cohort spans bands, so a fixed band would fail


def scored_bands(responses: Responses) -> list:
    index = next(s for s in responses.instrument.composites if s.name == "readiness_index")
    assert index.bands is not None
    return index.bands.bands


def test_scores_table_and_charts_hold_the_practice_and_cohort_numbers(
    cohort: Responses, reports: list[Report]
) -> None:
    scored = scale_scores(cohort)
    data = long_scores(cohort, scored)
    report = reports[0]
    mine = data.loc[data["unit"] == report.audience].set_index("wave_index")
    rows = rows_by_scale(report, "scores")
    assert table(report, "scores").workbook_only  # the charts show it on the pages
    charts = [
        b for b in section(report, "Your scores over time").blocks if isinstance(b, PanelChart)
    ]
    assert charts[0].legend and not any(c.legend for c in charts[1:])
    panels = [panel for chart in charts for panel in chart.panels]
    assert [p.title for p in panels] == [info.label for info in scored.scales]
    for info, panel in zip(scored.scales, panels, strict=True):
        expected = mine[info.name].astype(float).reindex(range(5)).tolist()
        assert [rows[info.label][f"w{w}"] for w in range(5)] == pytest.approx(expected)
        assert list(panel.values) == pytest.approx(expected)
        assert list(panel.median) == pytest.approx(list(wave_medians(data, info.name)))
        # the middle half at each wave (tests/reports/test_practice_findings.py checks values)
        assert len(panel.low) == len(panel.high) == 5


def test_strengths_come_before_opportunities(cohort: Responses, reports: list[Report]) -> None:
    scored = scale_scores(cohort)
    data = long_scores(cohort, scored)
    names = [info.name for info in scored.scales]
    both = 0
    for report in reports:
        blocks = section(report, "Strengths and opportunities").blocks
        lists = {b.title: (i, b.items) for i, b in enumerate(blocks) if isinstance(b, TextList)}
        latest = int(data.loc[data["unit"] == report.audience, "wave_index"].max())
        bench = cohort_benchmarks(data, names, wave_index=latest).set_index("unit")
        mine = bench.loc[report.audience].set_index("score")[["value", "cohort_median"]]
        numbers = mine.astype(float).to_dict("index")
        marked = {str(row["scale"]): str(row["marked"]) for row in table(report, "change").rows}
        expected: dict[str, list[str]] = {"strength": [], "opportunity": []}
        for info in scored.scales:
            status = next((k for k, v in STATUS.items() if marked[info.label] == v), "not assessed")
            line = numbers[info.name]
            found = classify(line["value"], line["cohort_median"], status)
            if found.kind is not None:
                expected[found.kind].append(info.label)
        strengths = lists.get("Strengths", (-1, ()))
        chances = lists.get("Opportunities to build on", (len(blocks), ()))
        assert len(strengths[1]) == len(expected["strength"])
        assert len(chances[1]) == len(expected["opportunity"])
        for label in expected["strength"]:
            assert any(label in sentence for sentence in strengths[1])
        if strengths[1] and chances[1]:
            both += 1
            assert strengths[0] < chances[0]
    assert both > 10


def test_cohort_comparison_shows_scoring_benchmarks(
    cohort: Responses, reports: list[Report]
) -> None:
    data = long_scores(cohort, scale_scores(cohort))
    report = reports[0]
    rows = rows_by_scale(report, "cohort")
    bench = cohort_benchmarks(data, ["resources"], wave_index=4).set_index("unit")
    line = bench.loc[report.audience]
    row = rows["Resources"]
    assert row["median"] == pytest.approx(line["cohort_median"])
    assert (row["q1"], row["q3"]) == pytest.approx((line["cohort_q1"], line["cohort_q3"]))
    assert row["n"] == line["cohort_n"]
    positions = {
        str(r["position"]) for rep in reports for r in rows_by_scale(rep, "cohort").values()
    }
    assert {
        "within the middle half of practices",
        "above the middle half of practices",
    } <= positions


def test_comparison_is_withheld_below_min_cohort(
    cohort: Responses, small_reports: list[Report]
) -> None:
    for report in small_reports:
        for row in table(report, "cohort").rows:
            for key in ("median", "q1", "q3", "position"):
                cell = row[key]
                assert isinstance(cell, Suppressed)
                assert "Only 4 practices had this score" in cell.reason
        notes = table(report, "cohort").note
        assert "fewer than 5 a comparison would mostly show chance" in notes
        for chart in (b for s in report.sections for b in s.blocks if isinstance(b, PanelChart)):
            for panel in chart.panels:
                assert all(math.isnan(v) for v in (*panel.median, *panel.low, *panel.high))
    # the same cohort of 40 is withheld once min_cohort exceeds it
    withheld = build_practice(cohort, "PRA-001", provenance=PROVENANCE, min_cohort=41)
    assert isinstance(table(withheld, "cohort").rows[0]["median"], Suppressed)
    assert withheld.suppress_below == 41


def test_reliable_change_marks_match_scoring(cohort: Responses, reports: list[Report]) -> None:
    scored = scale_scores(cohort)
    data = long_scores(cohort, scored)
    items = item_frame(cohort)
    baseline = cohort.frame.index[cohort.frame["wave_index"] == 0]
    scales = {s.name: s for s in cohort.instrument.scales}
    labels = {info.name: info.label for info in scored.scales}
    words = {
        "improved": "Yes: a rise larger than the measurement's usual wobble",
        "declined": "Yes: a fall larger than the measurement's usual wobble",
        "unchanged": "No: within the usual wobble",
    }
    marked = set()
    for name in ITEM_SCALES:
        alpha = cronbach_alpha(items.loc[baseline], scales[name], instrument=cohort.instrument)
        result = reliable_change(
            data, name, reliability=alpha.value, reliability_source="cronbach_alpha"
        )
        status = result.table.set_index("unit")["status"]
        for report in reports:
            row = rows_by_scale(report, "change")[labels[name]]
            assert row["threshold"] == pytest.approx(result.threshold)
            assert str(row["marked"]).startswith(words[status[report.audience]])
            marked.add(status[report.audience])
    assert marked == {"improved", "declined", "unchanged"}
    wobble = table(reports[0], "change").note
    assert "larger than the measurement's usual wobble" in wobble


def test_change_is_latest_minus_baseline(cohort: Responses, reports: list[Report]) -> None:
    data = long_scores(cohort, scale_scores(cohort))
    report = reports[1]
    mine = data.loc[data["unit"] == report.audience].set_index("wave_index")
    row = rows_by_scale(report, "change")["Willingness to change"]
    latest = mine["willingness_to_change"].dropna()
    assert row["baseline"] == pytest.approx(latest.loc[0])
    assert row["change"] == pytest.approx(latest.iloc[-1] - latest.loc[0])
    composite = rows_by_scale(report, "change")["Readiness to engage in QI"]
    assert composite["threshold"] is None
    assert composite["marked"] == "No threshold for this score"


def test_no_practice_report_uses_a_grading_word(
    reports: list[Report], small_reports: list[Report]
) -> None:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, FORBIDDEN)) + r")", re.IGNORECASE)
    for report in [*reports, *small_reports]:
        words = texts(report)
        found = [w for w in words if pattern.search(w)]
        assert found == [], f"{report.audience}: {found}"
    # the walk reaches every kind of block, so the check above is not vacuous
    every = " ".join(texts(reports[0]))
    assert "not to grade you" in every and "An area to build on" in every
    assert "Cohort middle half" in every and "within the usual wobble" in every
    assert pattern.search("A weak score, lagging behind") is not None


def test_an_unknown_practice_is_refused_with_the_known_ids(cohort: Responses) -> None:
    with pytest.raises(ValueError, match=r"no practice 'PRA-999'.*PRA-001, PRA-002"):
        build_practice(cohort, "PRA-999", provenance=PROVENANCE)


def test_a_practice_can_be_named_by_its_record_id(cohort: Responses) -> None:
    record = str(cohort.frame.loc[cohort.frame["practice_id"] == "PRA-007", "record_id"].iloc[0])
    assert record != "PRA-007"
    assert build_practice(cohort, record, provenance=PROVENANCE).audience == "PRA-007"


def test_a_single_report_equals_its_place_in_the_batch(
    cohort: Responses, reports: list[Report]
) -> None:
    single = build_practice(cohort, "PRA-003", provenance=PROVENANCE)
    batch = next(r for r in reports if r.audience == "PRA-003")
    assert texts(single) == texts(batch)
    assert table(single, "change").rows == table(batch, "change").rows
    median = table(single, "cohort").rows[0]["median"]
    assert isinstance(median, float) and not math.isnan(median)


def test_the_batchs_shared_group_benchmarks_give_each_practice_its_own_numbers(
    cohort: Responses,
) -> None:
    # build_practices computes each comparison group's benchmarks once for all its practices;
    # build_practice computes them for the one: every number of the report is the same.
    batch = build_practices(cohort, provenance=PROVENANCE, compare_by="region")
    regions = cohort.frame.groupby("region", observed=True)["practice_id"].first()
    assert len(regions) >= 2
    for practice in regions:
        single = build_practice(cohort, practice, provenance=PROVENANCE, compare_by="region")
        assert repr(single) == repr(next(r for r in batch if r.audience == practice))


def blanked(instrument: Instrument, record: str, events: tuple[str, ...]) -> Responses:
    """Responses where ``record`` answered no scale item at the given events."""
    frame = export_frame(instrument, simulate(instrument, seed=1, n=40))
    items = sorted({item for scale in instrument.scales for item in scale.items})
    rows = (frame["record_id"] == record) & frame["redcap_event_name"].isin(events)
    assert rows.sum() >= 1
    frame.loc[rows, items] = ""
    return decode(frame, instrument)


def test_a_practice_without_a_baseline_gets_no_change_since_then(readiness: Instrument) -> None:
    responses = blanked(readiness, "1", ("baseline_arm_1",))
    report = build_practice(responses, "PRA-001", provenance=PROVENANCE)
    assert not [t for t in report.tables() if t.name == "change"]
    changes = {row["change"] for row in table(report, "glance").rows}
    assert changes == {NO_CHANGE_CELL}
    assert facts_line(report).endswith("Waves assessed: Month 3, Month 6, Month 9, Month 12")


def test_a_practice_never_scored_gets_a_short_report(readiness: Instrument) -> None:
    assert readiness.waves is not None
    events = tuple(f"{e.name}_arm_1" for e in readiness.waves.events)
    report = build_practice(blanked(readiness, "1", events), "PRA-001", provenance=PROVENANCE)
    assert [s.title for s in report.sections] == ["About this report", "Your scores"]
    assert "no scored assessment yet" in words_of(report.sections[1])
    assert report.subtitle == "No scored assessment yet"


def second_baseline(instrument: Instrument, practice_id: str, n: int = 8) -> Responses:
    """``n`` practices, and record 99: a second baseline giving ``practice_id`` as typed."""
    rows = simulate(instrument, seed=3, n=n)
    extra = next(row for row in simulate(instrument, seed=4, n=1) if "practice_id" in row)
    rows.append(extra | {"record_id": "99", "practice_id": practice_id})
    return decode(export_frame(instrument, rows), instrument)


@pytest.mark.parametrize("typed", ["PRA-002", " PRA-002\t"], ids=["same", "whitespace"])
def test_a_practice_two_records_claim_is_refused_by_name_and_the_rest_are_scored(
    readiness: Instrument, typed: str
) -> None:
    responses = second_baseline(readiness, typed)
    made = build_practices(responses, provenance=PROVENANCE)
    assert [r.audience for r in made] == [f"PRA-{i:03d}" for i in (1, 3, 4, 5, 6, 7, 8)] + [
        "PRA-002"
    ]
    refusal = made[-1]
    assert refusal.subtitle == "No feedback: its records are set aside"
    (warning,) = refusal.sections[0].blocks
    assert isinstance(warning, Text) and warning.kind == "warning"
    assert warning.text.startswith(
        "There is no feedback report for practice PRA-002: records 2 and 99 both give practice "
        "id 'PRA-002' at wave baseline"
    )
    assert "Correct the practice id in REDCap" in warning.text
    for name in ("PRA-002", " PRA-002 ", "99", "2"):
        with pytest.raises(ValueError, match=r"no feedback report for practice 'PRA-002': "
                           r"records 2 and 99 both give practice id 'PRA-002'"):  # fmt: skip
            build_practice(responses, name, provenance=PROVENANCE)
    # The cohort the others are compared with is the seven practices left.
    peers = rows_by_scale(made[0], "cohort")
    assert max(int(str(row["n"])) for row in peers.values()) == 7
    assert not [word for word in FORBIDDEN if word in warning.text.lower()]
