"""Pull a REDCap project's records into a snapshot, in record-id batches.

Batches are cut on record ids, never on rows, so every event and repeat instance of a record
travels in the same batch (a row-based chunker splits longitudinal records, PyCap issue #84).
An incremental pull asks REDCap for the records created or changed since the last snapshot's
watermark (minus an overlap, since REDCap's date filter has minute resolution and uses its own
clock), finds deletions in the log, carries the other records over, and re-exports only the
changed ones. The watermark is REDCap's own clock: the newest log timestamp when the pull began.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from plugin.pull.store import Snapshot, SnapshotStore
from plugin.redcap import RedcapClient

LOG_TIME = "%Y-%m-%d %H:%M"
RANGE_TIME = "%Y-%m-%d %H:%M:%S"
# REDCap's clock may sit anywhere from UTC-12 to UTC+14; looking back this far from its UTC
# Date header is certain to include its local "now".
WIDEST_OFFSET = timedelta(hours=14)

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
    snapshot: Snapshot
    mode: str  # "full" or "incremental"
    exported_records: int
    deleted_records: int
    batches: int
    seconds: float


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
) -> PullResult:
    """Pull the project into a new snapshot and return it; earlier snapshots are never changed."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    info = client.project_info()
    project = project_key(client, info)
    metadata = client.metadata()
    structure = {**client.structure(), "export": EXPORT}
    record_id = metadata[0]["field_name"]
    watermark = server_clock(client)
    parent = store.latest(project) if incremental else None
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
        "instruments": instruments or {},
    }
    if parent is None:
        ids = record_ids(client, record_id)
        deleted: set[str] = set()
        header["mode"] = "full"
    else:
        since = _minus(parent.server_time, overlap)
        ids = record_ids(client, record_id, date_begin=since)
        deleted = deleted_records(client, since) - set(ids)
        header.update(mode="incremental", parent_id=parent.id)
    batches = 0
    with store.writer(**header) as writer:
        if parent is not None:
            writer.copy_from(parent.id, except_records=set(ids) | deleted)
        done = 0
        for batch in chunks(ids, batch_size):
            rows = client.export_records(records=batch, **SCORING_EXPORT)
            writer.add(rows)
            batches += 1
            done += len(batch)
            if progress is not None:
                progress(done, len(ids))
    snapshot = store.get(writer.snapshot_id or 0)
    return PullResult(
        snapshot, header["mode"], len(ids), len(deleted), batches, time.perf_counter() - started
    )


def record_ids(client: RedcapClient, record_id: str, **filters: Any) -> list[str]:
    """Distinct record ids in REDCap's order (one row per event or instance comes back)."""
    rows = client.export_records(fields=[record_id], **filters)
    return list(dict.fromkeys(str(row[record_id]) for row in rows))


def deleted_records(client: RedcapClient, since: datetime) -> set[str]:
    """Records the log says were deleted since ``since`` (REDCap's local time)."""
    entries = client.logging(log_type="record_delete", begin_time=since)
    return {
        str(entry.get("record", "")).strip()
        for entry in entries
        if "delete" in str(entry.get("action", "")).lower() and str(entry.get("record", "")).strip()
    }


def server_clock(client: RedcapClient) -> str:
    """REDCap's own "now", as its log writes times: the newest log entry, or failing that the
    earliest its local time could be given its UTC Date header."""
    client.version()
    utc = _parse_http_date(client.judge.last_date)
    earliest_local = (utc - WIDEST_OFFSET).replace(tzinfo=None)
    entries = client.logging(begin_time=earliest_local)
    stamps = [str(e.get("timestamp", "")) for e in entries if e.get("timestamp")]
    return max(stamps) if stamps else earliest_local.strftime(LOG_TIME)


def _parse_http_date(value: str) -> datetime:
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def _minus(stamp: str, overlap: timedelta) -> datetime:
    return datetime.strptime(stamp[:16], LOG_TIME) - overlap


def chunks(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
