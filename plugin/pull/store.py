"""Snapshots of pulled REDCap data in local SQLite storage.

A snapshot holds the raw records exactly as REDCap exported them (every value a string), the
metadata and structure they were exported under, the instruments and versions they were pulled
for, the server-time watermark and a content hash. It is written inside one transaction: a pull
that fails part-way rolls back and leaves every earlier snapshot as it was. Rows are streamed in
and out, so a snapshot never has to fit in memory.

The content hash covers the rows in key order (record, event, repeat instrument, instance), so a
full pull and an incremental pull of the same data give the same hash.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY,
    project TEXT NOT NULL,
    created_at TEXT NOT NULL,
    server_time TEXT NOT NULL,
    mode TEXT NOT NULL,
    parent_id INTEGER REFERENCES snapshot(id),
    instruments TEXT NOT NULL,
    metadata TEXT NOT NULL,
    structure TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_row (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
    record TEXT NOT NULL,
    event TEXT NOT NULL,
    repeat_instrument TEXT NOT NULL,
    repeat_instance TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, record, event, repeat_instrument, repeat_instance)
);
"""
KEY_ORDER = "record, event, repeat_instrument, repeat_instance"


@dataclass(frozen=True)
class Snapshot:
    id: int
    project: str
    created_at: str
    server_time: str
    mode: str
    parent_id: int | None
    instruments: dict[str, str]
    record_count: int
    row_count: int
    content_hash: str


def row_key(row: dict[str, Any], record_id: str) -> tuple[str, str, str, str]:
    return (
        str(row[record_id]),
        str(row.get("redcap_event_name", "")),
        str(row.get("redcap_repeat_instrument", "")),
        str(row.get("redcap_repeat_instance", "")),
    )


class SnapshotStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def writer(self, **header: Any) -> SnapshotWriter:
        """Open a snapshot for writing; see ``SnapshotWriter``."""
        return SnapshotWriter(self._connect(), **header)

    def snapshots(self, project: str | None = None) -> list[Snapshot]:
        query = (
            "SELECT * FROM snapshot" + (" WHERE project = ?" if project else "") + " ORDER BY id"
        )
        with closing(self._connect()) as connection:
            connection.row_factory = sqlite3.Row
            found = connection.execute(query, (project,) if project else ()).fetchall()
        return [_snapshot(row) for row in found]

    def latest(self, project: str) -> Snapshot | None:
        found = self.snapshots(project)
        return found[-1] if found else None

    def get(self, snapshot_id: int) -> Snapshot:
        with closing(self._connect()) as connection:
            connection.row_factory = sqlite3.Row
            row = connection.execute(
                "SELECT * FROM snapshot WHERE id = ?", (snapshot_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        return _snapshot(row)

    def header(self, snapshot_id: int) -> dict[str, Any]:
        """The metadata and structure the snapshot's records were exported under."""
        with closing(self._connect()) as connection:
            row = connection.execute(
                "SELECT metadata, structure FROM snapshot WHERE id = ?", (snapshot_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        return {"metadata": json.loads(row[0]), "structure": json.loads(row[1])}

    def rows(self, snapshot_id: int, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """The snapshot's records in key order, streamed."""
        with closing(self._connect()) as connection:
            cursor = connection.execute(
                f"SELECT data FROM snapshot_row WHERE snapshot_id = ? ORDER BY {KEY_ORDER}",
                (snapshot_id,),
            )
            while chunk := cursor.fetchmany(batch):
                for (data,) in chunk:
                    yield json.loads(data)


class SnapshotWriter:
    """One snapshot being written, as a context manager: committed when the block ends normally,
    rolled back (nothing kept) when it raises."""

    def __init__(self, connection: sqlite3.Connection, **header: Any) -> None:
        self.connection = connection
        self.header = header
        self.record_id: str = header["record_id"]
        self.snapshot_id: int | None = None

    def __enter__(self) -> SnapshotWriter:
        self.connection.execute("BEGIN IMMEDIATE")
        header = self.header
        cursor = self.connection.execute(
            "INSERT INTO snapshot (project, created_at, server_time, mode, parent_id, instruments,"
            " metadata, structure, record_count, row_count, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '')",
            (
                header["project"],
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                header["server_time"],
                header["mode"],
                header.get("parent_id"),
                json.dumps(header.get("instruments", {}), sort_keys=True),
                json.dumps(header["metadata"]),
                json.dumps(header["structure"]),
            ),
        )
        self.snapshot_id = cursor.lastrowid
        return self

    def add(self, rows: Iterable[dict[str, Any]]) -> int:
        """Add exported rows; a row with the same key as an earlier one replaces it."""
        values = [
            (self.snapshot_id, *row_key(row, self.record_id), json.dumps(row, ensure_ascii=False))
            for row in rows
        ]
        self.connection.executemany(
            "INSERT OR REPLACE INTO snapshot_row VALUES (?, ?, ?, ?, ?, ?)", values
        )
        return len(values)

    def copy_from(self, parent_id: int, *, except_records: set[str]) -> None:
        """Carry the parent's rows over, but for records about to be re-exported or deleted."""
        self.connection.execute("CREATE TEMP TABLE IF NOT EXISTS skipped (record TEXT PRIMARY KEY)")
        self.connection.execute("DELETE FROM skipped")
        self.connection.executemany(
            "INSERT OR IGNORE INTO skipped VALUES (?)", [(r,) for r in except_records]
        )
        self.connection.execute(
            "INSERT INTO snapshot_row SELECT ?, record, event, repeat_instrument, repeat_instance,"
            " data FROM snapshot_row WHERE snapshot_id = ? AND record NOT IN"
            " (SELECT record FROM skipped)",
            (self.snapshot_id, parent_id),
        )

    def _finish(self) -> None:
        digest = hashlib.sha256()
        cursor = self.connection.execute(
            f"SELECT data FROM snapshot_row WHERE snapshot_id = ? ORDER BY {KEY_ORDER}",
            (self.snapshot_id,),
        )
        rows = 0
        while chunk := cursor.fetchmany(1000):
            for (data,) in chunk:
                digest.update(data.encode("utf-8"))
                digest.update(b"\n")
                rows += 1
        records = self.connection.execute(
            "SELECT COUNT(DISTINCT record) FROM snapshot_row WHERE snapshot_id = ?",
            (self.snapshot_id,),
        ).fetchone()[0]
        self.connection.execute(
            "UPDATE snapshot SET record_count = ?, row_count = ?, content_hash = ? WHERE id = ?",
            (records, rows, digest.hexdigest(), self.snapshot_id),
        )

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            if kind is None:
                self._finish()
                self.connection.commit()
            else:
                self.connection.rollback()
        finally:
            self.connection.close()


def _snapshot(row: sqlite3.Row) -> Snapshot:
    return Snapshot(
        id=row["id"],
        project=row["project"],
        created_at=row["created_at"],
        server_time=row["server_time"],
        mode=row["mode"],
        parent_id=row["parent_id"],
        instruments=json.loads(row["instruments"]),
        record_count=row["record_count"],
        row_count=row["row_count"],
        content_hash=row["content_hash"],
    )
