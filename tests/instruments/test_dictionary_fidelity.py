"""A dictionary is imported as REDCap takes it on upload: a date bound in the field's own order is
stored Y-M-D, a flag other than 'y' is blanked, and the events a longitudinal project's logic
names become waves; every change REDCap would make is said in a warning."""

from __future__ import annotations

import json

import pytest

from instruments import load_instrument
from instruments.dictionary import API_COLUMNS, compile_dictionary, import_dictionary

HEADER = ",".join(API_COLUMNS)
RECORD_ID = "record_id,visit,,text,ID,,,,,,,,,,,,,"


def dictionary(*rows: str) -> bytes:
    return "\n".join([HEADER, RECORD_ID, *rows, ""]).encode("utf-8")


def dated(vtype: str, low: str, high: str = "") -> bytes:
    return dictionary(f"seen,visit,,text,Seen,,,{vtype},{low},{high},,,,,,,,")


def validation(data: dict) -> dict:
    return data["fields"][1]["validation"]


# -- date bounds in the field's own order (redcap-api.md §4.4; REDCap's date_mdy2ymd) -----------


@pytest.mark.parametrize(
    ("vtype", "written", "stored"),
    [
        ("date_mdy", "01-31-1900", "1900-01-31"),
        ("date_mdy", "1/2/1900", "1900-01-02"),
        ("date_dmy", "31-01-1900", "1900-01-31"),
        ("date_dmy", "31.01.1900", "1900-01-31"),
        ("datetime_mdy", "12-31-1999 23:59", "1999-12-31 23:59"),
        ("datetime_seconds_dmy", "31-12-1999 23:59:58", "1999-12-31 23:59:58"),
    ],
)
def test_a_date_bound_in_the_fields_own_order_is_stored_ymd_with_a_warning(vtype, written, stored):
    imported = import_dictionary(dated(vtype, written))
    assert validation(imported.data) == {"type": vtype, "min": stored}
    assert imported.warnings == [
        f"[<memory> row 3] field 'seen': min '{written}' is kept as '{stored}': it is written in "
        f"the {vtype} field's own order, and REDCap stores date bounds as Y-M-D"
    ]
    result = load_instrument(imported.data)
    assert result.errors == []
    rows = compile_dictionary([result.unwrap()])
    assert rows[1]["text_validation_min"] == stored


def test_the_issues_example_validates_and_compiles_as_redcap_stores_it():
    imported = import_dictionary(dated("date_mdy", "01-01-1900", "12-31-2099"))
    assert validation(imported.data) == {
        "type": "date_mdy",
        "min": "1900-01-01",
        "max": "2099-12-31",
    }
    assert (
        len(imported.warnings) == 2
        and "max '12-31-2099' is kept as '2099-12-31'" in (imported.warnings[1])
    )
    assert load_instrument(imported.data).ok


@pytest.mark.parametrize(
    ("vtype", "bound"),
    [
        ("date_mdy", "1900-01-01"),  # already as REDCap stores it
        ("date_mdy", "today"),
        ("date_ymd", "2020-01-31"),
        ("number", "1.5"),
    ],
)
def test_bounds_redcap_keeps_as_they_are_are_kept_without_a_warning(vtype, bound):
    imported = import_dictionary(dated(vtype, bound))
    assert validation(imported.data)["min"] == bound
    assert imported.warnings == []


@pytest.mark.parametrize(
    ("vtype", "bound"),
    [("date_mdy", "31-01-1900"), ("date_dmy", "01-31-1900"), ("date_ymd", "01/02/2020")],
)
def test_a_bound_that_is_no_date_in_the_fields_order_is_still_refused(vtype, bound):
    imported = import_dictionary(dated(vtype, bound))
    assert validation(imported.data)["min"] == bound
    problems = load_instrument(imported.data).errors
    assert [(p.code.code, p.pointer) for p in problems] == [
        ("validation-bound-format", "/fields/1/validation/min")
    ]


# -- what else REDCap changes on upload, said in a warning --------------------------------------


def test_flags_other_than_y_are_blanked_as_redcap_blanks_them():
    imported = import_dictionary(dictionary("name,visit,,text,Name,,,,,,Y,,1,,,,,"))
    fld = imported.data["fields"][1]
    assert fld.get("identifier") is True and "required" not in fld
    assert imported.warnings == [
        "[<memory> row 3] field 'name': identifier 'Y' is kept as 'y': REDCap stores the flag "
        "and exports it as 'y'",
        "[<memory> row 3] field 'name': required_field '1' is kept as blank: REDCap blanks a "
        "flag other than 'y'",
    ]


def test_the_record_id_section_header_and_an_unknown_alignment_are_cleared_with_warnings():
    raw = "\n".join(
        [
            HEADER,
            "record_id,visit,Intro,text,ID,,,,,,,,,,,,,",
            'colour,visit,,radio,Colour,"1,Red|2,Blue",,,,,,,,XX,,,,',
            "",
        ]
    ).encode()
    imported = import_dictionary(raw)
    assert "section_header" not in imported.data["fields"][0]
    assert "alignment" not in imported.data["fields"][1]
    assert imported.warnings == [
        "[<memory> row 2] field 'record_id': section header 'Intro' is kept as blank: REDCap "
        "clears the record-id field's section header (redcap-api.md §4.4)",
        "[<memory> row 3] field 'colour': custom alignment 'XX' is kept as blank: REDCap blanks "
        "an alignment it does not know",
        "[<memory> row 3] field 'colour': choices '1,Red|2,Blue' is kept as '1, Red | 2, Blue': "
        "choices are kept as codes and labels",
    ]


# -- a longitudinal project's dictionary --------------------------------------------------------

LONGITUDINAL = dictionary(
    "qi_done,visit,,yesno,QI project done?,,,,,,,,,,,,,",
    "qi_why,visit,,notes,Why not?,,,,,,,\"[baseline_arm_1][qi_done] = '0'\",,,,,,",
    'qi_change,visit,,calc,Change,"[month_6_arm_1][qi_done] - [baseline_arm_1][qi_done]",'
    ",,,,,,,,,,,",
)


def test_events_named_in_logic_become_the_waves_with_a_warning():
    imported = import_dictionary(LONGITUDINAL)
    assert imported.data["waves"] == {
        "mode": "events",
        "events": [
            {"name": "baseline", "label": "Baseline", "month": 0},
            {"name": "month_6", "label": "Month 6", "month": 1},
        ],
    }
    assert imported.warnings == [
        "[<memory>] the logic names events [baseline_arm_1], [month_6_arm_1]: they are the "
        "instrument's waves (arm 1), in the order first named, at months 0, 1 and holding every "
        "form; a data dictionary holds no event labels, months or forms, so set them in /waves "
        "as the project has them"
    ]
    result = load_instrument(json.loads(json.dumps(imported.data)))
    assert result.errors == []


def test_a_longitudinal_dictionary_compiles_back_cell_for_cell():
    imported = import_dictionary(LONGITUDINAL)
    rows = compile_dictionary([load_instrument(imported.data).unwrap()])
    assert rows[2]["branching_logic"] == "[baseline_arm_1][qi_done] = '0'"
    assert rows[3]["select_choices_or_calculations"] == (
        "[month_6_arm_1][qi_done] - [baseline_arm_1][qi_done]"
    )


def test_an_event_of_another_arm_is_named_in_a_warning_and_still_refused():
    raw = dictionary(
        "qi_done,visit,,yesno,QI project done?,,,,,,,,,,,,,",
        "qi_why,visit,,notes,Why?,,,,,,,\"[enrollment_arm_2][qi_done] = '0'\",,,,,,",
    )
    imported = import_dictionary(raw)
    assert "waves" not in imported.data
    assert imported.warnings == [
        "[<memory>] the logic names events [enrollment_arm_2], which are not in arm 1 or whose "
        "names no event label gives back; a data dictionary says nothing else of them, so the "
        "logic that names them does not validate until /structure states them: import the "
        "project's XML instead, which holds every arm and event"
    ]
    errors = load_instrument(imported.data).errors
    assert [(p.code.code, p.pointer) for p in errors] == [
        ("logic-unknown-event", "/fields/2/branching_logic")
    ]


def test_a_dictionary_without_event_logic_has_no_waves():
    imported = import_dictionary(dictionary("age,visit,,text,Age,,,integer,0,120,,,,,,,,"))
    assert "waves" not in imported.data and imported.warnings == []
