"""The client against a live localcap: every injected fault is retried and the answer is the
same as without it; REDCap's refusals are not retried; the token never leaks."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from plugin.redcap import RedcapApiError, RedcapTransportError
from plugin.redcap.transport import RetryPolicy


@pytest.fixture(scope="module")
def long_token(live):
    return live.create("test_long_project")


def test_reads_project_metadata_and_structure(live, long_token):
    client = live.client(long_token)
    assert client.version() == "15.7.6"
    assert client.metadata()[0]["field_name"] == "study_id"
    structure = client.structure()
    assert {arm["arm_num"] for arm in structure["arms"]} == {1, 2}
    assert any(row["form_name"] == "baseline_data" for row in structure["repeating"])


@pytest.mark.parametrize("kind", ["server_error", "drop", "html", "rate_limit", "latin1"])
def test_each_fault_is_retried_and_changes_nothing(live, long_token, kind):
    client = live.client(long_token)
    clean = client.export_records()
    live.faults.add(kind, content="record", token=long_token)
    assert client.export_records() == clean
    assert live.faults.hits == {kind: 1}


def test_a_slow_answer_times_out_and_is_retried(live, long_token):
    client = live.client(long_token, timeout=0.3)
    live.faults.add("slow", delay=0.8, content="metadata")
    retries = []
    fast = live.client(long_token, timeout=0.3, on_retry=lambda n, e: retries.append(e.message))
    assert fast.metadata() == client.metadata()
    assert retries == ["REDCap did not answer in time"]


def test_a_latin1_answer_is_read_with_a_warning(live):
    token = live.create(title="accents")
    client = live.client(token)
    client.import_records([{"record_id": "1"}])
    client.call(
        "import_metadata",
        [
            {**client.metadata()[0]},
            {
                **client.metadata()[0],
                "field_name": "city",
                "field_label": "City",
                "section_header": "",
            },
        ],
    )
    client.import_records([{"record_id": "1", "city": "Montréal"}])
    live.faults.add("latin1", content="record")
    # JSON escapes non-ASCII as REDCap does (\u00e9), so only a CSV answer carries the raw bytes.
    text = client.call("export_records", format_type="csv")
    assert "1,Montréal" in text and live.faults.hits == {"latin1": 1}
    assert any("read as Latin-1" in warning for warning in client.warnings)


def test_persistent_failure_gives_up_with_a_transport_error(live, long_token):
    client = live.client(long_token, retry=RetryPolicy(attempts=3, base=0.01))
    live.faults.add("server_error", times=10, content="record")
    with pytest.raises(RedcapTransportError, match=r"server error.*gave up after 3 attempts"):
        client.export_records()
    assert live.faults.hits == {"server_error": 3}


def test_a_wrong_token_is_a_refusal_without_the_token(live):
    wrong = "0" * 32
    client = live.client(wrong)
    with pytest.raises(RedcapApiError) as caught:
        client.metadata()
    assert caught.value.status == 403
    assert "permissions to use the API" in str(caught.value) and wrong not in str(caught.value)


def test_refusals_are_not_retried(live, long_token):
    client = live.client(long_token)
    with pytest.raises(RedcapApiError, match=r"not valid") as caught:
        client.export_records(fields=["no_such_field"])
    assert caught.value.status == 400


@pytest.mark.parametrize("status", [400, 503])
def test_a_token_echoed_in_another_case_never_reaches_a_message(live, long_token, status):
    client = live.client(long_token, retry=RetryPolicy(attempts=1))
    live.faults.add("echo_token", content="metadata", status=status)
    with pytest.raises((RedcapApiError, RedcapTransportError)) as caught:
        client.metadata()
    assert caught.value.status == status and "[redacted]" in str(caught.value)
    assert long_token.lower() not in str(caught.value).lower()


def test_retry_after_as_an_http_date_is_honoured(live, long_token):
    client = live.client(long_token)
    live.faults.add("rate_limit", content="metadata", retry_after=formatdate(time.time() + 2))
    started = time.monotonic()
    assert client.metadata()[0]["field_name"] == "study_id"
    assert time.monotonic() - started >= 1.0  # the date has whole seconds: at least 1 s is left


def test_project_settings_are_imported_through_the_wrapper(live):
    client = live.client(live.create(title="settings"))
    assert client.project_info()["is_longitudinal"] == 0
    assert client.import_project_settings({"is_longitudinal": 1, "project_notes": "qi"}) == 2
    info = client.project_info()
    assert info["is_longitudinal"] == 1 and info["project_notes"] == "qi"
    # REDCap designates the forms for the project's one event when it turns longitudinal.
    assert [m["form"] for m in client.structure()["mappings"]] == ["my_first_instrument"]


def test_a_project_settings_import_is_retried_like_every_call(live):
    client = live.client(live.create(title="settings"))
    live.faults.add("server_error", content="project_settings")
    assert client.import_project_settings({"project_notes": "after a 500"}) == 1
    assert live.faults.hits == {"server_error": 1}
    assert client.project_info()["project_notes"] == "after a 500"


def test_a_refused_project_settings_import_is_not_retried_and_hides_the_token(live):
    token = live.create(title="settings")
    client = live.client(token)
    live.faults.add("echo_token", content="project_settings", status=400)
    with pytest.raises(RedcapApiError) as caught:
        client.import_project_settings({"project_notes": "never"})
    assert caught.value.status == 400 and token.lower() not in str(caught.value).lower()
    with pytest.raises(RedcapApiError, match="is_longitudinal must be 0 or 1") as refused:
        client.import_project_settings({"is_longitudinal": 2})
    assert refused.value.status == 400
    assert live.faults.hits == {"echo_token": 1}
    assert client.project_info()["project_notes"] == ""
