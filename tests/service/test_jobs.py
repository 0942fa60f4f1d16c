"""Jobs are rows: they run once, record their result or their failure, survive a restart as
"failed: interrupted", can be retried, and a waiting duplicate is not queued twice; two
processes' workers on one database run each job once, equal jobs queued at once in both are
one, a running job's heartbeats keep its lease, and the lease migration upgrades old rows."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from plugin import migrations
from plugin.service import create_app, jobs
from plugin.service.db import SERVICE, engine_for, migrate, session, worker_session
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
        with pytest.raises(
            ValueError, match="only a failed job can be retried, or a cancelled one"
        ):
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


# --- several processes on one database -------------------------------------------------------


@jobs.handler("test_slow")
def _slow(app: Flask, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    time.sleep(float(job.params["seconds"]))
    return {"ran_in": threading.current_thread().name}


def another_process(database_url: str) -> Flask:
    """A second service app on the same database: its own engine, pool and worker, as a second
    gunicorn process has (started by hand here)."""
    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "START_WORKER": False}
    )


def test_two_processes_workers_run_each_job_exactly_once(app: Flask, database_url: str) -> None:
    second = another_process(database_url)
    ids = [queue(app, "test_slow", seconds=0.01, n=n) for n in range(24)]
    workers = [jobs.Worker(app, interval=0.01), jobs.Worker(second, interval=0.01)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(state(app, i).state != "done" for i in ids):
        time.sleep(0.05)
    for worker in workers:
        worker.stop()
    found = [state(app, i) for i in ids]
    assert [job.state for job in found] == ["done"] * len(ids)
    assert {job.attempts for job in found} == {1}, "no job was claimed twice"
    assert {job.owner for job in found} <= {w.owner for w in workers}
    assert len({job.owner for job in found}) == 2, "both processes' workers took jobs"
    second.extensions["qiscan.db"].kw["bind"].dispose()


def test_equal_jobs_queued_at_once_in_two_processes_are_one(app: Flask, database_url: str) -> None:
    second = another_process(database_url)
    barrier = threading.Barrier(8)
    made: list[int] = []

    def ask(target: Flask) -> None:
        with target.app_context():
            barrier.wait()
            job = jobs.enqueue(session(), "test_ok", {"value": 1}, dedupe_key="record:7")
            session().commit()
            made.append(job.id)

    threads = [threading.Thread(target=ask, args=(t,)) for t in [app, second] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8 and len(set(made)) == 1, made
    with worker_session(app) as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    second.extensions["qiscan.db"].kw["bind"].dispose()


def test_a_running_job_keeps_its_lease_and_a_stopped_ones_runs_out(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT", 0.05)
    long_id = queue(app, "test_slow", seconds=1.0)
    runner = threading.Thread(target=jobs.run_next, args=(app,))
    runner.start()
    time.sleep(0.6)  # well past a 0.3 s lease, which the heartbeats keep renewing
    second = another_process(database_url)
    assert jobs.recover(second, lease=0.3) == 0
    second.extensions["qiscan.db"].kw["bind"].dispose()
    runner.join()
    assert state(app, long_id).state == "done"

    left_id = queue(app, "test_ok", value=1)  # a process claimed it, then stopped
    with worker_session(app) as db:
        stopped = jobs.utcnow() - timedelta(seconds=jobs.LEASE + 1)
        db.execute(
            sa.update(Job)
            .where(Job.id == left_id)
            .values(state="running", owner="gone:1:x", heartbeat_at=stopped)
        )
    assert jobs.recover(app) == 1
    found = state(app, left_id)
    assert (found.state, found.error) == ("failed", jobs.INTERRUPTED)


def test_the_lease_migration_fills_the_snapshot_column_and_keeps_one_queued_job_per_key(
    database_url: str,
) -> None:
    engine = engine_for(database_url)
    assert migrate(engine, "service_0001") == "service_0001"
    insert = sa.text(
        "INSERT INTO job (kind, state, params, result, error, done, total, attempts, "
        "dedupe_key, created_at) VALUES (:kind, :state, '{}', :result, '', 0, 0, 0, :key, "
        ":now)"
    )
    now = jobs.utcnow()
    with engine.begin() as connection:
        for kind, job_state, result, key in (
            ("pull", "done", '{"snapshot_id": 4, "records": 9}', "pull:1:incremental"),
            ("pull", "queued", "{}", "pull:1:incremental"),
            ("pull", "queued", "{}", "pull:1:incremental"),  # a duplicate an old race left
            ("report", "done", '{"report_id": 2}', ""),
        ):
            connection.execute(
                insert, {"kind": kind, "state": job_state, "result": result, "key": key, "now": now}
            )
    assert migrate(engine) == migrations.head(SERVICE)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, snapshot_id, dedupe_key, owner FROM job ORDER BY id")
        ).all()
    assert [(r.snapshot_id, r.dedupe_key, r.owner) for r in rows] == [
        (4, "pull:1:incremental", ""),
        (None, "pull:1:incremental", ""),
        (None, "", ""),
        (None, "", ""),
    ]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            insert,
            {
                "kind": "pull",
                "state": "queued",
                "result": "{}",
                "key": "pull:1:incremental",
                "now": now,
            },
        )
    engine.dispose()


def test_the_cancel_migration_keeps_every_job_as_it_was(database_url: str) -> None:
    engine = engine_for(database_url)
    assert migrate(engine, "service_0003") == "service_0003"
    with engine.begin() as connection:
        for job_state in ("queued", "running", "done"):
            connection.execute(
                sa.text(
                    "INSERT INTO job (kind, state, params, result, error, done, total, attempts, "
                    "dedupe_key, created_at, owner) VALUES ('pull', :state, '{}', '{}', '', 0, 0, "
                    "0, '', :now, '')"
                ),
                {"state": job_state, "now": jobs.utcnow()},
            )
    assert migrate(engine) == migrations.head(SERVICE)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT state, cancel_requested_at, cancelled_by FROM job ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("queued", None, ""),
        ("running", None, ""),
        ("done", None, ""),
    ]
    engine.dispose()
