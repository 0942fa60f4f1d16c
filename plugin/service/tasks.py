"""The ``pull`` job, and the decoded snapshots that jobs and the result endpoints share.

A pull job reaches its connection's REDCap project and pulls it into the snapshot store,
reporting each batch as progress (where a cancel or the time limit stops it; a stopped pull
leaves no snapshot listed). Where the store is follows one rule
(:func:`plugin.service.config.snapshot_target`), which ``qiscan stats`` and ``qiscan report``
follow too. The ``report`` job is :mod:`plugin.service.report_jobs`. Snapshots never change
once written, so their decoded responses are kept per app in a small LRU cache (:func:`cache`,
which the result endpoints use for their statistics and scores too).
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


class JobFailed(RuntimeError):
    """Why a job failed, in words that hold no secret."""


class Lru(Generic[K, V]):
    """The ``size`` most recently used values, made on first use; safe across threads (two
    threads may make the same value at once: both results are equal, one is kept)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``'s, which is then kept (the least recently
        used value goes past ``size``)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


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


@handler("pull")
def run_pull(app: Flask, job: Job, progress: Progress) -> dict[str, Any]:
    """Pull the job's project into the snapshot store, each batch reported as progress; its result
    describes the snapshot made. JobFailed, never holding the token, when the project is gone or
    the pull fails."""
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
