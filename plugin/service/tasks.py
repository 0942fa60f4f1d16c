"""The ``pull`` job, and the decoded snapshots that jobs and the result endpoints share.

A pull job reaches its connection's REDCap project and pulls it into the snapshot store,
reporting each batch as progress (where a cancel or the time limit stops it; a stopped pull
leaves no snapshot listed), and then builds what the result endpoints serve for the new snapshot
(the steps :func:`after_pull` registers), a step at a time as progress, so that no request pays
for it. Where the store is follows one rule
(:func:`plugin.service.config.snapshot_target`), which ``qiscan stats`` and ``qiscan report``
follow too. The ``report`` job is :mod:`plugin.service.report_jobs`. Snapshots never change
once written, so their decoded responses are kept per app in a small LRU cache (:func:`cache`,
which the result endpoints use for their statistics, scores and answers too). The caches are the
process's: with several processes (gunicorn's workers) the one that ran the pull has them built,
and each other process builds its own on its first request for the snapshot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from flask import Flask

from plugin.pull import SnapshotStore, pull
from plugin.redcap.errors import redact
from plugin.service.config import snapshot_target
from plugin.service.connections import client_for
from plugin.service.db import worker_session
from plugin.service.definitions import resolve, resolver
from plugin.service.jobs import Progress, handler
from plugin.service.models import Connection, Job
from plugin.snapshots import Loaded, SnapshotUnusable, instrument_for, load
from scoring.decode import Responses

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
SnapshotStep = Callable[[int], None]
# What a pull job builds for its new snapshot once it is written, in order (the result
# endpoints register theirs); each step takes the snapshot's id, in an app context.
SNAPSHOT_STEPS: list[SnapshotStep] = []


class JobFailed(RuntimeError):
    """Why a job failed, in words that hold no secret."""


class Lru(Generic[K, V]):
    """The ``size`` most recently used values, made on first use; safe across threads. One
    thread makes a key's value while the others that ask for it wait and take it (a burst of
    first requests for a snapshot decodes it once); a ``make()`` that raises keeps nothing, and
    each waiting thread then tries for itself."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._making: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``'s, which is then kept (the least recently
        used value goes past ``size``)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._items:  # made by the thread this one waited for
                    self._items.move_to_end(key)
                    return self._items[key]
            try:
                value = make()
            except BaseException:
                with self._lock:
                    self._made(key, making)
                raise
            with self._lock:  # kept and no longer being made, at once
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._made(key, making)
        return value

    def _made(self, key: K, making: threading.Lock) -> None:
        """Forget that ``key`` is being made (under ``_lock``)."""
        if self._making.get(key) is making:
            del self._making[key]


def store_of(app: Flask) -> SnapshotStore:
    """The app's snapshot store, made once (see the module's note on where it is)."""
    found: SnapshotStore | None = app.extensions.get("qiscan.snapshots")
    if found is None:
        with _STORE_LOCK:
            found = app.extensions.get("qiscan.snapshots")
            if found is None:
                target = snapshot_target(app.config)
                if target == app.config["DATABASE_URL"]:  # the service's own engine and pool
                    found = SnapshotStore(app.extensions["qiscan.db"].kw["bind"])
                else:
                    found = SnapshotStore(target)
                app.extensions["qiscan.snapshots"] = found
    return found


_STORE_LOCK = threading.Lock()


def cache(app: Flask, name: str, default_size: int) -> Lru[Any, Any]:
    """The app's cache called ``name`` (``<NAME>_CACHE_SIZE`` in the config sets its size)."""
    size = int(app.config.get(f"{name.upper()}_CACHE_SIZE", default_size))
    found: Lru[Any, Any] = app.extensions.setdefault(f"qiscan.{name}", Lru(size))
    return found


def decoded(app: Flask, snapshot_id: int) -> Loaded:
    """The snapshot loaded with its instrument and decoded (cached per app: snapshots never
    change); SnapshotUnusable when it is not there (404) or does not decode (409)."""

    def make() -> Loaded:
        store = store_of(app)
        try:
            snapshot = store.get(snapshot_id)
        except KeyError:
            raise SnapshotUnusable(404, f"there is no snapshot {snapshot_id}") from None
        with worker_session(app) as db:
            instrument = instrument_for(snapshot, resolver(db))
        found = load(store, snapshot, instrument)
        _ = found.responses  # decoded now: a snapshot that does not decode is not cached
        return found

    loaded: Loaded = cache(app, "decoded", 8).get(snapshot_id, make)
    return loaded


def unit_of(responses: Responses, practice: str) -> str | None:
    """The unit a practice is known by: its unit id field's value, or else its record id."""
    frame = responses.frame
    instrument = responses.instrument
    unit_field = instrument.unit.id_field if instrument.unit else instrument.record_id
    if unit_field not in frame.columns:
        unit_field = instrument.record_id
    units = frame[unit_field].astype("object")
    if (units == practice).any():
        return practice
    matches = units[frame[instrument.record_id].astype("object") == practice].dropna()
    return str(matches.iloc[0]) if len(matches) else None


def after_pull(step: SnapshotStep) -> SnapshotStep:
    """Register ``step`` to run, inside an app context, for each snapshot a pull job makes."""
    SNAPSHOT_STEPS.append(step)
    return step


def prepare(app: Flask, snapshot_id: int, progress: Progress, done: int) -> None:
    """Run the :data:`SNAPSHOT_STEPS` for the snapshot, each counted as one more unit of the
    job's progress after the ``done`` records. When a step fails (a snapshot that does not
    decode), the rest are left to the requests, which answer the error (the pull itself
    succeeded); a cancel or the time limit stops the job between steps, as between batches."""
    total = done + len(SNAPSHOT_STEPS)
    for number, step in enumerate(SNAPSHOT_STEPS):
        progress(done + number, total)
        try:
            with app.app_context():
                step(snapshot_id)
        except Exception:  # the request that needs it meets the same error and answers it
            app.logger.warning(
                "building %s for snapshot %s failed", step.__name__, snapshot_id, exc_info=True
            )
            break
    progress(total, total)


@handler("pull")
def run_pull(app: Flask, job: Job, progress: Progress) -> dict[str, Any]:
    """Pull the job's project into the snapshot store, each batch reported as progress, then build
    what the result endpoints serve for the new snapshot (:func:`prepare`); its result describes
    the snapshot made. JobFailed, never holding the token, when the project is gone or the pull
    fails."""
    with worker_session(app) as db:
        connection = db.get(Connection, job.connection_id) if job.connection_id else None
    if connection is None:
        raise JobFailed("the project this pull was for is no longer registered")
    client = client_for(connection, app.config["SECRET_KEY"])
    try:
        with worker_session(app) as db:
            instrument = resolve(db, connection.instrument)
        instruments = {instrument.id: instrument.version}
        result = pull(
            client,
            store_of(app),
            instruments=instruments,
            batch_size=int(job.params.get("batch_size", 500)),
            incremental=not job.params.get("full", False),
            progress=progress,
        )
    except Exception as exc:  # the reason is kept, but never the token
        raise JobFailed(redact(str(exc), (client.config.token,))) from None
    snapshot = result.snapshot
    prepare(app, snapshot.id, progress, result.exported_records)
    return {
        "snapshot_id": snapshot.id,
        "content_hash": snapshot.content_hash,
        "records": snapshot.record_count,
        "rows": snapshot.row_count,
        "mode": result.mode,
        "instruments": snapshot.instrument_versions,
        "exported_records": result.exported_records,
        "deleted_records": result.deleted_records,
        "batches": result.batches,
        "resumed": result.resumed,
        "resumed_records": result.resumed_records,
        "seconds": round(result.seconds, 3),
    }
