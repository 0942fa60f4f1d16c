"""A job runs at most its kind's time limit, and one long job never holds up the others: a job
past its limit is stopped at its next progress call (a pull between two batches, leaving no
snapshot anyone sees), a report's rendering is killed in its child process and the worker goes
on to the next job, stopping the worker stops its running job, and pulls never wait behind a
report (each process runs one worker thread for reports and one for everything else)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from plugin.service import jobs
from plugin.service.db import worker_session
from plugin.service.job_stop import ChildFailed, JobStopped, run_in_child
from plugin.service.models import Job, ReportFile
from plugin.service.tasks import store_of
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_jobs import queue, state
from tests.service.test_pulls import PRACTICES, READINESS, add_connection, live_project

WAIT = 60.0  # seconds for what should take far less


@pytest.fixture(scope="module")
def readiness_token(live: Live) -> str:
    return live_project(live, READINESS, n=PRACTICES, seed=11)


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def limits(app: Flask, **seconds: float) -> None:
    app.config["JOB_TIME_LIMITS"] = {**app.config["JOB_TIME_LIMITS"], **seconds}


# --- a job past its time limit ----------------------------------------------------------------


@jobs.handler("test_steps")
def _steps(app: Flask, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Works in small steps, reporting each, for ``seconds`` (long past the test's limit)."""
    began = time.monotonic()
    step = 0
    while time.monotonic() - began < float(job.params["seconds"]):
        step += 1
        progress(step, 0)
        time.sleep(0.05)
    return {"steps": step}


def test_a_job_past_its_time_limit_is_stopped_at_its_next_progress_call(app: Flask) -> None:
    assert app.config["JOB_TIME_LIMITS"]["report"] == 15 * 60, "the default: 15 minutes"
    limits(app, test_steps=0.5)
    job_id = queue(app, "test_steps", seconds=30)
    began = time.monotonic()
    assert jobs.run_next(app)
    assert time.monotonic() - began < 10, "stopped long before its 30 s of work"
    stopped = state(app, job_id)
    assert stopped.state == "failed"
    assert stopped.error.startswith(
        "stopped after 0.5 seconds: a test_steps job may run 0.5 seconds at most "
        "(JOB_TIME_LIMITS['test_steps'] in the service configuration)"
    )
    assert stopped.done > 0 and stopped.finished_at is not None


def test_stopping_the_worker_stops_its_running_job_as_interrupted(app: Flask) -> None:
    job_id = queue(app, "test_steps", seconds=30)
    worker = jobs.Worker(app, interval=0.05).start()
    wait_for(lambda: state(app, job_id).done > 0, "the job to start")
    began = time.monotonic()
    worker.stop()
    assert time.monotonic() - began < 10
    found = state(app, job_id)
    assert (found.state, found.error) == ("failed", jobs.INTERRUPTED)


def test_a_report_past_its_time_limit_is_killed_and_the_worker_goes_on(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    analyst = auth(keys["analyst"])
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    pulled = client.post(f"/projects/{connection_id}/pulls", json={}, headers=analyst)
    assert jobs.run_next(app)
    snapshot_id = client.get(f"/jobs/{pulled.json['id']}", headers=analyst).json["result"][
        "snapshot_id"
    ]
    path = f"/snapshots/{snapshot_id}/reports"
    # Every practice's feedback as PDF: one PDF a practice, far longer than half a second.
    long_one = client.post(path, json={"kind": "practice", "format": "pdf"}, headers=analyst)
    next_one = client.post(path, json={"kind": "cohort", "format": "csv"}, headers=analyst)
    limits(app, report=0.5)
    began = time.monotonic()
    assert jobs.run_next(app)
    assert time.monotonic() - began < 15
    stopped = client.get(f"/jobs/{long_one.json['id']}", headers=analyst).json
    assert stopped["state"] == "failed"
    assert stopped["error"].startswith("stopped after 0.5 seconds: a report job may run")
    assert "make a smaller report" in stopped["error"]
    assert multiprocessing.active_children() == [], "the rendering process is gone"
    folder = Path(app.config["REPORTS_DIR"]) / f"job-{long_one.json['id']}"
    assert not folder.exists(), "nothing of the stopped report is left"

    limits(app, report=15 * 60)
    assert jobs.run_next(app)
    made = client.get(f"/jobs/{next_one.json['id']}", headers=analyst).json
    assert made["state"] == "done", made["error"]
    with worker_session(app) as db:
        files = db.scalars(sa.select(ReportFile.filename)).all()
    assert files == [f"cohort-snapshot-{snapshot_id}.csv"]


def test_a_pull_past_its_time_limit_stops_between_batches_and_no_snapshot_is_seen(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    analyst = auth(keys["analyst"])
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    live.faults.add("slow", content="record", token=readiness_token, delay=0.5, times=100)
    queued = client.post(
        f"/projects/{connection_id}/pulls", json={"batch_size": 2}, headers=analyst
    )
    limits(app, pull=1.5)
    assert jobs.run_next(app)
    stopped = client.get(f"/jobs/{queued.json['id']}", headers=analyst).json
    assert stopped["state"] == "failed"
    assert stopped["error"].startswith("stopped after 1.5 seconds: a pull job may run")
    assert stopped["done"] < PRACTICES, "it stopped part-way"
    assert store_of(app).snapshots() == []
    assert client.get(f"/projects/{connection_id}/snapshots", headers=analyst).json == []


# --- the child process a report renders in ----------------------------------------------------


def sleep_forever(step: Callable[[int, int], None]) -> None:
    step(1, 2)
    while True:
        time.sleep(1)


def kill_myself(step: Callable[[int, int], None]) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def refuse(step: Callable[[int, int], None], text: str) -> None:
    raise ValueError(text)


def double(step: Callable[[int, int], None], number: int) -> int:
    step(1, 2)
    return number * 2


def note_pid_and_sleep(step: Callable[[int, int], None], path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    while True:
        time.sleep(1)


def running(pid: int) -> bool:
    """Whether the process runs (a zombie no one has reaped yet does not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] not in ("Z", "X")


def test_a_child_whose_service_is_killed_ends_too(tmp_path: Path) -> None:
    noted = tmp_path / "child.pid"
    script = (
        "from plugin.service.job_stop import run_in_child\n"
        "from tests.service.test_job_limits import note_pid_and_sleep\n"
        f"run_in_child(note_pid_and_sleep, ({str(noted)!r},), stopped=lambda: None)\n"
    )
    service = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    try:
        wait_for(lambda: noted.exists() and noted.read_text() != "", "the child to start")
        child = int(noted.read_text())
        assert running(child)
    finally:
        service.kill()
        service.wait()
    wait_for(lambda: not running(child), "the child to end with its service", timeout=15)


def test_a_child_that_must_stop_is_killed() -> None:
    steps: list[tuple[int, int]] = []
    asked = time.monotonic()

    def stopped() -> JobStopped | None:
        # Stopped once the child has reported its step (a loaded machine may take a while to
        # start it: a fixed half second made the test fail under load), or after 30 s at most.
        late = bool(steps) or time.monotonic() - asked > 30
        return JobStopped("cancelled", "cancelled by the test") if late else None

    with pytest.raises(JobStopped, match="cancelled by the test"):
        run_in_child(sleep_forever, (), stopped=stopped, on_step=lambda *step: steps.append(step))
    assert steps == [(1, 2)]
    assert multiprocessing.active_children() == []


def test_a_childs_answer_its_error_and_its_death_come_back() -> None:
    assert run_in_child(double, (21,), stopped=lambda: None) == 42
    with pytest.raises(ChildFailed, match="^no such practice$"):
        run_in_child(refuse, ("no such practice",), stopped=lambda: None)
    with pytest.raises(ChildFailed, match="was killed by signal 9 without finishing"):
        run_in_child(kill_myself, (), stopped=lambda: None)


# --- lanes: pulls never wait behind a report --------------------------------------------------


def test_a_pull_finishes_while_a_report_runs(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    readiness_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def stuck_report(app: Flask, job: Job, progress: jobs.Progress) -> dict[str, Any]:
        release.wait(WAIT)
        return {"released": release.is_set()}

    monkeypatch.setitem(jobs.HANDLERS, "report", stuck_report)
    analyst = auth(keys["analyst"])
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    report_id = queue(app, "report")
    pull = client.post(f"/projects/{connection_id}/pulls", json={}, headers=analyst)
    assert report_id < pull.json["id"], "the report was queued first"
    worker = jobs.Worker(app, interval=0.05).start()
    try:
        wait_for(lambda: state(app, pull.json["id"]).state == "done", "the pull")
        assert state(app, report_id).state == "running", "the report still runs"
        release.set()
        wait_for(lambda: state(app, report_id).state == "done", "the report")
    finally:
        release.set()
        worker.stop()
    assert state(app, report_id).result == {"released": True}


def test_each_lane_claims_only_its_own_kinds(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(jobs.HANDLERS, "report", lambda app, job, progress: {"kind": "report"})
    reports, records = jobs.LANES
    report_id = queue(app, "report")
    other_id = queue(app, "test_ok", value=1)
    assert jobs.run_next(app, lane=records)
    assert (state(app, other_id).state, state(app, report_id).state) == ("done", "queued")
    assert not jobs.run_next(app, lane=records), "a report is not the records lane's"
    assert jobs.run_next(app, lane=reports)
    assert state(app, report_id).state == "done"
