"""What localcap's answer-rewriting fault kinds send, seen through the client: a valid answer
with records left out, none at all, sent twice or not asked for; other requests pass them by."""

from __future__ import annotations

from collections import Counter

import pytest

from plugin.redcap import RedcapApiError


@pytest.fixture(scope="module")
def token(live):
    return live.create("test_long_project")


def records_of(rows):
    return Counter(row["study_id"] for row in rows)


def test_missing_records_leaves_out_every_row_of_a_record(live, token):
    client = live.client(token)
    clean = records_of(client.export_records())
    live.faults.add("missing_records", token=token)
    faulty = records_of(client.export_records())
    (left_out,) = set(clean) - set(faulty)
    assert faulty == {record: n for record, n in clean.items() if record != left_out}


def test_empty_answers_an_empty_list(live, token):
    client = live.client(token)
    live.faults.add("empty", token=token)
    assert client.export_records() == [] and live.faults.hits == {"empty": 1}


def test_duplicate_records_sends_a_record_twice(live, token):
    client = live.client(token)
    clean = records_of(client.export_records())
    live.faults.add("duplicate_records", token=token, count=2)
    assert records_of(client.export_records()) == {r: 2 * n for r, n in clean.items()}


def test_extra_records_adds_a_record_not_asked_for(live, token):
    client = live.client(token)
    live.faults.add("extra_records", token=token, asking="records[0]")
    rows = client.export_records(records=["1"])
    assert set(records_of(rows)) == {"1", "1-not-asked"}


def test_rewriting_kinds_wait_for_a_record_export(live, token):
    client = live.client(token)
    live.faults.add("empty", token=token)
    assert client.metadata() and client.logging()  # passed by, not spent
    assert live.faults.hits == {}
    assert client.export_records() == []


def test_a_fault_can_wait_for_a_request_asking_for_a_parameter(live, token):
    client = live.client(token)
    live.faults.add("empty", token=token, asking="records[0]")
    assert client.export_records(fields=["study_id"])  # the list of ids: no records[0]
    assert client.export_records(records=["1"]) == []


def test_api_error_is_a_refusal_that_is_not_retried(live, token):
    client = live.client(token)
    live.faults.add("api_error", token=token, content="metadata", times=2)
    with pytest.raises(RedcapApiError, match=r"could not be completed \(injected fault\)"):
        client.metadata()
    assert live.faults.hits == {"api_error": 1}
