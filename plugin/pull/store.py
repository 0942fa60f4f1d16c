"""Snapshots of pulled REDCap data, stored through SQLAlchemy: a SQLite file by default, or the
service's own database (PostgreSQL in production).

A snapshot holds the raw records exactly as REDCap exported them (every value a string), the
metadata and structure they were exported under, the instruments and versions they were pulled
for, the server-time watermark and a content hash. It is written batch by batch, each batch in
its own transaction together with how far the pull has got (``pull_progress``), so a pull that
fails part-way keeps what it wrote and the next pull resumes it (``plugin.pull.writer``). Until
the last transaction gives it its content hash, a snapshot is unfinished: it is never listed,
never the latest and never read, and every earlier snapshot stays as it was. Rows are streamed
in and out, so a snapshot never has to fit in memory.

The content hash covers the rows in key order (record, event, repeat instrument, instance),
compared byte by byte on every database, so a full pull and an incremental pull of the same
data give the same hash, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, RowMapping

from plugin import migrations

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
# An unfinished snapshot's plan: the record ids it exports in order, how many are written, the
# deletions the log showed, and which pull is writing it (its owner) and when it last wrote.
progress_table = sa.Table(
    "pull_progress",
    metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id"), primary_key=True),
    sa.Column("ids", sa.Text, nullable=False),
    sa.Column("deleted", sa.Text, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)
# The tables are made and upgraded by the snapshot history of plugin.migrations (version table
# apart from the service's: on PostgreSQL the store shares the service's database).
SNAPSHOTS = migrations.History(
    name="snapshots",
    version_table="alembic_version_snapshots",
    metadata=metadata,
    lock=7254332,  # the advisory lock's number: the snapshot store's migrations, on PostgreSQL
)
KEY = ("record", "event", "repeat_instrument", "repeat_instance")
BATCH = 1000  # rows per fetch when streaming, and per statement when deleting records
UNFINISHED = ""  # the content hash of a snapshot still being written
TIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Snapshot:
    """A finished snapshot's header: when it was made (UTC), REDCap's clock when its pull began
    (``server_time``, the watermark), how it was pulled and from which parent, the instrument
    versions it was pulled for, its counts and content hash."""

    id: int
    project: str
    created_at: str
    server_time: str
    mode: str
    parent_id: int | None
    instrument_versions: dict[str, str]  # instrument id -> the version pulled for
    record_count: int
    row_count: int
    content_hash: str


@dataclass(frozen=True)
class Unfinished:
    """A snapshot a pull began and did not finish, with what it needs to go on."""

    snapshot_id: int
    project: str
    server_time: str
    mode: str
    parent_id: int | None
    instrument_versions: dict[str, str]  # instrument id -> the version pulled for
    metadata: list[dict[str, Any]]
    structure: dict[str, Any]
    ids: list[str]
    deleted: list[str]
    done: int  # how many of ``ids`` are written
    owner: str  # the pull writing it; "" once that pull has stopped
    updated_at: str  # UTC, when it last wrote a batch

    def busy(self, lease: timedelta) -> bool:
        """Whether a pull may still be writing it (it has not let go and wrote lately)."""
        if not self.owner:
            return False
        last = datetime.strptime(self.updated_at, TIME).replace(tzinfo=UTC)
        return datetime.now(UTC) - last < lease


def now() -> str:
    """The current time in UTC, as the store writes it."""
    return datetime.now(UTC).strftime(TIME)


def row_key(row: dict[str, Any], record_id: str) -> tuple[str, str, str, str]:
    """A row's key in the store's order (record, event, repeat instrument, repeat instance), each as
    text and "" where the row has none."""
    return (
        str(row[record_id]),
        str(row.get("redcap_event_name", "")),
        str(row.get("redcap_repeat_instrument", "")),
        str(row.get("redcap_repeat_instance", "")),
    )


# json.dumps(row, ensure_ascii=False), without making an encoder for every row.
_ROW_JSON = json.JSONEncoder(ensure_ascii=False).encode


def stored_data(row: dict[str, Any]) -> str:
    """A row as the store keeps it, and hashes it: its JSON, keys in export order."""
    return _ROW_JSON(row)


def content_digest(data: Iterable[str]) -> tuple[str, int]:
    """The content hash of rows' stored data taken in key order, and the number of rows."""
    digest = hashlib.sha256()
    count = 0
    for text in data:
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
        count += 1
    return digest.hexdigest(), count


def rows_hash(rows: Iterable[dict[str, Any]], record_id: str) -> str:
    """The content hash a snapshot of exactly ``rows`` (one export's answer) gets: the last row of
    a key is the one kept, and keys are taken in byte order, as the store orders them."""
    latest = {row_key(row, record_id): stored_data(row) for row in rows}
    return content_digest(latest[key] for key in sorted(latest))[0]


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


def store_engine(target: Path | str) -> Engine:
    """The engine of a snapshot store at ``target``: a SQLite file's path, or a SQLAlchemy URL
    (a SQLite one gets the file's settings too)."""
    if isinstance(target, str) and target.startswith("sqlite:///"):
        return sqlite_engine(Path(target[len("sqlite:///") :]))
    if isinstance(target, str) and "://" in target:
        return sa.create_engine(target, pool_pre_ping=True)
    return sqlite_engine(Path(target))


class SnapshotStore:
    """Snapshots in a SQLite file (a path) or in a database (a SQLAlchemy URL or engine); the
    tables are made, or brought to the newest revision, on first use."""

    def __init__(self, target: Path | str | Engine) -> None:
        if isinstance(target, Engine):
            self.engine, self._owned = target, False
        else:
            self.engine, self._owned = store_engine(target), True
        migrations.upgrade(self.engine, SNAPSHOTS)

    def dispose(self) -> None:
        """Close the store's connections (an engine handed in is left to its owner)."""
        if self._owned:
            self.engine.dispose()

    def unfinished(self, project: str) -> list[Unfinished]:
        """The project's unfinished snapshots, oldest first."""
        query = (
            sa.select(snapshot_table, progress_table)
            .join(progress_table, progress_table.c.snapshot_id == snapshot_table.c.id)
            .where(snapshot_table.c.project == project)
            .order_by(snapshot_table.c.id)
        )
        with self.engine.connect() as connection:
            return [_unfinished(row) for row in connection.execute(query).mappings()]

    def discard(self, snapshot_id: int, *, owner: str | None = None) -> None:
        """Delete an unfinished snapshot and everything written for it (only while ``owner``,
        if given, still owns it)."""
        plan = progress_table.c
        with self.engine.begin() as connection:
            where = [plan.snapshot_id == snapshot_id]
            if owner is not None:
                where.append(plan.owner == owner)
            gone = connection.execute(progress_table.delete().where(*where)).rowcount
            if not gone:  # only an unfinished snapshot has a plan: a finished one is never hit
                raise KeyError(f"no unfinished snapshot {snapshot_id}")
            connection.execute(row_table.delete().where(row_table.c.snapshot_id == snapshot_id))
            connection.execute(snapshot_table.delete().where(snapshot_table.c.id == snapshot_id))

    def snapshots(self, project: str | None = None) -> list[Snapshot]:
        """The finished snapshots (of one project), oldest first."""
        query = (
            sa.select(snapshot_table)
            .where(snapshot_table.c.content_hash != UNFINISHED)
            .order_by(snapshot_table.c.id)
        )
        if project:
            query = query.where(snapshot_table.c.project == project)
        with self.engine.connect() as connection:
            return [_snapshot(row) for row in connection.execute(query).mappings()]

    def latest(self, project: str) -> Snapshot | None:
        """The project's newest finished snapshot, None before its first."""
        found = self.snapshots(project)
        return found[-1] if found else None

    def get(self, snapshot_id: int) -> Snapshot:
        """A finished snapshot's header; KeyError for one that is missing or unfinished."""
        query = sa.select(snapshot_table).where(snapshot_table.c.id == snapshot_id)
        with self.engine.connect() as connection:
            row = _finished(snapshot_id, connection.execute(query).mappings().first())
        return _snapshot(row)

    def header(self, snapshot_id: int) -> dict[str, Any]:
        """The metadata and structure the snapshot's records were exported under."""
        columns = snapshot_table.c
        query = sa.select(columns.metadata, columns.structure, columns.content_hash).where(
            columns.id == snapshot_id
        )
        with self.engine.connect() as connection:
            row = _finished(snapshot_id, connection.execute(query).mappings().first())
        return {"metadata": json.loads(row["metadata"]), "structure": json.loads(row["structure"])}

    def rows(self, snapshot_id: int, *, batch: int = BATCH) -> Iterator[dict[str, Any]]:
        """The snapshot's records in key order, streamed."""
        query = sa.select(snapshot_table.c.content_hash).where(snapshot_table.c.id == snapshot_id)
        with self.engine.connect() as connection:
            _finished(snapshot_id, connection.execute(query).mappings().first())
            for data in ordered_data(connection, snapshot_id, batch):
                yield json.loads(data)


def _finished(snapshot_id: int, row: RowMapping | None) -> RowMapping:
    """The row of a finished snapshot; KeyError for one that is missing or unfinished."""
    if row is None:
        raise KeyError(f"no snapshot {snapshot_id}")
    if row["content_hash"] == UNFINISHED:
        raise KeyError(
            f"snapshot {snapshot_id} is unfinished: its pull stopped part-way, and the next pull "
            "of its project goes on with it"
        )
    return row


def ordered_data(connection: Connection, snapshot_id: int, batch: int) -> Iterator[str]:
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


def upsert(connection: Connection) -> Any:
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
        instrument_versions=json.loads(row["instruments"]),
        record_count=row["record_count"],
        row_count=row["row_count"],
        content_hash=row["content_hash"],
    )


def _unfinished(row: Any) -> Unfinished:
    return Unfinished(
        snapshot_id=row["id"],
        project=row["project"],
        server_time=row["server_time"],
        mode=row["mode"],
        parent_id=row["parent_id"],
        instrument_versions=json.loads(row["instruments"]),
        metadata=json.loads(row["metadata"]),
        structure=json.loads(row["structure"]),
        ids=json.loads(row["ids"]),
        deleted=json.loads(row["deleted"]),
        done=row["done"],
        owner=row["owner"],
        updated_at=row["updated_at"],
    )
