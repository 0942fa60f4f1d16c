"""The data-quality report of a raw readiness export with one of each problem injected: the
summary counts them, each section lists them where they are, and none disappears when empty."""

from __future__ import annotations

import pandas as pd
import pytest

from instruments import load_shipped
from plugin.simulate import SimulationOptions, simulate
from reports.model import Facts, Provenance, Report, Section, Table, Text
from reports.quality import NONE_FOUND, build_quality
from tests.scoring.redcap_export import export_frame

READINESS = load_shipped("practice_readiness").unwrap()
PROVENANCE = Provenance("0.1.0", (("practice_readiness", "1.0.0"),), pulled_at="2026-11-30")
# Clean simulated data, so that every problem in the report is one injected below.
CLEAN = SimulationOptions(skipped_wave_rate=0.0, missing_code_rate=0.0, partial_form_rate=0.0)
SECTIONS = (
    "Summary",
    "Columns missing from the export",
    "Duplicate rows",
    "Duplicate or missing practice ids",
    "Rows outside the instrument",
    "Records with no data",
    "Unknown choice codes",
    "Values that do not fit their type",
    "Out-of-range values",
    "Missing-data codes by field",
    "Incomplete forms",
    "Skipped waves",
)


def at(frame: pd.DataFrame, record: str, event: str) -> int:
    found = frame.index[(frame["record_id"] == record) & (frame["redcap_event_name"] == event)]
    assert len(found) == 1
    return int(found[0])


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    frame = export_frame(READINESS, simulate(READINESS, seed=11, n=20, options=CLEAN))
    frame.loc[at(frame, "3", "month_6_arm_1"), "will_priority"] = "7"  # unknown code
    frame.loc[at(frame, "4", "baseline_arm_1"), "practice_years"] = "151"  # max 150
    frame.loc[at(frame, "5", "month_3_arm_1"), "res_data"] = "UNK"  # a missing-data code
    frame.loc[at(frame, "6", "month_9_arm_1"), "readiness_assessment_complete"] = "0"
    duplicate = frame.loc[[at(frame, "7", "month_3_arm_1")]]
    orphan = frame.loc[[at(frame, "8", "month_12_arm_1")]].assign(
        redcap_event_name="month_18_arm_1"
    )
    frame = frame.drop(index=at(frame, "9", "month_6_arm_1"))  # month 9 and 12 follow
    # Record 10 gives record 2's practice id, with a tab after it: one practice, two records.
    own = frame.loc[at(frame, "2", "baseline_arm_1"), "practice_id"]
    frame.loc[at(frame, "10", "baseline_arm_1"), "practice_id"] = f"{own}\t"
    return pd.concat([frame, duplicate, orphan], ignore_index=True)


@pytest.fixture(scope="module")
def report(export: pd.DataFrame) -> Report:
    return build_quality(export, READINESS, provenance=PROVENANCE)


def section(report: Report, title: str) -> Section:
    return next(s for s in report.sections if s.title == title)


def rows_of(report: Report, title: str) -> list[dict]:
    tables = [b for b in section(report, title).blocks if isinstance(b, Table)]
    return [dict(row) for table in tables for row in table.rows]


def test_every_kind_of_problem_has_its_section_in_order(report) -> None:
    assert report.kind == "quality"
    assert tuple(s.title for s in report.sections) == SECTIONS
    for s in report.sections[1:]:
        assert isinstance(s.blocks[0], Text) and len(s.blocks[0].text) > 60  # why, what to do


def test_the_summary_counts_the_injected_problems(report) -> None:
    facts = report.sections[0].blocks[0]
    assert isinstance(facts, Facts)
    items = dict(facts.items)
    assert items["Export read"] == "101 rows, 20 records"  # 20 x 5 waves - 1 + 2 injected
    assert items["Duplicate rows"] == "2 rows for 1 record(s) and wave(s)"
    assert items["Rows outside the instrument"] == "1"
    assert items["Unknown choice codes"] == "1"
    assert items["Out-of-range values"] == "1"
    assert items["Missing-data codes given"] == "1"
    assert items["Forms not complete"] == "1 incomplete, 0 unverified"
    assert items["Skipped waves"] == "1"
    assert items["Duplicate or missing practice ids"] == "1 practice id(s); 0 record(s) without one"
    assert items["Columns missing from the export"] == "0"
    assert items["Records with no data"] == "0"
    assert items["Values that do not fit their type"] == "0"


def test_each_problem_is_listed_by_record_and_wave(report) -> None:
    (duplicate,) = rows_of(report, "Duplicate rows")
    assert (duplicate["record"], duplicate["wave"], duplicate["n_rows"]) == ("7", "Month 3", 2)
    (orphan,) = rows_of(report, "Rows outside the instrument")
    assert (orphan["record"], orphan["event"]) == ("8", "month_18_arm_1")
    (unknown,) = rows_of(report, "Unknown choice codes")
    assert (unknown["record"], unknown["wave"], unknown["field"], unknown["raw"]) == (
        "3",
        "Month 6",
        "will_priority",
        "7",
    )
    (outside,) = rows_of(report, "Out-of-range values")
    assert (outside["record"], outside["raw"], outside["allowed"]) == ("4", "151", "0 to 150")
    (coded,) = rows_of(report, "Missing-data codes by field")
    assert (coded["field"], coded["code_UNK"], coded["code_NA"], coded["total"]) == (
        "res_data",
        1,
        0,
        1,
    )
    (skipped,) = rows_of(report, "Skipped waves")
    assert skipped == {"wave": "Month 6", "n_units": 1, "records": "9"}


def test_a_practice_id_given_by_two_records_is_listed_at_each_wave(
    report: Report, export: pd.DataFrame
) -> None:
    own = export.loc[at(export, "2", "baseline_arm_1"), "practice_id"]
    rows = rows_of(report, "Duplicate or missing practice ids")
    assert [(r["unit"], r["wave"], r["records"]) for r in rows] == [
        (own, wave, "2, 10") for wave in ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12")
    ]
    assert rows[0]["reason"] == (
        f"records 2 and 10 both give practice id {own!r} at wave baseline "
        f"(typed {own!r}, {own + chr(9)!r})"
    )
    why = section(report, "Duplicate or missing practice ids").blocks[0]
    assert isinstance(why, Text) and "Correct the practice id in REDCap" in why.text


def test_form_status_is_shown_by_form_and_wave(report) -> None:
    status = {(r["form"], r["wave"]): r for r in rows_of(report, "Incomplete forms")}
    assert set(status) == {("Practice profile", "Baseline")} | {
        ("Readiness assessment", w)
        for w in ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12")
    }
    assert status[("Readiness assessment", "Month 9")]["incomplete"] == 1
    # Both copies of record 7's month 3 are set aside; record 9 has no month 6.
    assert status[("Readiness assessment", "Month 3")]["rows"] == 19
    assert status[("Readiness assessment", "Month 6")]["rows"] == 19
    assert sum(r["incomplete"] + r["unverified"] for r in status.values()) == 1


def test_an_empty_section_says_none_found(report) -> None:
    for title in ("Columns missing from the export", "Records with no data"):
        blocks = section(report, title).blocks
        assert not [b for b in blocks if isinstance(b, Table)]
        assert blocks[-1] == Text(NONE_FOUND, "note")


def test_a_clean_export_reports_none_found_everywhere() -> None:
    frame = export_frame(READINESS, simulate(READINESS, seed=2, n=6, options=CLEAN))
    report = build_quality(frame, READINESS, provenance=PROVENANCE)
    assert tuple(s.title for s in report.sections) == SECTIONS
    for s in report.sections[1:]:
        texts = [b.text for b in s.blocks if isinstance(b, Text)]
        assert any(t.startswith(NONE_FOUND) for t in texts), s.title


def test_the_tidy_table_carries_the_counts(report) -> None:
    assert report.tidy is not None
    counts = report.tidy[report.tidy["field"] == ""].set_index("statistic")["value"]
    assert counts["duplicate_keys"] == 1 and counts["skipped_waves"] == 1
    assert counts["out_of_range"] == 1 and counts["unknown_codes"] == 1
    assert counts["duplicate_units"] == 1 and counts["no_unit_id"] == 0


def test_table_names_are_unique(report) -> None:
    names = [t.name for t in report.tables()]
    assert len(names) == len(set(names))
