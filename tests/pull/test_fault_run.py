"""The fault run, short form: every fault kind localcap can inject, at random positions (seeded),
during full and incremental pulls that are repeated until one completes. Every completed pull
holds exactly what a clean pull holds (the same content hash), and after every failed one the
last snapshot is still the latest, the list of snapshots is unchanged, and what it left
unfinished cannot be read. The long form, with counts, is bench/fault_bench.py."""

from __future__ import annotations

import random

import pytest

from plugin.localcap.faults import FAULT_KINDS
from plugin.pull import PullResult, SnapshotStore, pull
from plugin.redcap import RedcapProblem
from plugin.redcap.transport import RetryPolicy

RECORDS = [str(n) for n in range(3, 11)]  # with the fixture's 1 and 2: ten records
TRIES = 12


@pytest.fixture
def store(tmp_path):
    made = SnapshotStore(tmp_path / "snapshots.sqlite")
    yield made
    made.dispose()


def pull_until_done(client, store, project, *, incremental):
    """Pull again after every failure, checking that a failure left everything as it was."""
    before, listed = store.latest(project), store.snapshots(project)
    for _ in range(TRIES):
        try:
            return pull(client, store, batch_size=3, incremental=incremental)
        except RedcapProblem:
            assert store.latest(project) == before
            assert store.snapshots(project) == listed
            for left in store.unfinished(project):
                with pytest.raises(KeyError, match="unfinished"):
                    store.get(left.snapshot_id)
                with pytest.raises(KeyError, match="unfinished"):
                    next(store.rows(left.snapshot_id))
    pytest.fail(f"no pull completed in {TRIES} tries")


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_fault_kind_leaves_completed_pulls_equal_to_a_clean_one(live, store, kind):
    token = live.create("test_long_project")
    setup = live.client(token)
    event = setup.export_records()[0]["redcap_event_name"]
    setup.import_records([{"study_id": i, "redcap_event_name": event} for i in RECORDS])
    clean: PullResult = pull(setup, store, batch_size=3, incremental=False)
    project = clean.snapshot.project
    # A slow answer must outlast the client's timeout; for the other kinds, a roomy timeout.
    timeout = 0.3 if kind == "slow" else 10.0
    client = live.client(token, timeout=timeout, retry=RetryPolicy(attempts=2, base=0.001))
    rng = random.Random(kind)
    injected = 0
    for incremental in (False, True):
        for _ in range(3):
            live.faults.add(
                kind,
                token=token,
                content=rng.choice([None, "record"]),
                skip=rng.randrange(6),
                times=rng.randint(1, 3),
                delay=0.4,
            )
        done = pull_until_done(client, store, project, incremental=incremental)
        assert done.snapshot.content_hash == clean.snapshot.content_hash
        assert done.snapshot.record_count == 10
        assert store.latest(project) == done.snapshot
        injected += live.faults.hits.get(kind, 0)
        live.faults.clear()
    assert injected >= 2, "the seeded positions must make the run inject this kind"
