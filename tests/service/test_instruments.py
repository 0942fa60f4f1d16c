"""Instruments over HTTP: the shipped list and summaries, validation whose problems are the
answer, compiling to the data dictionary, and deploying a project's instrument to a live
localcap: the plan, its refusal when data would be lost, and the apply."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from instruments import load_instrument, load_shipped, shipped_names
from instruments.dictionary import compile_dictionary
from plugin.deploy import desired_project, make_plan, render_plan
from plugin.deploy.apply import deploy, read_current, read_usage
from plugin.localcap import set_production
from plugin.service.crypto import encrypt
from plugin.service.db import session
from plugin.service.models import Connection
from tests.instruments.helpers import base
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_projects import register


def classic() -> dict[str, Any]:
    data = base()
    data.pop("waves")
    return data


def with_unknown_field_in_logic() -> dict[str, Any]:
    """The mini instrument with a misspelt field in the branching logic of field 7, lead_note."""
    data = classic()
    assert data["fields"][7]["name"] == "lead_note"
    data["fields"][7]["branching_logic"] = "[lead_11] <= 2"
    return data


def test_the_shipped_instruments_are_listed(client: FlaskClient, keys: dict[str, str]) -> None:
    answer = client.get("/instruments", headers=auth(keys["analyst"]))
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json] == shipped_names()
    readiness = load_shipped("practice_readiness").unwrap()
    assert {
        "id": "practice_readiness",
        "version": readiness.version,
        "title": readiness.title,
        "kind": "assessment",
        "origin": "shipped",
    } in answer.json


def test_an_instrument_summary_names_its_forms_scales_and_waves(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    answer = client.get("/instruments/practice_readiness", headers=auth(keys["analyst"]))
    assert answer.status_code == 200
    shown = answer.json
    readiness = load_shipped("practice_readiness").unwrap()
    assert [form["name"] for form in shown["forms"]] == [f.name for f in readiness.forms]
    assert sum(form["fields"] for form in shown["forms"]) == shown["fields"] == 43
    assert [e["name"] for e in shown["waves"]["events"]] == [
        "baseline",
        "month_3",
        "month_6",
        "month_9",
        "month_12",
    ]
    willingness = next(s for s in shown["scales"] if s["name"] == "willingness_to_change")
    assert willingness["kind"] == "scale" and willingness["reverse"] == ["will_fatigue"]
    assert shown["grouping"] == readiness.grouping
    unknown = client.get("/instruments/readiness", headers=auth(keys["analyst"]))
    assert unknown.status_code == 404 and "practice_readiness" in unknown.json["message"]


def test_validation_problems_are_the_answer_not_an_error(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    good = client.post("/instruments/validate", json=classic(), headers=auth(keys["analyst"]))
    assert good.status_code == 200 and good.json["ok"] is True and good.json["errors"] == []
    assert len(good.json["warnings"]) == len(load_instrument(classic()).warnings)
    broken = with_unknown_field_in_logic()
    broken["titel"] = broken.pop("title")
    answer = client.post("/instruments/validate", json=broken, headers=auth(keys["analyst"]))
    assert answer.status_code == 200 and answer.json["ok"] is False
    by_code = {p["code"]: p for p in answer.json["errors"]}
    # The schema problems come first: the checks need a complete instrument to reason about.
    assert by_code["unknown-key"]["pointer"] == "/titel"
    assert "Did you mean 'title'" in by_code["unknown-key"]["message"]
    del broken["titel"]
    broken["title"] = "Mini"
    answer = client.post("/instruments/validate", json=broken, headers=auth(keys["analyst"]))
    (problem,) = answer.json["errors"]
    assert problem["code"] == "logic-unknown-field"
    assert (problem["pointer"], problem["field"]) == ("/fields/7/branching_logic", "lead_note")
    assert "Did you mean [lead_1]?" in problem["message"] and problem["hint"]


def test_compiling_answers_the_data_dictionary_or_the_problems(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    answer = client.post("/instruments/compile", json=classic(), headers=auth(keys["analyst"]))
    assert answer.status_code == 200
    assert answer.json == compile_dictionary([load_instrument(classic()).unwrap()])
    broken = with_unknown_field_in_logic()
    refused = client.post("/instruments/compile", json=broken, headers=auth(keys["analyst"]))
    assert refused.status_code == 422 and refused.json["code"] == "invalid"
    (problem,) = refused.json["errors"]["/fields/7/branching_logic"]
    assert problem["code"] == "logic-unknown-field" and problem["field"] == "lead_note"
    not_an_object = client.post("/instruments/compile", json=[1], headers=auth(keys["analyst"]))
    assert not_an_object.status_code == 422


def test_a_plan_then_apply_deploys_the_projects_instrument(
    client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    token = live.create(title="providers")
    created = register(client, keys["admin"], live.server.url, token, instrument="provider_scan")
    deploy_path = f"/projects/{created.json['id']}/deploy"
    direct = live.client(token)
    before = direct.metadata()
    planned = client.post(f"{deploy_path}/plan", headers=auth(keys["analyst"]))
    assert planned.status_code == 200
    instrument = load_shipped("provider_scan").unwrap()
    current = read_current(direct)
    expected = make_plan(desired_project([instrument]), current, usage=read_usage(direct, current))
    assert planned.json == {**expected.as_dict(), "text": render_plan(expected)}
    assert planned.json["has_changes"] and direct.metadata() == before  # planning changes nothing
    applied = client.post(f"{deploy_path}/apply", json={}, headers=auth(keys["admin"]))
    assert applied.status_code == 200, applied.json
    assert [step["content"] for step in applied.json["steps"]] == ["metadata"]
    assert any("enable form 'provider_scan' as a survey" in s for s in applied.json["manual"])
    assert direct.metadata() == compile_dictionary([instrument])
    again = client.post(f"{deploy_path}/plan", headers=auth(keys["analyst"]))
    assert again.json["has_changes"] is False
    for answer in (planned, applied, again):
        assert token not in answer.text


def test_apply_refuses_to_lose_data_and_names_the_fields_and_counts(
    client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    token = live.create(title="held data")
    direct = live.client(token)
    deploy(direct, [load_instrument(classic()).unwrap()])
    direct.import_records(
        [{"record_id": "1", "lead_note": "keep me"}, {"record_id": "2", "lead_note": "me too"}]
    )
    created = register(client, keys["admin"], live.server.url, token, instrument="provider_scan")
    apply_path = f"/projects/{created.json['id']}/deploy/apply"
    refused = client.post(apply_path, json={}, headers=auth(keys["admin"]))
    assert refused.status_code == 409 and refused.json["code"] == "data_loss"
    losses = {loss["subject"]: loss for loss in refused.json["errors"]["data_loss"]}
    assert losses["lead_note"]["kind"] == "field_removed"
    assert losses["lead_note"]["records"] == 2
    assert (
        "field 'lead_note' (form leadership) is removed: 2 records hold a value"
        in (refused.json["message"])
    )
    assert "allow_data_loss" in refused.json["message"]
    assert any(row["field_name"] == "lead_note" for row in direct.metadata())
    allowed = client.post(apply_path, json={"allow_data_loss": True}, headers=auth(keys["admin"]))
    assert allowed.status_code == 200
    direct.forget_design()
    assert direct.metadata() == compile_dictionary([load_shipped("provider_scan").unwrap()])


def test_a_production_project_is_not_changed_through_the_api(
    client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    token = live.create(title="in production")
    set_production(live.server.app.config["LOCALCAP_DB"], token)
    before = live.client(token).metadata()
    created = register(client, keys["admin"], live.server.url, token, instrument="provider_scan")
    deploy_path = f"/projects/{created.json['id']}/deploy"
    planned = client.post(f"{deploy_path}/plan", headers=auth(keys["analyst"])).json
    assert planned["in_production"] is True and planned["has_changes"] is True
    refused = client.post(
        f"{deploy_path}/apply", json={"allow_data_loss": True}, headers=auth(keys["admin"])
    )
    assert refused.status_code == 409 and refused.json["code"] == "in_production"
    assert "Draft Mode" in refused.json["message"]
    assert live.client(token).metadata() == before


def test_redcap_refusing_a_stored_token_is_a_502_that_does_not_quote_it(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    created = register(client, keys["admin"], live.server.url, live.create())
    revoked = "FEDCBA9876543210" * 2
    with app.app_context():
        db = session()
        db.execute(
            sa.update(Connection).values(token_cipher=encrypt(app.config["SECRET_KEY"], revoked))
        )
        db.commit()
    answer = client.post(f"/projects/{created.json['id']}/deploy/plan", headers=auth(keys["admin"]))
    assert answer.status_code == 502 and answer.json["code"] == "redcap_refused"
    assert "permissions" in answer.json["message"] and revoked not in answer.text


def test_a_changed_secret_key_is_named_as_the_cause(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    created = register(client, keys["admin"], live.server.url, live.create())
    app.config["SECRET_KEY"] = "another-secret-key"
    answer = client.post(f"/projects/{created.json['id']}/deploy/plan", headers=auth(keys["admin"]))
    assert answer.status_code == 500 and answer.json["code"] == "secret_key_changed"
    assert "QISCAN_SECRET_KEY" in answer.json["message"]


def test_deploying_an_unknown_project_is_a_404(client: FlaskClient, keys: dict[str, str]) -> None:
    answer = client.post("/projects/41/deploy/apply", json={}, headers=auth(keys["admin"]))
    assert answer.status_code == 404 and "GET /projects" in answer.json["message"]
