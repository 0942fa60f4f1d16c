"""The coder-agreement report: its numbers are agreement_by_code's, its codes named by label."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instruments import load_shipped
from instruments.model import Instrument
from plugin.simulate import SimulationOptions, simulate
from reports.coding import build_coding
from reports.model import BarChart, Provenance, Report, Table, Text
from scoring.agreement import agreement_by_code
from scoring.coding_stats import coding_frame, coding_rows
from scoring.decode import Responses, decode
from scoring.tidy import tidy_frame
from tests.scoring.redcap_export import export_frame

PROVENANCE = Provenance("test", (("qualitative_coding", "1.0.0"),))
CODES = ["themes", "primary_theme", "valence"]


@pytest.fixture(scope="module")
def coding() -> Instrument:
    return load_shipped("qualitative_coding").unwrap()


def responses_of(instrument: Instrument, rows: list[dict[str, str]]) -> Responses:
    return decode(export_frame(instrument, rows), instrument)


@pytest.fixture(scope="module")
def three(coding: Instrument) -> Responses:
    return responses_of(coding, simulate(coding, seed=1, n=40))


@pytest.fixture(scope="module")
def two(coding: Instrument) -> Responses:
    options = SimulationOptions(coders=2)
    return responses_of(coding, simulate(coding, seed=5, n=30, options=options))


def agreement_table(report: Report) -> Table:
    return next(t for t in report.tables() if t.name == "agreement")


def details_table(report: Report) -> Table:
    return next(t for t in report.tables() if t.name == "agreement_details")


def kappa_chart(report: Report) -> BarChart:
    return next(b for s in report.sections for b in s.blocks if isinstance(b, BarChart))


def note(report: Report) -> str:
    return " ".join(b.text for b in report.sections[0].blocks if isinstance(b, Text))


def expected_names(instrument: Instrument) -> list[str]:
    fields = instrument.field_map()
    themes = [choice.label for choice in fields["themes"].choices]
    return [*themes, fields["primary_theme"].label, fields["valence"].label, "All codes (pooled)"]


def test_codes_are_named_by_option_and_field_labels(coding: Instrument, three: Responses) -> None:
    report = build_coding(three, provenance=PROVENANCE)
    assert report.kind == "coding"
    rows = agreement_table(report).rows
    assert [row["code"] for row in rows] == expected_names(coding)
    details = details_table(report).rows
    assert [row["code"] for row in details] == expected_names(coding)
    assert details[0]["field"] == "themes" and details[-2]["field"] == "valence"


@pytest.mark.parametrize("coders", [2, 3])
def test_table_numbers_are_agreement_by_code(coders: int, three: Responses, two: Responses) -> None:
    responses = three if coders == 3 else two
    report = build_coding(responses, provenance=PROVENANCE)
    results = agreement_by_code(coding_frame(responses), "excerpt_id", "coder", CODES)
    rows = agreement_table(report).rows
    assert len(rows) == len(results)
    for row, result in zip(rows, results, strict=True):
        assert row["kappa"] == pytest.approx(result.kappa.value)
        assert row["alpha"] == pytest.approx(result.alpha.value)
        assert row["percent"] == pytest.approx(100 * result.percent.value)
        assert row["kappa_reading"] == result.kappa.reading
        assert row["alpha_reading"] == result.alpha.reading
    details = details_table(report).rows
    for row, result in zip(details, results, strict=True):
        assert row["coders"] == result.n_coders
    kinds = {row["kappa_kind"] for row in details[:-1]}
    assert kinds == {"Cohen's kappa" if coders == 2 else "Fleiss' kappa"}
    assert str(details[-1]["kappa_kind"]).startswith("pooled kappa")


def test_chart_draws_kappa_per_code_on_a_zero_to_one_axis(two: Responses) -> None:
    report = build_coding(two, provenance=PROVENANCE)
    chart = kappa_chart(report)
    assert (chart.max_value, chart.unit) == (1.0, "")
    results = agreement_by_code(coding_frame(two), "excerpt_id", "coder", CODES)[:-1]
    drawn = {bar.label: bar for bar in chart.bars}
    for row, result in zip(agreement_table(report).rows[:-1], results, strict=True):
        if math.isnan(result.kappa.value):
            assert row["code"] not in drawn and str(row["code"]) in chart.note
            continue
        bar = drawn[str(row["code"])]
        assert bar.value == pytest.approx(result.kappa.value)
        # Cohen's kappa carries its asymptotic interval into the whiskers
        interval = (result.kappa.ci_low, result.kappa.ci_high)
        assert (bar.low, bar.high) == pytest.approx(interval, nan_ok=True)
    assert any(math.isfinite(bar.low) for bar in chart.bars), "some code has its whiskers"
    assert "All codes (pooled)" not in drawn


def test_note_counts_units_coded_twice_and_the_coders(
    coding: Instrument, three: Responses, two: Responses
) -> None:
    assert "40 excerpts were coded independently by two or more coders (3 coders in all)." in (
        note(build_coding(three, provenance=PROVENANCE))
    )
    assert "(2 coders in all)" in note(build_coding(two, provenance=PROVENANCE))
    rows = simulate(coding, seed=1, n=40)
    firsts = sorted({row["excerpt_id"] for row in rows})[:5]
    kept = [r for r in rows if r["excerpt_id"] not in firsts or r["coder"] == "1"]
    fewer = build_coding(responses_of(coding, kept), provenance=PROVENANCE)
    said = note(fewer)
    assert "35 excerpts were coded independently by two or more coders" in said
    assert "5 excerpt(s) coded by one coder only are left out" in said


def test_tidy_rows_are_the_coding_rows(three: Responses) -> None:
    report = build_coding(three, provenance=PROVENANCE)
    assert report.tidy is not None
    pd.testing.assert_frame_equal(report.tidy, tidy_frame(coding_rows(three)))


def test_an_instrument_without_a_coding_block_is_refused() -> None:
    readiness = load_shipped("practice_readiness").unwrap()
    responses = responses_of(readiness, simulate(readiness, seed=1, n=5))
    with pytest.raises(ValueError, match="declares no coding block"):
        build_coding(responses, provenance=PROVENANCE)
