"""The service's background jobs, ``pull`` and ``report``, and the decoded snapshots they and
the result endpoints share.

A pull job reaches its connection's REDCap project and pulls it into the snapshot store,
reporting each batch as progress. The store is the service's own database when that is
PostgreSQL (every process shares it), else the instance's ``snapshots.sqlite``, which
``qiscan pull`` and ``qiscan report`` read too; ``QISCAN_SNAPSHOTS`` (a path or URL)
overrides. A report job builds a report the way ``qiscan report`` does and renders it into
``app.config["REPORTS_DIR"]``, recorded as a :class:`ReportFile`. Snapshots never change once
written, so their decoded responses, statistics tables and scores are kept per app in small LRU
caches.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import pandas as pd
from flask import Flask

from instruments.model import Instrument
from plugin.pull import Snapshot, SnapshotStore, pull
from plugin.redcap.errors import redact
from plugin.service.config import reports_dir
from plugin.service.connections import client_for
from plugin.service.db import worker_session
from plugin.service.definitions import UnknownInstrument, resolve
from plugin.service.jobs import Progress, handler
from plugin.service.models import Connection, Job, ReportFile
from plugin.snapshots import provenance, snapshot_records
from plugin.target import Instance
from reports.coding import build_coding
from reports.cohort import build_cohort
from reports.committee import build_committee
from reports.model import Report
from reports.practice import build_practice, build_practices
from reports.quality import build_quality
from reports.render import Format, render, render_all
from scoring.decode import Responses, decode
from scoring.questions import Options
from scoring.scale_stats import long_scores, scale_scores
from scoring.scales import ScaleScores
from scoring.statistics import statistics_table

KINDS = ("committee", "practice", "cohort", "coding", "quality")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SnapshotUnusable(LookupError):
    """A snapshot that is not there (404) or cannot be read with its instrument (409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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


@dataclass(frozen=True, eq=False)
class Decoded:
    """A snapshot with its instrument, raw records and decoded responses."""

    snapshot: Snapshot
    instrument: Instrument
    records: pd.DataFrame
    responses: Responses


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


def snapshot_target(config: dict[str, Any]) -> str:
    if config.get("SNAPSHOTS"):
        return str(config["SNAPSHOTS"])
    database = str(config["DATABASE_URL"])
    if database.startswith("postgresql"):
        return database
    return str(Instance(Path(config["INSTANCE"])).snapshots)


_STORE_LOCK = threading.Lock()


def cache(app: Flask, name: str, default_size: int) -> Lru[Any, Any]:
    """The app's cache called ``name`` (``<NAME>_CACHE_SIZE`` in the config sets its size)."""
    size = int(app.config.get(f"{name.upper()}_CACHE_SIZE", default_size))
    found: Lru[Any, Any] = app.extensions.setdefault(f"qiscan.{name}", Lru(size))
    return found


def instrument_of(app: Flask, snapshot: Snapshot) -> Instrument:
    """The instrument the snapshot was pulled for: shipped, or the uploaded version it used."""
    if len(snapshot.instruments) != 1:
        listed = ", ".join(snapshot.instruments) or "none recorded"
        raise SnapshotUnusable(409, f"snapshot {snapshot.id} was pulled for {listed}, not one")
    name, version = next(iter(snapshot.instruments.items()))
    try:
        with worker_session(app) as db:
            return resolve(db, name, version or None)
    except UnknownInstrument:
        raise SnapshotUnusable(
            409, f"snapshot {snapshot.id} was pulled for '{name}', which this service lacks"
        ) from None
    except ValueError as exc:
        raise SnapshotUnusable(409, f"the instrument '{name}' does not load: {exc}") from None


def decoded(app: Flask, snapshot_id: int) -> Decoded:
    """The snapshot decoded with its instrument (cached per app: snapshots never change)."""

    def make() -> Decoded:
        store = store_of(app)
        try:
            snapshot = store.get(snapshot_id)
        except KeyError:
            raise SnapshotUnusable(404, f"there is no snapshot {snapshot_id}") from None
        instrument = instrument_of(app, snapshot)
        records = snapshot_records(store, snapshot)
        try:
            responses = decode(records, instrument)
        except ValueError as exc:
            raise SnapshotUnusable(409, f"snapshot {snapshot_id}: {exc}") from None
        return Decoded(snapshot, instrument, records, responses)

    found: Decoded = cache(app, "decoded", 8).get(snapshot_id, make)
    return found


def statistics(
    app: Flask,
    snapshot_id: int,
    *,
    by: str | None,
    waves: bool,
    options: Options | None = None,
) -> pd.DataFrame:
    """The snapshot's tidy statistics table (cached); ValueError for a bad ``by``."""
    options = options or Options()

    def make() -> pd.DataFrame:
        return statistics_table(decoded(app, snapshot_id).responses, options, by=by, waves=waves)

    key = (snapshot_id, by, waves, options)
    found: pd.DataFrame = cache(app, "statistics", 16).get(key, make)
    return found


@dataclass(frozen=True, eq=False)
class Scored:
    """A snapshot's scale scores: per response row, and long (unit, wave, months, scores)."""

    scores: ScaleScores
    long: pd.DataFrame


def scored(app: Flask, snapshot_id: int) -> Scored:
    """The snapshot's scale scores (cached per app: snapshots never change)."""

    def make() -> Scored:
        responses = decoded(app, snapshot_id).responses
        scores = scale_scores(responses)
        return Scored(scores, long_scores(responses, scores))

    found: Scored = cache(app, "scored", 8).get(snapshot_id, make)
    return found


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
        "instruments": snapshot.instruments,
        "exported_records": result.exported_records,
        "deleted_records": result.deleted_records,
        "batches": result.batches,
        "seconds": round(result.seconds, 3),
    }


def report_kinds(instrument: Instrument) -> tuple[str, ...]:
    """The report kinds an instrument's snapshot makes, in KINDS' order: the committee summary
    reads a survey of one row per respondent, practice feedback and cohort progress read waves
    of units, coder agreement a coding block, and every snapshot has a data-quality report."""
    fits = {
        "committee": instrument.kind == "survey" and instrument.waves is None,
        "practice": instrument.waves is not None and instrument.unit is not None,
        "cohort": instrument.waves is not None and instrument.unit is not None,
        "coding": instrument.coding is not None,
        "quality": True,
    }
    return tuple(kind for kind in KINDS if fits[kind])


def build_report(
    kind: str,
    main: Decoded,
    supporters: Decoded | None,
    *,
    practice: str | None,
    suppress_below: int | None,
) -> Report | list[Report]:
    """The ``kind`` report, as ``qiscan report`` builds it (practice: all practices when
    ``practice`` is None)."""
    both = [main] if supporters is None else [main, supporters]
    source = provenance([d.snapshot for d in both], [d.instrument for d in both])
    if kind == "committee":
        return build_committee(
            main.responses,
            supporters.responses if supporters else None,
            provenance=source,
            suppress_below=suppress_below,
        )
    if kind == "quality":
        return build_quality(main.records, main.instrument, provenance=source)
    if kind == "cohort":
        return build_cohort(main.responses, provenance=source)
    if kind == "coding":
        return build_coding(main.responses, provenance=source)
    if practice is not None:
        return build_practice(main.responses, practice, provenance=source)
    return build_practices(main.responses, provenance=source)


def report_filename(kind: str, snapshot_id: int, fmt: str, practice: str | None) -> str:
    if practice is not None:
        return f"practice-{safe_name(practice)}.{fmt}"
    if kind == "practice":
        return f"practices-snapshot-{snapshot_id}.zip"
    return f"{kind}-snapshot-{snapshot_id}.{fmt}"


def safe_name(text: str) -> str:
    """``text`` for a file name: letters, digits, dots and hyphens only."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip(".-")[:80] or "unnamed"


@handler("report")
def run_report(app: Flask, job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    kind, fmt, snapshot_id = params["kind"], params["format"], int(params["snapshot_id"])
    progress(0, 2)
    try:
        main = decoded(app, snapshot_id)
        second = params.get("supporters_snapshot")
        supporters = decoded(app, int(second)) if second is not None else None
    except SnapshotUnusable as exc:
        raise JobFailed(exc.message) from None
    made = build_report(
        kind,
        main,
        supporters,
        practice=params.get("practice"),
        suppress_below=params.get("suppress_below"),
    )
    progress(1, 2)
    folder = reports_dir(app.config) / f"job-{job.id}"
    folder.mkdir(exist_ok=True)  # not every renderer makes its folder
    if isinstance(made, list):
        filename, practice = report_filename(kind, snapshot_id, fmt, None), ""
        path = render_all(made, folder / filename, cast(Format, fmt))
        content_type = CONTENT_TYPES["zip"]
    else:
        practice = made.audience if kind == "practice" else ""
        filename = report_filename(kind, snapshot_id, fmt, practice or None)
        path = render(made, folder / filename, cast(Format, fmt))
        content_type = CONTENT_TYPES[fmt]
    with worker_session(app) as db:
        row = ReportFile(
            connection_id=job.connection_id,
            kind=kind,
            fmt=fmt,
            path=str(path.resolve()),
            filename=filename,
            content_type=content_type,
            snapshot_id=snapshot_id,
            practice=practice,
        )
        db.add(row)
        db.flush()
        report_id = row.id
    progress(2, 2)
    return {
        "report_id": report_id,
        "filename": filename,
        "content_type": content_type,
        "bytes": path.stat().st_size,
        "practice": practice,
    }
