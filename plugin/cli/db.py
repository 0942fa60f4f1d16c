"""``qiscan db``: the instance's service database and snapshot store, and their migrations.

The service database is ``QISCAN_DATABASE_URL`` (by default the instance's ``service.sqlite``);
the snapshot store is where the service keeps it (``QISCAN_SNAPSHOTS``, else the service's
database on PostgreSQL, else the instance's ``snapshots.sqlite``). ``qiscan serve`` and every
command that opens the store upgrade them too; this command does it on its own, before a
deployment starts its processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from plugin import migrations
from plugin.cli.output import say
from plugin.pull.store import SNAPSHOTS, store_engine
from plugin.service.config import database_url, instance_snapshots
from plugin.service.db import SERVICE, engine_for, hand_numbered_version
from plugin.target import Instance


@click.group("db")
def db() -> None:
    """Upgrade the service database and snapshot store, or show their revisions."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Bring the service database and the snapshot store to the newest schema."""
    with databases() as found:
        for history, (name, engine) in found.items():
            before = standing(engine, history)
            after = migrations.upgrade(engine, history)
            say(
                f"{name}: {after} (up to date)"
                if before == after
                else f"{name}: {before} -> {after}"
            )


@db.command("current")
@click.option("--json", "as_json", is_flag=True, help="Print the revisions as JSON on stdout.")
def current_command(as_json: bool) -> None:
    """Show the revision each database stands at and the newest this qiscan knows."""
    with databases() as found:
        revisions = {
            history.name: migrations.current(engine, history)
            for history, (_, engine) in found.items()
        }
        if as_json:
            heads = {history.name: migrations.head(history) for history in found}
            click.echo(json.dumps({"current": revisions, "head": heads}))
            return
        for history, (name, engine) in found.items():
            now, newest = revisions[history.name], migrations.head(history)
            state = "up to date" if now == newest else f"the newest is {newest}"
            say(f"{name}: {standing(engine, history)} ({state})")


@contextmanager
def databases() -> Iterator[dict[migrations.History, tuple[str, Engine]]]:
    """Each history with the name and engine of the database it upgrades (connection errors,
    and a database newer than this qiscan, as clear failures)."""
    instance = Instance.default()
    url = database_url(instance)
    service = engine_for(url)
    target = instance_snapshots(instance)
    snapshots = service if target == url else store_engine(target)
    try:
        yield {
            SERVICE: (f"service database {shown(service)}", service),
            SNAPSHOTS: (f"snapshot store {shown(snapshots)}", snapshots),
        }
    except sa.exc.OperationalError as exc:
        raise click.ClickException(f"cannot reach the database: {exc.orig}") from None
    except CommandError as exc:
        raise click.ClickException(f"{exc}: is the database newer than this qiscan?") from None
    except RuntimeError as exc:  # a database of hand-numbered migrations newer than these
        raise click.ClickException(str(exc)) from None
    finally:
        service.dispose()
        snapshots.dispose()


def standing(engine: Engine, history: migrations.History) -> str:
    """Where the database stands: its revision, or the hand-numbered version of a service
    database from before Alembic, or empty."""
    found = migrations.current(engine, history)
    if found is not None:
        return found
    if history is SERVICE:
        with engine.connect() as connection:
            number = hand_numbered_version(connection)
        if number is not None:
            return f"hand-numbered version {number}"
    return "empty"


def shown(engine: Engine) -> str:
    """The database's URL without its password."""
    return engine.url.render_as_string(hide_password=True)
