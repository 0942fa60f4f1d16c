"""Reading pulled snapshots back for statistics and reports: find one, load it with the
instrument it was pulled for (:func:`load`: its records as a frame and their decoded
responses), and the provenance a report prints so that it can be reproduced.

The command line and the service load a snapshot the same way; they differ only in where an
uploaded instrument is looked up (:mod:`plugin.service.definitions` gives both the resolver).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from importlib.metadata import version

import pandas as pd

from instruments.model import Instrument
from plugin.pull import Snapshot, SnapshotStore
from reports.model import Provenance
from scoring.decode import Responses, decode

# An instrument by id and, where known, the version a snapshot was pulled with; a LookupError
# when there is none, a ValueError when its definition does not load.
Resolve = Callable[[str, str | None], Instrument]


class SnapshotNotFound(LookupError):
    """No snapshot answers to the name; the message lists what there is."""


class SnapshotUnusable(LookupError):
    """A snapshot that is not there (status 404) or cannot be read with its instrument (409);
    the message says which and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, eq=False)
class Loaded:
    """A snapshot with the instrument it is read with and its raw records; the decoded
    responses are made on first use (the data-quality report reads records that do not
    decode)."""

    snapshot: Snapshot
    instrument: Instrument
    records: pd.DataFrame

    @cached_property
    def responses(self) -> Responses:
        """The records decoded with the instrument; SnapshotUnusable (409) when they do not."""
        try:
            return decode(self.records, self.instrument)
        except ValueError as exc:
            raise SnapshotUnusable(409, f"snapshot {self.snapshot.id}: {exc}") from None

    @property
    def version_note(self) -> str:
        """Said when the instrument is not the version the snapshot was pulled with (a shipped
        instrument updated since); "" when it is."""
        pulled = self.snapshot.instrument_versions.get(self.instrument.id)
        if not pulled or pulled == self.instrument.version:
            return ""
        return (
            f"snapshot {self.snapshot.id} was pulled for {self.instrument.id} {pulled}; "
            f"read with version {self.instrument.version}"
        )


def pulled_for(snapshot: Snapshot) -> tuple[str, str | None]:
    """The one instrument (id, version) a snapshot was pulled for; SnapshotUnusable (409) when
    it was pulled for none or several."""
    if len(snapshot.instrument_versions) != 1:
        listed = ", ".join(snapshot.instrument_versions) or "none recorded"
        raise SnapshotUnusable(409, f"snapshot {snapshot.id} was pulled for {listed}, not one")
    name, pulled = next(iter(snapshot.instrument_versions.items()))
    return name, pulled or None


def instrument_for(snapshot: Snapshot, resolve: Resolve) -> Instrument:
    """The instrument (and version) the snapshot was pulled for, found by ``resolve``;
    SnapshotUnusable (409) when it was pulled for none or several, or that instrument is not
    there or does not load."""
    name, pulled = pulled_for(snapshot)
    try:
        return resolve(name, pulled)
    except LookupError as exc:
        raise SnapshotUnusable(
            409, f"snapshot {snapshot.id} was pulled for '{name}': {exc}"
        ) from None
    except ValueError as exc:
        raise SnapshotUnusable(409, f"the instrument '{name}' does not load: {exc}") from None


def load(store: SnapshotStore, snapshot: Snapshot, instrument: Instrument) -> Loaded:
    """The snapshot with its records, read with ``instrument``."""
    return Loaded(snapshot, instrument, snapshot_records(store, snapshot))


def find_snapshot(store: SnapshotStore, name: str) -> Snapshot:
    """A snapshot by id, or the latest one of a project key or pulled for an instrument id."""
    if name.isdigit():
        try:
            return store.get(int(name))
        except KeyError:
            pass
    matching = [s for s in store.snapshots() if name == s.project or name in s.instrument_versions]
    if matching:
        return matching[-1]
    known = sorted({i for s in store.snapshots() for i in s.instrument_versions})
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
    return Provenance(
        qiscan_version=version("qiscan"),
        instruments=tuple((i.id, i.version) for i in instruments),
        snapshot_id=first.id if first else None,
        content_hashes=tuple(s.content_hash[:12] for s in snapshots),
        pulled_at=", ".join(s.server_time for s in snapshots),
        project=", ".join(s.project for s in snapshots),
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
    )
