"""A date bound written in the field's own order in an instrument's JSON is taken as REDCap takes
it on upload: stored Y-M-D with a ``validation-bound-rewritten`` warning (redcap-api.md §4.4, "Date
min/max are normalised to Y-M-D"), so that every output (the compiled dictionary, a deploy,
localcap's range checks) carries the Y-M-D value. A bound that is neither Y-M-D nor a date in the
field's own order is still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from redcap import Project, RedcapError

from instruments import load_instrument
from instruments.dictionary import compile_dictionary, to_csv, to_json
from plugin.cli import main
from plugin.deploy.apply import deploy
from tests.instruments.helpers import base, field

REWRITTEN = "validation-bound-rewritten"


def dated(vtype: str, low: str = "", high: str = "", annotation: str = "") -> dict:
    """The small valid instrument, its date field ``visit_date`` given this validation."""
    data = base()
    data.pop("waves")
    fld = field(data, "visit_date")
    fld["validation"] = {
        "type": vtype,
        **({"min": low} if low else {}),
        **({"max": high} if high else {}),
    }
    if annotation:
        fld["annotation"] = annotation
    return data


def visit_row(rows: list[dict[str, str]]) -> dict[str, str]:
    return next(row for row in rows if row["field_name"] == "visit_date")


@pytest.mark.parametrize(
    ("vtype", "written", "stored"),
    [
        ("date_mdy", "01-31-1900", "1900-01-31"),
        ("date_mdy", "1/2/1900", "1900-01-02"),
        ("date_mdy", "01.31.1900", "1900-01-31"),
        ("date_dmy", "31-01-1900", "1900-01-31"),
        ("date_dmy", "31/01/1900", "1900-01-31"),
        ("datetime_mdy", "12-31-1999 23:59", "1999-12-31 23:59"),
        ("datetime_seconds_dmy", "31-12-1999 23:59:58", "1999-12-31 23:59:58"),
    ],
)
def test_a_bound_in_the_fields_own_order_is_stored_ymd_with_a_warning(vtype, written, stored):
    result = load_instrument(dated(vtype, low=written), name="dated.json")
    assert result.errors == []
    assert [(p.code.code, p.pointer, p.field, p.message) for p in result.warnings] == [
        (
            REWRITTEN,
            "/fields/3/validation/min",
            "visit_date",
            f"min '{written}' is stored as REDCap stores it, '{stored}'",
        )
    ]
    instrument = result.unwrap()
    assert instrument.field_map()["visit_date"].validation.min == stored
    row = visit_row(compile_dictionary([instrument]))
    assert (row["text_validation_type_or_show_slider_number"], row["text_validation_min"]) == (
        vtype,
        stored,
    )


def test_the_issues_example_compiles_to_csv_and_json_as_redcap_stores_it():
    result = load_instrument(dated("date_mdy", "01-01-1900", "12-31-2099"))
    assert [(p.code.code, p.pointer) for p in result.problems] == [
        (REWRITTEN, "/fields/3/validation/min"),
        (REWRITTEN, "/fields/3/validation/max"),
    ]
    rows = compile_dictionary([result.unwrap()])
    assert json.loads(to_json(rows))[3]["text_validation_min"] == "1900-01-01"
    text = to_csv(rows, headers="api")
    assert "date_mdy,1900-01-01,2099-12-31" in text and "01-01-1900" not in text


@pytest.mark.parametrize(
    ("vtype", "bound"),
    [
        ("date_mdy", "1900-01-31"),  # already as REDCap stores it
        ("date_dmy", "today"),
        ("datetime_mdy", "now"),
        ("date_ymd", "2020-01-31"),
    ],
)
def test_a_bound_redcap_keeps_as_it_is_is_kept_without_a_warning(vtype, bound):
    result = load_instrument(dated(vtype, low=bound))
    assert result.problems == []
    assert visit_row(compile_dictionary([result.unwrap()]))["text_validation_min"] == bound


@pytest.mark.parametrize(
    ("vtype", "bound"),
    [
        ("date_mdy", "31-01-1900"),  # day first on a month-first field
        ("date_dmy", "01-31-1900"),
        ("date_ymd", "01/02/2020"),  # a Y-M-D field has no other order
        ("date_mdy", "01-31/1900"),  # REDCap splits on one separator
        ("date_mdy", "1900/01/31"),
        ("date_mdy", "02-30-1900"),  # no such day
        ("datetime_mdy", "12-31-1999"),  # a datetime bound needs its time
    ],
)
def test_a_bound_neither_ymd_nor_in_the_fields_order_is_still_refused(vtype, bound):
    result = load_instrument(dated(vtype, low=bound))
    assert [(p.code.code, p.pointer) for p in result.problems] == [
        ("validation-bound-format", "/fields/3/validation/min")
    ]
    assert result.errors[0].message == f"min '{bound}' is not a valid {vtype} value"


def test_min_and_max_are_compared_as_stored():
    result = load_instrument(dated("date_dmy", "31-12-2020", "01-01-2020"))
    assert result.codes() == [REWRITTEN, REWRITTEN, "validation-min-above-max"]
    assert result.errors[0].message == "min '2020-12-31' is greater than max '2020-01-01'"


def test_the_bound_of_a_field_that_takes_no_validation_is_left_alone():
    data = dated("date_mdy", "01-31-1900")
    field(data, "visit_date")["type"] = "notes"
    result = load_instrument(data)
    assert result.codes() == ["validation-field-type"]
    assert result.instrument is not None
    assert result.instrument.field_map()["visit_date"].validation.min == "01-31-1900"


def test_the_command_line_warns_and_writes_the_ymd_bound(tmp_path: Path):
    source = tmp_path / "dated.json"
    source.write_text(json.dumps(dated("date_mdy", "01-31-1900")), encoding="utf-8")
    out = tmp_path / "dictionary.json"
    result = CliRunner().invoke(
        main, ["instruments", "compile", str(source), "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning [dated.json /fields/3/validation/min] field 'visit_date': min '01-31-1900' is "
        "stored as REDCap stores it, '1900-01-31'"
    ) in result.output
    assert visit_row(json.loads(out.read_text(encoding="utf-8")))["text_validation_min"] == (
        "1900-01-31"
    )


def test_a_deploy_to_localcap_carries_the_ymd_bound_into_its_range_check(live):
    """REDCap refuses a value below a @FORCE-MINMAX field's minimum on import (redcap-api.md
    §4.3): localcap judges it against the deployed, Y-M-D, bound."""
    token = live.create(title="dated")
    instrument = load_instrument(dated("date_mdy", "01-31-1900", annotation="@FORCE-MINMAX"))
    deploy(live.client(token), [instrument.unwrap()])
    project = Project(live.server.url, token)
    assert visit_row(project.export_metadata())["text_validation_min"] == "1900-01-31"
    with pytest.raises(RedcapError, match=r"less than the field minimum \(1900-01-31\)"):
        project.import_records([{"record_id": "1", "visit_date": "1900-01-30"}])
    assert project.export_records() == []
    assert project.import_records([{"record_id": "1", "visit_date": "1900-01-31"}]) == {"count": 1}
