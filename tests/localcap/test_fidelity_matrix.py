"""Every project in ``tests/fixtures/redcap-projects`` through an unmodified PyCap
``Project``: the same exports REDCap gives, and the same rows whatever the format.

Counts are read from the XML itself with a few lines of independent parsing, or taken from
PyCap's integration tests and doctests where they state them.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from redcap import Project

from tests.localcap.conftest import PROJECTS

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
RC = "{https://projectredcap.org}"
EXPECTED = {
    # name: (longitudinal, instruments, field names, flat rows, eav rows)
    "test_simple_project": (False, 1, 16, 3, 30),  # PyCap: 1 instrument, 16 names, 3 rows, 30 EAV
    "test_long_project": (True, 9, 124, 13, 88),  # PyCap: 9 instruments
    "doctest_project": (True, 1, 5, 3, 11),  # PyCap doctest: 5 export field names
}


def xml_fields(name: str) -> list[str]:
    """Field names in the XML: ItemDefs with a REDCap field type, one per variable, no status."""
    root = ET.parse(PROJECTS / f"{name}.xml").getroot()
    found: list[str] = []
    for item in root.iter(f"{ODM}ItemDef"):
        variable = item.get(f"{RC}Variable", "")
        if (
            item.get(f"{RC}FieldType")
            and not variable.endswith("_complete")
            and variable not in found
        ):
            found.append(variable)
    return found


@pytest.fixture(params=sorted(EXPECTED))
def case(
    request: pytest.FixtureRequest, make_project: Callable[[str], Project]
) -> tuple[str, Project]:
    return request.param, make_project(request.param)


def test_design_exports(case: tuple[str, Project]) -> None:
    name, project = case
    longitudinal, instruments, field_names, _, _ = EXPECTED[name]
    assert [row["field_name"] for row in project.export_metadata()] == xml_fields(name)
    assert project.is_longitudinal is longitudinal
    assert len(project.export_instruments()) == instruments
    assert len(project.export_field_names()) == field_names
    assert project.export_project_info()["is_longitudinal"] == int(longitudinal)


def test_rows_agree_across_formats(case: tuple[str, Project]) -> None:
    name, project = case
    _, _, _, rows, eav_rows = EXPECTED[name]
    records = project.export_records()
    assert len(records) == rows
    as_text = [{key: str(value) for key, value in record.items()} for record in records]
    from_csv = list(csv.DictReader(io.StringIO(project.export_records(format_type="csv"))))
    assert from_csv == as_text
    items = ET.fromstring(project.export_records(format_type="xml"))
    from_xml = [{cell.tag: cell.text or "" for cell in item} for item in items]
    assert from_xml == as_text
    assert len(project.export_records(format_type="df")) == rows
    assert len(project.export_records(record_type="eav")) == eav_rows
    labelled = project.export_records(raw_or_label="label")
    assert [list(row) for row in labelled] == [list(row) for row in records]


def test_dictionary_and_records_round_trip(case: tuple[str, Project]) -> None:
    _, project = case
    metadata = project.export_metadata()
    assert project.import_metadata(metadata) == len(metadata)
    assert project.export_metadata() == metadata
    records = project.export_records()
    count = len({record[project.def_field] for record in records})
    assert project.import_records(records) == {"count": count}
    calcs = {row["field_name"] for row in metadata if row["field_type"] == "calc"}
    again = project.export_records()
    assert [_without(row, calcs) for row in again] == [_without(row, calcs) for row in records]


def _without(row: dict[str, object], names: set[str]) -> dict[str, object]:
    return {key: value for key, value in row.items() if key not in names}


def test_recalculated_bmi_matches_what_redcap_stored(simple: Project) -> None:
    # The XML holds REDCap's own results of round(([weight]*10000)/(([height])^(2)),1): 59.2 and
    # 58.9. Project creation does not import calc values; the first import recomputes them.
    simple.import_records(simple.export_records())
    assert [row["bmi"] for row in simple.export_records()] == ["59.2", "58.9", ""]
