"""Units and the rows set aside: a practice id that two records give at one wave (also when the
ids differ only by spaces or tabs) and a row without a practice id are set aside by name, and
every other practice is kept whole, with its id trimmed."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

from instruments import Instrument, load_instrument
from scoring.change import unit_changes
from scoring.decode import decode
from scoring.scale_stats import long_scores, scale_scores
from scoring.units import DUPLICATE_UNIT, NO_UNIT_ID, check_units, unit_ids
from tests.scoring.redcap_export import export_columns

SOURCE = {"citation": "Written for the unit tests."}
LIKERT = [{"code": str(i), "label": f"Level {i}"} for i in range(1, 6)]


def field(name: str, type_: str, form: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "form": form, "label": name.title(), **extra}


PRACTICES: Instrument = load_instrument(
    copy.deepcopy(
        {
            "id": "practices",
            "version": "1.0.0",
            "title": "Practice visits",
            "kind": "assessment",
            "respondent": "facilitator",
            "source": SOURCE,
            "record_id": "record_id",
            "unit": {"label": "practice", "id_field": "practice_id"},
            "waves": {
                "mode": "events",
                "events": [
                    {"name": "baseline", "label": "Baseline", "month": 0},
                    {"name": "month_3", "label": "Month 3", "month": 3, "forms": ["visit"]},
                ],
            },
            "forms": [
                {"name": "profile", "label": "Profile"},
                {"name": "visit", "label": "Visit"},
            ],
            "fields": [
                field("record_id", "text", "profile"),
                field("practice_id", "text", "profile"),
                field("one", "radio", "visit", choices=LIKERT),
                field("two", "radio", "visit", choices=LIKERT),
            ],
            "scales": [
                {
                    "name": "engagement",
                    "label": "Engagement",
                    "items": ["one", "two"],
                    "item_range": [1, 5],
                    "method": "mean",
                }
            ],
        }
    ),
    name="practices.json",
).unwrap()
EVENTS = {"baseline": "baseline_arm_1", "month_3": "month_3_arm_1"}


def row(record: str, wave: str, practice: str = "", score: str = "3") -> dict[str, str]:
    values = {"record_id": record, "redcap_event_name": EVENTS[wave], "one": score, "two": "4"}
    if wave == "baseline":
        values |= {"practice_id": practice, "profile_complete": "2"}
    return values | {"visit_complete": "2"}


def export(rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = export_columns(PRACTICES)
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], dtype=object)


def cohort(*extra: dict[str, str]) -> pd.DataFrame:
    rows = [
        row(record, wave, practice, score)
        for record, practice in (("1", "P01"), ("2", "P02"), ("3", "P03"))
        for wave, score in (("baseline", "2"), ("month_3", "4"))
    ]
    return export(rows + list(extra))


def test_unit_ids_are_trimmed_and_blank_is_none() -> None:
    ids = unit_ids([" P01\t", "P01", "\t \n", None, np.nan, 7])
    assert list(ids) == ["P01", "P01", None, None, None, 7]


def test_a_clean_export_keeps_every_row_and_sets_nothing_aside() -> None:
    responses = decode(cohort(), PRACTICES)
    check = check_units(responses)
    assert check.problems.empty and check.units == () and check.records == ()
    pd.testing.assert_frame_equal(check.responses.frame, responses.frame)


def test_a_second_baseline_record_for_a_practice_sets_both_records_aside() -> None:
    responses = decode(cohort(row("9", "baseline", "P02")), PRACTICES)
    with pytest.raises(ValueError, match=r"units \['P02'\] have more than one row for a wave"):
        unit_changes(long_scores(responses, scale_scores(responses)), ["engagement"])

    check = check_units(responses)
    assert check.units == ("P02",) and check.records == ("2", "9")
    (problem,) = check.problems.to_dict("records")
    assert (problem["kind"], problem["unit"], problem["wave"]) == (
        DUPLICATE_UNIT,
        "P02",
        "baseline",
    )
    assert problem["records"] == ("2", "9")
    assert problem["reason"] == "records 2 and 9 both give practice id 'P02' at wave baseline"
    # Every row of P02 goes, record 2's month 3 included: its trajectory cannot be trusted.
    kept = check.responses.frame
    assert list(kept["record_id"]) == ["1", "1", "3", "3"]
    assert list(kept.index) == [0, 1, 2, 3]
    changes = unit_changes(
        long_scores(check.responses, scale_scores(check.responses)), ["engagement"]
    )
    assert list(changes["unit"]) == ["P01", "P03"] and list(changes["change"]) == [1.0, 1.0]


def test_ids_that_differ_only_by_whitespace_are_one_practice() -> None:
    responses = decode(cohort(row("9", "baseline", " P03\t")), PRACTICES)
    check = check_units(responses)
    assert check.units == ("P03",)
    why = check.explain("P03")
    assert why is not None
    assert why.startswith(
        "records 3 and 9 both give practice id 'P03' at wave baseline (typed 'P03', ' P03\\t'): "
        "no one can tell which record holds the practice's answers"
    )
    assert why.endswith(
        "Correct the practice id in REDCap so that each practice has one record, and pull again."
    )
    assert check.explain("9") == why, "a record id names its practice's problem"
    assert check.explain(" P03 ") == why and check.unit_of("9") == "P03"
    assert check.explain("P01") is None and check.unit_of("P01") is None


def test_a_lone_id_with_whitespace_is_trimmed_and_kept() -> None:
    rows = [row("1", "baseline", " P01\t"), row("1", "month_3"), row("2", "baseline", "P02")]
    check = check_units(decode(export(rows), PRACTICES))
    assert check.problems.empty
    assert list(check.responses.frame["practice_id"]) == ["P01", "P01", "P02"]


def test_rows_without_a_practice_id_are_set_aside_by_record() -> None:
    responses = decode(cohort(row("8", "baseline"), row("9", "baseline", "  ")), PRACTICES)
    check = check_units(responses)
    (problem,) = check.problems.to_dict("records")
    assert (problem["kind"], problem["unit"], problem["records"]) == (NO_UNIT_ID, "", ("8", "9"))
    assert problem["reason"] == "records 8 and 9 give no practice id at wave baseline"
    assert check.unit_of("8") == "" and check.units == ()
    assert set(check.responses.frame["record_id"]) == {"1", "2", "3"}


def test_invalid_values_of_the_kept_rows_keep_pointing_at_their_row() -> None:
    responses = decode(
        cohort(row("9", "baseline", "P01"), row("4", "baseline", "P04", score="8")), PRACTICES
    )
    check = check_units(responses)
    invalid = check.responses.invalid
    assert list(invalid["record"]) == ["4"]
    at = int(invalid["row"].iloc[0])
    assert check.responses.frame.loc[at, "record_id"] == "4"


def test_the_tidy_rows_name_the_practice_wave_and_records() -> None:
    check = check_units(decode(cohort(row("9", "baseline", "P02")), PRACTICES))
    (tidy,) = check.tidy().to_dict("records")
    assert (tidy["field"], tidy["group_by"], tidy["group"]) == ("practice_id",) * 2 + ("P02",)
    assert (tidy["statistic"], tidy["value"], tidy["wave"]) == ("duplicate_unit", 2.0, "baseline")
    assert tidy["note"] == check.messages()[0] and "records 2 and 9" in tidy["note"]
