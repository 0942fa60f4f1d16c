"""The snapshot store's tables come from its own Alembic history: a new store stands at its
newest revision, and a store that an older qiscan made with ``create_all`` (with or without the
progress table of resumable pulls) is taken in as it stands, its snapshots readable after."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from plugin import migrations
from plugin.pull.store import (
    SNAPSHOTS,
    SnapshotStore,
    metadata,
    progress_table,
    row_table,
    snapshot_table,
)

ROWS = [
    {"study_id": "1", "q1": "2", "redcap_event_name": "", "redcap_repeat_instrument": ""},
    {"study_id": "2", "q1": "", "redcap_event_name": "", "redcap_repeat_instrument": ""},
]


def made_before_alembic(engine: Engine, tables: list[sa.Table]) -> None:
    """A store as ``create_all`` made it, holding one finished snapshot."""
    metadata.create_all(engine, tables=tables)
    with engine.begin() as connection:
        connection.execute(
            snapshot_table.insert().values(
                id=1,
                project="p",
                created_at="2024-05-06 07:08:09",
                server_time="2024-05-06 07:08:00",
                mode="full",
                parent_id=None,
                instruments=json.dumps({"test": "1.0.0"}),
                metadata=json.dumps([{"field_name": "study_id"}]),
                structure=json.dumps({"longitudinal": False}),
                record_count=2,
                row_count=2,
                content_hash="abc",
            )
        )
        for row in ROWS:
            connection.execute(
                row_table.insert().values(
                    snapshot_id=1,
                    record=row["study_id"],
                    event="",
                    repeat_instrument="",
                    repeat_instance="",
                    data=json.dumps(row),
                )
            )


def test_a_new_store_stands_at_the_newest_revision(database_url: str) -> None:
    store = SnapshotStore(database_url)
    assert migrations.current(store.engine, SNAPSHOTS) == migrations.head(SNAPSHOTS)
    assert migrations.differences(store.engine, SNAPSHOTS) == []
    store.dispose()


def test_a_store_made_by_create_all_is_taken_in_with_its_snapshots(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    made_before_alembic(engine, [snapshot_table, row_table, progress_table])
    store = SnapshotStore(engine)
    assert migrations.current(engine, SNAPSHOTS) == migrations.head(SNAPSHOTS)
    assert [s.id for s in store.snapshots()] == [1]
    assert store.get(1).instrument_versions == {"test": "1.0.0"}
    assert list(store.rows(1)) == ROWS
    assert migrations.differences(engine, SNAPSHOTS) == []
    engine.dispose()


def test_a_store_from_before_resumable_pulls_gets_its_progress_table(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    made_before_alembic(engine, [snapshot_table, row_table])
    store = SnapshotStore(engine)
    assert sa.inspect(engine).has_table("pull_progress")
    assert store.unfinished("p") == [] and list(store.rows(1)) == ROWS
    assert migrations.differences(engine, SNAPSHOTS) == []
    engine.dispose()
