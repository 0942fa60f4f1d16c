"""Pulling into snapshots from a live localcap, on SQLite and PostgreSQL: batches keep records
whole, faults change nothing, a failed pull leaves the last snapshot as it was, incremental
pulls agree with full ones, and the content hash is the same on both databases."""

from __future__ import annotations

import json

import pytest

from plugin.pull import SnapshotStore, pull
from plugin.pull.pull import SCORING_EXPORT
from plugin.pull.store import rows_hash, snapshot_table
from plugin.redcap import RedcapTransportError
from plugin.redcap.transport import RetryPolicy


@pytest.fixture
def store(database_url):
    """A snapshot store per test: a SQLite file, and the same tests on PostgreSQL."""
    made = SnapshotStore(database_url)
    yield made
    made.dispose()


def keyed(rows):
    return sorted(
        (
            r["study_id"],
            r.get("redcap_event_name", ""),
            r.get("redcap_repeat_instrument", ""),
            str(r.get("redcap_repeat_instance", "")),
        )
        for r in rows
    )


def test_a_full_pull_holds_exactly_what_redcap_exports(live, store):
    client = live.client(live.create("test_long_project"))
    result = pull(client, store, instruments={"test": "1.0.0"}, batch_size=1)
    assert result.mode == "full" and result.batches == result.snapshot.record_count == 2
    # As the pull asks: survey timestamps (who responded) and blank for a form never saved.
    exported = client.export_records(
        export_survey_fields=True, export_blank_for_gray_form_status=True
    )
    assert any(key.endswith("_timestamp") for key in exported[0])
    assert keyed(store.rows(result.snapshot.id)) == keyed(exported)
    assert sorted(map(str, store.rows(result.snapshot.id))) == sorted(map(str, exported))
    assert result.snapshot.instrument_versions == {"test": "1.0.0"}
    assert store.header(result.snapshot.id)["metadata"] == client.metadata()


def test_batch_size_does_not_change_the_content(live, store):
    client = live.client(live.create("test_long_project"))
    one = pull(client, store, batch_size=1, incremental=False)
    all_at_once = pull(client, store, batch_size=1000, incremental=False)
    assert (one.batches, all_at_once.batches) == (2, 1)
    assert one.snapshot.content_hash == all_at_once.snapshot.content_hash


def test_batches_of_seven_give_the_content_of_one_batch_and_of_one_export(live, store):
    client = live.client(live.create("test_long_project"))
    events = ["enrollment_arm_1", "dose_1_arm_1", "visit_1_arm_1"]
    client.import_records(  # records of one to three events each, so batches cut through events
        [
            {"study_id": f"r{n}", "redcap_event_name": e}
            for n in range(30)
            for e in events[: 1 + n % 3]
        ]
    )
    in_sevens = pull(client, store, batch_size=7, incremental=False)
    at_once = pull(client, store, batch_size=1000, incremental=False)
    records = in_sevens.snapshot.record_count
    assert records == 32 and (in_sevens.batches, at_once.batches) == (-(-records // 7), 1)
    assert in_sevens.snapshot.content_hash == at_once.snapshot.content_hash
    assert in_sevens.snapshot.row_count == at_once.snapshot.row_count
    # The hash a benchmark computes from one export, the way PyCap users export.
    exported = client.export_records(**SCORING_EXPORT)
    assert rows_hash(exported, "study_id") == at_once.snapshot.content_hash


@pytest.mark.parametrize("kind", ["server_error", "drop", "html", "rate_limit", "latin1"])
def test_faults_during_a_pull_lose_and_duplicate_nothing(live, store, kind):
    token = live.create("test_long_project")
    client = live.client(token)
    clean = pull(client, store, batch_size=1, incremental=False)
    live.faults.add(kind, content="record", token=token, skip=1, times=2)
    faulty = pull(client, store, batch_size=1, incremental=False)
    assert live.faults.hits == {kind: 2}
    assert faulty.snapshot.content_hash == clean.snapshot.content_hash
    assert faulty.snapshot.row_count == clean.snapshot.row_count


def test_a_pull_that_cannot_finish_leaves_the_last_snapshot_untouched(live, store):
    token = live.create("test_long_project")
    good = pull(live.client(token), store, batch_size=1)
    live.faults.add("server_error", content="record", token=token, skip=2, times=50)
    client = live.client(token, retry=RetryPolicy(attempts=2, base=0.01))
    with pytest.raises(RedcapTransportError, match="gave up after 2 attempts"):
        pull(client, store, batch_size=1, incremental=False)
    assert store.snapshots() == [good.snapshot]
    assert store.latest(good.snapshot.project) == good.snapshot


def test_incremental_pull_picks_up_changes_and_deletions(live, store):
    client = live.client(live.create("test_long_project"))
    first = pull(client, store)
    rows = client.export_records()
    first_event = rows[0]["redcap_event_name"]
    client.import_records([{"study_id": "3", "redcap_event_name": first_event}])
    client.delete_records(["2"])
    second = pull(client, store)
    assert second.mode == "incremental" and second.snapshot.parent_id == first.snapshot.id
    assert second.deleted_records == 1
    records = {row["study_id"] for row in store.rows(second.snapshot.id)}
    assert records == {"1", "3"}
    full = pull(client, store, incremental=False)
    assert second.snapshot.content_hash == full.snapshot.content_hash


def test_a_snapshot_pulled_without_survey_fields_is_no_parent(live, store):
    client = live.client(live.create("test_simple_project"))
    first = pull(client, store)
    header = store.header(first.snapshot.id)
    assert header["structure"]["export"] == [
        {"survey_fields": True, "blank_for_gray_form_status": True}
    ]
    assert pull(client, store).mode == "incremental"
    with store.engine.begin() as connection:  # as a snapshot made before survey fields were asked
        structure = {k: v for k, v in header["structure"].items() if k != "export"}
        connection.execute(snapshot_table.update().values(structure=json.dumps(structure)))
    assert pull(client, store).mode == "full"


def test_a_changed_design_forces_a_full_pull(live, store):
    client = live.client(live.create("test_simple_project"))
    pull(client, store)
    metadata = client.metadata()
    metadata[1] = {**metadata[1], "field_label": "Given name"}
    client.call("import_metadata", metadata)
    assert pull(client, store).mode == "full"


def test_the_content_hash_and_row_order_are_the_same_on_sqlite_and_postgresql(
    live, database_url, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip("compares a PostgreSQL store with a SQLite one")
    client = live.client(live.create("test_long_project"))
    event = client.export_records()[0]["redcap_event_name"]
    # Ids whose order differs between byte order and a language's collation.
    ids = ["a1", "Z2", "é3", "e4", "10", "9", "_5"]
    client.import_records([{"study_id": i, "redcap_event_name": event} for i in ids])
    on_sqlite = SnapshotStore(tmp_path / "snapshots.sqlite")
    on_postgresql = SnapshotStore(database_url)
    try:
        lite = pull(client, on_sqlite, batch_size=3).snapshot
        postgres = pull(client, on_postgresql, batch_size=3).snapshot
        assert postgres.content_hash == lite.content_hash
        assert list(on_postgresql.rows(postgres.id)) == list(on_sqlite.rows(lite.id))
        order = [row["study_id"] for row in on_postgresql.rows(postgres.id)]
        assert order == sorted(order, key=lambda i: i.encode("utf-8")), "byte order"
    finally:
        on_sqlite.dispose()
        on_postgresql.dispose()
