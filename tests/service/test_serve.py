"""``qiscan serve``'s setup on the embedded default: the demo projects deployed, filled, scored
and registered with working triggers, an admin key shown once, and nothing made twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from instruments import load_shipped
from plugin.cli.demo import DEMO_SIZES
from plugin.cli.serve import DEMO_INSTRUMENTS, lasting_localcap, set_up
from plugin.localcap import RunningServer, serve_in_thread
from plugin.localcap.storage import open_database
from plugin.pull.pull import record_ids
from plugin.redcap import RedcapClient, RedcapConfig
from plugin.service import jobs
from plugin.service.crypto import decrypt
from plugin.service.db import worker_session
from plugin.service.models import ApiKey, Connection, Job
from plugin.target import Instance, Localcap
from plugin.writeback import format_score
from scoring.decode import decode
from scoring.scale_stats import scale_scores
from tests.service.conftest import auth

READINESS = load_shipped("practice_readiness").unwrap()


@pytest.fixture
def served(app: Flask) -> Iterator[RunningServer]:
    server = serve_in_thread(app)
    yield server
    server.shutdown()


@pytest.fixture
def localcap(app: Flask) -> Iterator[Localcap]:
    # Port 0: a test must not take the lasting port a developer's localcap may hold.
    with lasting_localcap(Instance(Path(app.config["INSTANCE"])), port=0) as (_, running):
        yield running


def rows_of(app: Flask) -> tuple[list[Connection], int]:
    with worker_session(app) as db:
        connections = list(db.scalars(sa.select(Connection).order_by(Connection.id)))
        db.expunge_all()
        keys = db.scalar(sa.select(sa.func.count()).select_from(ApiKey))
    return connections, int(keys or 0)


def trigger_url(instance: Instance, token: str) -> str:
    with open_database(instance.localcap_db) as db:
        project_id = db.caller(token).project_id
        assert project_id is not None
        return db.setting(project_id, "data_entry_trigger_url")


def test_setup_makes_the_demo_ready_once(
    app: Flask, client: FlaskClient, served: RunningServer, localcap: Localcap
) -> None:
    instance = Instance(Path(app.config["INSTANCE"]))
    service_url = f"http://127.0.0.1:{served.port}"
    said: list[str] = []
    first = set_up(app, service_url, localcap=localcap, tell=said.append)

    assert [(p.name, p.created, p.simulated) for p in first.projects] == [
        ("practice_readiness", True, DEMO_SIZES["practice_readiness"]),
        ("provider_scan", True, DEMO_SIZES["provider_scan"]),
        ("supporter_scan", True, DEMO_SIZES["supporter_scan"]),
    ]
    connections, key_count = rows_of(app)
    assert [(c.name, c.instrument, c.url) for c in connections] == [
        ("demo practice_readiness", "practice_readiness", localcap.url),
        ("demo provider_scan", "provider_scan", localcap.url),
        ("demo supporter_scan", "supporter_scan", localcap.url),
    ]
    secrets = instance.read_secrets()
    tokens = {name: secrets[f"project:{name}"] for name in DEMO_INSTRUMENTS}
    for connection in connections:
        assert (
            decrypt(app.config["SECRET_KEY"], connection.token_cipher)
            == tokens[connection.instrument]
        )
    assert first.new_key is not None and key_count == 1
    assert client.get("/version", headers=auth(first.new_key)).status_code == 200
    assert any(first.new_key in line for line in said), "the key is shown the one time"
    assert not any(token in line for line in said for token in tokens.values())

    # The simulated practices were scored into their score fields.
    readiness = RedcapClient(RedcapConfig(localcap.url, tokens["practice_readiness"]))
    exported = readiness.export_records(records=["SIM-1", "SIM-2"])  # simulated: marked
    responses = decode(exported, READINESS)
    expected = zip(
        responses.frame["record_id"],
        responses.frame["wave"],
        scale_scores(responses).frame["readiness_index"],
        strict=True,
    )
    stored = {(r["record_id"], r["redcap_event_name"]): r["score_readiness"] for r in exported}
    assert stored == {(rec, f"{wave}_arm_1"): format_score(v) for rec, wave, v in expected}
    assert sum(score != "" for score in stored.values()) >= 2

    # A readiness survey saved in localcap reaches the service through the trigger set up.
    readiness.import_records(
        [{"record_id": "900", "redcap_event_name": "baseline_arm_1", "practice_id": "PRA-900"}]
    )
    link = readiness.call("export_survey_link", "900", "readiness_assessment",
                          event="baseline_arm_1")  # fmt: skip
    page = requests.post(
        link, data={"__action": "submit", "assessment_date": "2024-02-01", "facilitator": "Bo",
                    **{item: "4" for item in READINESS.scales[0].items}},
        timeout=30,
    )  # fmt: skip
    assert "Thank you" in page.text
    with worker_session(app) as db:
        job = db.scalar(sa.select(Job).where(Job.kind == "rescore"))
        assert job is not None
        assert (job.connection_id, job.params["record"]) == (connections[0].id, "900")
    assert jobs.run_next(app)
    [row] = readiness.export_records(records=["900"], events=["baseline_arm_1"])
    # Items 4, 4, 4, 4 and fatigue 4 reversed to 2: mean 3.6, rescaled 100 (3.6 - 1) / 4 = 65.
    assert row["score_willingness"] == "65"

    # Again: nothing is made twice, no key is shown, and the trigger has a new secret.
    old_trigger = trigger_url(instance, tokens["practice_readiness"])
    records_before = record_ids(readiness, "record_id")
    said.clear()
    second = set_up(app, service_url, localcap=localcap, tell=said.append)
    assert [(p.connection_id, p.created, p.simulated) for p in second.projects] == [
        (connection.id, False, 0) for connection in connections
    ]
    again, key_count = rows_of(app)
    assert [c.id for c in again] == [c.id for c in connections] and key_count == 1
    assert second.new_key is None
    assert any("--new-key" in line for line in said)
    assert record_ids(readiness, "record_id") == records_before
    new_trigger = trigger_url(instance, tokens["practice_readiness"])
    assert new_trigger != old_trigger
    assert requests.post(old_trigger, data={"record": "1"}, timeout=30).status_code == 404
    assert requests.post(new_trigger, data={"record": "1"}, timeout=30).status_code == 200

    third = set_up(app, service_url, localcap=localcap, new_key=True, tell=said.append)
    assert third.new_key is not None and third.new_key != first.new_key
    assert rows_of(app)[1] == 2
    assert client.get("/version", headers=auth(third.new_key)).status_code == 200
