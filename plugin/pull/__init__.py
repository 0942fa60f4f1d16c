"""Pulling REDCap data into local snapshots: batched, incremental, atomic."""

from plugin.pull.pull import PullResult, pull
from plugin.pull.store import Snapshot, SnapshotStore

__all__ = ["PullResult", "Snapshot", "SnapshotStore", "pull"]
