"""Pulls as jobs against a live localcap: a pull runs to "done" with its progress and snapshot,
a refused token fails the job without the token anywhere, a failed job can be retried, and a
pull left running by a stopped service is marked failed when the service starts again.

The helpers here (a live readiness project, a stored connection, a pull run to its end) serve
the result and report tests too.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from instruments import load_shipped
from instruments.dictionary.structure import project_structure
from instruments.model import Instrument
from plugin.deploy.apply import deploy
from plugin.localcap.storage import set_missing_data_codes
from plugin.service import create_app
from plugin.service.crypto import encrypt, hash_key
from plugin.service.db import session, worker_session
from plugin.service.jobs import INTERRUPTED, run_next
from plugin.service.models import Connection, Job
from plugin.service.tasks import SNAPSHOT_STEPS, store_of
from plugin.simulate import simulate
from tests.live import Live
from tests.service.conftest import auth

READINESS = load_shipped("practice_readiness").unwrap()
PRACTICES = 12
WRONG_TOKEN = "0123456789ABCDEF" * 2  # the right shape; no project has it


def live_project(live: Live, instrument: Instrument, *, n: int, seed: int = 7) -> str:
    """A live localcap project with ``instrument`` deployed and ``n`` simulated units: its token."""
    structure = project_structure([instrument])
    token = live.create(title=instrument.id, longitudinal=structure.longitudinal)
    if structure.missing_data_codes:
        set_missing_data_codes(
            live.server.app.config["LOCALCAP_DB"], token, structure.missing_data_codes
        )
    client = live.client(token)
    deploy(client, [instrument])
    client.import_in_batches(simulate(instrument, seed=seed, n=n), instrument.record_id)
    return token


def add_connection(app: Flask, live: Live, token: str, instrument: str, name: str = "") -> int:
    with app.app_context():
        row = Connection(
            name=name or instrument,
            url=live.server.url,
            token_cipher=encrypt(app.config["SECRET_KEY"], token),
            instrument=instrument,
            trigger_secret_hash=hash_key("not-used-here"),
        )
        session().add(row)
        session().commit()
        return row.id


def run_pull(client: FlaskClient, app: Flask, key: str, connection_id: int, **body: Any) -> Any:
    """Queue a pull, run it, and answer the finished job."""
    queued = client.post(f"/projects/{connection_id}/pulls", json=body, headers=auth(key))
    assert queued.status_code == 202, queued.json
    assert run_next(app)
    return client.get(f"/jobs/{queued.json['id']}", headers=auth(key)).json


def pulled_snapshot(client: FlaskClient, app: Flask, key: str, connection_id: int) -> int:
    job = run_pull(client, app, key, connection_id)
    assert job["state"] == "done", job["error"]
    return int(job["result"]["snapshot_id"])


@pytest.fixture(scope="module")
def readiness_token(live: Live) -> str:
    return live_project(live, READINESS, n=PRACTICES)


@pytest.fixture
def readiness(app: Flask, live: Live, readiness_token: str) -> int:
    return add_connection(app, live, readiness_token, "practice_readiness")


def test_a_pull_job_runs_to_done_and_its_snapshot_is_listed(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    analyst = keys["analyst"]
    queued = client.post(
        f"/projects/{readiness}/pulls", json={"batch_size": 5}, headers=auth(analyst)
    )
    assert queued.status_code == 202
    assert queued.json["kind"] == "pull" and queued.json["state"] == "queued"
    assert run_next(app)
    job = client.get(f"/jobs/{queued.json['id']}", headers=auth(analyst)).json
    assert job["state"] == "done", job["error"]
    assert job["done"] == job["total"] == PRACTICES + len(SNAPSHOT_STEPS), "records, then steps"
    result = job["result"]
    assert (result["mode"], result["records"], result["batches"]) == ("full", PRACTICES, 3)
    stored = store_of(app).get(result["snapshot_id"])
    assert result["content_hash"] == stored.content_hash
    assert result["instruments"] == {"practice_readiness": READINESS.version}

    again = run_pull(client, app, analyst, readiness)
    assert again["result"]["mode"] == "incremental"
    assert again["result"]["content_hash"] == stored.content_hash, "nothing changed in REDCap"
    listed = client.get(f"/projects/{readiness}/snapshots", headers=auth(analyst))
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json] == [again["result"]["snapshot_id"], stored.id]
    first = listed.json[1]
    assert (first["records"], first["content_hash"], first["mode"]) == (
        PRACTICES,
        stored.content_hash,
        "full",
    )
    assert first["created_at"] == stored.created_at and first["server_time"] == stored.server_time


def test_a_refused_token_fails_the_job_without_the_token_and_retry_queues_it_again(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    readiness_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    connection_id = add_connection(app, live, WRONG_TOKEN, "practice_readiness")
    job = run_pull(client, app, keys["analyst"], connection_id)
    assert job["state"] == "failed"
    assert "REDCap refused" in job["error"] and "HTTP 403" in job["error"]
    listed = client.get("/jobs?state=failed", headers=auth(keys["analyst"]))
    assert [j["id"] for j in listed.json] == [job["id"]]
    for text in (str(job), listed.get_data(as_text=True), caplog.text):
        assert WRONG_TOKEN not in text

    again = client.post(f"/jobs/{job['id']}/retry", headers=auth(keys["analyst"]))
    assert again.status_code == 202
    assert (again.json["state"], again.json["error"]) == ("queued", "")
    with app.app_context():  # the project's token is corrected meanwhile
        row = session().get(Connection, connection_id)
        assert row is not None
        row.token_cipher = encrypt(app.config["SECRET_KEY"], readiness_token)
        session().commit()
    assert run_next(app)
    done = client.get(f"/jobs/{job['id']}", headers=auth(keys["analyst"])).json
    assert (done["state"], done["attempts"], done["result"]["records"]) == ("done", 2, PRACTICES)

    refused = client.post(f"/jobs/{job['id']}/retry", headers=auth(keys["analyst"]))
    assert refused.status_code == 409 and refused.json["code"] == "conflict"
    assert "only a failed job" in refused.json["message"]


def test_a_pull_is_asked_for_with_a_valid_body_an_analyst_key_and_a_known_project(
    client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    analyst = auth(keys["analyst"])
    bad = client.post(f"/projects/{readiness}/pulls", json={"batch_size": 0}, headers=analyst)
    assert bad.status_code == 422 and "batch_size" in bad.json["errors"]
    unknown = client.post(f"/projects/{readiness}/pulls", json={"fulll": True}, headers=analyst)
    assert unknown.status_code == 422 and "fulll" in unknown.json["errors"]
    missing = client.post("/projects/999/pulls", json={}, headers=analyst)
    assert missing.status_code == 404 and missing.json["code"] == "not_found"
    facilitator = client.post(
        f"/projects/{readiness}/pulls", json={}, headers=auth(keys["facilitator"])
    )
    assert facilitator.status_code == 403
    assert client.post(f"/projects/{readiness}/pulls", json={}).status_code == 401
    bad_state = client.get("/jobs?state=lost", headers=analyst)
    assert bad_state.status_code == 422 and "state" in bad_state.json["errors"]


def test_a_facilitator_does_not_see_pull_jobs(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    job = run_pull(client, app, keys["analyst"], readiness)
    facilitator = auth(keys["facilitator"])
    assert client.get(f"/jobs/{job['id']}", headers=facilitator).status_code == 404
    assert client.get("/jobs", headers=facilitator).json == []
    assert client.get(f"/projects/{readiness}/snapshots", headers=facilitator).status_code == 403


def test_a_pull_left_running_is_failed_on_restart_and_can_then_be_retried(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int, database_url: str
) -> None:
    queued = client.post(f"/projects/{readiness}/pulls", json={}, headers=auth(keys["analyst"]))
    job_id = queued.json["id"]
    with worker_session(app) as db:  # the service stopped while the pull ran
        db.execute(sa.update(Job).where(Job.id == job_id).values(state="running"))
    restarted = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "START_WORKER": False,
            "TESTING": True,
        }
    )
    try:
        answer = restarted.test_client().get(f"/jobs/{job_id}", headers=auth(keys["analyst"]))
        assert (answer.json["state"], answer.json["error"]) == ("failed", INTERRUPTED)
        retried = client.post(f"/jobs/{job_id}/retry", headers=auth(keys["analyst"]))
        assert retried.status_code == 202
        assert run_next(restarted)
        done = client.get(f"/jobs/{job_id}", headers=auth(keys["analyst"])).json
        assert done["state"] == "done" and done["result"]["records"] == PRACTICES
    finally:
        restarted.extensions["qiscan.db"].kw["bind"].dispose()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"batch_size": 1.5}, "batch_size"),  # was truncated to 1
        ({"batch_size": 50.0}, "batch_size"),
        ({"batch_size": "50"}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"full": "yes"}, "full"),  # was read as true
        ({"full": 1}, "full"),
        ({"full": "false"}, "full"),
        ({"full": None}, "full"),
    ],
)
def test_a_pull_body_holds_json_types_or_is_refused_naming_the_field(
    client: FlaskClient, keys: dict[str, str], readiness: int, body: dict[str, Any], field: str
) -> None:
    analyst = auth(keys["analyst"])
    answer = client.post(f"/projects/{readiness}/pulls", json=body, headers=analyst)
    assert answer.status_code == 422, answer.json
    assert set(answer.json) == {"code", "status", "message", "errors"}
    assert (answer.json["code"], answer.json["status"]) == ("invalid", 422)
    assert list(answer.json["errors"]) == [field]
    assert client.get("/jobs", headers=analyst).json == [], "nothing was queued"
