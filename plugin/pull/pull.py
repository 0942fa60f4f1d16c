"""Pull a REDCap project's records into a snapshot, in record-id batches.

Batches are cut on record ids, never on rows, so every event and repeat instance of a record
travels in the same batch (a row-based chunker splits longitudinal records, PyCap issue #84).
An incremental pull asks REDCap for the records created or changed since the last snapshot's
watermark (minus an overlap, since REDCap's date filter has minute resolution and uses its own
clock), finds deletions in the log, carries the other records over, and re-exports only the
changed ones. The watermark is REDCap's own clock: the newest log timestamp when the pull began.

Every answer the snapshot is built from is checked against what was asked (``plugin.pull.checks``):
a wrong one is asked again, and one that stays wrong fails the pull. A pull that fails part-way
keeps the batches it wrote in an unfinished snapshot (``plugin.pull.writer``), never seen as a
snapshot; the next pull of the same project, design and instruments goes on from its last batch,
keeping its record ids and watermark, instead of exporting everything again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from plugin.pull.checks import deleted_records, exported_batch, listed_records, record_ids
from plugin.pull.clock import LOG_TIME, server_clock
from plugin.pull.store import Snapshot, SnapshotStore, Unfinished
from plugin.pull.writer import SnapshotWriter
from plugin.redcap import RedcapClient, RedcapProblem

__all__ = [
    "LOG_TIME",
    "SCORING_EXPORT",
    "PullResult",
    "chunks",
    "deleted_records",
    "project_key",
    "pull",
    "record_ids",
    "server_clock",
]

# How long an unfinished snapshot's pull may go without writing a batch before another pull may
# take it over: longer than one batch can take with every retry (a crashed pull never lets go).
LEASE = timedelta(minutes=15)

Progress = Callable[[int, int], None]
# How records are exported for scoring, everywhere they are: a form never saved exports as
# status "0" by default, which would read as saved and put its questions in every denominator
# (blank tells the two apart); the survey timestamps say who responded (scoring.respondents), so
# a pre-filled record is not taken for one.
SCORING_EXPORT = {"export_blank_for_gray_form_status": True, "export_survey_fields": True}
# The same, kept with the structure: a snapshot made another way cannot be the parent of an
# incremental pull (its rows would lack the survey timestamps).
EXPORT = [{key.removeprefix("export_"): value for key, value in SCORING_EXPORT.items()}]


@dataclass(frozen=True)
class PullResult:
    """What a pull made (the finished snapshot) and what it took: its mode, records exported and
    deleted, batches and seconds."""

    snapshot: Snapshot
    mode: str  # "full" or "incremental"
    exported_records: int  # the records the pull's plan exports, including any resumed ones
    deleted_records: int
    batches: int  # batches exported by this call
    seconds: float
    resumed: bool = False  # it went on with an unfinished snapshot of an earlier pull
    resumed_records: int = 0  # records that earlier pull had already written


@dataclass(frozen=True)
class Plan:
    """What a snapshot is made of: the records to export, and the deletions the log showed."""

    ids: list[str]
    deleted: set[str]
    server_time: str
    mode: str


def project_key(client: RedcapClient, info: dict[str, Any]) -> str:
    """The project a snapshot belongs to: its API URL and REDCap project id, never the token."""
    return f"{client.identity}#{info.get('project_id', '')}"


def pull(
    client: RedcapClient,
    store: SnapshotStore,
    *,
    instruments: dict[str, str] | None = None,
    batch_size: int = 500,
    incremental: bool = True,
    overlap: timedelta = timedelta(minutes=10),
    progress: Progress | None = None,
    resume: bool = True,
) -> PullResult:
    """Pull the project into a new snapshot and return it; earlier snapshots are never changed.

    With ``resume``, an unfinished snapshot left by an earlier pull of the same project, design
    and instruments is taken up where it stopped (a full pull asked for resumes only a full one).
    When this pull fails, what it wrote is kept for the next one and the error says so.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    info = client.project_info()
    project = project_key(client, info)
    metadata = client.metadata()
    structure = {**client.structure(), "export": EXPORT}
    record_id = metadata[0]["field_name"]
    design = {"metadata": metadata, "structure": structure, "instruments": instruments or {}}
    latest = store.latest(project)
    found = _take_over(store, project, design, latest, incremental, record_id, resume)
    if found is not None:
        writer, plan = found
    else:
        writer, plan = _begin(client, store, project, design, latest, incremental, overlap)
    resumed_records = writer.done
    try:
        batches, gone = _export(client, writer, plan, record_id, batch_size, progress)
        writer.finish()
    except RedcapProblem as exc:
        writer.release()
        raise _stopped(exc, writer.done, len(plan.ids)) from exc
    except BaseException:
        writer.release()
        raise
    return PullResult(
        store.get(writer.snapshot_id),
        plan.mode,
        len(plan.ids),
        len(plan.deleted) + len(gone),
        batches,
        time.perf_counter() - started,
        resumed=found is not None,
        resumed_records=resumed_records,
    )


def _take_over(
    store: SnapshotStore,
    project: str,
    design: dict[str, Any],
    latest: Snapshot | None,
    incremental: bool,
    record_id: str,
    resume: bool,
) -> tuple[SnapshotWriter, Plan] | None:
    """The newest unfinished snapshot this pull may go on with, now owned by it; unfinished
    snapshots that no pull can ever finish (another design, or a newer snapshot exists) are
    dropped, unless a pull may still be writing them."""
    taken: tuple[SnapshotWriter, Plan] | None = None
    for left in reversed(store.unfinished(project)):
        if left.busy(LEASE):
            continue
        same_design = (left.metadata, left.structure) == (design["metadata"], design["structure"])
        current = latest is None or left.snapshot_id > latest.id
        if not (same_design and current):
            _drop(store, left)
            continue
        fits = left.instrument_versions == design["instruments"] and (
            incremental or left.mode == "full"
        )
        if resume and fits and taken is None:
            writer = SnapshotWriter.take_over(store.engine, left, record_id)
            if writer is not None:
                taken = writer, Plan(left.ids, set(left.deleted), left.server_time, left.mode)
    return taken


def _drop(store: SnapshotStore, left: Unfinished) -> None:
    try:
        store.discard(left.snapshot_id, owner=left.owner)
    except KeyError:
        pass  # another pull took it over or dropped it meanwhile


def _begin(
    client: RedcapClient,
    store: SnapshotStore,
    project: str,
    design: dict[str, Any],
    latest: Snapshot | None,
    incremental: bool,
    overlap: timedelta,
) -> tuple[SnapshotWriter, Plan]:
    """Plan a new snapshot (which records to export) and begin it."""
    metadata, structure = design["metadata"], design["structure"]
    record_id = metadata[0]["field_name"]
    watermark = server_clock(client)
    parent = latest if incremental else None
    if parent is not None and store.header(parent.id) != {
        "metadata": metadata,
        "structure": structure,
    }:
        parent = None  # the design changed: old rows may lack or misname columns
    header: dict[str, Any] = {
        "project": project,
        "record_id": record_id,
        "server_time": watermark,
        "metadata": metadata,
        "structure": structure,
        "instruments": design["instruments"],
    }
    if parent is None:
        ids, deleted = listed_records(client, record_id, None)
        header["mode"] = "full"
    else:
        since = _minus(parent.server_time, overlap)
        ids, deleted = listed_records(client, record_id, since)
        header.update(mode="incremental", parent_id=parent.id)
    writer = SnapshotWriter.begin(store.engine, header, ids, deleted, set(ids) | deleted)
    return writer, Plan(ids, deleted, watermark, header["mode"])


def _export(
    client: RedcapClient,
    writer: SnapshotWriter,
    plan: Plan,
    record_id: str,
    batch_size: int,
    progress: Progress | None,
) -> tuple[int, set[str]]:
    """Export the plan's records not yet written, batch by batch; the number of batches and
    the records the log showed deleted while the pull ran."""
    began = _minus(plan.server_time, timedelta(0))  # deletions from then on are the pull's
    total = len(plan.ids)
    if progress is not None and writer.done:
        progress(writer.done, total)
    batches = 0
    gone: set[str] = set()
    for batch in chunks(plan.ids[writer.done :], batch_size):
        rows, deleted = exported_batch(client, batch, record_id, began, SCORING_EXPORT)
        writer.add(rows, records=len(batch))
        gone |= deleted
        batches += 1
        if progress is not None:
            progress(writer.done, total)
    return batches, gone


def _stopped(exc: RedcapProblem, done: int, total: int) -> RedcapProblem:
    """The same failure, saying what is kept: the next pull goes on from there."""
    kept = (
        f"{exc.message}; {done} of {total} records are written and kept, and the next pull of "
        "this project goes on from there"
    )
    return type(exc)(kept, status=exc.status, hint=exc.hint)


def _minus(stamp: str, overlap: timedelta) -> datetime:
    return datetime.strptime(stamp[:16], LOG_TIME) - overlap


def chunks(ids: list[str], size: int) -> Iterator[list[str]]:
    """``ids`` cut into consecutive lists of at most ``size``, in order."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
