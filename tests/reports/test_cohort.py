"""The cohort progress report: every number is the scoring function's on the same long frame."""

from __future__ import annotations

import pandas as pd
import pytest

from instruments import load_shipped
from instruments.model import Instrument
from plugin.simulate import simulate
from reports.cohort import _signals, build_cohort
from reports.model import (
    BarChart,
    Facts,
    Heatmap,
    Provenance,
    Report,
    RunChart,
    Section,
    Table,
    Text,
)
from scoring.decode import Responses, decode
from scoring.paired import paired_t, reliable_change, signed_rank
from scoring.reliability import cronbach_alpha
from scoring.scale_stats import item_frame, long_scores, scale_scores
from scoring.spc import run_chart, wave_medians
from scoring.statistics import statistics_table
from scoring.trend import friedman, mixed_slope
from scoring.units import check_units
from tests.scoring.redcap_export import export_frame

PROVENANCE = Provenance("test", (("practice_readiness", "1.0.0"),))


@pytest.fixture(scope="module")
def readiness() -> Instrument:
    return load_shipped("practice_readiness").unwrap()


@pytest.fixture(scope="module")
def responses(readiness: Instrument) -> Responses:
    rows = simulate(readiness, seed=1, n=40)
    return decode(export_frame(readiness, rows), readiness)


@pytest.fixture(scope="module")
def report(responses: Responses) -> Report:
    return build_cohort(responses, provenance=PROVENANCE)


@pytest.fixture(scope="module")
def data(responses: Responses) -> pd.DataFrame:
    return long_scores(responses, scale_scores(responses))


def section(report: Report, title: str) -> Section:
    return next(s for s in report.sections if s.title == title)


def rows_by_scale(report: Report, name: str) -> dict[str, dict[str, object]]:
    found = next(t for t in report.tables() if t.name == name)
    return {str(row["scale"]): dict(row) for row in found.rows}


def labels(responses: Responses) -> dict[str, str]:
    return {s.name: s.label for s in responses.instrument.all_scales()}


def test_change_table_is_paired_t_and_wilcoxon_on_the_long_frame(
    responses: Responses, report: Report, data: pd.DataFrame
) -> None:
    assert report.kind == "cohort"
    rows = rows_by_scale(report, "change")
    assert len(rows) == 7
    for name, label in labels(responses).items():
        t, w = paired_t(data, name), signed_rank(data, name)
        row = rows[label]
        assert row["change"] == pytest.approx(t.estimate)
        assert (row["low"], row["high"]) == pytest.approx((t.ci_low, t.ci_high))
        assert (row["t_p"], row["dz"]) == pytest.approx((t.p_value, t.cohen_dz))
        assert row["w_p"] == pytest.approx(w.p_value)
        assert row["r"] == pytest.approx(w.rank_biserial)
        assert row["pairs"] == t.n_pairs
    table = next(t for t in report.tables() if t.name == "change")
    headers = [c.header for c in table.columns]
    assert "Paired t p" in headers and "Wilcoxon p" in headers
    assert "paired t-test" in table.note and "Wilcoxon signed-rank test" in table.note


def test_reliable_change_counts_match_scoring(
    responses: Responses, report: Report, data: pd.DataFrame
) -> None:
    items = item_frame(responses)
    baseline = responses.frame.index[responses.frame["wave_index"] == 0]
    rows = rows_by_scale(report, "reliable")
    chart = next(b for b in section(report, "Reliable change").blocks if isinstance(b, BarChart))
    bars = {bar.label: bar.value for bar in chart.bars}
    for scale in responses.instrument.scales:
        alpha = cronbach_alpha(items.loc[baseline], scale, instrument=responses.instrument)
        result = reliable_change(
            data, scale.name, reliability=alpha.value, reliability_source="cronbach_alpha"
        )
        row = rows[scale.label]
        counts = (result.n_improved, result.n_unchanged, result.n_declined)
        assert (row["improved"], row["unchanged"], row["declined"]) == counts
        assert row["threshold"] == pytest.approx(result.threshold)
        assert row["alpha"] == pytest.approx(alpha.value)
        for status, count in zip(("improved", "unchanged", "declined"), counts, strict=True):
            assert bars[f"{scale.label}: {status}"] == count
    # composites have no alpha of their own: left out of the table, and the note says so
    assert "Readiness to engage in QI" not in rows
    notes = " ".join(
        b.text for b in section(report, "Reliable change").blocks if isinstance(b, Text)
    )
    assert "No reliable-change threshold: Organisational stability and resources" in notes
    assert chart.unit == "" and chart.max_value == 40


def test_run_charts_plot_the_wave_medians_and_say_when_too_few_points(
    responses: Responses, report: Report, data: pd.DataFrame
) -> None:
    charts = [
        b for b in section(report, "Cohort median over time").blocks if isinstance(b, RunChart)
    ]
    assert len(charts) == 7
    for (name, label), chart in zip(labels(responses).items(), charts, strict=True):
        medians = wave_medians(data, name)
        assert chart.title.startswith(label)
        assert list(chart.values) == pytest.approx(list(medians))
        assert chart.median == pytest.approx(run_chart(medians).median)
        assert chart.x_labels == ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12")
        assert chart.signals == ()
        assert chart.rules_note.startswith("Too few points for the run-chart rules")


def test_signals_are_said_in_plain_words() -> None:
    shifted = run_chart([1.0] * 8 + [9.0] * 8)
    said = _signals(shifted)
    assert shifted.longest_run_signal and shifted.crossings_signal
    assert said[0].startswith("A run of 8 points on one side of the median (more than 7")
    assert said[1].startswith("The line crosses its median only once (fewer than 4")
    assert _signals(run_chart([1.0, 9.0] * 6)) == ()


def test_trend_table_is_the_mixed_slope_and_friedman(
    responses: Responses, report: Report, data: pd.DataFrame
) -> None:
    slopes, ranks = rows_by_scale(report, "trend"), rows_by_scale(report, "friedman")
    dropped = 0
    for name, label in labels(responses).items():
        m, f = mixed_slope(data, name), friedman(data, name)
        row = slopes[label]
        assert row["slope"] == pytest.approx(m.estimate)
        assert (row["low"], row["high"]) == pytest.approx((m.ci_low, m.ci_high))
        assert row["assessments"] == m.n_obs
        row = ranks[label]
        assert (row["chi2"], row["f_p"]) == pytest.approx((f.statistic, f.p_value))
        assert (row["complete"], row["dropped"]) == (f.n_units, f.units_dropped)
        dropped += f.units_dropped
    assert dropped > 0  # the simulated cohort skips waves, so the dropped count is exercised


def test_tidy_is_the_statistics_table_with_waves(responses: Responses, report: Report) -> None:
    assert report.tidy is not None
    pd.testing.assert_frame_equal(report.tidy, statistics_table(responses, waves=True))
    assert "baseline to latest" in set(report.tidy["wave"])


def test_two_waves_say_a_trend_needs_three(readiness: Instrument) -> None:
    rows = simulate(readiness, seed=1, n=12, waves=2)
    two = build_cohort(decode(export_frame(readiness, rows), readiness), provenance=PROVENANCE)
    trend = section(two, "Trend across waves")
    assert not any(isinstance(b, Table) for b in trend.blocks)
    text = trend.blocks[0]
    assert isinstance(text, Text) and "at least three waves; these responses have 2" in text.text


def test_a_practice_two_records_claim_is_listed_under_data_quality_and_left_out(
    readiness: Instrument,
) -> None:
    rows = simulate(readiness, seed=3, n=12)
    extra = next(row for row in simulate(readiness, seed=4, n=1) if "practice_id" in row)
    rows.append(extra | {"record_id": "99", "practice_id": " PRA-002\t"})
    responses = decode(export_frame(readiness, rows), readiness)
    report = build_cohort(responses, provenance=PROVENANCE)

    assert [s.title for s in report.sections][:5] == [
        "About this report",
        "Data quality",
        "Readiness bands across waves",
        "Readiness to engage in QI by group",
        "Change from baseline to latest",
    ]
    (heatmap,) = [
        b for b in section(report, "Readiness bands across waves").blocks if isinstance(b, Heatmap)
    ]
    assert "PRA-002" not in heatmap.y_labels and len(heatmap.y_labels) == 11
    facts = next(b for b in report.sections[0].blocks if isinstance(b, Facts))
    assert dict(facts.items)["Practices"] == "11 practices"
    assert dict(facts.items)["Set aside"] == "2 records (practice PRA-002): see Data quality"
    quality = section(report, "Data quality")
    (listed,) = [b for b in quality.blocks if isinstance(b, Table)]
    assert [(r["unit"], r["wave"], r["records"]) for r in listed.rows] == [
        ("PRA-002", "Baseline", "2, 99")
    ]
    assert "(typed 'PRA-002', ' PRA-002\\t')" in str(listed.rows[0]["reason"])

    kept = check_units(responses).responses
    data = long_scores(kept, scale_scores(kept))
    assert "PRA-002" not in set(data["unit"])
    change = rows_by_scale(report, "change")
    pairs = paired_t(data, "readiness_index").n_pairs
    assert change["Readiness to engage in QI"]["pairs"] == pairs and pairs <= 11
    assert report.tidy is not None
    tidy = report.tidy
    pd.testing.assert_frame_equal(
        tidy[tidy["statistic"] != "duplicate_unit"], statistics_table(kept, waves=True)
    )
    (flagged,) = tidy[tidy["statistic"] == "duplicate_unit"].to_dict("records")
    assert (flagged["group_by"], flagged["group"], flagged["value"]) == (
        "practice_id",
        "PRA-002",
        2,
    )


def test_a_cohort_whose_every_record_is_set_aside_says_so(readiness: Instrument) -> None:
    rows = simulate(readiness, seed=3, n=2)
    for row in rows:
        row.update({"practice_id": "PRA-001"} if "practice_id" in row else {})
    report = build_cohort(decode(export_frame(readiness, rows), readiness), provenance=PROVENANCE)
    assert [s.title for s in report.sections] == ["About this report", "Data quality"]
    warning = section(report, "Data quality").blocks[0]
    assert warning == Text(
        "Every record was set aside, so no practice is left to report on.", "warning"
    )
    assert report.tidy is not None and set(report.tidy["statistic"]) == {"duplicate_unit"}
