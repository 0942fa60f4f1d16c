"""decode: REDCap's flat raw export typed by each field's declared type, one row per unit and
wave, with missing-data codes and invalid values kept apart from the typed values."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instruments import Instrument, load_instrument, load_shipped
from plugin.simulate import simulate
from scoring.decode import Responses, decode
from tests.scoring.redcap_export import export_columns, export_frame

LIKERT = [{"code": str(i), "label": f"Level {i}"} for i in range(1, 6)]
SOURCE = {"citation": "Written for the decode tests."}


def field(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "label": name.replace("_", " ").title(), **extra}


def load(data: dict[str, Any]) -> Instrument:
    return load_instrument(copy.deepcopy(data), name=f"{data['id']}.json").unwrap()


EVERY_TYPE: dict[str, Any] = {
    "id": "every_type",
    "version": "1.0.0",
    "title": "Every field type",
    "kind": "survey",
    "respondent": "anyone",
    "source": SOURCE,
    "record_id": "record_id",
    "grouping": ["size"],
    "missing_codes": [
        {"code": "NA", "label": "Not applicable", "meaning": "not_applicable"},
        {"code": "-99", "label": "Refused", "meaning": "refused"},
    ],
    "forms": [{"name": "survey", "label": "Survey", "survey": True}],
    "fields": [
        field("record_id", "text"),
        field(
            "size",
            "dropdown",
            choices=[{"code": "b", "label": "Large"}, {"code": "a", "label": "Small"}],
        ),
        field("rating", "radio", choices=LIKERT),
        field("consented", "yesno"),
        field("agrees", "truefalse"),
        field("staff", "text", validation={"type": "integer"}),
        field("ratio", "text", validation={"type": "number"}),
        field("budget", "text", validation={"type": "number_comma_decimal"}),
        field("share", "text", validation={"type": "number_1dp_comma_decimal"}),
        field("effort", "slider"),
        field("total", "calc", calculation="[staff] / 10"),
        field("visit", "text", validation={"type": "date_dmy"}),
        field("signed_at", "text", validation={"type": "datetime_ymd"}),
        field("stamped_at", "text", validation={"type": "datetime_seconds_ymd"}),
        field("start_time", "text", validation={"type": "time"}),
        field("lap", "text", validation={"type": "time_mm_ss"}),
        field("zip", "text", validation={"type": "zipcode"}),
        field("code_name", "text"),
        field("story", "notes"),
        field(
            "supports",
            "checkbox",
            choices=[
                {"code": "1", "label": "Grant"},
                {"code": "2", "label": "Staff"},
                {"code": "3", "label": "Space"},
            ],
        ),
        field("intro", "descriptive"),
    ],
}

BLANK_ROW = {column: "" for column in export_columns(load(EVERY_TYPE))}


def every_type_rows(*cells: dict[str, str]) -> pd.DataFrame:
    """Export rows of the every-type survey: each row blank but for ``cells``."""
    rows = [
        {**BLANK_ROW, "record_id": str(i + 1), "survey_complete": "2", **row}
        for i, row in enumerate(cells)
    ]
    return pd.DataFrame(rows, columns=list(BLANK_ROW), dtype=object)


@pytest.fixture(scope="module")
def every_type() -> Instrument:
    return load(EVERY_TYPE)


def decoded(instrument: Instrument, *cells: dict[str, str]) -> Responses:
    return decode(every_type_rows(*cells), instrument)


def test_choices_are_categoricals_of_the_codes_in_choice_order(every_type):
    frame = decoded(every_type, {"size": "a", "rating": "4", "consented": "0", "agrees": "1"}).frame
    assert list(frame["size"].cat.categories) == ["b", "a"]
    assert list(frame["rating"].cat.categories) == ["1", "2", "3", "4", "5"]
    assert list(frame["consented"].cat.categories) == ["1", "0"]
    assert list(frame["agrees"].cat.categories) == ["1", "0"]
    assert frame.loc[0, ["size", "rating", "consented", "agrees"]].tolist() == ["a", "4", "0", "1"]


def test_numbers_are_float64_by_declared_type(every_type):
    frame = decoded(
        every_type,
        {"staff": "12", "ratio": "-.5", "effort": "40", "total": "1.2", "code_name": "007"},
    ).frame
    for name in ("staff", "ratio", "budget", "share", "effort", "total"):
        assert frame[name].dtype == np.float64, name
    assert frame.loc[0, ["staff", "ratio", "effort", "total"]].tolist() == [12.0, -0.5, 40.0, 1.2]
    # A text field without validation stays text even when it looks like a number.
    assert frame["code_name"].dtype == "string" and frame.loc[0, "code_name"] == "007"


def test_decimal_comma_types_read_a_comma_as_the_decimal_mark(every_type):
    responses = decoded(
        every_type,
        {"budget": "1,5", "share": "2,25", "ratio": "1.5"},
        {"budget": "3.5", "ratio": "1,5"},
    )
    frame = responses.frame
    assert frame["budget"].tolist() == [1.5, 3.5]
    assert frame["share"].tolist()[0] == 2.25
    # A plain number field takes no comma: reported, not guessed.
    assert np.isnan(frame.loc[1, "ratio"])
    assert responses.invalid[["row", "field", "raw"]].values.tolist() == [[1, "ratio", "1,5"]]


def test_an_integer_field_rejects_decimals(every_type):
    responses = decoded(every_type, {"staff": "2.5"}, {"staff": " 7 "})
    assert np.isnan(responses.frame.loc[0, "staff"]) and responses.frame.loc[1, "staff"] == 7.0
    assert responses.invalid["reason"].tolist() == ["'2.5' is not an integer"]


def test_dates_are_read_as_exported_year_month_day_whatever_the_display_order(every_type):
    responses = decoded(
        every_type,
        {
            "visit": "2025-03-04",
            "signed_at": "2025-03-04 09:05",
            "stamped_at": "2025-03-04 09:05:07",
        },
        {"visit": "04-03-2025", "signed_at": "2025-02-30 10:00"},
        {"visit": "9999-12-31"},
    )
    frame = responses.frame
    assert frame["visit"].dtype == "datetime64[us]" and frame["signed_at"].dtype == "datetime64[us]"
    assert frame.loc[0, "visit"] == pd.Timestamp(2025, 3, 4)
    assert frame.loc[0, "signed_at"] == pd.Timestamp(2025, 3, 4, 9, 5)
    assert frame.loc[0, "stamped_at"] == pd.Timestamp(2025, 3, 4, 9, 5, 7)
    assert frame.loc[2, "visit"] == pd.Timestamp(9999, 12, 31)
    assert frame.loc[1, ["visit", "signed_at"]].isna().all()
    assert sorted(responses.invalid["field"]) == ["signed_at", "visit"]


def test_times_are_durations_since_midnight_or_minutes_and_seconds(every_type):
    responses = decoded(
        every_type, {"start_time": "13:45", "lap": "05:30"}, {"start_time": "25:00", "lap": "5:30"}
    )
    frame = responses.frame
    assert frame["start_time"].dtype == "timedelta64[us]"
    assert frame.loc[0, "start_time"] == pd.Timedelta(hours=13, minutes=45)
    assert frame.loc[0, "lap"] == pd.Timedelta(minutes=5, seconds=30)
    assert frame.loc[1, ["start_time", "lap"]].isna().all()
    assert sorted(responses.invalid["field"]) == ["lap", "start_time"]


def test_checkbox_options_are_nullable_booleans_named_field_code(every_type):
    frame = decoded(
        every_type,
        {"supports___1": "1", "supports___2": "0", "supports___3": "0"},
        {"supports___1": "", "supports___2": "", "supports___3": ""},
    ).frame
    columns = ["supports___1", "supports___2", "supports___3"]
    assert "supports" not in frame.columns
    assert all(frame[c].dtype == "boolean" for c in columns)
    assert frame.loc[0, columns].tolist() == [True, False, False]
    assert frame.loc[1, columns].isna().all()  # blank in the export: nothing known


def test_form_status_is_nullable_int8_with_blank_for_never_saved(every_type):
    responses = decoded(
        every_type, {"survey_complete": "2"}, {"survey_complete": ""}, {"survey_complete": "7"}
    )
    status = responses.frame["survey_complete"]
    assert status.dtype == "Int8"
    assert status.iloc[0] == 2 and status.iloc[1:].isna().all()
    assert responses.invalid["raw"].tolist() == ["7"]


def test_an_unknown_choice_code_is_reported_and_kept_out_of_the_value(every_type):
    responses = decoded(every_type, {"rating": "7"}, {"rating": "2"})
    assert pd.isna(responses.frame.loc[0, "rating"])
    assert responses.missing.loc[0, "rating"] is None
    found = responses.invalid.iloc[0]
    assert (found["row"], found["record"], found["field"], found["column"], found["raw"]) == (
        0,
        "1",
        "rating",
        "rating",
        "7",
    )
    assert "not a choice code" in found["reason"] and "1, 2, 3, 4, 5" in found["reason"]
    assert len(responses.invalid) == 1


def test_a_missing_code_is_separated_from_the_value_with_its_meaning(every_type):
    responses = decoded(
        every_type,
        {"rating": "NA", "staff": "-99", "code_name": "NA"},
        {"rating": "3", "staff": "4"},
    )
    frame, missing = responses.frame, responses.missing
    # "-99" looks like a number, but it is the instrument's code for a refusal.
    assert np.isnan(frame.loc[0, "staff"]) and pd.isna(frame.loc[0, "rating"])
    assert pd.isna(frame.loc[0, "code_name"])
    assert missing.loc[0, ["rating", "staff", "code_name"]].tolist() == ["NA", "-99", "NA"]
    assert missing.loc[1, ["rating", "staff"]].tolist() == [None, None]
    meanings = responses.missing_meanings()
    assert meanings.loc[0, ["rating", "staff"]].tolist() == ["not_applicable", "refused"]
    assert responses.missing_codes()["-99"].label == "Refused"
    assert responses.invalid.empty


def test_a_checkbox_missing_code_comes_in_its_own_column(every_type):
    # REDCap exports a checkbox's missing code as an extra field___<code> column, ticked,
    # with the real options blank.
    rows = every_type_rows({"supports___1": "0", "supports___2": "1", "supports___3": "0"}, {})
    rows["supports___na"] = ["0", "1"]
    responses = decode(rows, every_type)
    assert responses.missing["supports"].tolist() == [None, "NA"]
    assert responses.frame.loc[1, ["supports___1", "supports___2"]].isna().all()
    assert "supports___na" not in responses.frame.columns


def test_missing_has_one_column_per_data_field(every_type):
    responses = decoded(every_type, {})
    expected = [f.name for f in every_type.fields if f.type != "descriptive"][1:]
    assert list(responses.missing.columns) == expected
    assert responses.data_fields == tuple(expected)
    assert responses.missing.index.equals(responses.frame.index)
    assert responses.raw.index.equals(responses.frame.index)


def test_frame_columns_lead_with_the_row_keys(every_type):
    frame = decoded(every_type, {"size": "b"}).frame
    assert list(frame.columns[:5]) == ["record_id", "wave", "wave_index", "months", "size"]
    assert frame.loc[0, "wave"] == "" and frame.loc[0, "wave_index"] == 0
    assert np.isnan(frame.loc[0, "months"])
    assert list(frame.columns[-1:]) == ["survey_complete"]


def test_labels_in_choice_order(every_type):
    responses = decoded(every_type, {})
    assert responses.labels("size") == {"b": "Large", "a": "Small"}
    assert responses.labels("consented") == {"1": "Yes", "0": "No"}
    assert list(responses.labels("supports")) == ["1", "2", "3"]
    with pytest.raises(ValueError, match="field 'story' is notes, which has no choices"):
        responses.labels("story")
    with pytest.raises(ValueError, match="has no field 'nope'"):
        responses.labels("nope")


def test_a_list_of_dicts_decodes_like_a_frame(every_type):
    frame = every_type_rows({"staff": "3", "rating": "2"}, {"visit": "2025-01-02"})
    as_records = [
        {k: (v if v != "" else None) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    as_records[0]["staff"] = 3  # JSON-ish: not every value arrives as a string
    left, right = decode(as_records, every_type), decode(frame, every_type)
    pd.testing.assert_frame_equal(left.frame, right.frame)
    pd.testing.assert_frame_equal(left.missing, right.missing)


def test_survey_timestamps_and_other_columns_are_ignored(every_type):
    rows = every_type_rows({"rating": "2"})
    rows.insert(1, "survey_timestamp", "2025-01-01 10:00:00")
    rows["other_instrument_field"] = "x"
    responses = decode(rows, every_type)
    assert "survey_timestamp" not in responses.frame.columns
    assert "other_instrument_field" not in responses.raw.columns
    assert responses.invalid.empty


def test_an_export_without_a_column_of_the_instrument_is_refused(every_type):
    rows = every_type_rows({}).drop(columns=["supports___2", "survey_complete"])
    with pytest.raises(ValueError, match=r"lack column\(s\) supports___2, survey_complete"):
        decode(rows, every_type)


def test_two_rows_for_one_record_are_refused(every_type):
    rows = every_type_rows({}, {"record_id": "1"})
    with pytest.raises(ValueError, match="record_id '1' appears in 2 rows"):
        decode(rows, every_type)


CELL_TEXT = st.one_of(
    st.sampled_from(["", " ", "NA", "-99", "1", "2", "5", "a", "b", "0", "1,5", "2025-01-31"]),
    st.text(st.sampled_from(list("0123456789.,-+eE :aT")), max_size=12),
)
PLAIN = ["size", "rating", "consented", "staff", "ratio", "budget", "visit", "signed_at", "lap"]


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.fixed_dictionaries({name: CELL_TEXT for name in PLAIN}), max_size=12))
def test_every_cell_is_exactly_one_of_blank_missing_invalid_or_a_value(cells):
    instrument = load(EVERY_TYPE)
    responses = decode(every_type_rows(*cells), instrument)
    invalid = set(zip(responses.invalid["row"], responses.invalid["field"], strict=True))
    for name in PLAIN:
        raw = responses.raw[name]
        coded = responses.missing[name].notna()
        flagged = pd.Series([(i, name) in invalid for i in raw.index], index=raw.index)
        has_value = responses.frame[name].notna()
        blank = raw.str.strip() == ""
        assert ((blank.astype(int) + coded + flagged + has_value) == 1).all(), name
        assert (responses.missing[name][coded] == raw[coded]).all()


@given(number=st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_a_number_reads_back_exactly_with_either_decimal_mark(number):
    text = repr(number)
    frame = decoded(load(EVERY_TYPE), {"ratio": text, "budget": text.replace(".", ",")}).frame
    assert frame.loc[0, "ratio"] == number and frame.loc[0, "budget"] == number


# --- longitudinal: practice_readiness, five events ----------------------------------------

WAVE_NAMES = ["baseline", "month_3", "month_6", "month_9", "month_12"]


@pytest.fixture(scope="module")
def readiness() -> Instrument:
    return load_shipped("practice_readiness").unwrap()


@pytest.fixture(scope="module")
def readiness_export(readiness) -> pd.DataFrame:
    return export_frame(readiness, simulate(readiness, seed=3, n=30))


def test_readiness_rows_are_record_by_event_in_wave_order(readiness, readiness_export):
    frame = decode(readiness_export, readiness).frame
    assert len(frame) == len(readiness_export)
    assert set(frame["wave"]) <= set(WAVE_NAMES)
    assert (frame["wave_index"] == frame["wave"].map(WAVE_NAMES.index)).all()
    assert (
        frame["months"] == frame["wave_index"].map([0.0, 3.0, 6.0, 9.0, 12.0].__getitem__)
    ).all()
    by_record = frame.groupby("record_id", sort=False)["wave_index"]
    assert by_record.apply(lambda s: s.is_monotonic_increasing).all()
    assert list(pd.unique(frame["record_id"])) == list(pd.unique(readiness_export["record_id"]))


def test_readiness_decodes_the_same_whatever_the_export_row_order(readiness, readiness_export):
    reversed_events = readiness_export.iloc[::-1].reset_index(drop=True)
    reordered = decode(reversed_events, readiness).frame
    expected = decode(readiness_export, readiness).frame
    order = ["record_id", "wave_index"]
    pd.testing.assert_frame_equal(
        reordered.sort_values(order).reset_index(drop=True),
        expected.sort_values(order).reset_index(drop=True),
    )


def test_grouping_keys_reach_every_wave_from_baseline(readiness, readiness_export):
    responses = decode(readiness_export, readiness)
    frame = responses.frame
    assert responses.key_fields == ("practice_id", "region", "practice_size", "system_affiliation")
    baseline = frame[frame["wave"] == "baseline"].set_index("record_id")
    later = frame[frame["wave"] != "baseline"]
    assert len(later) > 0
    # The export holds them at baseline only ...
    assert (responses.raw.loc[later.index, "region"] == "").all()
    for key in responses.key_fields:
        expected = baseline.loc[later["record_id"], key].to_numpy()
        assert (later[key].to_numpy() == expected).all(), key
    # ... and other profile fields are not carried.
    assert later["practice_years"].isna().all()
    assert later["comm_channels___1"].isna().all()


def test_rows_of_events_the_instrument_does_not_declare_are_left_out(readiness, readiness_export):
    extra = readiness_export.iloc[[0]].assign(redcap_event_name="screening_arm_1")
    responses = decode(pd.concat([readiness_export, extra], ignore_index=True), readiness)
    assert len(responses.frame) == len(readiness_export)


def test_two_rows_for_one_record_and_event_are_refused(readiness, readiness_export):
    doubled = pd.concat([readiness_export, readiness_export.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="redcap_event_name 'baseline_arm_1' appears in 2 rows"):
        decode(doubled, readiness)


def test_an_events_export_needs_the_event_column(readiness, readiness_export):
    with pytest.raises(ValueError, match="lack column.*redcap_event_name"):
        decode(readiness_export.drop(columns=["redcap_event_name"]), readiness)


# --- repeating form with an assessment date ----------------------------------------------

VISITS: dict[str, Any] = {
    "id": "visits",
    "version": "1.0.0",
    "title": "Repeated visits",
    "kind": "assessment",
    "respondent": "facilitator",
    "source": SOURCE,
    "record_id": "record_id",
    "unit": {"label": "clinic", "id_field": "clinic_id"},
    "grouping": ["region"],
    "waves": {"mode": "repeating", "form": "visit", "date_field": "visit_date"},
    "forms": [{"name": "enrolment", "label": "Enrolment"}, {"name": "visit", "label": "Visit"}],
    "fields": [
        field("record_id", "text", form="enrolment"),
        field("clinic_id", "text", form="enrolment"),
        field(
            "region",
            "radio",
            form="enrolment",
            choices=[{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
        ),
        field("staff", "text", form="enrolment", validation={"type": "integer"}),
        field("visit_date", "text", form="visit", validation={"type": "date_ymd"}),
        field("score", "radio", form="visit", choices=LIKERT),
    ],
}


@pytest.fixture(scope="module")
def visits() -> Instrument:
    return load(VISITS)


def visit_rows(instrument: Instrument, rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = export_columns(instrument)
    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in rows], dtype=object)


def enrolment(record: str, clinic: str, region: str, staff: str) -> dict[str, str]:
    return {
        "record_id": record,
        "clinic_id": clinic,
        "region": region,
        "staff": staff,
        "enrolment_complete": "2",
    }


def visit(record: str, instance: str, date: str, score: str) -> dict[str, str]:
    return {
        "record_id": record,
        "redcap_repeat_instrument": "visit",
        "redcap_repeat_instance": instance,
        "visit_date": date,
        "score": score,
        "visit_complete": "2",
    }


@pytest.fixture(scope="module")
def visit_export(visits) -> pd.DataFrame:
    return visit_rows(
        visits,
        [
            enrolment("c1", "CL-1", "2", "12"),
            visit("c1", "1", "2025-06-01", "3"),
            visit("c1", "2", "2025-01-15", "4"),
            visit("c1", "3", "", "5"),
            enrolment("c2", "CL-2", "1", "3"),
            visit("c2", "1", "2025-02-01", "1"),
            enrolment("c3", "CL-3", "1", "8"),  # enrolled, never visited
        ],
    )


def test_each_instance_is_a_wave_ordered_by_assessment_date_then_instance(visits, visit_export):
    frame = decode(visit_export, visits).frame
    c1 = frame[frame["record_id"] == "c1"]
    assert c1["wave"].tolist() == ["2", "1", "3"]  # the instance numbers, in date order
    assert c1["wave_index"].tolist() == [0, 1, 2]
    assert c1["visit_date"].tolist()[:2] == [pd.Timestamp(2025, 1, 15), pd.Timestamp(2025, 6, 1)]
    assert c1["score"].tolist() == ["4", "3", "5"]


def test_months_count_from_the_records_first_assessment_date(visits, visit_export):
    frame = decode(visit_export, visits).frame
    c1 = frame[frame["record_id"] == "c1"]["months"].tolist()
    assert c1[0] == 0.0
    assert c1[1] == pytest.approx(137 / 30.44)  # 2025-01-15 to 2025-06-01, REDCap's month
    assert np.isnan(c1[2])  # no assessment date
    assert frame[frame["record_id"] == "c2"]["months"].tolist() == [0.0]


def test_the_base_row_is_carried_onto_every_instance(visits, visit_export):
    responses = decode(visit_export, visits)
    frame = responses.frame
    assert list(frame["record_id"]) == ["c1", "c1", "c1", "c2"]
    assert frame["clinic_id"].tolist() == ["CL-1", "CL-1", "CL-1", "CL-2"]
    assert frame["region"].tolist() == ["2", "2", "2", "1"]
    assert frame["staff"].tolist() == [12.0, 12.0, 12.0, 3.0]
    assert frame["enrolment_complete"].tolist() == [2, 2, 2, 2]
    assert (responses.raw["redcap_repeat_instrument"] == "visit").all()


def test_a_record_without_instances_is_listed_not_dropped_silently(visits, visit_export):
    responses = decode(visit_export, visits)
    assert responses.records_without_waves == ("c3",)
    assert "c3" not in set(responses.frame["record_id"])


def test_repeat_instances_must_be_numbered_from_one(visits, visit_export):
    bad = visit_export.copy()
    bad.loc[1, "redcap_repeat_instance"] = "0"
    with pytest.raises(ValueError, match="has redcap_repeat_instance '0'"):
        decode(bad, visits)
    doubled = pd.concat([visit_export, visit_export.iloc[[1]]], ignore_index=True)
    with pytest.raises(ValueError, match="redcap_repeat_instance '1' appears in 2 rows"):
        decode(doubled, visits)


@pytest.mark.parametrize("name", ["every_type", "visits", "practice_readiness"])
def test_an_export_without_rows_gives_empty_frames(name, every_type, visits, readiness):
    instrument = {"every_type": every_type, "visits": visits, "practice_readiness": readiness}[name]
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in export_columns(instrument)})
    responses = decode(empty, instrument)
    assert len(responses.frame) == len(responses.missing) == len(responses.invalid) == 0
    assert list(responses.missing.columns) == list(responses.data_fields)
    assert responses.frame["wave_index"].dtype == np.int64
