"""A pull checks what REDCap answered against what it asked: every record of a batch comes back
once, in no batch a record not asked for, a record left out only when the log shows it deleted;
the list of record ids is asked for twice and must agree. A wrong answer is asked again, and one
that stays wrong fails the pull, leaving the last snapshot as it was."""

from __future__ import annotations

import pytest

from plugin.pull import SnapshotStore, pull
from plugin.redcap import RedcapTransportError
from plugin.redcap.transport import RetryPolicy

BATCHES = "records[0]"  # a record export of chosen records: a batch, not the list of ids


@pytest.fixture
def store(database_url):
    made = SnapshotStore(database_url)
    yield made
    made.dispose()


WRONG = {
    "missing_records": r"left out 1 record\(s\) .* the log does not show deleted",
    "empty": r"left out 1 record\(s\) .* the log does not show deleted",
    "extra_records": r"record\(s\) not asked for: 1-not-asked|record\(s\) not asked for: 2-not",
    "duplicate_records": r"record (1|2) twice",
}


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_a_batch_that_stays_wrong_fails_the_pull_and_the_last_snapshot_stays(live, store, kind):
    token = live.create("test_long_project")
    client = live.client(token, retry=RetryPolicy(attempts=3, base=0.01))
    good = pull(client, store, batch_size=1)
    live.faults.add(kind, content="record", token=token, asking=BATCHES, times=100)
    with pytest.raises(RedcapTransportError, match=WRONG[kind]) as caught:
        pull(client, store, batch_size=1, incremental=False)
    assert "asked 3 times" in str(caught.value)
    assert store.snapshots() == [good.snapshot]
    assert store.latest(good.snapshot.project) == good.snapshot


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_a_batch_answered_wrong_once_is_asked_again(live, store, kind):
    token = live.create("test_long_project")
    client = live.client(token)
    clean = pull(client, store, batch_size=1, incremental=False)
    live.faults.add(kind, content="record", token=token, asking=BATCHES, skip=1)
    again = pull(client, store, batch_size=1, incremental=False)
    assert live.faults.hits == {kind: 1}
    assert again.snapshot.content_hash == clean.snapshot.content_hash


@pytest.mark.parametrize("kind", ["missing_records", "empty"])
def test_a_short_list_of_record_ids_is_caught_by_asking_again(live, store, kind):
    token = live.create("test_long_project")
    client = live.client(token)
    clean = pull(client, store, incremental=False)
    live.faults.add(kind, content="record", token=token, times=1)  # the first: the list of ids
    again = pull(client, store, incremental=False)
    assert live.faults.hits == {kind: 1}
    assert again.snapshot.content_hash == clean.snapshot.content_hash
    assert again.snapshot.record_count == clean.snapshot.record_count == 2


def test_an_empty_list_of_ids_every_time_is_checked_against_the_log(live, store):
    token = live.create("test_long_project")
    client = live.client(token, retry=RetryPolicy(attempts=3, base=0.01))
    live.faults.add("empty", content="record", token=token, times=100)
    with pytest.raises(RedcapTransportError, match=r"no records, but the log shows 2"):
        pull(client, store, incremental=False)
    assert store.snapshots() == []


def test_an_incremental_list_missing_a_changed_record_is_checked_against_the_log(live, store):
    token = live.create("test_long_project")
    client = live.client(token, retry=RetryPolicy(attempts=3, base=0.01))
    first = pull(client, store)
    event = client.export_records()[0]["redcap_event_name"]
    client.import_records([{"study_id": "3", "redcap_event_name": event}])
    # The overlap reaches back past the project's making: 1 and 2 count as changed too.
    live.faults.add("empty", content="record", token=token, times=100)
    with pytest.raises(RedcapTransportError, match=r"the log shows changed: 1, 2, 3"):
        pull(client, store)
    assert store.latest(first.snapshot.project) == first.snapshot
    live.faults.clear()
    assert {r["study_id"] for r in store.rows(pull(client, store).snapshot.id)} == {"1", "2", "3"}


def test_a_record_deleted_during_the_pull_is_confirmed_in_the_log(live, store):
    token = live.create("test_long_project")
    client = live.client(token)

    def delete_the_second(done: int, total: int) -> None:
        if done == 1:
            client.delete_records(["2"])

    result = pull(client, store, batch_size=1, incremental=False, progress=delete_the_second)
    assert result.deleted_records == 1
    assert {row["study_id"] for row in store.rows(result.snapshot.id)} == {"1"}
