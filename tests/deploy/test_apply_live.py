"""Deploy against a live localcap: plan, apply, and the project then matches the instruments;
scores then go back into the declared score fields."""

from __future__ import annotations

import pytest

from instruments import load_instrument, load_shipped
from instruments.dictionary import compile_dictionary
from plugin.deploy import desired_project, make_plan
from plugin.deploy.apply import check_empty_project, read_current, read_usage
from plugin.deploy.apply import deploy as run_deploy
from plugin.deploy.steps import DeployRefused
from plugin.redcap import RedcapApiError, RedcapTransportError
from plugin.writeback import WriteBackError, write_back
from tests.instruments.helpers import base


def deploy(client, instruments, *, allow_data_loss=False):
    return run_deploy(client, instruments, allow_data_loss=allow_data_loss)[0]


def classic_instrument():
    data = base()
    data.pop("waves")
    return load_instrument(data).unwrap()


def test_a_classic_instrument_deploys_and_then_plans_no_changes(live):
    client = live.client(live.create(title="mini"))
    instrument = classic_instrument()
    plan = deploy(client, [instrument])
    assert plan.has_changes
    assert client.metadata() == compile_dictionary([instrument])
    again = make_plan(
        desired_project([instrument]),
        read_current(client),
        usage=read_usage(client, read_current(client)),
    )
    assert not again.has_changes


def test_the_readiness_assessment_deploys_its_waves_as_events(live):
    client = live.client(live.create(title="readiness", longitudinal=True))
    instrument = load_shipped("practice_readiness").unwrap()
    deploy(client, [instrument])
    structure = client.structure()
    assert [e["unique_event_name"] for e in structure["events"]] == [
        "baseline_arm_1",
        "month_3_arm_1",
        "month_6_arm_1",
        "month_9_arm_1",
        "month_12_arm_1",
    ]
    assert {
        m["form"] for m in structure["mappings"] if m["unique_event_name"] == "month_6_arm_1"
    } == {"readiness_assessment"}
    current = read_current(client)
    assert not make_plan(
        desired_project([instrument]), current, usage=read_usage(client, current)
    ).has_changes


def test_an_instrument_with_waves_turns_a_classic_project_longitudinal_and_back(live):
    """The switch is REDCap's Import Project Information, sent through the client wrapper."""
    client = live.client(live.create(title="readiness"))
    instrument = load_shipped("practice_readiness").unwrap()
    deploy(client, [instrument])
    assert client.project_info()["is_longitudinal"] == 1
    assert len(client.structure()["events"]) == 5
    assert not deploy(client, [instrument]).has_changes
    deploy(client, [classic_instrument()], allow_data_loss=True)
    assert client.project_info()["is_longitudinal"] == 0
    assert client.metadata() == compile_dictionary([classic_instrument()])


def test_removing_a_field_that_holds_data_is_refused_with_counts(live):
    client = live.client(live.create(title="mini"))
    instrument = classic_instrument()
    deploy(client, [instrument])
    client.import_records(
        [{"record_id": "1", "lead_note": "keep me"}, {"record_id": "2", "lead_note": "me too"}]
    )
    data = base()
    data.pop("waves")
    data["fields"] = [f for f in data["fields"] if f["name"] != "lead_note"]
    smaller = load_instrument(data).unwrap()
    with pytest.raises(DeployRefused, match=r"'lead_note'.*2 records"):
        deploy(client, [smaller])
    assert any(row["field_name"] == "lead_note" for row in client.metadata())
    deploy(client, [smaller], allow_data_loss=True)
    assert not any(row["field_name"] == "lead_note" for row in client.metadata())


def test_scores_are_written_back_into_score_fields_only(live):
    client = live.client(live.create(title="mini"))
    instrument = classic_instrument()
    deploy(client, [instrument])
    client.import_records([{"record_id": str(i), "lead_1": "4", "lead_2": "2"} for i in (1, 2, 3)])
    result = write_back(
        client,
        instrument,
        [
            {"record_id": "1", "score_lead": 75.0},
            {"record_id": "2", "score_lead": 62.5},
            {"record_id": "3", "score_lead": float("nan")},
        ],
        batch_size=2,
    )
    assert (result.rows, result.records, result.batches) == (3, 3, 2)
    scores = {
        r["record_id"]: r["score_lead"]
        for r in client.export_records(fields=["record_id", "score_lead"])
    }
    assert scores == {"1": "75", "2": "62.5", "3": ""}
    with pytest.raises(WriteBackError, match=r"lead_1 are not score fields"):
        write_back(client, instrument, [{"record_id": "1", "lead_1": 5}])
    assert client.export_records(records=["1"])[0]["lead_1"] == "4"


def test_a_design_that_cannot_be_read_stops_the_deploy_before_any_field_is_removed(live):
    """Issue 12: a metadata export answered with an error was read as an empty project, so the
    plan re-imported the instrument's dictionary over a field that held data."""
    client = live.client(live.create(title="mini"))
    instrument = classic_instrument()
    deploy(client, [instrument])
    client.import_records([{"record_id": str(n), "lead_note": f"note {n}"} for n in range(1, 6)])
    data = base()
    data.pop("waves")
    data["fields"] = [f for f in data["fields"] if f["name"] != "lead_note"]
    smaller = load_instrument(data).unwrap()
    live.faults.add("api_error", content="metadata", times=1)
    with pytest.raises(RedcapApiError, match=r"deploy stopped: .*current design could not be read"):
        deploy(client, [smaller])
    assert any(row["field_name"] == "lead_note" for row in client.metadata())
    assert client.export_records(fields=["record_id", "lead_note"])[4]["lead_note"] == "note 5"


def test_a_project_listing_no_fields_but_holding_records_is_not_taken_for_an_empty_one(live):
    client = live.client(live.create(title="mini"))
    deploy(client, [classic_instrument()])
    client.import_records([{"record_id": "1", "lead_note": "keep me"}])
    with pytest.raises(DeployRefused, match=r"lists no fields but holds 1 record"):
        check_empty_project(client, [])


def test_a_usage_batch_cut_short_stops_the_deploy_instead_of_undercounting(live):
    """The guard counts data from batched exports, checked as a pull checks them: a valid
    answer missing records would otherwise hide their data from it."""
    client = live.client(live.create(title="mini"))
    deploy(client, [classic_instrument()])
    client.import_records([{"record_id": str(n), "lead_note": f"note {n}"} for n in range(1, 6)])
    data = base()
    data.pop("waves")
    data["fields"] = [f for f in data["fields"] if f["name"] != "lead_note"]
    live.faults.add("missing_records", count=5, asking="records[0]", times=20)
    with pytest.raises(RedcapTransportError, match="asked 4 times"):
        deploy(client, [load_instrument(data).unwrap()])
    assert any(row["field_name"] == "lead_note" for row in client.metadata())


def test_events_that_cannot_be_read_stop_the_deploy_of_a_longitudinal_project(live):
    """REDCap answers a classic project's event export with an error, which reads as "no
    events"; in a project its own settings call longitudinal, the same answer stops the deploy."""
    client = live.client(live.create(title="readiness", longitudinal=True))
    instrument = load_shipped("practice_readiness").unwrap()
    deploy(client, [instrument])
    live.faults.add("api_error", content="formEventMapping", times=1)
    with pytest.raises(RedcapApiError, match="longitudinal, but no event came back"):
        deploy(client, [instrument])
    assert client.structure()["events"]
