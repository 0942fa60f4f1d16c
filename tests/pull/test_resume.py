"""A pull that fails part-way keeps the batches it wrote as an unfinished snapshot, which is
never listed or read, and the next pull of the same project and design goes on from there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plugin.pull import SnapshotStore, pull
from plugin.pull.pull import LEASE, project_key
from plugin.pull.store import TIME, progress_table
from plugin.pull.writer import SnapshotWriter, TakenOver
from plugin.redcap import RedcapTransportError
from plugin.redcap.transport import RetryPolicy

BATCHES = "records[0]"


@pytest.fixture
def store(database_url):
    made = SnapshotStore(database_url)
    yield made
    made.dispose()


def fail_second_batch(live, token):
    """The second batch fails twice: with two attempts a call, the pull gives up there."""
    live.faults.add("server_error", content="record", token=token, asking=BATCHES, skip=1, times=2)
    return live.client(token, retry=RetryPolicy(attempts=2, base=0.01))


def test_a_pull_that_gave_up_resumes_from_its_last_batch(live, store):
    token = live.create("test_long_project")
    clean = pull(live.client(token), store, batch_size=1, incremental=False)
    flaky = fail_second_batch(live, token)
    with pytest.raises(RedcapTransportError, match=r"gave up after 2 attempts.*1 of 2 records"):
        pull(flaky, store, batch_size=1, incremental=False)
    assert store.snapshots() == [clean.snapshot]
    assert store.latest(clean.snapshot.project) == clean.snapshot
    resumed = pull(flaky, store, batch_size=1, incremental=False)
    assert (resumed.resumed, resumed.resumed_records, resumed.batches) == (True, 1, 1)
    assert resumed.snapshot.content_hash == clean.snapshot.content_hash
    assert store.unfinished(clean.snapshot.project) == []


def test_an_unfinished_snapshot_is_never_listed_or_read(live, store):
    token = live.create("test_long_project")
    first = pull(live.client(token), store, batch_size=1)
    with pytest.raises(RedcapTransportError):
        pull(fail_second_batch(live, token), store, batch_size=1, incremental=False)
    (left,) = store.unfinished(first.snapshot.project)
    assert (left.done, len(left.ids)) == (1, 2)
    assert store.snapshots() == [first.snapshot]
    with pytest.raises(KeyError, match=rf"snapshot {left.snapshot_id} is unfinished"):
        store.get(left.snapshot_id)
    with pytest.raises(KeyError, match=rf"snapshot {left.snapshot_id} is unfinished"):
        list(store.rows(left.snapshot_id))


def test_an_incremental_pull_resumes_too(live, store):
    token = live.create("test_long_project")
    client = live.client(token)
    first = pull(client, store)
    event = client.export_records()[0]["redcap_event_name"]
    client.import_records([{"study_id": i, "redcap_event_name": event} for i in ("3", "4")])
    with pytest.raises(RedcapTransportError):
        pull(fail_second_batch(live, token), store, batch_size=1)
    resumed = pull(client, store, batch_size=1)
    assert resumed.mode == "incremental" and resumed.resumed
    assert resumed.snapshot.parent_id == first.snapshot.id
    full = pull(client, store, incremental=False)
    assert resumed.snapshot.content_hash == full.snapshot.content_hash


def test_a_changed_design_starts_again_and_drops_the_unfinished_pull(live, store):
    token = live.create("test_long_project")
    client = live.client(token)
    with pytest.raises(RedcapTransportError):
        pull(fail_second_batch(live, token), store, batch_size=1)
    (left,) = store.unfinished(project_key(client, client.project_info()))
    metadata = client.metadata()
    metadata[1] = {**metadata[1], "field_label": "Changed"}
    client.call("import_metadata", metadata)
    client.forget_design()
    again = pull(client, store, batch_size=1)
    assert not again.resumed and again.batches == 2
    assert store.unfinished(again.snapshot.project) == [] and left.done == 1
    assert store.snapshots() == [again.snapshot]
    assert (
        again.snapshot.content_hash == pull(client, store, incremental=False).snapshot.content_hash
    )


def test_a_full_pull_asked_for_does_not_resume_an_incremental_one(live, store):
    token = live.create("test_long_project")
    client = live.client(token)
    pull(client, store)
    event = client.export_records()[0]["redcap_event_name"]
    client.import_records([{"study_id": i, "redcap_event_name": event} for i in ("3", "4")])
    with pytest.raises(RedcapTransportError):
        pull(fail_second_batch(live, token), store, batch_size=1)
    full = pull(client, store, batch_size=1, incremental=False)
    assert full.mode == "full" and not full.resumed and full.snapshot.record_count == 4


def test_an_unfinished_snapshot_still_being_written_is_left_alone_until_its_lease_ends(live, store):
    token = live.create("test_long_project")
    client = live.client(token)
    with pytest.raises(RedcapTransportError):
        pull(fail_second_batch(live, token), store, batch_size=1, incremental=False)
    (left,) = store.unfinished(project_key(client, client.project_info()))
    other = SnapshotWriter.take_over(store.engine, left, "study_id")  # a pull writing it now
    assert other is not None
    fresh = pull(client, store, batch_size=1, incremental=False)
    assert not fresh.resumed and fresh.batches == 2
    (still,) = store.unfinished(fresh.snapshot.project)
    assert still.snapshot_id == left.snapshot_id and still.owner == other.owner
    with store.engine.begin() as connection:  # the other pull went silent a lease ago
        connection.execute(
            progress_table.update().values(updated_at=(datetime.now(UTC) - LEASE).strftime(TIME))
        )
    again = pull(client, store, batch_size=1, incremental=False)
    assert not again.resumed and store.unfinished(again.snapshot.project) == []
    with pytest.raises(TakenOver, match=r"another pull took over or dropped unfinished snapshot"):
        other.add([], records=1)
