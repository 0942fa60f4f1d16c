"""Snapshots of pulled REDCap data, stored through SQLAlchemy: a SQLite file by default, or the
service's own database (PostgreSQL in production).

A snapshot holds the raw records exactly as REDCap exported them (every value a string), the
metadata and structure they were exported under, the instruments and versions they were pulled
for, the server-time watermark and a content hash. It is written inside one transaction: a pull
that fails part-way rolls back and leaves every earlier snapshot as it was. Rows are streamed in
and out, so a snapshot never has to fit in memory.

The content hash covers the rows in key order (record, event, repeat instrument, instance),
compared byte by byte on every database, so a full pull and an incremental pull of the same
data give the same hash, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()
snapshot_table = sa.Table(
    "snapshot",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("server_time", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("snapshot.id"), nullable=True),
    sa.Column("instruments", sa.Text, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("structure", sa.Text, nullable=False),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
)
row_table = sa.Table(
    "snapshot_row",
    metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id"), primary_key=True),
    sa.Column("record", sa.Text, primary_key=True),
    sa.Column("event", sa.Text, primary_key=True),
    sa.Column("repeat_instrument", sa.Text, primary_key=True),
    sa.Column("repeat_instance", sa.Text, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
KEY = ("record", "event", "repeat_instrument", "repeat_instance")
BATCH = 1000  # rows per fetch when streaming, and per statement when deleting records


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


def sqlite_engine(path: Path) -> Engine:
    """A SQLite file shared by processes: WAL, a 30 s wait for a writer, foreign keys on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False}
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class SnapshotStore:
    """Snapshots in a SQLite file (a path) or in a database (a SQLAlchemy URL or engine); the
    tables are made on first use."""

    def __init__(self, target: Path | str | Engine) -> None:
        if isinstance(target, Engine):
            self.engine, self._owned = target, False
        elif isinstance(target, str) and target.startswith("sqlite:///"):
            self.engine, self._owned = sqlite_engine(Path(target[len("sqlite:///") :])), True
        elif isinstance(target, str) and "://" in target:
            self.engine, self._owned = sa.create_engine(target, pool_pre_ping=True), True
        else:
            self.engine, self._owned = sqlite_engine(Path(target)), True
        metadata.create_all(self.engine, checkfirst=True)

    def dispose(self) -> None:
        """Close the store's connections (an engine handed in is left to its owner)."""
        if self._owned:
            self.engine.dispose()

    def writer(self, **header: Any) -> SnapshotWriter:
        """Open a snapshot for writing; see ``SnapshotWriter``."""
        return SnapshotWriter(self.engine, **header)

    def snapshots(self, project: str | None = None) -> list[Snapshot]:
        query = sa.select(snapshot_table).order_by(snapshot_table.c.id)
        if project:
            query = query.where(snapshot_table.c.project == project)
        with self.engine.connect() as connection:
            return [_snapshot(row) for row in connection.execute(query).mappings()]

    def latest(self, project: str) -> Snapshot | None:
        found = self.snapshots(project)
        return found[-1] if found else None

    def get(self, snapshot_id: int) -> Snapshot:
        query = sa.select(snapshot_table).where(snapshot_table.c.id == snapshot_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        return _snapshot(row)

    def header(self, snapshot_id: int) -> dict[str, Any]:
        """The metadata and structure the snapshot's records were exported under."""
        columns = snapshot_table.c
        query = sa.select(columns.metadata, columns.structure).where(columns.id == snapshot_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        return {"metadata": json.loads(row[0]), "structure": json.loads(row[1])}

    def rows(self, snapshot_id: int, *, batch: int = BATCH) -> Iterator[dict[str, Any]]:
        """The snapshot's records in key order, streamed."""
        with self.engine.connect() as connection:
            for data in _ordered_data(connection, snapshot_id, batch):
                yield json.loads(data)


class SnapshotWriter:
    """One snapshot being written, as a context manager: committed when the block ends normally,
    rolled back (nothing kept) when it raises."""

    def __init__(self, engine: Engine, **header: Any) -> None:
        self.engine = engine
        self.header = header
        self.record_id: str = header["record_id"]
        self.snapshot_id: int | None = None
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("a snapshot is written inside `with store.writer(...)`")
        return self._connection

    def __enter__(self) -> SnapshotWriter:
        self._connection = self.engine.connect()
        self._connection.begin()
        header = self.header
        inserted = self.connection.execute(
            snapshot_table.insert()
            .values(
                project=header["project"],
                created_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                server_time=header["server_time"],
                mode=header["mode"],
                parent_id=header.get("parent_id"),
                instruments=json.dumps(header.get("instruments", {}), sort_keys=True),
                metadata=json.dumps(header["metadata"]),
                structure=json.dumps(header["structure"]),
                record_count=0,
                row_count=0,
                content_hash="",
            )
            .returning(snapshot_table.c.id)
        )
        self.snapshot_id = int(inserted.scalar_one())
        return self

    def add(self, rows: Iterable[dict[str, Any]]) -> int:
        """Add exported rows; a row with the same key as an earlier one replaces it."""
        latest: dict[tuple[str, str, str, str], str] = {}
        count = 0
        for row in rows:  # within a batch too, the last row of a key is the one kept
            latest[row_key(row, self.record_id)] = json.dumps(row, ensure_ascii=False)
            count += 1
        if not latest:
            return 0
        values = [
            {"snapshot_id": self.snapshot_id, **dict(zip(KEY, key, strict=True)), "data": data}
            for key, data in latest.items()
        ]
        self.connection.execute(_upsert(self.connection), values)
        return count

    def copy_from(self, parent_id: int, *, except_records: set[str]) -> None:
        """Carry the parent's rows over, but for records about to be re-exported or deleted."""
        columns = row_table.c
        self.connection.execute(
            row_table.insert().from_select(
                ["snapshot_id", *KEY, "data"],
                sa.select(
                    sa.literal(self.snapshot_id, sa.Integer),
                    *(columns[name] for name in KEY),
                    columns.data,
                ).where(columns.snapshot_id == parent_id),
            )
        )
        skipped = sorted(except_records)
        for start in range(0, len(skipped), BATCH):
            self.connection.execute(
                row_table.delete().where(
                    columns.snapshot_id == self.snapshot_id,
                    columns.record.in_(skipped[start : start + BATCH]),
                )
            )

    def _finish(self) -> None:
        digest = hashlib.sha256()
        rows = 0
        for data in _ordered_data(self.connection, self.snapshot_id or 0, BATCH):
            digest.update(data.encode("utf-8"))
            digest.update(b"\n")
            rows += 1
        columns = row_table.c
        records = self.connection.execute(
            sa.select(sa.func.count(sa.distinct(columns.record))).where(
                columns.snapshot_id == self.snapshot_id
            )
        ).scalar_one()
        self.connection.execute(
            snapshot_table.update()
            .where(snapshot_table.c.id == self.snapshot_id)
            .values(record_count=records, row_count=rows, content_hash=digest.hexdigest())
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
            self._connection = None


def _ordered_data(connection: Connection, snapshot_id: int, batch: int) -> Iterator[str]:
    """The rows' data in key order, byte by byte (PostgreSQL's "C" collation is SQLite's)."""
    columns = row_table.c
    binary = connection.dialect.name == "postgresql"
    order = [sa.collate(columns[name], "C") if binary else columns[name] for name in KEY]
    query = sa.select(columns.data).where(columns.snapshot_id == snapshot_id).order_by(*order)
    # Options on the statement, not the connection: a writer's later statements are plain.
    streamed = query.execution_options(stream_results=True, yield_per=batch)
    result = connection.execute(streamed)
    for (data,) in result:
        yield data


def _upsert(connection: Connection) -> Any:
    """INSERT of snapshot rows that replaces a row of the same key (SQLite or PostgreSQL)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(row_table)
    keys = [row_table.c[name] for name in ("snapshot_id", *KEY)]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={"data": statement.excluded.data}
    )


def _snapshot(row: Any) -> Snapshot:
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
