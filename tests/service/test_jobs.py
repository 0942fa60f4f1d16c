"""Jobs are rows: they run once, record their result or their failure, survive a restart as
"failed: interrupted", can be retried, and a waiting duplicate is not queued twice."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from plugin.service import create_app, jobs
from plugin.service.db import session, worker_session
from plugin.service.models import Job

RAN: list[int] = []


@jobs.handler("test_ok")
def _ok(app: Flask, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    progress(1, 2)
    progress(2, 2)
    RAN.append(job.id)
    return {"echo": job.params["value"]}


@jobs.handler("test_fail")
def _fail(app: Flask, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    raise RuntimeError("REDCap said no")


def queue(app: Flask, kind: str, **params: Any) -> int:
    with app.app_context():
        job = jobs.enqueue(session(), kind, params, dedupe_key=params.get("key", ""))
        session().commit()
        return job.id


def state(app: Flask, job_id: int) -> Job:
    with worker_session(app) as db:
        found = db.get(Job, job_id)
        assert found is not None
        db.expunge(found)
        return found


def test_a_job_runs_once_and_records_its_result_and_progress(app: Flask) -> None:
    RAN.clear()
    job_id = queue(app, "test_ok", value=7)
    assert jobs.run_next(app)
    assert not jobs.run_next(app), "nothing else was queued"
    done = state(app, job_id)
    assert (done.state, done.result, done.done, done.total) == ("done", {"echo": 7}, 2, 2)
    assert done.attempts == 1 and done.finished_at is not None
    assert RAN.count(job_id) == 1
    # SQLite keeps no zone; every stored time still reads back as UTC.
    assert done.created_at.utcoffset() is not None and done.finished_at.utcoffset() is not None
    assert done.started_at is not None and done.started_at <= done.finished_at


def test_a_failure_is_recorded_and_can_be_retried(app: Flask) -> None:
    job_id = queue(app, "test_fail")
    jobs.run_next(app)
    failed = state(app, job_id)
    assert failed.state == "failed" and failed.error == "REDCap said no"
    with app.app_context():
        jobs.retry(session(), session().get(Job, job_id))  # type: ignore[arg-type]
        session().commit()
        with pytest.raises(ValueError, match="only a failed job can be retried"):
            jobs.retry(session(), session().get(Job, job_id))  # type: ignore[arg-type]
    assert state(app, job_id).state == "queued"
    jobs.run_next(app)
    assert state(app, job_id).attempts == 2


def test_a_waiting_duplicate_is_not_queued_twice(app: Flask) -> None:
    first = queue(app, "test_ok", value=1, key="record:1")
    assert queue(app, "test_ok", value=1, key="record:1") == first
    jobs.run_next(app)
    assert queue(app, "test_ok", value=1, key="record:1") != first, "the first one has run"


def test_a_restart_marks_interrupted_jobs_failed(app: Flask, database_url: str) -> None:
    job_id = queue(app, "test_ok", value=3)
    with worker_session(app) as db:
        db.execute(sa.update(Job).where(Job.id == job_id).values(state="running"))
    restarted = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "START_WORKER": False}
    )
    found = state(restarted, job_id)
    assert found.state == "failed" and found.error == jobs.INTERRUPTED
    restarted.extensions["qiscan.db"].kw["bind"].dispose()


def test_an_unknown_kind_is_refused(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError, match="no handler for jobs of kind"):
        jobs.enqueue(session(), "no_such_kind", {})
