"""What stops a running job, and how: its time limit, a cancel, or the service stopping.

A Python thread cannot be killed, so a job is stopped where it looks. :class:`Control` holds
why a job must stop; the job's progress calls (once a batch of a pull, once a step of a report
or rescore) raise :class:`JobStopped` once it is set, and every step between two calls is
bounded on its own (a REDCap request by the client's timeout). What may run long without
looking, a report's building and rendering, runs in a child process instead
(:func:`run_in_child`), which is killed when the job must stop: the work really ends, its
memory is freed, and the worker goes on to the next job.

Children come from a fork server that has imported the service's modules once (``PRELOAD``), so
each one starts in milliseconds without inheriting the worker's threads, database connections
or locks (a plain fork of a threaded process could deadlock in the child).

:class:`Watch`, a thread beside each running job, renews the job's lease, reads whether a cancel
was asked for (a column, so any process may ask) and tells the control.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import Any

import sqlalchemy as sa
from flask import Flask

from plugin.service.db import worker_session
from plugin.service.models import Job, utcnow

INTERRUPTED = "interrupted: the service stopped while this job ran; retry it"
# Imported once by the fork server; every child starts with them already loaded.
PRELOAD = ("plugin.service.report_jobs",)
POLL = 0.1  # seconds between a parent's looks at its child and at the job's control
Step = Callable[[int, int], None]  # (done, total), as a job's progress


class JobStopped(Exception):
    """A job stopped before its end: the ``state`` it ends in and the ``reason`` it shows."""

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


def cancelled_text(by: str) -> str:
    """A cancelled job's error: who cancelled it."""
    return f"cancelled by {by}" if by else "cancelled"


class ChildFailed(RuntimeError):
    """The child process's work raised (the message is its error) or the child died."""


def duration(seconds: float) -> str:
    """``15 minutes``, ``1 minute``, ``90 seconds``, ``0.5 seconds``."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


class Control:
    """Why a running job must stop, if it must: the first reason set is kept. The time limit
    and the worker's shutdown are looked at whenever the control is asked."""

    def __init__(
        self, limit: float, overtime: str, shutdown: threading.Event | None = None
    ) -> None:
        self.limit = limit
        self.overtime = overtime
        self.started = time.monotonic()
        self._shutdown = shutdown
        self._stopped: JobStopped | None = None
        self._lock = threading.Lock()

    def stop(self, state: str, reason: str) -> None:
        """Set why the job must stop, unless a reason is set already (the first one is kept)."""
        with self._lock:
            if self._stopped is None:
                self._stopped = JobStopped(state, reason)

    @property
    def stopped_for(self) -> JobStopped | None:
        """The reason set so far, without looking at the clock."""
        return self._stopped

    def stopped(self) -> JobStopped | None:
        """Why the job must stop (the time limit and the shutdown looked at now), or None."""
        if self._stopped is None:
            if time.monotonic() - self.started > self.limit:
                self.stop("failed", self.overtime)
            elif self._shutdown is not None and self._shutdown.is_set():
                self.stop("failed", INTERRUPTED)
        return self._stopped

    def check(self) -> None:
        """Raise JobStopped if the job must stop."""
        found = self.stopped()
        if found is not None:
            raise JobStopped(found.state, found.reason)


class Watch:
    """Beside a running job: renews its lease every ``heartbeat`` seconds, and every ``poll``
    seconds looks whether a cancel was asked for (by any process) or the job is no longer its
    worker's (its lease ran out and another process ended it), and tells the job's control."""

    def __init__(
        self, app: Flask, job: Job, owner: str, control: Control, *, heartbeat: float, poll: float
    ) -> None:
        self.app, self.job_id, self.attempt = app, job.id, job.attempts
        self.owner, self.control = owner, control
        self.heartbeat, self.poll = heartbeat, poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="qiscan-job-watch", daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        beaten = time.monotonic()
        while not self._stop.wait(min(self.heartbeat, self.poll)):
            beat = time.monotonic() - beaten >= self.heartbeat
            try:
                self._look(beat)
            except Exception:  # the next look tries again; the lease allows several misses
                self.app.logger.warning(
                    "job %s: its watch could not reach the database", self.job_id
                )
            else:
                beaten = time.monotonic() if beat else beaten
            self.control.stopped()  # the time limit, the worker's shutdown

    def _look(self, beat: bool) -> None:
        with worker_session(self.app) as db:
            if beat:
                db.execute(
                    sa.update(Job)
                    .where(Job.id == self.job_id, Job.owner == self.owner)
                    .values(heartbeat_at=utcnow())
                )
            row = db.execute(
                sa.select(
                    Job.state, Job.owner, Job.attempts, Job.cancel_requested_at, Job.cancelled_by
                ).where(Job.id == self.job_id)
            ).one_or_none()
        ours = (row.state, row.owner, row.attempts) if row is not None else None
        if ours != ("running", self.owner, self.attempt):
            self.control.stop("lost", "the job was ended elsewhere while it ran")
        elif row is not None and row.cancel_requested_at is not None:
            self.control.stop("cancelled", cancelled_text(row.cancelled_by))


_CONTEXT: ForkServerContext | None = None
_CONTEXT_LOCK = threading.Lock()


def child_context() -> ForkServerContext:
    """The fork server context, its preload set once (the server starts on first use)."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _CONTEXT = context
        return _CONTEXT


def run_in_child(
    target: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    stopped: Callable[[], JobStopped | None],
    on_step: Step | None = None,
) -> Any:
    """``target(step, *args)`` in a child process; its result (pickled back).

    ``step(done, total)`` in the child calls ``on_step(done, total)`` here. While the child
    works, ``stopped`` is asked every POLL seconds; when it names a reason (or ``on_step``
    raises), the child is killed and JobStopped raised. The target and its arguments must
    pickle (a module-level function of a module the child can import). ChildFailed when the
    target raised (its message) or the child died without an answer (killed for its memory,
    say)."""
    context = child_context()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(target, args, writer), name="qiscan-job-child", daemon=True
    )
    process.start()
    writer.close()  # the child holds the writing end: its exit ends the pipe
    try:
        while True:
            stop = stopped()
            if stop is not None:
                raise JobStopped(stop.state, stop.reason)
            if not reader.poll(POLL):
                if not process.is_alive() and not reader.poll(0):
                    raise ChildFailed(died(process.exitcode))
                continue
            try:
                message = reader.recv()
            except EOFError:
                process.join(timeout=5)
                raise ChildFailed(died(process.exitcode)) from None
            if message[0] == "step":
                if on_step is not None:
                    on_step(int(message[1]), int(message[2]))
                continue
            if message[0] == "ok":
                return message[1]
            raise ChildFailed(str(message[1]))
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=10)
        reader.close()


def died(exitcode: int | None) -> str:
    """The error of a job whose child process ended without an answer: its exit code or signal."""
    how = f"was killed by signal {-exitcode}" if exitcode and exitcode < 0 else "stopped"
    return (
        f"the job's child process {how} without finishing (exit code {exitcode}); "
        "it may have run out of memory: retry it, or make a smaller report"
    )


def _child(target: Callable[..., Any], args: tuple[Any, ...], writer: Connection) -> None:
    def step(done: int, total: int) -> None:
        writer.send(("step", done, total))

    threading.Thread(target=_orphaned, args=(writer.fileno(),), daemon=True).start()
    try:
        result = target(step, *args)
    except BaseException as exc:  # the parent records why; nothing is printed here
        writer.send(("error", str(exc).strip() or type(exc).__name__))
    else:
        writer.send(("ok", result))
    finally:
        writer.close()


def _orphaned(answer_fd: int) -> None:
    """End the child once nobody reads its answer: the service that asked for the work stopped
    (even killed). A pipe's writing end reports an error once its reading end, which only
    the service holds, is closed (the fork server itself lives on while any child does)."""
    watch = select.poll()
    watch.register(answer_fd, 0)  # no events asked for: an error or a hang-up is always told
    while not watch.poll():
        pass
    os._exit(1)
