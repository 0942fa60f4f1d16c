"""Record import checks every text validation type as REDCap does, through an unmodified PyCap.

Patterns: REDCap 15.0's ``redcap_validation_types`` (``regex_php``, as REDCap's pages publish
them). Messages: REDCap's English language file (``data_import_tool_*``; ``config_functions_77``
for the types without a message of their own, as vubiostat/redcapAPI#217 shows REDCap answering
for ``number_1dp``). A refused import is REDCap's CSV lines, one per problem, and stores nothing
(redcap-api.md §1.3, §2.1, §4.3).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redcap import Project, RedcapError

from instruments.dictionary.columns import API_COLUMNS
from plugin.localcap import RunningServer
from tests.localcap.conftest import create_project, message_of

GENERIC = (
    "The value you provided could not be validated because it does not follow the expected "
    "format. Please try again."
)
DATE_YMD = (
    "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D format, regardless "
    "of the specific date format designated for this field.)"
)
DATETIME_YMD = (
    "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D H:M[:S] format, "
    "regardless of the specific date format designated for this field.)"
)

# type, a value REDCap accepts, what it stores, a value it refuses, its message
CASES = [
    ("integer", "-12", "-12", "1.5", "The value of v_integer must be an integer."),
    ("number", "-1.5e3", "-1.5e3", "1.", "The value of v_number must be numeric."),
    ("number_1dp", "22.1", "22.1", "22", GENERIC),
    ("number_2dp", "-1.25", "-1.25", "1.2", GENERIC),
    ("number_3dp", "0.125", "0.125", "0.12", GENERIC),
    ("number_4dp", "3.1416", "3.1416", "3.14159", GENERIC),
    ("number_comma_decimal", "1,5", "1,5", "1.5", GENERIC),
    ("number_1dp_comma_decimal", "2,5", "2,5", "2.5", GENERIC),
    ("number_2dp_comma_decimal", "-2,50", "-2,50", "2,5", GENERIC),
    ("number_3dp_comma_decimal", "2,500", "2,500", "2,5000", GENERIC),
    ("number_4dp_comma_decimal", "2,5000", "2,5000", "2,500", GENERIC),
    (
        "phone",
        "(615) 322-2222",
        "(615) 322-2222",
        "123-456-7890",
        "v_phone must be a 10-digit phone number.",
    ),
    ("phone_australia", "(02) 9876 5432", "(02) 9876 5432", "9876 5432", GENERIC),
    ("phone_uk", "+44 1234 567 890", "+44 1234 567 890", "12345", GENERIC),
    ("phone_france", "01 23 45 67 89", "01 23 45 67 89", "00 23 45 67 89", GENERIC),
    (
        "zipcode",
        "37232-1234",
        "37232-1234",
        "3723",
        "v_zipcode must be a 5 or 9 digit U.S. ZIP Code",
    ),
    ("postalcode_australia", "2000", "2000", "200", GENERIC),
    ("postalcode_canada", "k1a 0b1", "k1a 0b1", "D1A 0B1", GENERIC),
    ("postalcode_germany", "01067", "01067", "00123", GENERIC),
    ("postalcode_uk", "SW1A 1AA", "SW1A 1AA", "SW1A1AA", GENERIC),
    ("postalcode_french", "75008", "75008", "99000", GENERIC),
    ("ssn", "123-45-6789", "123-45-6789", "123456789", GENERIC),
    (
        "time",
        "09:05",
        "09:05",
        "24:00",
        "Time is not properly formatted as HH:MM (military format).",
    ),
    ("time_hh_mm_ss", "23:59:59", "23:59:59", "23:59", GENERIC),
    ("time_mm_ss", "59:59", "59:59", "60:00", GENERIC),
    ("alpha_only", "Abc", "Abc", "abc1", GENERIC),
    ("mrn_10d", "0123456789", "0123456789", "123456789", GENERIC),
    ("mrn_generic", "AB-12_c", "AB-12_c", "AB 12", GENERIC),
    (
        "vmrn",
        "12345",
        "12345",
        "123",
        "Vanderbilt medical record number is not properly "
        "formatted. It should be 4- to 9-digit number (excluding leading zeros).",
    ),
    (
        "email",
        "o'neil.j@user.co.uk",
        "o'neil.j@user.co.uk",
        "joe@user",
        "Email address is not properly formatted.",
    ),
    ("date_ymd", "2024-02-29", "2024-02-29", "2023-02-29", DATE_YMD),
    ("date_mdy", "2024/02/29", "2024-02-29", "02/29/2024", DATE_YMD),
    ("date_dmy", "2024-12-31", "2024-12-31", "2024-1-31", DATE_YMD),
    ("datetime_ymd", "2024-02-29 23:59", "2024-02-29 23:59", "2024-02-29 24:00", DATETIME_YMD),
    ("datetime_mdy", "2024-02-29 07:30", "2024-02-29 07:30", "2024-02-29 07:30:00", DATETIME_YMD),
    ("datetime_dmy", "2024-12-01 00:00", "2024-12-01 00:00", "2024-12-01", DATETIME_YMD),
    (
        "datetime_seconds_ymd",
        "2024-02-29 23:59:59",
        "2024-02-29 23:59:59",
        "2024-02-29 23:59",
        DATETIME_YMD,
    ),
    (
        "datetime_seconds_mdy",
        "2000-01-01 00:00:00",
        "2000-01-01 00:00:00",
        "1900-02-29 00:00:00",
        DATETIME_YMD,
    ),
    (
        "datetime_seconds_dmy",
        "2024-06-30 12:00:00",
        "2024-06-30 12:00:00",
        "2024-06-31 12:00:00",
        DATETIME_YMD,
    ),
]
BOUNDED = [
    # name, validation, min, max, annotation
    ("soft", "integer", "0", "10", ""),
    ("forced", "integer", "0", "10", "@FORCE-MINMAX"),
    ("forced_day", "date_mdy", "2000-01-01", "2000-12-31", "@FORCE-MINMAX"),
    ("forced_comma", "number_comma_decimal", "0", "1,5", "@FORCE-MINMAX"),
]

SLIDER = {"field_type": "slider", "select_choices_or_calculations": "Low | | High"}
SLIDERS = [("scale", "", ""), ("narrow", "-2", "5")]  # name, min, max


def _row(
    name: str, validation: str = "", low: str = "", high: str = "", tag: str = ""
) -> dict[str, str]:
    return {
        **dict.fromkeys(API_COLUMNS, ""),
        "field_name": name,
        "form_name": "values",
        "field_type": "text",
        "field_label": name,
        "text_validation_type_or_show_slider_number": validation,
        "text_validation_min": low,
        "text_validation_max": high,
        "field_annotation": tag,
    }


@pytest.fixture(scope="module")
def typed(server: RunningServer) -> Iterator[Project]:
    """One text field per REDCap validation type (``v_<type>``), and the bounded fields."""
    project = Project(server.url, create_project(server.url, "test_simple_project"))
    rows = [_row("record_id"), *(_row(f"v_{case[0]}", case[0]) for case in CASES)]
    rows += [_row(*bounded) for bounded in BOUNDED]
    rows += [{**_row(name, "", low, high), **SLIDER} for name, low, high in SLIDERS]
    project.import_metadata(rows)
    yield project


def _refusal(project: Project, rows: list[dict[str, str]], **options: str) -> list[str]:
    with pytest.raises(RedcapError) as caught:
        project.import_records(rows, **options)
    return message_of(caught.value).split("\n")


def _stored(project: Project, record: str, field: str) -> str:
    return str(project.export_records(records=[record], fields=[field])[0][field])


@pytest.mark.parametrize(
    ("validation", "accepted", "stored", "refused", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_each_type_accepts_and_refuses_as_redcap(
    typed: Project, validation: str, accepted: str, stored: str, refused: str, message: str
) -> None:
    field = f"v_{validation}"
    record = f"r_{validation}"
    assert _refusal(typed, [{"record_id": record, field: refused}]) == [
        f'"{record}","{field}","{refused}","{message}"'
    ]
    assert typed.export_records(records=[record]) == []
    assert typed.import_records([{"record_id": record, field: accepted}]) == {"count": 1}
    assert _stored(typed, record, field) == stored


def test_every_validation_type_is_covered() -> None:
    from instruments.validation_types import VALIDATION_TYPES

    assert {case[0] for case in CASES} == set(VALIDATION_TYPES)


def test_dates_in_the_date_format_order_are_stored_y_m_d(typed: Project) -> None:
    rows = [
        {
            "record_id": "mdy",
            "v_date_mdy": "2/29/2024",
            "v_datetime_seconds_mdy": "12/31/1999 23:59:59",
            "v_date_dmy": "2024-03-01",
        },
    ]
    assert typed.import_records(rows, date_format="MDY") == {"count": 1}
    row = typed.export_records(records=["mdy"])[0]
    assert (row["v_date_mdy"], row["v_datetime_seconds_mdy"], row["v_date_dmy"]) == (
        "2024-02-29",
        "1999-12-31 23:59:59",
        "2024-03-01",
    )
    assert typed.import_records(
        [{"record_id": "dmy", "v_date_dmy": "29-02-2024", "v_datetime_dmy": "01/12/2024 07:30"}],
        date_format="DMY",
    ) == {"count": 1}
    row = typed.export_records(records=["dmy"])[0]
    assert (row["v_date_dmy"], row["v_datetime_dmy"]) == ("2024-02-29", "2024-12-01 07:30")


@pytest.mark.parametrize(
    ("date_format", "date_hint", "datetime_hint"),
    [
        ("MDY", "M/D/Y format or Y-M-D", "M/D/Y H:M[:S]"),
        ("DMY", "D/M/Y format or Y-M-D", "D/M/Y H:M[:S]"),
    ],
)
def test_dates_out_of_the_date_format_order_are_refused(
    typed: Project, date_format: str, date_hint: str, datetime_hint: str
) -> None:
    note = "format, regardless of the specific date format designated for this field.)"
    wrong = "13/13/2024"
    lines = _refusal(
        typed,
        [{"record_id": "order", "v_date_ymd": wrong, "v_datetime_ymd": f"{wrong} 10:00"}],
        date_format=date_format,
    )
    assert lines == [
        f'"order","v_date_ymd","{wrong}","Invalid date format. (NOTE: Dates must be imported '
        f'here only in {date_hint} {note}"',
        f'"order","v_datetime_ymd","{wrong} 10:00","Invalid date format. (NOTE: Dates must be '
        f'imported here only in {datetime_hint} {note}"',
    ]


def test_min_and_max_refuse_only_with_force_minmax(typed: Project) -> None:
    # Out of range is a warning in REDCap's import (§4.3): the value is stored.
    assert typed.import_records([{"record_id": "soft", "soft": "11"}]) == {"count": 1}
    assert _stored(typed, "soft", "soft") == "11"
    lines = _refusal(
        typed,
        [
            {"record_id": "hard", "forced": "11", "forced_comma": "1,6"},
            {"record_id": "low", "forced": "-1", "forced_day": "12/31/1999"},
        ],
        date_format="MDY",
    )
    assert lines == [
        '"hard","forced","11","forced should not be greater than the field maximum (10)"',
        '"hard","forced_comma","1,6","forced_comma should not be greater than the field maximum '
        '(1,5)"',
        '"low","forced","-1","forced should not be less than the field minimum (0)"',
        '"low","forced_day","1999-12-31","forced_day should not be less than the field minimum '
        '(2000-01-01)"',
    ]
    assert typed.export_records(records=["hard", "low"]) == []
    edge = {"record_id": "edge", "forced": "10", "forced_day": "2000-12-31", "forced_comma": "1,5"}
    assert typed.import_records([edge]) == {"count": 1}
    assert _stored(typed, "edge", "forced_day") == "2000-12-31"


def test_one_bad_value_stores_nothing_of_the_import(typed: Project) -> None:
    typed.import_records([{"record_id": "kept", "v_zipcode": "37232"}])
    before = typed.export_records()
    rows = [
        {"record_id": "kept", "v_zipcode": "90210", "v_ssn": "123-45-6789"},
        {"record_id": "new_a", "v_integer": "5", "v_phone": "615-322-2222"},
        {"record_id": "new_b", "v_time_mm_ss": "05:30", "v_postalcode_uk": "sw1a 1aa"},
    ]
    assert _refusal(typed, rows) == [f'"new_b","v_postalcode_uk","sw1a 1aa","{GENERIC}"']
    assert typed.export_records() == before
    assert _stored(typed, "kept", "v_zipcode") == "37232"


LESS = "{field} should not be less than the field minimum ({low})"
MORE = "{field} should not be greater than the field maximum ({high})"
FORMAT = (
    "The value you provided could not be validated because it does not follow the expected "
    "format. Please try again."
)


@pytest.mark.parametrize(
    ("field", "refused", "edges", "low", "high"),
    [
        (
            "scale",
            {"101": MORE, "-1": LESS, "50.5": FORMAT, "half": FORMAT, "100.5": MORE},
            ["0", "100"],
            "0",
            "100",
        ),
        ("narrow", {"6": MORE, "-3": LESS}, ["-2", "5"], "-2", "5"),
    ],
)
def test_a_slider_takes_only_an_integer_in_its_range(
    typed: Project, field: str, refused: dict[str, str], edges: list[str], low: str, high: str
) -> None:
    """REDCap checks a slider as an integer with hard bounds: the generic format message, then
    data_import_tool_223/225 for a number out of range, which replaces it (Records::saveData and
    English.ini, REDCap 7.1.2's source)."""
    values = list(refused)
    rows = [{"record_id": f"{field}_{n}", field: value} for n, value in enumerate(values)]
    assert _refusal(typed, rows) == [
        f'"{row["record_id"]}","{field}","{row[field]}",'
        f'"{refused[row[field]].format(field=field, low=low, high=high)}"'
        for row in rows
    ]
    assert typed.export_records(records=[row["record_id"] for row in rows]) == []
    kept = [{"record_id": f"{field}_edge_{value}", field: value} for value in edges]
    assert typed.import_records(kept) == {"count": len(edges)}
    assert [_stored(typed, row["record_id"], field) for row in kept] == edges
