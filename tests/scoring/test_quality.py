"""Data-quality checks on the raw export: each problem found where it is, counted once, and the
rest of the export still decoded."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from instruments import Instrument, load_instrument
from scoring.decode import decode
from scoring.quality import (
    check_export,
    duplicate_rows,
    form_status_counts,
    missing_code_counts,
    orphan_rows,
    out_of_range,
    quality_table,
    skipped_waves,
)
from tests.scoring.redcap_export import export_columns

SOURCE = {"citation": "Written for the quality tests."}
LIKERT = [{"code": str(i), "label": f"Level {i}"} for i in range(1, 6)]


def field(name: str, type_: str, form: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "form": form, "label": name.title(), **extra}


def load(data: dict[str, Any]) -> Instrument:
    return load_instrument(copy.deepcopy(data), name=f"{data['id']}.json").unwrap()


CLINICS = load(
    {
        "id": "clinics",
        "version": "1.0.0",
        "title": "Clinic visits",
        "kind": "assessment",
        "respondent": "facilitator",
        "source": SOURCE,
        "record_id": "record_id",
        "missing_codes": [
            {"code": "NA", "label": "Not applicable", "meaning": "not_applicable"},
            {"code": "UNK", "label": "Don't know", "meaning": "dont_know"},
        ],
        "waves": {
            "mode": "events",
            "events": [
                {"name": "baseline", "label": "Baseline", "month": 0},
                {"name": "month_3", "label": "Month 3", "month": 3, "forms": ["visit"]},
                {"name": "month_6", "label": "Month 6", "month": 6, "forms": ["visit"]},
            ],
        },
        "forms": [{"name": "profile", "label": "Profile"}, {"name": "visit", "label": "Visit"}],
        "fields": [
            field("record_id", "text", "profile"),
            field("staff", "text", "profile", validation={"type": "integer", "min": "1"}),
            field(
                "opened", "text", "profile", validation={"type": "date_ymd", "max": "2025-12-31"}
            ),
            field("score", "radio", "visit", choices=LIKERT),
            field("effort", "slider", "visit"),
            field(
                "aids",
                "checkbox",
                "visit",
                choices=[{"code": "1", "label": "Grant"}, {"code": "2", "label": "Staff"}],
            ),
        ],
    }
)
EVENTS = {"baseline": "baseline_arm_1", "month_3": "month_3_arm_1", "month_6": "month_6_arm_1"}


def row(record: str, wave: str, **values: str) -> dict[str, str]:
    full = {"record_id": record, "redcap_event_name": EVENTS.get(wave, wave)}
    if wave == "baseline":
        full |= {"staff": "4", "opened": "2020-01-01", "profile_complete": "2"}
    full |= {"score": "3", "effort": "50", "aids___1": "1", "aids___2": "0", "visit_complete": "2"}
    return full | values


def export(rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = export_columns(CLINICS)
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], dtype=object)


def clean() -> list[dict[str, str]]:
    return [row(r, w) for r in ("a", "b", "c") for w in ("baseline", "month_3", "month_6")]


def test_a_clean_export_has_no_problems_and_decodes_whole() -> None:
    checks = check_export(export(clean()), CLINICS)
    assert set(checks.counts().values()) == {0}
    assert len(checks.responses.frame) == 9
    assert checks.form_status["complete"].sum() == 3 + 9  # profile on baseline, visit everywhere


def test_every_copy_of_a_duplicated_wave_is_reported_and_left_out() -> None:
    rows = clean() + [row("b", "month_3", score="5")]
    checks = check_export(export(rows), CLINICS)
    assert checks.counts()["duplicate_keys"] == 1
    assert checks.counts()["duplicate_rows"] == 2
    found = checks.duplicates.iloc[0]
    assert (found["record"], found["event"], found["rows"]) == ("b", "month_3_arm_1", (4, 9))
    frame = checks.responses.frame
    assert not ((frame["record_id"] == "b") & (frame["wave"] == "month_3")).any()
    assert len(frame) == 8
    # The wave is in the export, so it is not also a skipped wave.
    assert checks.skipped_waves.empty
    with pytest.raises(ValueError, match="appears in 2 rows"):
        decode(export(rows), CLINICS)


def test_rows_outside_the_instrument_and_records_without_data() -> None:
    stray = row("a", "month_9", score="2")
    empty = {"record_id": "z", "redcap_event_name": "baseline_arm_1", "aids___1": "0"}
    found = orphan_rows(export([*clean(), stray, empty]), CLINICS)
    assert list(found["kind"]) == ["undeclared event", "no data"]
    assert list(found["record"]) == ["a", "z"]
    assert "month_9" in found["reason"].iloc[0] and "baseline_arm_1" in found["reason"].iloc[0]
    assert list(found["row"]) == [9, 10]


def test_a_repeating_instance_of_an_events_instrument_is_outside_it() -> None:
    texts = export(clean())
    texts["redcap_repeat_instrument"] = ""
    texts["redcap_repeat_instance"] = ""
    texts.loc[2, ["redcap_repeat_instrument", "redcap_repeat_instance"]] = ["visit", "1"]
    found = orphan_rows(texts, CLINICS)
    assert list(found["row"]) == [2]
    assert found["kind"].iloc[0] == "undeclared repeat"


def test_out_of_range_reads_each_bound_and_ignores_values_inside() -> None:
    rows = clean()
    rows[0] |= {"staff": "0", "opened": "2026-02-01"}  # min 1; max 2025-12-31
    rows[1] |= {"effort": "101"}  # a slider runs 0..100
    rows[2] |= {"effort": "100", "score": "9"}  # on the bound; an unknown code is not a range
    found = out_of_range(decode(export(rows), CLINICS))
    assert list(zip(found["field"], found["raw"], strict=True)) == [
        ("staff", "0"),
        ("opened", "2026-02-01"),
        ("effort", "101"),
    ]
    assert found["reason"].iloc[0] == "'0' is below the minimum 1"
    assert found["reason"].iloc[1] == "'2026-02-01' is above the maximum 2025-12-31"


def test_invalid_values_are_sorted_into_kinds() -> None:
    rows = clean()
    rows[1] |= {"score": "9", "aids___2": "x", "visit_complete": "5"}
    rows[4] |= {"staff": "many"}
    counts = check_export(export(rows), CLINICS).counts()
    assert (counts["unknown_codes"], counts["wrong_type"], counts["bad_status"]) == (1, 2, 1)


def test_missing_codes_are_counted_per_field_and_code() -> None:
    rows = clean()
    rows[1]["score"] = "UNK"
    rows[2]["score"] = "UNK"
    rows[4]["score"] = "NA"
    rows[0]["staff"] = "NA"
    found = missing_code_counts(decode(export(rows), CLINICS)).set_index("field")
    assert found.loc["score"].to_dict() == {"NA": 1, "UNK": 2, "total": 3}
    assert found.loc["staff"].to_dict() == {"NA": 1, "UNK": 0, "total": 1}
    assert list(found.index) == ["staff", "score"]


def test_form_status_is_counted_on_the_waves_that_hold_the_form() -> None:
    rows = clean()
    rows[1]["visit_complete"] = "0"
    rows[2]["visit_complete"] = "1"
    rows[4]["visit_complete"] = ""
    status = form_status_counts(decode(export(rows), CLINICS)).set_index(["form", "wave"])
    assert list(status.loc["profile"].index) == ["baseline"]  # not designated on follow-ups
    month_3 = status.loc[("visit", "month_3")]
    assert (month_3["complete"], month_3["incomplete"], month_3["not_saved"]) == (1, 1, 1)
    assert status.loc[("visit", "month_6"), "unverified"] == 1
    assert (status["rows"] == status.drop(columns="rows").sum(axis=1)).all()


def test_skipped_waves_are_those_before_a_later_wave() -> None:
    rows = [
        r for r in clean() if (r["record_id"], r["redcap_event_name"]) != ("a", "month_3_arm_1")
    ]
    # c has only its baseline: it stopped, it skipped nothing.
    rows = [
        r
        for r in rows
        if not (r["record_id"] == "c" and r["redcap_event_name"] != EVENTS["baseline"])
    ]
    rows.append(row("d", "month_6"))  # no baseline and no month 3
    found = skipped_waves(export(rows), CLINICS).set_index("wave")
    assert found.loc["baseline", "records"] == ("d",)
    assert found.loc["month_3", "records"] == ("a", "d")
    assert "month_6" not in found.index
    assert int(found["n_units"].sum()) == 3


REPEATING = load(
    {
        "id": "visits",
        "version": "1.0.0",
        "title": "Visits",
        "kind": "assessment",
        "respondent": "facilitator",
        "source": SOURCE,
        "record_id": "record_id",
        "waves": {"mode": "repeating", "form": "visit", "date_field": "visit_date"},
        "forms": [{"name": "enrolment", "label": "Enrolment"}, {"name": "visit", "label": "Visit"}],
        "fields": [
            field("record_id", "text", "enrolment"),
            field("staff", "text", "enrolment", validation={"type": "integer"}),
            field("visit_date", "text", "visit", validation={"type": "date_ymd"}),
            field("score", "radio", "visit", choices=LIKERT),
        ],
    }
)


def visit(record: str, instance: str, repeat: str = "visit") -> dict[str, str]:
    return {
        "record_id": record,
        "redcap_repeat_instrument": repeat,
        "redcap_repeat_instance": instance,
        "visit_date": f"2025-0{instance}-01" if instance.isdigit() else "",
        "score": "2",
        "visit_complete": "2",
    }


def visits_export(rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = export_columns(REPEATING)
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], dtype=object)


def test_repeating_mode_checks_instances() -> None:
    base = {"record_id": "a", "staff": "3", "enrolment_complete": "2"}
    rows = [
        base,
        visit("a", "1"),
        visit("a", "3"),  # instance 2 was deleted
        visit("a", "x"),  # decode refuses it
        visit("a", "1", repeat="other_form"),
        visit("a", "1"),  # a second instance 1
    ]
    checks = check_export(visits_export(rows), REPEATING)
    assert list(checks.orphans["kind"]) == ["bad instance", "undeclared repeat"]
    assert list(checks.duplicates["instance"]) == ["1"]
    assert list(checks.skipped_waves["wave"]) == ["2"]
    assert list(checks.responses.frame["wave"]) == ["3"]  # both copies of instance 1 set aside


def test_an_instrument_without_waves_keys_on_the_record_alone() -> None:
    plain = load(
        {
            "id": "once",
            "version": "1.0.0",
            "title": "Once",
            "kind": "survey",
            "respondent": "anyone",
            "source": SOURCE,
            "record_id": "record_id",
            "forms": [{"name": "survey", "label": "Survey"}],
            "fields": [field("record_id", "text", "survey"), field("note", "notes", "survey")],
        }
    )
    texts = pd.DataFrame(
        {"record_id": ["1", "2", "2"], "note": ["a", "b", "c"], "survey_complete": ["2"] * 3},
        dtype=object,
    )
    assert list(duplicate_rows(texts, plain)["rows"]) == [(1, 2)]
    assert skipped_waves(texts, plain).empty


def test_absent_columns_are_reported_and_read_as_blank() -> None:
    texts = export(clean()).drop(columns=["effort", "aids___2"])
    checks = check_export(texts, CLINICS)
    assert checks.absent_columns == ("effort", "aids___2")
    assert checks.responses.frame["effort"].isna().all()


def test_an_export_without_record_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="no 'record_id' column"):
        check_export(export(clean()).drop(columns=["record_id"]), CLINICS)


def test_the_tidy_table_carries_each_count() -> None:
    rows = clean()
    rows[2]["score"] = "UNK"  # a's month 6; its month 3 is duplicated below
    checks = check_export(export(rows + [row("a", "month_3")]), CLINICS)
    assert checks.counts()["duplicate_keys"] == 1
    table = quality_table(checks)
    by_kind = table[table["field"] == ""].set_index("statistic")["value"]
    assert by_kind.to_dict() == {k: float(v) for k, v in checks.counts().items()}
    score = table[(table["field"] == "score") & (table["statistic"] == "n_missing_UNK")]
    assert list(score["value"]) == [1.0]
