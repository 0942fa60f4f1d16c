"""The service's own state: REDCap connections, API keys, the web page's sessions, jobs,
generated report files and uploaded instrument definitions.

Pulled data lives in the snapshot store (``plugin.pull``, which makes its own tables, in this
database on PostgreSQL); a pull job names the snapshot it made (``Job.snapshot_id``), which ties
a snapshot to its connection. Tokens are ciphertext (:mod:`plugin.service.crypto`), API keys and
trigger secrets hashes. The schema is created and upgraded by the service history of
:mod:`plugin.migrations`; a test holds these declarations and the migrated schema the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ROLES = ("admin", "analyst", "facilitator")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
MAX_ID = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL); a larger one is no id
QUEUED_WITH_KEY = "state = 'queued' AND dedupe_key <> ''"


def utcnow() -> datetime:
    """Now, as an aware time in UTC."""
    return datetime.now(UTC)


class UtcTimestamp(TypeDecorator[datetime]):
    """A time stored in UTC and always read back with its zone: SQLite keeps no zone, so what it
    returns is marked UTC here (PostgreSQL's ``timestamptz`` already has one)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """The declarative base of the service's tables; its metadata is what the service's
    migrations must make."""


class Connection(Base):
    """A REDCap project the service pulls from: its API URL, its token (encrypted), the
    instrument it holds, and the hash of the secret in its Data Entry Trigger URL."""

    __tablename__ = "connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    token_cipher: Mapped[str] = mapped_column(Text)
    instrument: Mapped[str] = mapped_column(String(100))
    trigger_secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)


class ApiKey(Base):
    """An API key (its hash) with its role; a facilitator's key lists its practices."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    practices: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)


class Job(Base):
    """A background job (a pull, a report, a trigger's rescore) and where it stands."""

    __tablename__ = "job"
    __table_args__ = (
        Index("job_by_state", "state"),
        Index("job_by_dedupe", "dedupe_key"),
        Index("job_by_snapshot", "snapshot_id"),
        # At most one queued job per dedupe key, kept by the database.
        Index(
            "job_one_queued_per_key",
            "dedupe_key",
            unique=True,
            sqlite_where=text(QUEUED_WITH_KEY),
            postgresql_where=text(QUEUED_WITH_KEY),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection.id", ondelete="SET NULL"), nullable=True
    )
    state: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    dedupe_key: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcTimestamp(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcTimestamp(), nullable=True)
    # The worker running it (host:pid:id) and when it last said so: its lease.
    owner: Mapped[str] = mapped_column(String(100), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcTimestamp(), nullable=True)
    snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a pull's snapshot
    # A cancel asked for while the job runs (its worker stops it), and whose key asked.
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UtcTimestamp(), nullable=True)
    cancelled_by: Mapped[str] = mapped_column(String(200), default="")


class WebSession(Base):
    """A signed-in web page session: the hash of the id its cookie carries, its key (with a
    fingerprint of the key's hash, so that a later key reusing the id is not taken for it) and
    when it ends. Signing out deletes the row, which ends every copy of the cookie."""

    __tablename__ = "web_session"
    __table_args__ = (Index("web_session_by_key", "key_id"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"))
    key_fp: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcTimestamp())


class ReportFile(Base):
    """A generated report file in the instance folder, ready to download."""

    __tablename__ = "report_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    fmt: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    snapshot_id: Mapped[int] = mapped_column(Integer)
    practice: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)


class InstrumentDefinition(Base):
    """An uploaded instrument definition: its JSON as uploaded, one row per id and version (a
    version never changes once stored; a new one is uploaded under a new version)."""

    __tablename__ = "instrument_definition"
    __table_args__ = (
        UniqueConstraint("instrument_id", "version", name="one_definition_per_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp(), default=utcnow)
