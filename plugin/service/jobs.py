"""Background jobs whose state is stored: a restart never loses one.

A job is a row (kind, parameters, state, progress, result or error). :class:`Worker` runs queued
jobs one at a time in a thread, calling the handler registered for the job's kind with a
:class:`Progress` it reports through. Several processes may each run a worker on one database:

* a queued job is claimed by one worker only (a conditional update), and the database keeps at
  most one queued job per dedupe key (a partial unique index), so equal requests made at once
  in two processes queue one job;
* a running job holds a lease: its worker writes ``heartbeat_at`` every HEARTBEAT seconds.
  A job whose lease is older than LEASE seconds was left by a process that stopped; each
  worker looks for such jobs as it starts and every LEASE / 2 seconds after, and marks them
  failed ("interrupted"). Any failed job can be retried.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.service.db import worker_session
from plugin.service.models import Job, utcnow

Handler = Callable[[Flask, Job, "Progress"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
INTERRUPTED = "interrupted: the service stopped while this job ran; retry it"
HEARTBEAT = 10.0  # seconds between a running job's heartbeats
LEASE = 60.0  # seconds without a heartbeat after which a running job's process is gone


def worker_id() -> str:
    """This worker's name in the ``owner`` column: host, process and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


@dataclass
class Progress:
    app: Flask
    job_id: int

    def __call__(self, done: int, total: int) -> None:
        with worker_session(self.app) as db:
            db.execute(
                sa.update(Job)
                .where(Job.id == self.job_id)
                .values(done=done, total=total, heartbeat_at=utcnow())
            )


def enqueue(
    db: Session,
    kind: str,
    params: dict[str, Any],
    *,
    connection_id: int | None = None,
    dedupe_key: str = "",
) -> Job:
    """A new queued job; with ``dedupe_key``, an equal job still queued is returned instead
    (also when another process queues it at the same moment: the unique index decides)."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind '{kind}'")
    for _ in range(3):  # the waiting job may be claimed between the insert and the lookup
        if dedupe_key:
            waiting = db.scalar(
                sa.select(Job).where(Job.dedupe_key == dedupe_key, Job.state == "queued")
            )
            if waiting is not None:
                return waiting
        job = Job(
            kind=kind,
            params=params,
            connection_id=connection_id,
            dedupe_key=dedupe_key,
            state="queued",
            result={},
            error="",
            done=0,
            total=0,
            attempts=0,
        )
        try:
            with db.begin_nested():
                db.add(job)
                db.flush()
        except IntegrityError:
            continue  # an equal job was queued meanwhile: answer that one
        return job
    raise RuntimeError(f"could not queue the job '{dedupe_key}': it kept changing state")


def retry(db: Session, job: Job) -> Job:
    if job.state != "failed":
        raise ValueError(f"job {job.id} is {job.state}; only a failed job can be retried")
    job.state, job.error, job.done, job.total, job.owner = "queued", "", 0, 0, ""
    job.started_at = job.finished_at = job.heartbeat_at = None
    return job


def recover(app: Flask, lease: float | None = None) -> int:
    """Mark as failed the running jobs whose lease ran out (their process stopped); how many."""
    stale = utcnow() - timedelta(seconds=LEASE if lease is None else lease)
    with worker_session(app) as db:
        stopped = db.scalars(
            sa.select(Job).where(
                Job.state == "running",
                sa.or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale),
            )
        ).all()
        for job in stopped:
            job.state, job.error, job.finished_at = "failed", INTERRUPTED, utcnow()
        return len(stopped)


class Heartbeat:
    """Renews a running job's lease every HEARTBEAT seconds until stopped."""

    def __init__(self, app: Flask, job_id: int, owner: str) -> None:
        self.app, self.job_id, self.owner, self.interval = app, job_id, owner, HEARTBEAT
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="qiscan-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with worker_session(self.app) as db:
                    db.execute(
                        sa.update(Job)
                        .where(Job.id == self.job_id, Job.owner == self.owner)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # the next beat tries again; the lease allows several misses
                self.app.logger.warning("job %s: heartbeat failed", self.job_id)


def run_next(app: Flask, owner: str = "") -> bool:
    """Run the oldest queued job, if any, as worker ``owner``; whether one ran."""
    owner = owner or worker_id()
    with worker_session(app) as db:
        job_id = db.scalar(sa.select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1))
        if job_id is None:
            return False
        # Claimed only if still queued: another process's worker may have taken it meanwhile.
        now = utcnow()
        claimed = db.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(
                state="running",
                started_at=now,
                heartbeat_at=now,
                owner=owner,
                attempts=Job.attempts + 1,
            )
            .returning(Job.id)
        ).scalar()
        if claimed is None:
            return True
    with worker_session(app) as db, Heartbeat(app, job_id, owner):
        job = db.get(Job, job_id)
        assert job is not None
        try:
            result = HANDLERS[job.kind](app, job, Progress(app, job_id))
        except Exception as exc:  # a failed job records why; the worker goes on
            app.logger.warning("job %s (%s) failed: %s", job_id, job.kind, type(exc).__name__)
            job.state, job.error = "failed", _reason(exc)
        else:
            job.state, job.result = "done", result
            if job.kind == "pull" and isinstance(result.get("snapshot_id"), int):
                job.snapshot_id = result["snapshot_id"]
        job.finished_at = utcnow()
    return True


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:2000]


class Worker:
    """Runs queued jobs in a daemon thread until stopped, and every LEASE / 2 seconds fails
    the jobs whose process stopped."""

    def __init__(self, app: Flask, interval: float = 0.2) -> None:
        self.app = app
        self.interval = interval
        self.owner = worker_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qiscan-worker", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        swept = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() - swept > LEASE / 2:
                    recover(self.app)
                    swept = time.monotonic()
                ran = run_next(self.app, self.owner)
            except Exception:
                self.app.logger.exception("the job worker failed")
                ran = False
            if not ran:
                self._stop.wait(self.interval)
