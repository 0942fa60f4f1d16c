"""Alembic's environment, shared by both histories: :mod:`plugin.migrations` hands in the
connection and the history (its tables and version table) through the configuration."""

from __future__ import annotations

from alembic import context

from plugin.migrations import History

if context.is_offline_mode():
    raise RuntimeError("qiscan's migrations run against a database, not as SQL scripts")
history: History = context.config.attributes["history"]
connection = context.config.attributes["connection"]
if connection is None:
    raise RuntimeError("run qiscan's migrations through plugin.migrations, which connects")
context.configure(connection=connection, **history.options())
with context.begin_transaction():
    context.run_migrations()
