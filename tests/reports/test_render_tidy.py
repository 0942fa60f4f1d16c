"""The tidy CSV and JSON formats: the same rows as ``qiscan stats``, compared with golden files."""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path

import pytest

from reports.model import Provenance, Report, Section, Text
from reports.render_tidy import render_csv, render_json
from scoring.tidy import TIDY_COLUMNS, TidyRow, tidy_frame

GOLDEN = Path(__file__).parent.parent / "fixtures" / "golden"
HOSTILE = '=HYPERLINK("http://evil","x")'


def tidy_report() -> Report:
    rows = [
        TidyRow(
            "provider_scan",
            "1.2.0",
            "plan_cme",
            "How often do you plan CME?",
            "percent",
            58.333333333333336,
            n=12,
            ci_low=31.95,
            ci_high=80.67,
            group_by="org_type",
            group="Hospital",
            note="Wilson 95% interval",
        ),
        TidyRow(
            "provider_scan",
            "1.2.0",
            "plan_cme",
            HOSTILE,
            "n",
            math.nan,
            group="-2 Clinic",
            note="suppressed: fewer than 5 respondents",
        ),
        TidyRow(
            "provider_scan",
            "1.2.0",
            "quality",
            "Qualité des soins « score »",
            "change",
            -1.5,
            n=40,
            wave="6 months",
            note="paired t-test",
        ),
        TidyRow(
            "provider_scan",
            "1.2.0",
            "quality",
            "Qualité des soins « score »",
            "p_value",
            0.0004,
            n=40,
            wave="6 months",
        ),
    ]
    return Report(
        kind="cohort",
        title="Cohort summary",
        subtitle="",
        sections=(Section("Summary", (Text("text"),)),),
        provenance=Provenance(
            qiscan_version="0.1.0",
            instruments=(("provider_scan", "1.2.0"),),
            snapshot_id=17,
            content_hashes=("sha256:abc123",),
            pulled_at="2024-05-01 10:00:00",
            project="Scan 2024",
            generated_at="2024-05-02T12:30:00+02:00",
        ),
        tidy=tidy_frame(rows),
    )


def assert_matches_golden(rendered: Path, golden: str) -> None:
    expected = (GOLDEN / golden).read_text(encoding="utf-8")
    actual = rendered.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"tests/fixtures/golden/{golden}",
            "rendered",
        )
    )
    assert actual == expected, (
        f"the rendered file differs from the golden file:\n{diff}\n"
        "If the change is intended, rewrite the golden file from the renderer and check it by eye."
    )


def test_csv_matches_its_golden_file(tmp_path: Path) -> None:
    assert_matches_golden(render_csv(tidy_report(), tmp_path / "tidy.csv"), "tidy_cohort.csv")


def test_json_matches_its_golden_file(tmp_path: Path) -> None:
    assert_matches_golden(render_json(tidy_report(), tmp_path / "tidy.json"), "tidy_cohort.json")


def test_csv_neutralises_formulas_and_keeps_negative_numbers(tmp_path: Path) -> None:
    lines = render_csv(tidy_report(), tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(TIDY_COLUMNS)
    assert lines[2].startswith('provider_scan,1.2.0,plan_cme,"\'=HYPERLINK(""http://evil"",""x"")"')
    assert ",'-2 Clinic," in lines[2]
    assert ",-1.5,40," in lines[3]


def test_json_has_numbers_as_numbers_null_for_nan_and_text_exactly_as_typed(
    tmp_path: Path,
) -> None:
    path = render_json(tidy_report(), tmp_path / "t.json")
    text = path.read_text(encoding="utf-8")
    assert "Qualité des soins « score »" in text  # UTF-8, not \u escapes
    document = json.loads(text)
    assert list(document) == ["report", "title", "provenance", "columns", "rows"]
    assert document["report"] == "cohort"
    assert document["provenance"]["instruments"] == [{"id": "provider_scan", "version": "1.2.0"}]
    assert document["provenance"]["snapshot_id"] == 17
    assert document["columns"] == list(TIDY_COLUMNS)
    first, withheld, change, p_value = document["rows"]
    assert list(first) == list(TIDY_COLUMNS)
    assert first["value"] == 58.333333333333336 and first["n"] == 12
    assert withheld["value"] is None and withheld["ci_low"] is None
    assert withheld["label"] == HOSTILE and withheld["group"] == "-2 Clinic"
    assert change["value"] == -1.5
    assert p_value["value"] == 0.0004


def test_a_report_without_a_tidy_table_has_no_csv_or_json(tmp_path: Path) -> None:
    report = Report("practice", "Feedback", "", (), Provenance("0.1.0", ()))
    with pytest.raises(ValueError, match="the practice report has no tidy result table"):
        render_csv(report, tmp_path / "p.csv")
    with pytest.raises(ValueError, match="the practice report has no tidy result table"):
        render_json(report, tmp_path / "p.json")
    assert list(tmp_path.iterdir()) == []
