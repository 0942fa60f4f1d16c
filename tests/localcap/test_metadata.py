"""Data dictionary, field names and instruments, as REDCap exports them for PyCap's projects.

Expected values come from the project XML files themselves and from PyCap's integration tests
(``tests/integration/test_simple_project.py``, ``test_long_project.py``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from redcap import Project, RedcapError

from instruments.dictionary.columns import API_COLUMNS
from plugin.localcap import RunningServer, set_production
from tests.localcap.conftest import message_of


def test_simple_metadata_has_15_fields_in_xml_order(simple: Project) -> None:
    metadata = simple.export_metadata()
    # PyCap: assert len(original_metadata) == 15
    assert len(metadata) == 15
    assert [row["field_name"] for row in metadata] == [
        "record_id", "first_name", "last_name", "address", "telephone", "email", "dob", "age",
        "ethnicity", "race", "sex", "height", "weight", "bmi", "comments",
    ]  # fmt: skip
    assert all(list(row) == list(API_COLUMNS) for row in metadata)
    assert all(isinstance(value, str) for row in metadata for value in row.values())


def test_simple_metadata_rows_translate_the_xml(simple: Project) -> None:
    rows = {row["field_name"]: row for row in simple.export_metadata()}
    # ItemDef telephone: FieldType text, TextValidationType phone, FieldNote, Identifier y.
    assert rows["telephone"]["text_validation_type_or_show_slider_number"] == "phone"
    assert rows["telephone"]["field_note"] == "Include Area Code"
    assert rows["telephone"]["identifier"] == "y"
    # Stored legacy types export under their API names: textarea -> notes, select -> dropdown,
    # int -> integer, float -> number (redcap-api.md §4.1).
    assert rows["address"]["field_type"] == "notes"
    assert rows["race"]["field_type"] == "dropdown"
    assert rows["weight"]["text_validation_type_or_show_slider_number"] == "integer"
    assert (rows["weight"]["text_validation_min"], rows["weight"]["text_validation_max"]) == (
        "35",
        "200",
    )
    assert rows["height"]["text_validation_type_or_show_slider_number"] == "number"
    assert rows["sex"]["select_choices_or_calculations"] == "0, Female | 1, Male"
    assert rows["ethnicity"]["custom_alignment"] == "LH"
    assert rows["age"]["select_choices_or_calculations"] == "rounddown(datediff([dob],'today','y'))"
    assert rows["first_name"]["section_header"] == "Contact Information"
    assert rows["record_id"]["section_header"] == ""


def test_long_metadata_checkbox_matrix_and_slider(long: Project) -> None:
    rows = {row["field_name"]: row for row in long.export_metadata()}
    assert rows["gym"]["field_type"] == "checkbox"
    assert rows["gym"]["matrix_group_name"] == "weekly_schedule"
    assert rows["gym"]["select_choices_or_calculations"] == (
        "0, Monday | 1, Tuesday | 2, Wednesday | 3, Thursday | 4, Friday"
    )
    assert rows["specify_mood"]["select_choices_or_calculations"] == (
        "Very sad | Indifferent | Very happy"
    )
    assert rows["num_children"]["branching_logic"] == '[sex] = "0" and [given_birth] = "1"'
    assert rows["patient_document"]["field_type"] == "file"
    assert "demographics_complete" not in rows


def test_metadata_filters_are_or_combined(long: Project) -> None:
    rows = long.export_metadata(fields=["study_id"], forms=["baseline_data"])
    assert [row["field_name"] for row in rows] == [
        "study_id", "height2", "weight2", "bmi2", "prealb_b", "creat_b", "npcr_b", "chol_b",
        "transferrin_b",
    ]  # fmt: skip


def test_metadata_csv_and_dataframe(simple: Project) -> None:
    text = simple.export_metadata(format_type="csv")
    assert text.startswith(",".join(API_COLUMNS) + "\n")
    assert 'record_id,demographics,,text,"Study ID",' in text
    frame = simple.export_metadata(format_type="df")
    assert frame.index.name == "field_name"
    assert len(frame) == 15


def test_metadata_export_refuses_unknown_names(simple: Project) -> None:
    with pytest.raises(RedcapError, match='parameter "fields" are not valid') as caught:
        simple.export_metadata(fields=["nope"])
    assert message_of(caught.value) == (
        "The following values in the parameter \"fields\" are not valid: 'nope'"
    )


def test_field_names_expand_checkboxes_and_add_form_status(simple: Project, long: Project) -> None:
    # PyCap: len(simple_project.export_field_names()) == 16 (15 fields + demographics_complete).
    names = simple.export_field_names()
    assert len(names) == 16
    assert names[-1] == {
        "original_field_name": "demographics_complete",
        "choice_value": "",
        "export_field_name": "demographics_complete",
    }
    gym = long.export_field_names(field="gym")
    assert [item["export_field_name"] for item in gym] == [f"gym___{code}" for code in range(5)]
    assert [item["choice_value"] for item in gym] == ["0", "1", "2", "3", "4"]
    exported = {item["original_field_name"] for item in long.export_field_names()}
    assert "patient_document" not in exported  # file fields are left out
    assert "bmi" in exported  # calc fields are not (PyCap's count of 16 needs age and bmi)


def test_field_names_single_field_and_dataframe(simple: Project) -> None:
    assert len(simple.export_field_names(field="first_name")) == 1
    frame = simple.export_field_names(format_type="df")
    assert list(frame.columns) == ["choice_value", "export_field_name"]


def test_field_names_unknown_field(simple: Project) -> None:
    with pytest.raises(RedcapError, match="Invalid field"):
        simple.export_field_names(field="nope")


def test_instruments(simple: Project, long: Project, doctest: Project) -> None:
    assert simple.export_instruments() == [
        {"instrument_name": "demographics", "instrument_label": "Basic Demography Form"}
    ]
    assert len(long.export_instruments()) == 9  # PyCap's long-project test
    assert doctest.export_instruments() == [
        {"instrument_name": "form_1", "instrument_label": "Form 1"}
    ]  # PyCap's doctest


def test_import_metadata_replaces_the_dictionary(simple: Project) -> None:
    original = simple.export_metadata()
    # PyCap's integration test: drop the last field, then restore it.
    assert simple.import_metadata(original[:14]) == 14
    assert [row["field_name"] for row in Project(simple.url, simple.token).metadata][-1] == "bmi"
    assert "comments" not in simple.export_records()[0]
    assert simple.import_metadata(original) == 15
    assert simple.export_metadata() == original


def test_import_metadata_keeps_the_data_of_removed_fields(simple: Project) -> None:
    """REDCap's MetaData::save_metadata deletes and rewrites only the metadata: a field left out
    of a dictionary keeps its values, unseen, and shows them again when it comes back."""
    original = simple.export_metadata()
    names = {record["record_id"]: record["last_name"] for record in simple.export_records()}
    assert set(names.values()) != {""}
    simple.import_metadata([row for row in original if row["field_name"] != "last_name"])
    # a new PyCap project reads the dictionary afresh (PyCap keeps the field names it read)
    without = Project(simple.url, simple.token).export_records()
    assert without and all("last_name" not in record for record in without)
    simple.import_metadata(original)
    again = Project(simple.url, simple.token).export_records()
    assert {r["record_id"]: r["last_name"] for r in again} == names


def test_import_metadata_csv_and_dataframe(simple: Project) -> None:
    text = simple.export_metadata(format_type="csv")
    assert simple.import_metadata(text, import_format="csv") == 15
    frame = simple.export_metadata(
        format_type="df",
        df_kwargs={
            "index_col": "field_name",
            "dtype": {
                "text_validation_min": pd.Int64Dtype(),
                "text_validation_max": pd.Int64Dtype(),
            },
        },
    )
    assert simple.import_metadata(frame, import_format="df") == 15
    assert simple.export_metadata(fields=["weight"])[0]["text_validation_min"] == "35"


def test_import_metadata_adds_a_form(simple: Project) -> None:
    rows = simple.export_metadata()
    extra = dict.fromkeys(API_COLUMNS, "")
    extra.update(
        field_name="visit_note", form_name="follow_up", field_type="notes", field_label="Note"
    )
    assert simple.import_metadata([*rows, extra]) == 16
    assert simple.export_instruments()[-1] == {
        "instrument_name": "follow_up",
        "instrument_label": "Follow Up",
    }
    assert "follow_up_complete" in [
        item["export_field_name"] for item in simple.export_field_names()
    ]


def test_import_metadata_lists_every_problem(simple: Project) -> None:
    rows = simple.export_metadata()
    rows[3] = {**rows[3], "field_type": "essay"}
    rows[9] = {**rows[9], "select_choices_or_calculations": ""}  # race: a dropdown
    moved = {**rows[1], "field_name": "late_name", "form_name": "other"}
    broken = [*rows[:5], moved, *rows[5:]]
    with pytest.raises(RedcapError, match="not a valid field type") as caught:
        simple.import_metadata(broken)
    message = message_of(caught.value)
    assert "'essay' is not a valid field type" in message
    assert "a multiple-choice field needs choices" in message
    assert "the form 'demographics' is not contiguous" in message
    assert len(simple.export_metadata()) == 15


def test_import_metadata_refuses_bad_names_and_references(simple: Project) -> None:
    rows = simple.export_metadata()
    bad = [*rows, {**rows[1], "field_name": "2nd_name"}, {**rows[1], "field_name": "event_id"}]
    bad.append({**rows[7], "field_name": "age2", "select_choices_or_calculations": "[nope] + 1"})
    with pytest.raises(RedcapError, match="cannot begin with a number") as caught:
        simple.import_metadata(bad)
    message = message_of(caught.value)
    assert "cannot begin with a number" in message
    assert "'event_id' is an illegal variable name" in message
    assert "refers to [nope]" in message


def test_import_metadata_is_refused_in_production(server: RunningServer, simple: Project) -> None:
    set_production(server.app.config["LOCALCAP_DB"], simple.token)
    with pytest.raises(
        RedcapError,
        match="This method cannot be used while the project is in Production status.",
    ):
        simple.import_metadata(simple.export_metadata())
    assert simple.export_project_info()["in_production"] == 1
