"""Background jobs whose state is stored: a restart never loses one.

A job is a row (kind, parameters, state, progress, result or error). :class:`Worker` runs queued
jobs one at a time in a thread, calling the handler registered for the job's kind with a
:class:`Progress` it reports through. When the service starts, jobs left ``running`` by a
process that stopped are marked failed ("interrupted"); any failed job can be retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from plugin.service.db import worker_session
from plugin.service.models import Job, utcnow

Handler = Callable[[Flask, Job, "Progress"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
INTERRUPTED = "interrupted: the service stopped while this job ran; retry it"


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
            db.execute(sa.update(Job).where(Job.id == self.job_id).values(done=done, total=total))


def enqueue(
    db: Session,
    kind: str,
    params: dict[str, Any],
    *,
    connection_id: int | None = None,
    dedupe_key: str = "",
) -> Job:
    """A new queued job; with ``dedupe_key``, an equal job still queued is returned instead."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind '{kind}'")
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
    db.add(job)
    db.flush()
    return job


def retry(db: Session, job: Job) -> Job:
    if job.state != "failed":
        raise ValueError(f"job {job.id} is {job.state}; only a failed job can be retried")
    job.state, job.error, job.done, job.total = "queued", "", 0, 0
    job.started_at = job.finished_at = None
    return job


def recover(app: Flask) -> int:
    """Mark jobs a stopped process left running as failed; how many there were."""
    with worker_session(app) as db:
        stopped = db.scalars(sa.select(Job).where(Job.state == "running")).all()
        for job in stopped:
            job.state, job.error, job.finished_at = "failed", INTERRUPTED, utcnow()
        return len(stopped)


def run_next(app: Flask) -> bool:
    """Run the oldest queued job, if any; whether one ran."""
    with worker_session(app) as db:
        job_id = db.scalar(sa.select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1))
        if job_id is None:
            return False
        # Claimed only if still queued: another process's worker may have taken it meanwhile.
        claimed = db.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="running", started_at=utcnow(), attempts=Job.attempts + 1)
            .returning(Job.id)
        ).scalar()
        if claimed is None:
            return True
    with worker_session(app) as db:
        job = db.get(Job, job_id)
        assert job is not None
        try:
            result = HANDLERS[job.kind](app, job, Progress(app, job_id))
        except Exception as exc:  # a failed job records why; the worker goes on
            app.logger.warning("job %s (%s) failed: %s", job_id, job.kind, type(exc).__name__)
            job.state, job.error = "failed", _reason(exc)
        else:
            job.state, job.result = "done", result
        job.finished_at = utcnow()
    return True


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:2000]


class Worker:
    """Runs queued jobs in a daemon thread until stopped."""

    def __init__(self, app: Flask, interval: float = 0.2) -> None:
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qiscan-worker", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_next(self.app)
            except Exception:
                self.app.logger.exception("the job worker failed")
                ran = False
            if not ran:
                time.sleep(self.interval)
