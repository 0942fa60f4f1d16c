"""Record exports read a chunk of records at a time and stream large answers: the bytes are the
ones the whole answer has, whatever the chunk size, and a filtered export (which reads only the
listed records and the requested fields) has the rows and cells of the full export.

The project is REDCap's longitudinal test project (arms, events, repeating instruments, surveys,
checkboxes), its records copied under new names in a Data Access Group.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests
from redcap import Project
from werkzeug.datastructures import MultiDict

from plugin.localcap import RunningServer, records_export
from plugin.localcap.params import Params
from plugin.localcap.project import Project as ProjectDesign
from plugin.localcap.project import load_project
from plugin.localcap.record_writers import StreamedAnswer
from plugin.localcap.rows import (
    RecordRow,
    RowKey,
    SlotRules,
    build_rows,
    load_rows,
    record_names,
    row_forms,
    stored_values,
)
from plugin.localcap.storage import Database, open_database
from tests.localcap.conftest import post

OPTIONS = [
    {},
    {"rawOrLabel": "label", "rawOrLabelHeaders": "label", "exportCheckboxLabel": "true"},
    {"exportSurveyFields": "true", "exportDataAccessGroups": "true"},
    {"exportBlankForGrayFormStatus": "true", "decimalCharacter": "comma", "csvDelimiter": ";"},
]


@pytest.fixture
def grown(long: Project) -> Project:
    """The long project with its two records copied under ten new names each, the copies with
    odd numbers in a DAG."""
    long.import_dags([{"data_access_group_name": "North", "unique_group_name": ""}])
    rows = long.export_records()
    copies = []
    for copy in range(10):
        for row in rows:
            if copy % 2:
                copies.append({**row, "study_id": f"{copy}{row['study_id']}"})
            else:
                name = f"rec-{copy}-{row['study_id']}"
                copies.append({**row, "study_id": name, "redcap_data_access_group": "north"})
    long.import_records(copies)
    return long


def export(server: RunningServer, project: Project, **data: str) -> requests.Response:
    return post(server, token=project.token, content="record", action="export", **data)


def listed(filters: dict[str, str], name: str) -> set[str]:
    """The values of the array parameter ``name`` (``name[0]``, ``name[1]``, ...)."""
    return {value for key, value in filters.items() if key.startswith(f"{name}[")}


def newest_log_entry(server: RunningServer, project: Project) -> str:
    entries = post(server, token=project.token, content="log", format="json").json()
    return str(entries[0]["details"])


@pytest.mark.parametrize("fmt", ["json", "csv", "xml"])
def test_a_streamed_export_is_the_whole_one_byte_for_byte(
    server: RunningServer, grown: Project, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    for options in OPTIONS:
        for kind in ("flat", "eav"):
            whole = export(server, grown, format=fmt, type=kind, **options)
            assert whole.headers.get("Content-Length") == str(len(whole.content))
            logged = newest_log_entry(server, grown)
            with monkeypatch.context() as patched:
                patched.setattr(records_export, "CHUNK", 1)
                streamed = export(server, grown, format=fmt, type=kind, **options)
            assert streamed.content == whole.content, (kind, options)
            assert streamed.headers["Content-Type"] == whole.headers["Content-Type"]
            assert newest_log_entry(server, grown) == logged
            if kind == "flat":  # EAV's columns depend on every row: it is answered whole
                assert streamed.headers.get("Transfer-Encoding") == "chunked"
                assert "Content-Length" not in streamed.headers


def test_filtered_exports_hold_the_full_exports_rows_and_cells(
    server: RunningServer, grown: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_export, "CHUNK", 3)
    full = export(server, grown, format="json").json()
    form_of = {row["field_name"]: row["form_name"] for row in grown.export_metadata()}
    for filters in (
        {"fields[0]": "study_id"},
        {"fields[0]": "weight2", "fields[1]": "meds"},
        {"forms[0]": "baseline_data", "records[0]": "1", "records[1]": "rec-4-2"},
        {"fields[0]": "vld1", "events[0]": "visit_1_arm_1", "records[0]": "31"},
    ):
        found = export(server, grown, format="json", **filters).json()
        assert found, filters
        records, events = listed(filters, "records"), listed(filters, "events")
        forms = listed(filters, "forms") | {form_of[name] for name in listed(filters, "fields")}
        columns = list(found[0])
        expected = [
            {column: row[column] for column in columns}
            for row in full
            if (not records or row["study_id"] in records)
            and (not events or row["redcap_event_name"] in events)
            and row["redcap_repeat_instrument"] in forms | {""}
        ]
        assert found == expected, filters


def test_the_record_id_listing_has_a_row_wherever_the_record_has_data(
    server: RunningServer, grown: Project
) -> None:
    full = export(server, grown, format="json").json()
    listed = export(server, grown, format="json", **{"fields[0]": "study_id"}).json()
    rows = [
        {key: row[key] for key in listed[0]}
        for row in full
        if row["redcap_repeat_instrument"] in ("", "demographics")
    ]
    assert listed == rows
    assert len({row["study_id"] for row in listed}) == 22


def test_refusals_come_before_the_first_byte(
    server: RunningServer, grown: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_export, "CHUNK", 1)
    bad_logic = export(server, grown, format="json", filterLogic="[no_such_field] = 1")
    assert bad_logic.status_code == 400
    assert "error" in bad_logic.json()
    bad_date = export(server, grown, format="json", dateRangeBegin="yesterday")
    assert bad_date.status_code == 400
    assert "dateRangeBegin" in bad_date.json()["error"]


def test_a_streamed_export_reads_one_snapshot(
    database: str, grown: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_export, "CHUNK", 1)
    project_id = grown.export_project_info()["project_id"]
    params = Params(MultiDict({"token": grown.token, "format": "json"}))
    with open_database(database) as db:
        before = records_export.export_records(db, load_project(db, project_id), params, "x")
        assert isinstance(before, StreamedAnswer)
        whole = "".join(before.pieces)
    with open_database(database) as db:
        answer = records_export.export_records(db, load_project(db, project_id), params, "x")
        assert isinstance(answer, StreamedAnswer)
        first = [next(answer.pieces) for _ in range(3)]
        writer = sqlite3.connect(database, isolation_level=None)
        try:  # a write while the export is half sent
            writer.execute(
                "UPDATE data SET value = 'changed' WHERE project_id = ? AND field_name = "
                "'first_name'",
                (project_id,),
            )
        finally:
            writer.close()
        assert "".join(first) + "".join(answer.pieces) == whole
    assert "changed" in json.dumps(grown.export_records(fields=["first_name"]))


def test_stored_values_read_only_the_fields_asked_for(database: str, grown: Project) -> None:
    project_id = grown.export_project_info()["project_id"]
    with open_database(database) as db:
        values = list(stored_values(db, project_id, ["1", "rec-4-2"], ["weight2", "study_id"]))
    assert {value[3] for value in values} == {"weight2", "study_id"}
    assert {value[0] for value in values} == {"1", "rec-4-2"}


def test_record_names_are_every_record_holding_data_found_without_reading_every_value(
    database: str, grown: Project
) -> None:
    project_id = grown.export_project_info()["project_id"]
    grown.delete_records(["rec-4-2"])
    with open_database(database) as db:
        stored = db.execute("SELECT DISTINCT record FROM data WHERE project_id = ?", (project_id,))
        everyone = sorted(row[0] for row in stored)
        found = record_names(db, project_id)
        some = record_names(db, project_id, ["1", "31", "rec-4-2", "nobody"])
    assert len(everyone) == 21 and "rec-4-2" not in everyone
    assert sorted(found) == everyone and len(found) == len(set(found))
    assert sorted(some) == ["1", "31"]


def general_rows(
    db: Database, project: ProjectDesign, records: list[str], fields: list[str] | None
) -> dict[RowKey, tuple[dict[str, str], dict[str, set[str]]]]:
    """The rows as the general path finds them: every value read one by one, and which rows
    exist from the forms holding values there."""
    rows: dict[RowKey, RecordRow] = {}
    if fields is not None:
        rules = SlotRules(project)
        for record, event_id, instance, form in row_forms(db, project, records):
            slot = rules.slot(event_id, form, instance)
            if slot is not None:
                key = (record, event_id, *slot)
                rows.setdefault(key, RecordRow(*key))
    values = stored_values(db, project.project_id, records, fields)
    return {
        key: (row.values, row.checked) for key, row in build_rows(project, values, rows).items()
    }


@pytest.mark.parametrize("kind", ["simple", "grown"])
def test_rows_found_the_fast_way_are_the_general_paths_rows(
    database: str, kind: str, request: pytest.FixtureRequest
) -> None:
    project: Project = request.getfixturevalue(kind)
    project_id = project.export_project_info()["project_id"]
    with open_database(database) as db:
        design = load_project(db, project_id)
        event_id = design.events[0].event_id
        field = next(item.name for item in design.fields if item.name != design.record_id)
        box = next((item.name for item in design.fields if item.is_checkbox), field)
        db.executemany(
            "INSERT OR IGNORE INTO data VALUES (?, ?, ?, ?, ?, ?)",
            [
                (project_id, "only-orphans", event_id, 1, "no_such_field", "x"),
                (project_id, "only-orphans", event_id, 2, field, "x"),
                (project_id, "no-record-id", event_id, 1, field, "y"),
                (project_id, "no-record-id", event_id, 1, box, "1"),
                (project_id, "no-record-id", event_id, 1, box, "2"),
                (project_id, "1", event_id, 3, field, "orphaned instance"),
                (project_id, "1", event_id + 999, 1, field, "unknown event"),
            ],
        )
        records = record_names(db, project_id)
        assert {"only-orphans", "no-record-id"} <= set(records)
        for fields in (None, [design.record_id], [field, box]):
            found = load_rows(db, design, records, fields)
            fast = {key: (row.values, row.checked) for key, row in found.items()}
            assert fast == general_rows(db, design, records, fields)
        listing = load_rows(db, design, records, [design.record_id])
        assert "no-record-id" in {row.record for row in listing.values()}
        assert "only-orphans" not in {row.record for row in listing.values()}
