"""Alembic's environment for qiscan's two databases, and the runner that upgrades them.

Two histories share one environment (``env.py``, ``script.py.mako``) and keep their revisions
and their version tables apart: ``service/`` (the service's tables, recorded in
``alembic_version``) and ``snapshots/`` (the snapshot store's, in ``alembic_version_snapshots``).
They are apart because the snapshot store is a SQLite file of its own beside a SQLite service
database, while on PostgreSQL both live in the service's one database: each history then sees
only its own tables and its own version table.

A history is upgraded with :func:`upgrade` (on start, by ``qiscan serve`` and the snapshot
store, and by ``qiscan db upgrade``); Alembic is configured here in code, so an installed qiscan
needs no ``alembic.ini``. A new revision goes in its history's folder, its ``down_revision`` the
current head; never edit one that has shipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

ENVIRONMENT = "plugin:migrations"  # a package resource: found wherever qiscan is installed
# Alembic's ``context`` and ``op`` are module globals while it runs: one migration at a time
# per process, whichever database it is for.
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class History:
    """One line of revisions: its folder, the table recording where a database stands, the
    tables it owns, and the number of its PostgreSQL advisory lock.

    ``before_alembic`` looks at a database that a qiscan older than these revisions made and
    returns the revision it stands at (or None), tidying what that qiscan kept instead; it runs
    in the transaction that stamps that revision.
    """

    name: str
    version_table: str
    metadata: sa.MetaData
    lock: int
    before_alembic: Callable[[Connection], str | None] | None = None

    @property
    def versions(self) -> str:
        """The history's revision folder, as Alembic's version location (a package resource)."""
        return f"{ENVIRONMENT}/{self.name}"

    def owns(self, name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
        """Alembic's ``include_name``: whether a table belongs to this history. On a shared
        database the other history's tables are neither compared nor dropped."""
        return type_ != "table" or name in self.metadata.tables

    def options(self) -> dict[str, Any]:
        """How Alembic runs this history, the same for upgrades and for autogenerate."""
        return {
            "target_metadata": self.metadata,
            "version_table": self.version_table,
            "include_name": self.owns,
            "transaction_per_migration": True,
            "compare_type": True,
            "render_as_batch": True,  # SQLite alters a table by copying it
        }


def config(history: History, connection: Connection | None = None) -> Config:
    """Alembic's configuration for one history, made in code (no ``alembic.ini``)."""
    found = Config()
    found.set_main_option("script_location", ENVIRONMENT)
    found.set_main_option("path_separator", "newline")  # ":" is in a resource name
    found.set_main_option("version_locations", history.versions)
    found.attributes["history"] = history
    found.attributes["connection"] = connection
    return found


@cache
def scripts(history: History) -> ScriptDirectory:
    """Alembic's view of the history's revision files, read once per process."""
    return ScriptDirectory.from_config(config(history))


def head(history: History) -> str:
    found = scripts(history).get_current_head()
    assert found is not None, f"the {history.name} history has no revision"
    return found


def current(engine: Engine, history: History) -> str | None:
    """The revision the database stands at (None: none of this history's tables yet)."""
    with engine.connect() as connection:
        return revision_of(connection, history)


def revision_of(connection: Connection, history: History) -> str | None:
    """The revision the database stands at, read on ``connection`` inside the caller's transaction
    (None: not stamped)."""
    context = MigrationContext.configure(connection, opts={"version_table": history.version_table})
    return context.get_current_revision()


def upgrade(engine: Engine, history: History, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` (the newest by default); the revision it stands at.

    A database that an older qiscan made is first stamped at the revision it matches. Each
    revision runs in its own transaction; processes that start together take turns (on
    PostgreSQL, an advisory lock; on SQLite the file's own lock makes writers wait, though two
    processes making the same new file at once may still collide)."""
    if revision == "head" and current(engine, history) == head(history):
        return head(history)  # the usual start: nothing to do, no lock taken
    with _ONE_AT_A_TIME, migration_lock(engine, history.lock), engine.connect() as connection:
        with connection.begin():
            if history.before_alembic and revision_of(connection, history) is None:
                found = history.before_alembic(connection)
                if found is not None:
                    stamp(connection, history, found)
        command.upgrade(config(history, connection), revision)
        connection.commit()
        return revision_of(connection, history)


def stamp(connection: Connection, history: History, revision: str) -> None:
    """Record that the database stands at ``revision`` without running anything."""
    context = MigrationContext.configure(connection, opts={"version_table": history.version_table})
    context.stamp(scripts(history), revision)


def differences(engine: Engine, history: History) -> list[Any]:
    """What Alembic's autogenerate finds between the history's tables and the database (empty
    when the revisions made exactly what the code declares)."""
    options = {"version_table": history.version_table, "include_name": history.owns}
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={**options, "compare_type": True})
        return list(compare_metadata(context, history.metadata))


@contextmanager
def migration_lock(engine: Engine, key: int) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock ``key`` while the block runs, so that processes migrate one
    at a time; other databases take no lock here."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as lock:
        lock.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        lock.commit()
        try:
            yield
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            lock.commit()
