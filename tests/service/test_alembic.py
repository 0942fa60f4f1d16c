"""The service's migrations are Alembic's: an empty database upgraded to the newest revision is
exactly what the models declare (Alembic's autogenerate finds nothing, on SQLite and PostgreSQL,
with the snapshot store in the same database), a database that the hand-numbered migrations made
before Alembic upgrades in place with every row kept, processes starting together take turns,
and ``qiscan db upgrade`` does it all for an instance."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from plugin import migrations
from plugin.cli import main
from plugin.pull.store import SNAPSHOTS, SnapshotStore
from plugin.service.db import HAND_NUMBERED, SERVICE, engine_for, migrate

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
TABLES = ("connection", "api_key", "job", "report_file", "instrument_definition", "web_session")


def hand_numbered(engine: Engine, version: int) -> None:
    """The database that qiscan's hand-numbered migrations 1 to ``version`` made before Alembic:
    the same functions (revision service_000N is migration N), applied and recorded as its
    runner did, one transaction each."""
    scripts = migrations.scripts(SERVICE)
    for number in range(1, version + 1):
        with engine.begin() as connection:
            if number == 1:
                connection.execute(sa.text(f"CREATE TABLE {HAND_NUMBERED} (version INTEGER)"))
                connection.execute(sa.text(f"INSERT INTO {HAND_NUMBERED} VALUES (0)"))
            with Operations.context(MigrationContext.configure(connection)):
                scripts.get_revision(f"service_{number:04d}").module.upgrade()
            connection.execute(sa.text(f"UPDATE {HAND_NUMBERED} SET version = {number}"))


def fill(engine: Engine) -> None:
    """A row in every table of the hand-numbered schema at version 5."""
    rows = {
        "connection": "(1, 'p', 'https://redcap/api/', 'cipher', 'provider_scan', 'h', :now)",
        "api_key": "(1, 'admin key', 'kh', 'admin', '[]', :now)",
        "job": "(1, 'pull', 1, 'done', '{}', '{\"snapshot_id\": 3}', '', 2, 2, 1, '', :now, "
        ":now, :now, 'host:1:a', :now, 3, NULL, '')",
        "report_file": "(1, 1, 'summary', 'pdf', 'r/1.pdf', '1.pdf', 'application/pdf', 3, '', "
        ":now)",
        "instrument_definition": "(1, 'mine', '1.0.0', 'Mine', '{}', 'bh', :now)",
        "web_session": "('sh', 1, 'fp', :now, :now)",
    }
    with engine.begin() as connection:
        for table, values in rows.items():
            connection.execute(sa.text(f"INSERT INTO {table} VALUES {values}"), {"now": NOW})


def contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}"))]
            for table in TABLES
        }


def test_the_migrated_schema_is_what_the_models_and_the_store_declare(database_url: str) -> None:
    engine = engine_for(database_url)
    assert migrate(engine) == migrations.head(SERVICE)
    SnapshotStore(engine)  # on PostgreSQL the store shares the service's database
    assert migrations.current(engine, SNAPSHOTS) == migrations.head(SNAPSHOTS)
    for history in (SERVICE, SNAPSHOTS):
        assert migrations.differences(engine, history) == [], history.name
        with engine.connect() as connection:  # Alembic's own check, through env.py
            command.check(migrations.config(history, connection))
    engine.dispose()


def test_the_check_sees_a_schema_that_differs_from_the_models(database_url: str) -> None:
    engine = engine_for(database_url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX job_by_state"))
    found = migrations.differences(engine, SERVICE)
    assert [(kind, index.name) for kind, index in found] == [("add_index", "job_by_state")]
    engine.dispose()


def test_a_database_of_the_hand_numbered_migrations_upgrades_in_place(database_url: str) -> None:
    engine = engine_for(database_url)
    hand_numbered(engine, 5)
    fill(engine)
    before = contents(engine)
    assert all(before.values())
    assert migrate(engine) == migrations.head(SERVICE)
    assert contents(engine) == before
    assert not sa.inspect(engine).has_table(HAND_NUMBERED)
    assert migrations.differences(engine, SERVICE) == []
    engine.dispose()


def test_an_older_hand_numbered_database_goes_on_from_where_it_stood(database_url: str) -> None:
    engine = engine_for(database_url)
    hand_numbered(engine, 3)  # before job cancelling and web sessions
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO job (kind, state, params, result, error, done, total, attempts, "
                "dedupe_key, created_at, owner) VALUES ('pull', 'done', '{}', '{}', '', 0, 0, 0, "
                "'', :now, '')"
            ),
            {"now": NOW},
        )
    assert migrate(engine) == migrations.head(SERVICE)
    with engine.connect() as connection:
        jobs = connection.execute(sa.text("SELECT state, cancelled_by FROM job")).all()
    assert [tuple(job) for job in jobs] == [("done", "")]
    assert sa.inspect(engine).has_table("web_session")
    engine.dispose()


def test_a_hand_numbered_version_newer_than_known_is_refused(database_url: str) -> None:
    engine = engine_for(database_url)
    hand_numbered(engine, 5)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {HAND_NUMBERED} SET version = 6"))
    with pytest.raises(RuntimeError, match="schema_version is 6, newer than this qiscan knows"):
        migrate(engine)
    assert migrations.current(engine, SERVICE) is None  # nothing stamped
    engine.dispose()


STARTER = """
import sys
from plugin.service.db import engine_for, migrate
engine = engine_for(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print(migrate(engine), flush=True)
"""


def test_processes_starting_together_take_turns(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises its writers itself")
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in starting:  # every one imported and connected: then all go at once
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in starting:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    finished = [process.communicate(timeout=120) for process in starting]
    assert [out for out, _ in finished] == [f"{migrations.head(SERVICE)}\n"] * len(starting), [
        err for _, err in finished
    ]


def test_qiscan_db_upgrade_upgrades_the_instance_and_says_from_where(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("QISCAN_DATABASE_URL", database_url)
    monkeypatch.delenv("QISCAN_SNAPSHOTS", raising=False)
    engine = engine_for(database_url)
    hand_numbered(engine, 5)
    fill(engine)
    before = contents(engine)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    service, snapshots = migrations.head(SERVICE), migrations.head(SNAPSHOTS)
    assert f": hand-numbered version 5 -> {service}" in result.stderr
    assert f"snapshot store sqlite:///{tmp_path / 'instance'}" in result.stderr or (
        database_url.startswith("postgresql") and "snapshot store postgresql" in result.stderr
    )
    assert f": empty -> {snapshots}" in result.stderr
    assert contents(engine) == before
    again = CliRunner().invoke(main, ["db", "current", "--json"])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        f'{{"current": {{"service": "{service}", "snapshots": "{snapshots}"}}, '
        f'"head": {{"service": "{service}", "snapshots": "{snapshots}"}}}}'
    )
    engine.dispose()


def test_qiscan_db_upgrade_names_a_database_it_cannot_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv(
        "QISCAN_DATABASE_URL", "postgresql+psycopg://qiscan:s3cret@127.0.0.1:1/nowhere"
    )
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "cannot reach the database" in result.stderr and "s3cret" not in result.output
