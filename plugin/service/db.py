"""The service database: an engine per app, a session per request, migrations on start.

``QISCAN_DATABASE_URL`` selects it (``postgresql+psycopg://...`` in production); by default
SQLite in the instance folder. :func:`migrate` brings any database to the newest schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from plugin.service.migrations import MIGRATIONS, Migration

VERSION_TABLE = "schema_version"
MIGRATION_LOCK = 7254331  # the advisory lock's number: qiscan's migrations, on PostgreSQL


def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Worker threads share the file; each connection waits for a writer instead of failing.
        return sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    return sa.create_engine(url, pool_pre_ping=True)


def schema_version(engine: Engine) -> int:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return 0
        found = connection.execute(sa.text(f"SELECT version FROM {VERSION_TABLE}")).scalar()
        return int(found or 0)


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every migration not applied yet, each in its own transaction; the new version.
    Processes that start together take turns (on PostgreSQL, an advisory lock)."""
    with migration_lock(engine):
        version = schema_version(engine)
        for number, upgrade in enumerate(migrations, start=1):
            if number <= version:
                continue
            with engine.begin() as connection:
                if number == 1:
                    connection.execute(sa.text(f"CREATE TABLE {VERSION_TABLE} (version INTEGER)"))
                    connection.execute(sa.text(f"INSERT INTO {VERSION_TABLE} VALUES (0)"))
                upgrade(Operations(MigrationContext.configure(connection)))
                connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version = {number}"))
            version = number
        return version


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield  # SQLite: one file, one process (its own lock serialises the writers)
        return
    with engine.connect() as lock:
        lock.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        lock.commit()
        try:
            yield
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            lock.commit()


def init_app(app: Flask) -> None:
    engine = engine_for(app.config["DATABASE_URL"])
    migrate(engine)
    app.extensions["qiscan.db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close)


def session() -> Session:
    """The request's session (one per app context), committed by the caller."""
    if "db" not in g:
        g.db = current_app.extensions["qiscan.db"]()
    found: Session = g.db
    return found


@contextmanager
def worker_session(app: Flask) -> Iterator[Session]:
    """A session for a background thread, committed on success, rolled back on failure."""
    made: Session = app.extensions["qiscan.db"]()
    try:
        yield made
        made.commit()
    except BaseException:
        made.rollback()
        raise
    finally:
        made.close()


def _close(error: BaseException | None) -> None:
    found = g.pop("db", None)
    if found is not None:
        if error is not None:
            found.rollback()
        found.close()
