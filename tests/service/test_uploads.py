"""Uploaded instruments: a definition that validates is stored under its id and version, is
listed beside the shipped ones, and goes the whole way a shipped one goes (registered with a
project, deployed to a live localcap, pulled, its statistics and a report made); a stored
version never changes, a shipped id cannot be taken, and a snapshot keeps reading with the
version it was pulled with after a newer one is uploaded."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from instruments import load_instrument, shipped_names
from instruments.dictionary.structure import project_structure
from plugin.localcap.storage import set_missing_data_codes
from plugin.service.jobs import run_next
from plugin.simulate import simulate
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_instruments import classic, with_unknown_field_in_logic
from tests.service.test_projects import register


def mini(version: str = "1.0.0", **changes: Any) -> dict[str, Any]:
    """The test suite's mini instrument (an assessment without waves) under an id of its own."""
    return {**classic(), "id": "mini_survey", "version": version, **changes}


def test_an_upload_is_stored_once_listed_and_summarised(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    first = client.post("/instruments", json=mini(), headers=analyst)
    assert first.status_code == 201, first.json
    assert first.json == {
        "id": "mini_survey",
        "version": "1.0.0",
        "title": mini()["title"],
        "kind": "assessment",
        "origin": "uploaded",
    }
    again = client.post("/instruments", json=mini(), headers=analyst)
    assert again.status_code == 200 and again.json == first.json, "the same content: a no-op"
    listed = client.get("/instruments", headers=analyst).json
    assert [row["id"] for row in listed] == [*shipped_names(), "mini_survey"]
    summary = client.get("/instruments/mini_survey", headers=analyst).json
    assert summary["fields"] == len(classic()["fields"]) and summary["origin"] == "uploaded"
    missing = client.get("/instruments/mini_survey?version=9.9.9", headers=analyst)
    assert missing.status_code == 404 and "version 9.9.9" in missing.json["message"]


def test_a_stored_version_never_changes_and_a_shipped_id_is_not_taken(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    assert client.post("/instruments", json=mini(), headers=analyst).status_code == 201
    changed = client.post("/instruments", json=mini(title="Another title"), headers=analyst)
    assert changed.status_code == 409 and changed.json["code"] == "version_exists"
    assert "upload the change under a new version" in changed.json["message"]
    newer = client.post("/instruments", json=mini("1.1.0", title="Another"), headers=analyst)
    assert newer.status_code == 201
    listed = {row["id"]: row for row in client.get("/instruments", headers=analyst).json}
    assert listed["mini_survey"]["version"] == "1.1.0", "the list shows the newest"
    older = client.get("/instruments/mini_survey?version=1.0.0", headers=analyst).json
    assert older["title"] == mini()["title"]
    shipped = client.post(
        "/instruments", json={**classic(), "id": "provider_scan"}, headers=analyst
    )
    assert shipped.status_code == 409 and shipped.json["code"] == "shipped_id"


def test_an_upload_that_does_not_validate_is_refused_with_every_problem(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    bad = {**with_unknown_field_in_logic(), "id": "mini_survey"}
    refused = client.post("/instruments", json=bad, headers=analyst)
    assert refused.status_code == 422
    problems = refused.json["errors"]["/fields/7/branching_logic"]
    assert problems[0]["code"] == "logic-unknown-field" and "lead_11" in problems[0]["message"]
    assert client.get("/instruments/mini_survey", headers=analyst).status_code == 404
    assert (
        client.post("/instruments", json=mini(), headers=auth(keys["facilitator"])).status_code
        == 403
    )


def test_an_uploaded_instrument_is_deployed_pulled_and_reported(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    analyst, admin = auth(keys["analyst"]), auth(keys["admin"])
    assert client.post("/instruments", json=mini(), headers=analyst).status_code == 201
    token = live.create(title="mini")
    created = register(client, keys["admin"], live.server.url, token, instrument="mini_survey")
    assert created.status_code == 201, created.json
    connection_id = created.json["id"]
    applied = client.post(f"/projects/{connection_id}/deploy/apply", json={}, headers=admin)
    assert applied.status_code == 200, applied.json
    instrument = load_instrument(mini()).unwrap()
    codes = project_structure([instrument]).missing_data_codes  # set by hand in REDCap
    set_missing_data_codes(live.server.app.config["LOCALCAP_DB"], token, codes)
    live.client(token).import_records(simulate(instrument, seed=4, n=25))

    queued = client.post(f"/projects/{connection_id}/pulls", json={}, headers=analyst)
    assert run_next(app)
    job = client.get(f"/jobs/{queued.json['id']}", headers=analyst).json
    assert job["state"] == "done", job["error"]
    snapshot_id = job["result"]["snapshot_id"]
    assert job["result"]["instruments"] == {"mini_survey": "1.0.0"}

    # A newer version uploaded later does not change how this snapshot reads.
    assert client.post("/instruments", json=mini("2.0.0"), headers=analyst).status_code == 201
    stats = client.get(f"/snapshots/{snapshot_id}/statistics", headers=analyst).json
    assert stats["instrument"] == "mini_survey" and stats["version"] == "1.0.0"
    assert stats["rows"], "statistics of the uploaded instrument"
    report = client.post(
        f"/snapshots/{snapshot_id}/reports",
        json={"kind": "quality", "format": "csv"},
        headers=analyst,
    )
    assert report.status_code == 202, report.json
    assert run_next(app)
    made = client.get(f"/jobs/{report.json['id']}", headers=analyst).json
    assert made["state"] == "done", made["error"]


def test_a_project_of_an_unknown_instrument_is_refused(
    client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    answer = register(client, keys["admin"], live.server.url, live.create(), instrument="nope")
    assert answer.status_code == 422
    assert "must be one of: focus_group" in answer.json["errors"]["instrument"][0]
