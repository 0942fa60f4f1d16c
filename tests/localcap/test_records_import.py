"""Record import through PyCap: answers, overwrite rules, auto-numbering, dates, repeats, calcs,
and REDCap's refusals, after which nothing has been written.

PyCap's ``test_import_and_delete_records`` and ``test_import_and_delete_records_non_json`` give
the answers' exact shapes.
"""

from __future__ import annotations

import threading
from io import StringIO

import pandas as pd
import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from tests.localcap.conftest import message_of, post


def test_import_answers(simple: Project) -> None:
    records = [{"record_id": i} for i in (4, 5, 6)]
    assert simple.import_records(records) == {"count": 3}
    assert simple.import_records(records, return_content="ids") == ["4", "5", "6"]
    assert simple.import_records(records, return_content="nothing") == [{}]
    assert simple.delete_records([4, 5, 6]) == 3


@pytest.mark.parametrize(
    ("return_format", "answer"),
    [("csv", "3"), ("xml", '<?xml version="1.0" encoding="UTF-8" ?><count>3</count>')],
)
def test_import_answers_in_csv_and_xml(simple: Project, return_format: str, answer: str) -> None:
    frame = pd.read_csv(StringIO("record_id\n4\n5\n6"))
    assert (
        simple.import_records(frame, import_format="df", return_format_type=return_format) == answer
    )
    assert simple.delete_records(["4", "5", "6"], return_format_type=return_format) == "3"


def test_ids_in_csv_and_xml(simple: Project) -> None:
    rows = [{"record_id": "7"}, {"record_id": "8"}]
    assert simple.import_records(rows, return_content="ids", return_format_type="csv") == "id\n7\n8"
    assert simple.import_records(rows, return_content="ids", return_format_type="xml") == (
        '<?xml version="1.0" encoding="UTF-8" ?><ids><id>7</id><id>8</id></ids>'
    )


def test_exported_dataframe_imports_back(simple: Project) -> None:
    # PyCap: test_import_df_no_index
    frame = simple.export_records(format_type="df", df_kwargs={"sep": ","}).convert_dtypes()
    assert simple.import_records(frame, import_format="df") == {"count": 3}


def test_count_is_distinct_records_even_without_changes(long: Project) -> None:
    rows = [
        {"study_id": "1", "redcap_event_name": "dose_1_arm_1", "pmq1": "2"},
        {"study_id": "1", "redcap_event_name": "dose_2_arm_1", "pmq1": "3"},
        {"study_id": "2", "redcap_event_name": "first_dose_arm_2"},
    ]
    assert long.import_records(rows) == {"count": 2}


def test_force_auto_number(doctest: Project) -> None:
    assert doctest.generate_next_record_name() == "4"
    rows = [
        {"record_id": "x", "redcap_repeat_instance": "1", "field_1": "1"},
        {"record_id": "y", "redcap_repeat_instance": "1", "field_1": "0"},
    ]
    assert doctest.import_records(rows, force_auto_number=True, return_content="auto_ids") == [
        "4,x",
        "5,y",
    ]
    assert doctest.export_records(records=["5"])[0]["field_1"] == "0"
    assert doctest.generate_next_record_name() == "6"


def test_normal_keeps_and_overwrite_erases_with_blanks(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "first_name": "", "last_name": "Kept?"}])
    row = simple.export_records(records=["1"])[0]
    assert (row["first_name"], row["last_name"]) == ("PyCap", "Kept?")
    simple.import_records([{"record_id": "1", "first_name": ""}], overwrite="overwrite")
    row = simple.export_records(records=["1"])[0]
    assert (row["first_name"], row["last_name"]) == ("", "Kept?")


def test_checkboxes_check_and_uncheck(doctest: Project) -> None:
    doctest.import_records(
        [
            {
                "record_id": "2",
                "redcap_event_name": "event_1_arm_1",
                "redcap_repeat_instance": 1,
                "checkbox_field___1": "1",
                "checkbox_field___2": "",
            }
        ]
    )
    row = doctest.export_records(records=["2"])[0]
    assert (row["checkbox_field___1"], row["checkbox_field___2"]) == ("1", "0")
    doctest.import_records(
        [
            {
                "record_id": "2",
                "redcap_event_name": "event_1_arm_1",
                "redcap_repeat_instance": 1,
                "checkbox_field___1": "0",
            }
        ]
    )
    assert doctest.export_records(records=["2"])[0]["checkbox_field___1"] == "0"


def test_a_new_form_gets_status_incomplete(long: Project) -> None:
    long.import_records(
        [{"study_id": "3", "redcap_event_name": "enrollment_arm_1", "first_name": "New"}]
    )
    entries = long.export_records(record_type="eav", records=["3"])
    assert [(entry["field_name"], entry["value"]) for entry in entries] == [
        ("study_id", "3"),
        ("first_name", "New"),
        ("demographics_complete", "0"),
    ]


def test_an_id_only_row_creates_the_event_row(long: Project) -> None:
    long.import_records(
        [
            {"study_id": "1", "redcap_event_name": "final_visit_arm_1"},
            {"study_id": "5", "redcap_event_name": "dose_1_arm_1"},
        ]
    )
    rows = long.export_records(records=["5"], fields=["study_id"])
    assert [(row["study_id"], row["redcap_event_name"]) for row in rows] == [("5", "dose_1_arm_1")]


def test_date_formats_are_stored_year_first(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "dob": "12/31/1999"}], date_format="MDY")
    simple.import_records([{"record_id": "2", "dob": "31/12/1998"}], date_format="DMY")
    rows = simple.export_records(fields=["dob"])
    assert [row["dob"] for row in rows][:2] == ["1999-12-31", "1998-12-31"]


def test_calc_fields_are_recomputed_and_not_imported(simple: Project) -> None:
    simple.import_records([{"record_id": "2", "weight": "80", "bmi": "999"}])
    row = simple.export_records(records=["2"])[0]
    assert row["bmi"] == "46.6"  # round(80*10000/131^2, 1)
    assert row["age"] != ""  # rounddown(datediff([dob],'today','y')) once the record is saved


def test_repeating_instances_new_and_numbered(long: Project) -> None:
    rows = [
        {
            "study_id": "1",
            "redcap_event_name": "enrollment_arm_1",
            "redcap_repeat_instrument": "baseline_data",
            "redcap_repeat_instance": "new",
            "weight2": "101",
        },
        {
            "study_id": "1",
            "redcap_event_name": "enrollment_arm_1",
            "redcap_repeat_instrument": "baseline_data",
            "redcap_repeat_instance": "new",
            "weight2": "102",
        },
        {
            "study_id": "1",
            "redcap_event_name": "enrollment_arm_1",
            "redcap_repeat_instrument": "baseline_data",
            "redcap_repeat_instance": "7",
            "weight2": "107",
        },
    ]
    assert long.import_records(rows) == {"count": 1}
    repeats = [
        row
        for row in long.export_records(records=["1"], forms=["baseline_data"])
        if row["redcap_repeat_instrument"]
    ]
    assert [(row["redcap_repeat_instance"], row["weight2"]) for row in repeats] == [
        (1, "100"),
        (2, "101"),
        (3, "102"),
        (7, "107"),
    ]


def test_repeating_event_instances(doctest: Project) -> None:
    # PyCap's delete_records doctest imports two instances of record 3 into the repeating event.
    rows = [
        {
            "record_id": 3,
            "redcap_event_name": "event_1_arm_1",
            "redcap_repeat_instance": 1,
            "field_1": 1,
        },
        {
            "record_id": 3,
            "redcap_event_name": "event_1_arm_1",
            "redcap_repeat_instance": 2,
            "field_1": 0,
        },
    ]
    assert doctest.import_records(rows) == {"count": 1}
    got = doctest.export_records(records=["3"])
    assert [(row["redcap_repeat_instance"], row["field_1"]) for row in got] == [(1, "1"), (2, "0")]


def test_rows_without_event_column_go_to_the_first_event(doctest: Project) -> None:
    # PyCap's import_records doctest sends no redcap_event_name and REDCap answers {'count': 1}.
    assert doctest.import_records(
        [{"record_id": 3, "redcap_repeat_instance": 1, "field_1": 1}]
    ) == {"count": 1}


def test_bad_values_are_refused_with_csv_lines_and_nothing_is_written(simple: Project) -> None:
    before = simple.export_records()
    rows = [
        {"record_id": "1", "weight": "heavy", "first_name": "Changed"},
        {"record_id": "20", "nope": "x"},
        {
            "record_id": "21",
            "sex": "7",
            "dob": "2021-02-30",
            "email": "not-an-email",
            "height": "1.2.3",
        },
    ]
    with pytest.raises(RedcapError, match="must be an integer") as caught:
        simple.import_records(rows)
    assert message_of(caught.value).split("\n") == [
        '"1","weight","heavy","The value of weight must be an integer."',
        '"20","nope","x","This field name does not exist in the project."',
        '"21","sex","7","The value is not a valid category for sex"',
        '"21","dob","2021-02-30","Invalid date format. (NOTE: Dates must be imported here only '
        'in Y-M-D format, regardless of the specific date format designated for this field.)"',
        '"21","email","not-an-email","Email address is not properly formatted."',
        '"21","height","1.2.3","The value of height must be numeric."',
    ]
    assert simple.export_records() == before


def test_checkbox_and_event_mistakes(long: Project) -> None:
    with pytest.raises(RedcapError, match="CHECKBOX RENAME ERROR"):
        long.import_records(
            [{"study_id": "1", "redcap_event_name": "enrollment_arm_1", "meds": "1"}]
        )
    with pytest.raises(RedcapError, match="The value of a checkbox option must be 0, 1 or blank"):
        long.import_records(
            [{"study_id": "1", "redcap_event_name": "enrollment_arm_1", "meds___1": "yes"}]
        )
    with pytest.raises(RedcapError, match="This event name does not exist in the project"):
        long.import_records([{"study_id": "1", "redcap_event_name": "nope_arm_1"}])
    with pytest.raises(RedcapError, match="The record event name is missing"):
        long.import_records([{"study_id": "1", "redcap_event_name": ""}])
    with pytest.raises(RedcapError, match="not designated for the event named dose_1_arm_1"):
        long.import_records([{"study_id": "1", "redcap_event_name": "dose_1_arm_1", "vld1": "3"}])


def test_repeat_column_mistakes(simple: Project, long: Project) -> None:
    with pytest.raises(RedcapError, match="Trying to import repeat instance/instrument fields"):
        simple.import_records([{"record_id": "1", "redcap_repeat_instance": "2"}])
    enrollment = {"study_id": "1", "redcap_event_name": "enrollment_arm_1"}
    with pytest.raises(RedcapError, match="weight2") as caught:
        long.import_records([{**enrollment, "weight2": "5"}])
    assert message_of(caught.value) == (
        '"1","weight2","5","The field \'weight2\' is on the repeating instrument '
        "'baseline_data', so the field 'redcap_repeat_instrument' is required in this row.\""
    )
    with pytest.raises(RedcapError, match="redcap_repeat_instrument") as caught:
        long.import_records(
            [
                {
                    **enrollment,
                    "redcap_repeat_instrument": "demographics",
                    "redcap_repeat_instance": 1,
                }
            ]
        )
    assert "is not a repeating instrument in the event 'enrollment_arm_1'" in message_of(
        caught.value
    )
    with pytest.raises(RedcapError, match="redcap_repeat_instance") as caught:
        long.import_records(
            [{**enrollment, "redcap_repeat_instrument": "baseline_data", "weight2": "5"}]
        )
    assert "The field 'redcap_repeat_instance' is required" in message_of(caught.value)


def test_record_names_and_duplicates(simple: Project) -> None:
    with pytest.raises(RedcapError, match="Record names cannot contain") as caught:
        simple.import_records([{"record_id": "a#1"}, {"record_id": ""}])
    assert "The record name is blank" in message_of(caught.value)
    with pytest.raises(RedcapError, match="occurs more than once"):
        simple.import_records([{"record_id": "40"}, {"record_id": "40", "first_name": "x"}])
    with pytest.raises(RedcapError, match=r"The record ID field \(record_id\) is missing"):
        simple.import_records([{"first_name": "x"}])


def test_malformed_data(server: RunningServer, simple: Project) -> None:
    answer = post(
        server, token=simple.token, content="record", format="json", returnFormat="json", data="[{"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "The data being imported is not formatted correctly. PHP error from JSON decoder: "
        "Syntax error. The JSON must be in an array, as in [{ ... }]."
    }
    with pytest.raises(RedcapError, match="could not be parsed"):
        simple.import_records("<records><item>", import_format="xml")


def test_csv_and_xml_data(simple: Project) -> None:
    assert simple.import_records('record_id,first_name\n50,"Ann Lee"\n', import_format="csv") == {
        "count": 1
    }
    xml = "<records><item><record_id>51</record_id><first_name>Bo</first_name></item></records>"
    assert simple.import_records(xml, import_format="xml") == {"count": 1}
    names = {
        row["record_id"]: row["first_name"] for row in simple.export_records(records=["50", "51"])
    }
    assert names == {"50": "Ann Lee", "51": "Bo"}


def test_dag_column_assigns_groups(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "redcap_data_access_group": "test_dag"}])
    rows = simple.export_records(export_data_access_groups=True)
    assert [row["redcap_data_access_group"] for row in rows] == ["test_dag", "", "test_dag"]
    with pytest.raises(RedcapError, match="not the unique group name"):
        simple.import_records([{"record_id": "1", "redcap_data_access_group": "other"}])


def test_concurrent_imports_all_land(long: Project) -> None:
    # Each request has its own SQLite connection; writers queue on the database lock.
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for step in range(3):
                row = {"study_id": f"w{worker}-{step}", "redcap_event_name": "enrollment_arm_1"}
                long.import_records([{**row, "first_name": "T"}])
        except BaseException as exc:  # collected here, asserted in the test thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    names = {row["study_id"] for row in long.export_records(fields=["study_id"])}
    assert names == {"1", "2"} | {f"w{worker}-{step}" for worker in range(4) for step in range(3)}
