"""Cancelling a job, from the API and from the job's web page: a queued job is cancelled at once,
a running pull stops at its next batch with no snapshot anyone sees, a running report's
rendering is killed; asking again answers the same, a finished job answers 409, a cancelled
job can be retried, and who may cancel follows who may make the job's kind."""

from __future__ import annotations

import multiprocessing
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from plugin.service import jobs
from plugin.service.db import session, worker_session
from plugin.service.models import Connection, Job, ReportFile
from plugin.service.tasks import store_of
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_job_limits import wait_for
from tests.service.test_pulls import PRACTICES, READINESS, add_connection, live_project
from tests.service.test_web import csrf, sign_in

ANALYST = "cancelled by analyst key 'analyst key'"


@pytest.fixture(scope="module")
def readiness_token(live: Live) -> str:
    return live_project(live, READINESS, n=PRACTICES, seed=13)


def unreachable(app: Flask) -> int:
    """A project whose REDCap never answers: its pulls are only ever queued here."""
    with app.app_context():
        row = Connection(
            name="unreachable",
            url="http://127.0.0.1:9/api/",
            token_cipher="not-used",
            instrument="practice_readiness",
            trigger_secret_hash="0" * 64,
        )
        session().add(row)
        session().commit()
        return row.id


def queued_pull(client: FlaskClient, key: str, connection_id: int, **body: Any) -> int:
    answer = client.post(f"/projects/{connection_id}/pulls", json=body, headers=auth(key))
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def report_job(app: Flask, practice: str) -> int:
    """A queued report job of one practice, as an analyst's request leaves it."""
    with app.app_context():
        params = {"snapshot_id": 1, "kind": "practice", "format": "html", "practice": practice}
        job = jobs.enqueue(session(), "report", params)
        session().commit()
        return job.id


def test_a_queued_job_is_cancelled_at_once_and_asking_again_answers_the_same(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    job_id = queued_pull(client, keys["analyst"], unreachable(app))
    first = client.post(f"/jobs/{job_id}/cancel", headers=analyst)
    assert first.status_code == 200, first.json
    assert (first.json["state"], first.json["error"]) == ("cancelled", ANALYST)
    assert first.json["cancel_requested"] is True and first.json["finished_at"]
    again = client.post(f"/jobs/{job_id}/cancel", headers=analyst)
    assert (again.status_code, again.json) == (200, first.json)
    assert not jobs.run_next(app), "a cancelled job is never run"
    listed = client.get("/jobs?state=cancelled", headers=analyst).json
    assert [job["id"] for job in listed] == [job_id]

    retried = client.post(f"/jobs/{job_id}/retry", headers=analyst)
    assert retried.status_code == 202
    assert (retried.json["state"], retried.json["error"]) == ("queued", "")
    assert retried.json["cancel_requested"] is False


def test_a_cancelled_job_is_not_retried_beside_an_equal_one_queued_since(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    connection_id = unreachable(app)
    cancelled = queued_pull(client, keys["analyst"], connection_id)
    assert client.post(f"/jobs/{cancelled}/cancel", headers=analyst).status_code == 200
    again = queued_pull(client, keys["analyst"], connection_id)
    assert again != cancelled, "the cancelled pull no longer waits"
    refused = client.post(f"/jobs/{cancelled}/retry", headers=analyst)
    assert refused.status_code == 409
    assert refused.json["message"] == (
        f"job {again} is queued to do the same; follow that one instead"
    )


def test_a_finished_job_cannot_be_cancelled(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    job_id = queued_pull(client, keys["analyst"], unreachable(app))
    with worker_session(app) as db:
        db.execute(sa.update(Job).where(Job.id == job_id).values(state="done"))
    refused = client.post(f"/jobs/{job_id}/cancel", headers=auth(keys["analyst"]))
    assert refused.status_code == 409
    assert set(refused.json) == {"code", "status", "message", "errors"}
    assert refused.json["code"] == "conflict"
    assert refused.json["message"] == (
        f"job {job_id} is done; only a queued or running job can be cancelled"
    )
    missing = client.post("/jobs/987654/cancel", headers=auth(keys["analyst"]))
    assert missing.status_code == 404


def test_who_may_cancel_follows_who_may_make_the_jobs_kind(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    facilitator = auth(keys["facilitator"])
    pull_id = queued_pull(client, keys["analyst"], unreachable(app))
    other_practice = report_job(app, "PRA-002")
    own_practice = report_job(app, "PRA-001")
    assert client.post(f"/jobs/{pull_id}/cancel").status_code == 401
    assert client.post(f"/jobs/{pull_id}/cancel", headers=facilitator).status_code == 404
    assert client.post(f"/jobs/{other_practice}/cancel", headers=facilitator).status_code == 404
    own = client.post(f"/jobs/{own_practice}/cancel", headers=facilitator)
    assert own.status_code == 200
    assert (own.json["state"], own.json["error"]) == (
        "cancelled",
        "cancelled by facilitator key 'facilitator key'",
    )
    with worker_session(app) as db:
        states = dict(db.execute(sa.select(Job.id, Job.state)).all())
    assert states == {pull_id: "queued", other_practice: "queued", own_practice: "cancelled"}


def test_a_running_pull_stops_at_its_next_batch_and_leaves_no_snapshot(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    analyst = auth(keys["analyst"])
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    live.faults.add("slow", content="record", token=readiness_token, delay=0.5, times=100)
    job_id = queued_pull(client, keys["analyst"], connection_id, batch_size=2)
    runner = threading.Thread(target=jobs.run_next, args=(app,))
    runner.start()
    try:
        wait_for(lambda: client.get(f"/jobs/{job_id}", headers=analyst).json["done"] > 0, "a batch")
        asked = client.post(f"/jobs/{job_id}/cancel", headers=analyst)
        assert asked.status_code == 202, asked.json
        assert (asked.json["state"], asked.json["cancel_requested"]) == ("running", True)
        again = client.post(f"/jobs/{job_id}/cancel", headers=analyst)
        assert again.status_code in (200, 202), "asking again is harmless"
    finally:
        runner.join(timeout=60)
    assert not runner.is_alive()
    stopped = client.get(f"/jobs/{job_id}", headers=analyst).json
    assert (stopped["state"], stopped["error"]) == ("cancelled", ANALYST)
    assert 0 < stopped["done"] < PRACTICES
    assert store_of(app).snapshots() == [], "no snapshot of the cancelled pull is seen"
    assert client.get(f"/projects/{connection_id}/snapshots", headers=analyst).json == []

    live.faults.clear()
    assert client.post(f"/jobs/{job_id}/retry", headers=analyst).status_code == 202
    assert jobs.run_next(app)
    done = client.get(f"/jobs/{job_id}", headers=analyst).json
    assert (done["state"], done["result"]["records"]) == ("done", PRACTICES), done["error"]


def test_a_running_reports_rendering_is_killed(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    analyst = auth(keys["analyst"])
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    pulled = queued_pull(client, keys["analyst"], connection_id)
    assert jobs.run_next(app)
    snapshot_id = client.get(f"/jobs/{pulled}", headers=analyst).json["result"]["snapshot_id"]
    queued = client.post(
        f"/snapshots/{snapshot_id}/reports",
        json={"kind": "practice", "format": "pdf"},  # every practice's PDF: many seconds
        headers=analyst,
    )
    job_id = queued.json["id"]
    runner = threading.Thread(target=jobs.run_next, args=(app,))
    runner.start()
    try:
        wait_for(lambda: multiprocessing.active_children() != [], "the rendering process")
        asked = client.post(f"/jobs/{job_id}/cancel", headers=analyst)
        assert asked.status_code == 202, asked.json
        began = time.monotonic()
    finally:
        runner.join(timeout=60)
    assert time.monotonic() - began < 10, "the rendering was killed, not waited for"
    stopped = client.get(f"/jobs/{job_id}", headers=analyst).json
    assert (stopped["state"], stopped["error"]) == ("cancelled", ANALYST)
    assert multiprocessing.active_children() == []
    with worker_session(app) as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(ReportFile)) == 0


def test_a_cancel_asked_of_a_job_whose_process_stopped_ends_it_cancelled(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    job_id = queued_pull(client, keys["analyst"], unreachable(app))
    with worker_session(app) as db:
        db.execute(sa.update(Job).where(Job.id == job_id).values(state="running", owner="gone:1:x"))
    asked = client.post(f"/jobs/{job_id}/cancel", headers=auth(keys["analyst"]))
    assert asked.status_code == 202
    with worker_session(app) as db:
        gone = jobs.utcnow() - timedelta(seconds=jobs.LEASE + 1)
        db.execute(sa.update(Job).where(Job.id == job_id).values(heartbeat_at=gone))
    assert jobs.recover(app) == 1
    ended = client.get(f"/jobs/{job_id}", headers=auth(keys["analyst"])).json
    assert (ended["state"], ended["error"]) == ("cancelled", ANALYST)


# --- the job's web page -----------------------------------------------------------------------


def cancel_form(page: str) -> str | None:
    found = re.search(r'<form method="post" action="([^"]+/cancel)" id="job-cancel">', page)
    return found.group(1) if found else None


def test_the_job_page_cancels_a_job_and_shows_it_cancelled(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    job_id = queued_pull(client, keys["analyst"], unreachable(app))
    sign_in(client, keys["analyst"])
    page = client.get(f"/web/jobs/{job_id}").get_data(as_text=True)
    action = cancel_form(page)
    assert action == f"/web/jobs/{job_id}/cancel"
    assert client.post(action).status_code == 400, "the form's CSRF token is needed"
    assert client.get(f"/jobs/{job_id}", headers=auth(keys["analyst"])).json["state"] == "queued"

    answer = client.post(action, data={"csrf_token": csrf(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/web/jobs/{job_id}"
    page = client.get(f"/web/jobs/{job_id}").get_data(as_text=True)
    assert '<strong id="job-state" class="state cancelled">cancelled</strong>' in page
    assert 'id="job-error">' + str(escape(ANALYST)) + "</p>" in page
    assert cancel_form(page) is None
    assert "Try again" in page
    state = client.get(f"/web/jobs/{job_id}/state").json
    assert (state["state"], state["finished"]) == ("cancelled", True)

    again = client.post(action, data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "only a queued or running job can be cancelled" not in again.get_data(as_text=True)


def test_a_finished_jobs_page_offers_no_cancel_and_refuses_one(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    job_id = queued_pull(client, keys["analyst"], unreachable(app))
    with worker_session(app) as db:
        db.execute(sa.update(Job).where(Job.id == job_id).values(state="done"))
    sign_in(client, keys["analyst"])
    assert cancel_form(client.get(f"/web/jobs/{job_id}").get_data(as_text=True)) is None
    answer = client.post(
        f"/web/jobs/{job_id}/cancel", data={"csrf_token": csrf(client)}, follow_redirects=True
    )
    assert "only a queued or running job can be cancelled" in answer.get_data(as_text=True)
