"""Record export as REDCap writes it (redcap-api.md §2.2), checked through PyCap.

Expected rows come from the project XML files; exact strings marked "doctest" are the outputs
captured from a real REDCap in PyCap's docstrings (``redcap/methods/records.py``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from tests.localcap.conftest import backdate_log, message_of, post

DOCTEST_RECORD_1 = {
    "record_id": "1",
    "redcap_event_name": "event_1_arm_1",
    "redcap_repeat_instrument": "",
    "redcap_repeat_instance": 1,
    "field_1": "1",
    "checkbox_field___1": "0",
    "checkbox_field___2": "1",
    "upload_field": "test_upload.txt",
    "form_1_complete": "2",
}


def test_doctest_flat_json_row(doctest: Project) -> None:
    records = doctest.export_records()
    # doctest: the repeating event gives redcap_repeat_instance 1 as an integer.
    assert records[0] == DOCTEST_RECORD_1
    assert list(records[0]) == list(DOCTEST_RECORD_1)
    assert [record["record_id"] for record in records] == ["1", "2", "3"]


def test_doctest_label_csv(doctest: Project) -> None:
    text = doctest.export_records(
        format_type="csv", fields=["field_1", "checkbox_field"], raw_or_label="label"
    )
    # doctest (with record 3, which REDCap's doctest run had deleted by then)
    assert text == (
        "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,field_1,"
        "checkbox_field___1,checkbox_field___2\n"
        '1,"Event 1",,1,Yes,Unchecked,Checked\n'
        '2,"Event 1",,1,No,Unchecked,Unchecked\n'
        '3,"Event 1",,1,Yes,Unchecked,Unchecked\n'
    )


def test_doctest_filter_logic(doctest: Project) -> None:
    records = doctest.export_records(filter_logic="[field_1] = 1")
    # doctest: record 1 (record 3 also has field_1 = 1 in the XML)
    assert [record["record_id"] for record in records] == ["1", "3"]
    assert records[0] == DOCTEST_RECORD_1
    assert doctest.export_records(filter_logic="[checkbox_field(2)] = '1'")[0]["record_id"] == "1"
    assert doctest.export_records(filter_logic="[field_1] = 7") == []


def test_doctest_dataframe_index(doctest: Project) -> None:
    frame = doctest.export_records(format_type="df")
    assert frame.index.names == ["record_id", "redcap_event_name"]
    assert list(frame["form_1_complete"]) == [2, 0, 0]


def test_simple_project_rows(simple: Project) -> None:
    records = simple.export_records()
    assert len(records) == 3  # PyCap: test_export_records
    first = records[0]
    assert list(first)[:3] == ["record_id", "first_name", "last_name"]
    assert first["telephone"] == "(415) 555-1212"
    assert (first["age"], first["bmi"]) == ("", "")  # calc values are not imported from XML
    assert records[2] == {
        **dict.fromkeys(first, ""),
        "record_id": "3",
        "first_name": "PyCap",
        "last_name": "Incomplete",
        "demographics_complete": "0",
    }


def test_record_id_always_first_when_requested(simple: Project) -> None:
    records = simple.export_records(fields=["first_name"])
    # PyCap: test_export_records_always_has_record_id (PyCap adds the record ID itself)
    assert list(records[0]) == ["record_id", "first_name"]
    raw = simple.export_records(format_type="csv", fields=["last_name", "first_name"])
    assert raw.splitlines()[0] == "record_id,first_name,last_name"


def test_eav_rows_count_stored_values(simple: Project) -> None:
    # PyCap: test_export_records_df_eav expects 30 rows.
    assert len(simple.export_records(format_type="df", record_type="eav")) == 30
    entries = simple.export_records(record_type="eav", records=["3"])
    assert entries == [
        {"record": "3", "field_name": "record_id", "value": "3"},
        {"record": "3", "field_name": "first_name", "value": "PyCap"},
        {"record": "3", "field_name": "last_name", "value": "Incomplete"},
        {"record": "3", "field_name": "demographics_complete", "value": "0"},
    ]


def test_eav_checkbox_rows_hold_the_checked_codes(doctest: Project) -> None:
    entries = doctest.export_records(record_type="eav", records=["1"], fields=["checkbox_field"])
    assert [entry["field_name"] for entry in entries] == ["record_id", "checkbox_field"]
    assert entries[1]["value"] == "2"
    assert entries[1]["redcap_repeat_instance"] == 1


def test_long_project_rows_events_and_repeats(long: Project) -> None:
    records = long.export_records()
    keys = [
        (
            row["study_id"],
            row["redcap_event_name"],
            row["redcap_repeat_instrument"],
            row["redcap_repeat_instance"],
        )
        for row in records
    ]
    assert keys == [
        ("1", "enrollment_arm_1", "", ""),
        ("1", "enrollment_arm_1", "baseline_data", 1),
        ("1", "dose_1_arm_1", "", ""),
        ("1", "visit_1_arm_1", "", ""),
        ("1", "dose_2_arm_1", "", ""),
        ("1", "visit_2_arm_1", "", ""),
        ("1", "dose_3_arm_1", "", ""),
        ("1", "visit_3_arm_1", "", ""),
        ("1", "final_visit_arm_1", "", ""),
        ("2", "enrollment_arm_2", "", ""),
        ("2", "deadline_to_opt_ou_arm_2", "", ""),
        ("2", "first_dose_arm_2", "", ""),
        ("2", "first_visit_arm_2", "", ""),
    ]
    base, repeat = records[0], records[1]
    assert (base["weight2"], repeat["weight2"]) == ("", "100")
    assert (base["first_name"], repeat["first_name"]) == ("Test 1", "")
    # Status of a designated form without data is 0; of an undesignated one, blank.
    assert (base["demographics_complete"], base["visit_lab_data_complete"]) == ("0", "")
    assert (repeat["baseline_data_complete"], repeat["demographics_complete"]) == ("0", "")
    assert (base["gym___0"], repeat["gym___0"], records[2]["gym___0"]) == ("0", "", "")
    # In arm 2 baseline_data does not repeat, so its values sit on the base row.
    assert records[9]["weight2"] == "50"


def test_long_project_label_headers_and_values(long: Project) -> None:
    text = long.export_records(
        format_type="csv", raw_or_label_headers="label", raw_or_label="label"
    )
    header, first = text.splitlines()[:2]
    # PyCap: test_records_export_labeled_headers asserts "Study ID" is in the CSV.
    assert header.startswith('"Study ID","Event Name","Repeat Instrument","Repeat Instance",')
    assert '"Gym (Weight Training) (choice=Monday)"' in header
    assert first.startswith('1,"Enrollment (Arm 1: Drug A)",,,2021-12-09,')
    repeat = text.splitlines()[2]
    assert repeat.startswith('1,"Enrollment (Arm 1: Drug A)","Baseline Data",1,')


def test_checkbox_labels(long: Project) -> None:
    long.import_records(
        [{"study_id": "1", "redcap_event_name": "enrollment_arm_1", "meds___2": "1"}]
    )
    row = long.export_records(
        records=["1"], fields=["meds"], raw_or_label="label", export_checkbox_labels=True
    )[0]
    assert (row["meds___1"], row["meds___2"]) == ("", "Celexa")
    row = long.export_records(records=["1"], fields=["meds"], raw_or_label="label")[0]
    assert (row["meds___1"], row["meds___2"]) == ("Unchecked", "Checked")
    row = long.export_records(records=["1"], fields=["meds"])[0]
    assert (row["meds___1"], row["meds___2"]) == ("0", "1")


def test_forms_and_fields_selection(long: Project) -> None:
    # PyCap: test_limit_export_records_forms_and_fields
    frame = long.export_records(forms=["demographics", "baseline_data"], format_type="df")
    assert [c for c in frame.columns if c.endswith("_complete")] == [
        "demographics_complete",
        "baseline_data_complete",
    ]
    assert "study_id" in frame.index.names
    frame = long.export_records(fields=["study_comments"], format_type="df")
    assert list(frame.columns) == [
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "study_comments",
    ]
    frame = long.export_records(
        forms=["baseline_data"], fields=["study_comments"], format_type="df"
    )
    assert [c for c in frame.columns if c.endswith("_complete")] == ["baseline_data_complete"]


def test_events_and_records_filters(long: Project) -> None:
    rows = long.export_records(events=["visit_1_arm_1", "first_visit_arm_2"], fields=["vld1"])
    assert [(row["study_id"], row["vld1"]) for row in rows] == [("1", "5"), ("2", "4")]
    assert {row["study_id"] for row in long.export_records(records=["2"])} == {"2"}
    assert long.export_records(records=["99"]) == []


def test_comma_separated_lists_are_accepted(server: RunningServer, long: Project) -> None:
    answer = post(
        server,
        token=long.token,
        content="record",
        format="json",
        records="2",
        fields="study_id,vld1",
        events="first_visit_arm_2",
    )
    assert json.loads(answer.text) == [
        {
            "study_id": "2",
            "redcap_event_name": "first_visit_arm_2",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": "",
            "vld1": "4",
        }
    ]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            {"fields": ["nope", "study_id"]},
            "The following values in the parameter \"fields\" are not valid: 'nope'",
        ),
        (
            {"forms": ["nope"]},  # PyCap also asks for the field nope_complete
            "The following values in the parameter \"fields\" are not valid: 'nope_complete'",
        ),
        (
            {"events": ["nope", "bad"]},
            "The following values in the parameter \"events\" are not valid: 'nope', 'bad'",
        ),
    ],
)
def test_unknown_names_are_refused(
    long: Project, argument: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(RedcapError, match="are not valid") as caught:
        long.export_records(**argument)
    assert message_of(caught.value) == message


def test_filter_logic_per_event_and_across_events(long: Project) -> None:
    rows = long.export_records(filter_logic="[vld1] > 5", fields=["vld1"])
    assert [(row["study_id"], row["redcap_event_name"]) for row in rows] == [
        ("1", "visit_2_arm_1"),
        ("1", "visit_3_arm_1"),
    ]
    rows = long.export_records(filter_logic="[enrollment_arm_2][weight2] = 50", fields=["study_id"])
    assert {row["study_id"] for row in rows} == {"2"}
    assert len(rows) == 4


def test_bad_filter_logic(long: Project) -> None:
    with pytest.raises(RedcapError, match="filterLogic is not valid"):
        long.export_records(filter_logic="[vld1] >")
    with pytest.raises(RedcapError, match="unknown field 'nope'"):
        long.export_records(filter_logic="[nope] = 1")


def test_survey_fields(long: Project) -> None:
    text = long.export_records(
        format_type="csv", export_survey_fields=True, fields=["study_id", "dialysis_unit_phone"]
    )
    # The identifier follows the fixed columns; a survey's timestamp precedes its first field.
    assert text.splitlines()[0] == (
        "study_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
        "redcap_survey_identifier,contact_info_timestamp,dialysis_unit_phone"
    )


def test_survey_timestamp_of_the_first_form_follows_the_record_id(doctest: Project) -> None:
    row = doctest.export_records(export_survey_fields=True)[0]
    assert list(row)[:7] == [
        "record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
        "redcap_survey_identifier", "form_1_timestamp", "field_1",
    ]  # fmt: skip


def test_data_access_groups(simple: Project) -> None:
    rows = simple.export_records(export_data_access_groups=True)
    assert list(rows[0])[:2] == ["record_id", "redcap_data_access_group"]
    assert [row["redcap_data_access_group"] for row in rows] == ["", "", "test_dag"]
    labelled = simple.export_records(export_data_access_groups=True, raw_or_label="label")
    assert labelled[2]["redcap_data_access_group"] == "Test DAG"


def test_xml_and_delimiters(server: RunningServer, simple: Project) -> None:
    xml = simple.export_records(format_type="xml", records=["3"], fields=["first_name", "address"])
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<records>\n'
        "<item><record_id><![CDATA[3]]></record_id><first_name><![CDATA[PyCap]]></first_name>"
        "<address></address></item>\n</records>\n"
    )
    answer = post(
        server,
        token=simple.token,
        content="record",
        format="csv",
        csvDelimiter="tab",
        **{"fields[0]": "record_id", "fields[1]": "telephone"},
    )
    assert answer.text.splitlines()[:2] == ["record_id\ttelephone", '1\t"(415) 555-1212"']


def test_decimal_character(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "height": "130.5"}])
    row = simple.export_records(records=["1"], fields=["height", "bmi"], decimal_character=",")[0]
    assert row["height"] == "130,5"
    assert row["bmi"] == "58,7"  # recalculated on import: round(100*10000/130.5^2, 1)


def test_blank_for_gray_form_status(long: Project) -> None:
    rows = long.export_records(
        records=["1"],
        events=["dose_1_arm_1"],
        fields=["study_id", "visit_lab_data_complete", "patient_morale_questionnaire_complete"],
    )
    assert rows[0]["patient_morale_questionnaire_complete"] == "0"
    long.delete_records(["1"], event="dose_1_arm_1", instrument="patient_morale_questionnaire")
    row = long.export_records(
        records=["1"], events=["dose_1_arm_1"], forms=["patient_morale_questionnaire"]
    )[0]
    assert row["patient_morale_questionnaire_complete"] == "0"
    row = long.export_records(
        records=["1"],
        events=["dose_1_arm_1"],
        forms=["patient_morale_questionnaire"],
        export_blank_for_gray_form_status=True,
    )[0]
    assert row["patient_morale_questionnaire_complete"] == ""


def test_unknown_forms_are_refused(server: RunningServer, long: Project) -> None:
    answer = post(
        server, token=long.token, content="record", format="json", forms="nope,demographics"
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": "The following values in the parameter \"forms\" are not valid: 'nope'"},
    )


def test_date_range_uses_the_log(database: str, simple: Project) -> None:
    backdate_log(database, simple)
    before = datetime.now() - timedelta(seconds=1)
    simple.import_records([{"record_id": "2", "comments": "changed"}])
    changed = simple.export_records(date_begin=before)
    assert [row["record_id"] for row in changed] == ["2"]
    assert simple.export_records(date_end=datetime(2004, 8, 2)) == []
    assert len(simple.export_records(date_begin=datetime(2004, 8, 1))) == 3
    assert [row["record_id"] for row in simple.export_records(date_end=datetime(2020, 1, 3))] == [
        "1",
        "2",
        "3",
    ]


def test_json_escapes_like_php(server: RunningServer, simple: Project) -> None:
    simple.import_records([{"record_id": "1", "comments": "a/b é"}])
    answer = post(
        server,
        token=simple.token,
        content="record",
        format="json",
        **{"fields[0]": "record_id", "fields[1]": "comments", "records[0]": "1"},
    )
    assert answer.text == '[{"record_id":"1","comments":"a\\/b \\u00e9"}]'


def test_records_sort_naturally(simple: Project) -> None:
    simple.import_records([{"record_id": name} for name in ["10", "a2", "A10", "b"]])
    names = [row["record_id"] for row in simple.export_records(fields=["record_id"])]
    assert names == ["1", "2", "3", "10", "a2", "A10", "b"]
    entries = simple.export_records(record_type="eav", fields=["record_id"])
    assert [entry["record"] for entry in entries] == ["1", "2", "3", "10", "A10", "a2", "b"]
