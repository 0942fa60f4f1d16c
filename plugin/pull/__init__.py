"""Pulling REDCap data into local snapshots: batched, incremental, checked, resumable."""

from plugin.pull.pull import PullResult, pull
from plugin.pull.store import Snapshot, SnapshotStore, Unfinished

__all__ = ["PullResult", "Snapshot", "SnapshotStore", "Unfinished", "pull"]
