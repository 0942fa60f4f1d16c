"""Reading pulled snapshots back for statistics and reports: find one, its records as a frame,
and the provenance a report prints so that it can be reproduced."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import version

import pandas as pd

from instruments.model import Instrument
from plugin.pull import Snapshot, SnapshotStore
from reports.model import Provenance


class SnapshotNotFound(LookupError):
    """No snapshot answers to the name; the message lists what there is."""


def find_snapshot(store: SnapshotStore, name: str) -> Snapshot:
    """A snapshot by id, or the latest one of a project key or pulled for an instrument id."""
    if name.isdigit():
        try:
            return store.get(int(name))
        except KeyError:
            pass
    matching = [s for s in store.snapshots() if name == s.project or name in s.instruments]
    if matching:
        return matching[-1]
    known = sorted({i for s in store.snapshots() for i in s.instruments})
    listed = ", ".join(known) if known else "none yet (run qiscan pull first)"
    raise SnapshotNotFound(f"no snapshot '{name}'; instruments with snapshots: {listed}")


def snapshot_records(store: SnapshotStore, snapshot: Snapshot) -> pd.DataFrame:
    """The snapshot's raw records as strings, every row with every column."""
    rows = [
        {key: "" if value is None else str(value) for key, value in row.items()}
        for row in store.rows(snapshot.id)
    ]
    return pd.DataFrame.from_records(rows).fillna("")


def provenance(snapshots: list[Snapshot], instruments: list[Instrument]) -> Provenance:
    """qiscan's version, the instruments' versions, and the (first) snapshot's id, hash and
    pull time: what a reader needs to reproduce the report."""
    first = snapshots[0] if snapshots else None
    hashes = ", ".join(s.content_hash[:12] for s in snapshots)
    return Provenance(
        qiscan_version=version("qiscan"),
        instruments=tuple((i.id, i.version) for i in instruments),
        snapshot_id=first.id if first else None,
        content_hash=hashes,
        pulled_at=", ".join(s.server_time for s in snapshots),
        project=", ".join(s.project for s in snapshots),
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
    )
