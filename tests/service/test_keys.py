"""API keys over HTTP: a key is shown once and works at once, a listing never shows a key or
its hash, a key's practices fit its role, the last admin key cannot be deleted, and a deleted
key's web page sessions end with it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from plugin.service.crypto import hash_key
from plugin.service.db import session
from plugin.service.models import WebSession
from tests.service.conftest import auth
from tests.service.test_web import sign_in


def test_a_new_key_is_shown_once_and_works_with_its_role(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    answer = client.post(
        "/keys",
        json={"label": "north team", "role": "facilitator", "practices": ["PRA-007", "PRA-009"]},
        headers=auth(keys["admin"]),
    )
    assert answer.status_code == 201
    made = answer.json
    assert set(made) == {"id", "label", "role", "practices", "created_at", "key"}
    assert (made["label"], made["role"], made["practices"]) == (
        "north team",
        "facilitator",
        ["PRA-007", "PRA-009"],
    )
    assert client.get("/version", headers=auth(made["key"])).status_code == 200
    assert client.get("/keys", headers=auth(made["key"])).status_code == 403
    listed = client.get("/keys", headers=auth(keys["admin"]))
    assert listed.status_code == 200
    assert {k["id"]: k for k in listed.json}[made["id"]] == {
        k: v for k, v in made.items() if k != "key"
    }
    assert [k["role"] for k in listed.json] == ["admin", "analyst", "facilitator", "facilitator"]
    for key in [*keys.values(), made["key"]]:
        assert key not in listed.text and hash_key(key) not in listed.text


def test_a_keys_practices_must_fit_its_role(client: FlaskClient, keys: dict[str, str]) -> None:
    cases = [
        ({"label": "f", "role": "facilitator"}, "practices", "at least one"),
        ({"label": "a", "role": "analyst", "practices": ["PRA-001"]}, "practices", "leave"),
        ({"label": "f", "role": "facilitator", "practices": ["P", "P"]}, "practices", "once"),
        ({"label": "x", "role": "owner"}, "role", "admin, analyst, facilitator"),
        ({"label": "", "role": "admin"}, "label", "Length"),
    ]
    for body, where, says in cases:
        answer = client.post("/keys", json=body, headers=auth(keys["admin"]))
        assert answer.status_code == 422, body
        assert list(answer.json["errors"]) == [where], body
        assert says in answer.json["errors"][where][0], body
    assert len(client.get("/keys", headers=auth(keys["admin"])).json) == 3  # none was made


def test_a_deleted_key_stops_working(client: FlaskClient, keys: dict[str, str]) -> None:
    listed = client.get("/keys", headers=auth(keys["admin"])).json
    analyst_id = next(k["id"] for k in listed if k["role"] == "analyst")
    assert client.delete(f"/keys/{analyst_id}", headers=auth(keys["admin"])).status_code == 204
    assert client.get("/version", headers=auth(keys["analyst"])).status_code == 401
    again = client.delete(f"/keys/{analyst_id}", headers=auth(keys["admin"]))
    assert again.status_code == 404 and again.json["code"] == "not_found"


def test_the_last_admin_key_cannot_be_deleted(client: FlaskClient, keys: dict[str, str]) -> None:
    listed = client.get("/keys", headers=auth(keys["admin"])).json
    first_admin = next(k["id"] for k in listed if k["role"] == "admin")
    refused = client.delete(f"/keys/{first_admin}", headers=auth(keys["admin"]))
    assert refused.status_code == 409 and "last admin key" in refused.json["message"]
    assert client.get("/keys", headers=auth(keys["admin"])).status_code == 200
    second = client.post(
        "/keys", json={"label": "deputy", "role": "admin"}, headers=auth(keys["admin"])
    ).json
    assert client.delete(f"/keys/{first_admin}", headers=auth(second["key"])).status_code == 204
    assert client.get("/keys", headers=auth(keys["admin"])).status_code == 401
    own = client.delete(f"/keys/{second['id']}", headers=auth(second["key"]))
    assert own.status_code == 409


def test_deleting_a_key_ends_its_web_page_sessions(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    browser = app.test_client()
    sign_in(browser, keys["analyst"])
    sign_in(app.test_client(), keys["admin"])
    with app.app_context():
        assert session().query(WebSession).count() == 2
    listed = client.get("/keys", headers=auth(keys["admin"])).json
    analyst_id = next(k["id"] for k in listed if k["role"] == "analyst")
    assert client.delete(f"/keys/{analyst_id}", headers=auth(keys["admin"])).status_code == 204
    with app.app_context():
        assert session().query(WebSession).filter_by(key_id=analyst_id).count() == 0
        assert session().query(WebSession).count() == 1, "the admin's session goes on"
    assert browser.get("/web/").status_code == 302
