"""Background jobs whose state is stored: a restart never loses one.

A job is a row (kind, parameters, state, progress, result or error). :class:`Worker` runs queued
jobs in daemon threads, one per :data:`LANES` entry: reports in one, pulls, trigger rescores and
every other kind in another, so a report that renders for many minutes never holds up a pull or
a rescore. Each thread calls the handler registered for the job's kind with a :class:`Progress`
it reports through. Several processes may each run a worker on one database:

* a queued job is claimed by one worker only (a conditional update; a lane claims only its own
  kinds), and the database keeps at most one queued job per dedupe key (a partial unique
  index), so equal requests made at once in two processes queue one job;
* a running job holds a lease: its worker writes ``heartbeat_at`` every HEARTBEAT seconds.
  A job whose lease is older than LEASE seconds was left by a process that stopped; each
  worker looks for such jobs as it starts and every LEASE / 2 seconds after, and marks them
  failed ("interrupted"), or cancelled when a cancel was asked for. Any failed or cancelled
  job can be retried;
* a job runs at most its kind's time limit (``JOB_TIME_LIMITS`` in the app config) and is then
  stopped and failed ("stopped after 15 minutes: ..."). A queued job is cancelled at once; a
  running one is asked to stop (``cancel_requested_at``, seen by the worker that runs it within
  CANCEL_POLL seconds, whichever process that is) and ends "cancelled". How a running job is
  stopped is :mod:`plugin.service.job_stop`. A job's end is written only while the job is still
  its worker's, so a job whose lease ran out and was taken again keeps its new outcome.
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
from plugin.service.job_stop import (
    INTERRUPTED,
    Control,
    JobStopped,
    Watch,
    cancelled_text,
    duration,
)
from plugin.service.models import Job, utcnow

Handler = Callable[[Flask, Job, "Progress"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
HEARTBEAT = 10.0  # seconds between a running job's heartbeats
LEASE = 60.0  # seconds without a heartbeat after which a running job's process is gone
CANCEL_POLL = 1.0  # seconds between a running job's looks for a cancel
DEFAULT_LIMIT = 60 * 60.0  # seconds, for a kind JOB_TIME_LIMITS does not name
FINISHED = ("done", "failed", "cancelled")
# What to do about a job that ran out of time, by kind.
OVERTIME_HINTS = {
    "report": "make a smaller report (one practice, or CSV instead of PDF), or raise the limit",
    "pull": "pull again (an incremental pull asks only for the changes), or raise the limit",
}


@dataclass(frozen=True)
class Lane:
    """A worker thread's share of the queue: the kinds it claims, or (``kinds`` None) every
    kind no other lane of LANES names."""

    name: str
    kinds: tuple[str, ...] | None


LANES = (Lane("reports", ("report",)), Lane("records", None))


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
    """What a handler reports through: ``progress(done, total)`` records how far the job is,
    and raises JobStopped when the job must stop (time limit, cancel, shutdown)."""

    app: Flask
    job_id: int
    control: Control | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.control is not None:
            self.control.check()
        with worker_session(self.app) as db:
            db.execute(
                sa.update(Job)
                .where(Job.id == self.job_id)
                .values(done=done, total=total, heartbeat_at=utcnow())
            )

    def stopped(self) -> JobStopped | None:
        """Why the job must stop, or None (for work that waits on something else)."""
        return self.control.stopped() if self.control is not None else None


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
    """Queue a failed or cancelled job again, its progress and error cleared (the caller commits);
    ValueError for a job in another state, or when an equal job is queued already."""
    if job.state not in ("failed", "cancelled"):
        raise ValueError(
            f"job {job.id} is {job.state}; only a failed job can be retried, or a cancelled one"
        )
    if job.dedupe_key:  # the database keeps one queued job per key
        waiting = db.scalar(
            sa.select(Job.id).where(Job.dedupe_key == job.dedupe_key, Job.state == "queued")
        )
        if waiting is not None:
            raise ValueError(f"job {waiting} is queued to do the same; follow that one instead")
    job.state, job.error, job.done, job.total, job.owner = "queued", "", 0, 0, ""
    job.started_at = job.finished_at = job.heartbeat_at = job.cancel_requested_at = None
    job.cancelled_by = ""
    return job


def cancel(db: Session, job: Job, by: str) -> Job:
    """Cancel ``job`` for ``by`` (who asked, as the job's error shows it): a queued job is
    cancelled at once; a running one is asked to stop and is "cancelled" once its worker has
    stopped it (within CANCEL_POLL seconds of a progress call or of a report's child process).
    Asking again changes nothing; ValueError for a job that has finished."""
    now = utcnow()
    if job.state == "queued":
        db.execute(
            sa.update(Job)
            .where(Job.id == job.id, Job.state == "queued")
            .values(
                state="cancelled",
                error=cancelled_text(by),
                cancelled_by=by,
                cancel_requested_at=now,
                finished_at=now,
            )
        )
        db.refresh(job)  # cancelled, or claimed by a worker meanwhile
    if job.state == "running":
        db.execute(
            sa.update(Job)
            .where(Job.id == job.id, Job.state == "running", Job.cancel_requested_at.is_(None))
            .values(cancel_requested_at=now, cancelled_by=by)
        )
        db.refresh(job)  # asked, or it finished meanwhile
    if job.state in ("queued", "running", "cancelled"):
        return job
    raise ValueError(f"job {job.id} is {job.state}; only a queued or running job can be cancelled")


def recover(app: Flask, lease: float | None = None) -> int:
    """End the running jobs whose lease ran out (their process stopped): failed (interrupted),
    or cancelled when a cancel was asked for; how many."""
    stale = utcnow() - timedelta(seconds=LEASE if lease is None else lease)
    with worker_session(app) as db:
        stopped = db.scalars(
            sa.select(Job).where(
                Job.state == "running",
                sa.or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale),
            )
        ).all()
        for job in stopped:
            if job.cancel_requested_at is not None:
                job.state, job.error = "cancelled", cancelled_text(job.cancelled_by)
            else:
                job.state, job.error = "failed", INTERRUPTED
            job.finished_at = utcnow()
        return len(stopped)


def time_limit(app: Flask, kind: str) -> float:
    """Seconds a job of ``kind`` may run (``JOB_TIME_LIMITS`` in the app config)."""
    limits = app.config.get("JOB_TIME_LIMITS") or {}
    return float(limits.get(kind, DEFAULT_LIMIT))


def overtime(kind: str, limit: float) -> str:
    """The error of a job stopped at its time limit: how long it ran, where the limit is set, and
    what to do."""
    hint = OVERTIME_HINTS.get(kind, "retry it, or raise the limit")
    return (
        f"stopped after {duration(limit)}: a {kind} job may run {duration(limit)} at most "
        f"(JOB_TIME_LIMITS['{kind}'] in the service configuration); {hint}"
    )


def claimed(app: Flask, owner: str, lane: Lane | None) -> int | None:
    """The oldest queued job of ``lane`` (any kind: None), now running as ``owner``; its id."""
    with worker_session(app) as db:
        job_id = db.scalar(
            sa.select(Job.id)
            .where(Job.state == "queued", lane_kinds(lane))
            .order_by(Job.id)
            .limit(1)
        )
        if job_id is None:
            return None
        # Claimed only if still queued: another process's worker may have taken it meanwhile.
        now = utcnow()
        return db.execute(
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


def lane_kinds(lane: Lane | None) -> sa.ColumnElement[bool]:
    """The condition that picks the jobs ``lane`` claims (every job for None)."""
    if lane is None:
        return sa.true()
    if lane.kinds is not None:
        return Job.kind.in_(lane.kinds)
    named = [kind for other in LANES if other.kinds is not None for kind in other.kinds]
    return Job.kind.not_in(named)


def run_next(
    app: Flask,
    owner: str = "",
    lane: Lane | None = None,
    shutdown: threading.Event | None = None,
) -> bool:
    """Run the oldest queued job (of ``lane``'s kinds; None: any), if any, as worker ``owner``;
    whether there was one. ``shutdown`` set stops the running job as interrupted."""
    owner = owner or worker_id()
    job_id = claimed(app, owner, lane)
    if job_id is None:
        return False
    with worker_session(app) as db:
        job = db.get(Job, job_id)
        assert job is not None
        db.expunge(job)
    limit = time_limit(app, job.kind)
    control = Control(limit, overtime(job.kind, limit), shutdown)
    outcome: dict[str, Any]
    with Watch(app, job, owner, control, heartbeat=HEARTBEAT, poll=CANCEL_POLL):
        try:
            result = HANDLERS[job.kind](app, job, Progress(app, job_id, control))
        except Exception as exc:  # a failed job records why; the worker goes on
            # A handler may wrap the JobStopped its progress call raised in an error of its own.
            stopped = control.stopped_for
            if stopped is None and isinstance(exc, JobStopped):
                stopped = exc
            if stopped is not None:
                outcome = {"state": stopped.state, "error": stopped.reason}
            else:
                app.logger.warning("job %s (%s) failed: %s", job_id, job.kind, type(exc).__name__)
                outcome = {"state": "failed", "error": _reason(exc)}
        else:
            outcome = {"state": "done", "result": result}
            if job.kind == "pull" and isinstance(result.get("snapshot_id"), int):
                outcome["snapshot_id"] = result["snapshot_id"]
    if outcome["state"] == "lost":
        app.logger.warning("job %s (%s) was ended elsewhere while it ran", job_id, job.kind)
        return True
    finish(app, job, owner, outcome)
    return True


def finish(app: Flask, job: Job, owner: str, outcome: dict[str, Any]) -> None:
    """Write the job's end, only while it is still this worker's run of it."""
    with worker_session(app) as db:
        written = db.execute(
            sa.update(Job)
            .where(
                Job.id == job.id,
                Job.state == "running",
                Job.owner == owner,
                Job.attempts == job.attempts,
            )
            .values(**outcome, finished_at=utcnow())
            .returning(Job.id)
        ).first()
        if written is None:
            app.logger.warning("job %s: its lease ran out while it ran; its end is dropped", job.id)


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:2000]


class Worker:
    """Runs queued jobs in daemon threads, one per lane, until stopped, and every LEASE / 2
    seconds ends the jobs whose process stopped. Stopping it stops the running jobs too
    (failed, "interrupted"): a report's child process is killed."""

    def __init__(self, app: Flask, interval: float = 0.2, lanes: tuple[Lane, ...] = LANES) -> None:
        self.app = app
        self.interval = interval
        self.owner = worker_id()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._loop, args=(lane,), name=f"qiscan-worker-{lane.name}", daemon=True
            )
            for lane in lanes
        ]

    def start(self) -> Worker:
        """Start every lane's thread; the worker itself."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Ask every lane to stop and wait up to 30 seconds for each thread; a running job ends
        failed ("interrupted")."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _loop(self, lane: Lane) -> None:
        swept = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() - swept > LEASE / 2:
                    recover(self.app)
                    swept = time.monotonic()
                ran = run_next(self.app, self.owner, lane, self._stop)
            except Exception:
                self.app.logger.exception("the job worker failed")
                ran = False
            if not ran:
                self._stop.wait(self.interval)
