"""The service database: an engine per app, a session per request, migrations on start.

``QISCAN_DATABASE_URL`` selects it (``postgresql+psycopg://...`` in production); by default
SQLite in the instance folder. :func:`migrate` brings any database to the newest schema with
the service history of :mod:`plugin.migrations`, a database made before Alembic too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from plugin import migrations
from plugin.service.models import Base

# Before Alembic, qiscan numbered its migrations by hand (1 to 5) and kept the last one applied
# here; revision service_000N is hand migration N, unchanged.
HAND_NUMBERED = "schema_version"
LAST_HAND_NUMBERED = 5


def hand_numbered_version(connection: Connection) -> int | None:
    """The last hand-numbered migration a database made before Alembic records (None: it has
    no record of them, made by Alembic or empty)."""
    if not sa.inspect(connection).has_table(HAND_NUMBERED):
        return None
    return int(connection.execute(sa.text(f"SELECT version FROM {HAND_NUMBERED}")).scalar() or 0)


def before_alembic(connection: Connection) -> str | None:
    """The revision a database of the hand-numbered migrations stands at. Its record of them is
    dropped in the transaction that stamps the revision, so that an older qiscan started on the
    upgraded database stops at once (it would create its first table again) instead of taking a
    newer schema for its own."""
    number = hand_numbered_version(connection)
    if number is None:
        return None
    if not 0 <= number <= LAST_HAND_NUMBERED:
        raise RuntimeError(
            f"the database's {HAND_NUMBERED} is {number}, newer than this qiscan knows "
            f"({LAST_HAND_NUMBERED}): upgrade qiscan"
        )
    connection.execute(sa.text(f"DROP TABLE {HAND_NUMBERED}"))
    return f"service_{number:04d}" if number else None


SERVICE = migrations.History(
    name="service",
    version_table="alembic_version",
    metadata=Base.metadata,
    lock=7254331,  # the advisory lock's number: the service's migrations, on PostgreSQL
    before_alembic=before_alembic,
)


def engine_for(url: str) -> Engine:
    """An engine for the database URL; SQLite's connections are shared across threads and wait up to
    30 seconds for a writer."""
    if url.startswith("sqlite"):
        # Worker threads share the file; each connection waits for a writer instead of failing.
        return sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    return sa.create_engine(url, pool_pre_ping=True)


def schema_revision(engine: Engine) -> str | None:
    """The service history's revision the database stands at (None: not made yet)."""
    return migrations.current(engine, SERVICE)


def migrate(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to the newest schema (or to ``revision``); the revision it stands at.
    Processes that start together take turns (on PostgreSQL, an advisory lock)."""
    return migrations.upgrade(engine, SERVICE, revision)


def init_app(app: Flask) -> None:
    """Migrate the app's database to the newest schema and give the app its session factory; a
    request's session closes with its app context."""
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
