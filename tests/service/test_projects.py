"""Registering REDCap projects: REDCap is asked before anything is saved, the token is stored
encrypted and never shown again, and no answer or log line ever holds it, even when REDCap
refuses it. REDCap is a live localcap over HTTP."""

from __future__ import annotations

import logging
import re
import socket
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from plugin.service.crypto import decrypt, hash_key
from plugin.service.db import session
from plugin.service.models import Connection
from tests.live import Live
from tests.service.conftest import auth

UNKNOWN_TOKEN = "0123456789ABCDEF" * 2  # the right shape; no project has it


def register(client: FlaskClient, admin_key: str, url: str, token: str, **overrides: Any) -> Any:
    body = {"name": "readiness", "url": url, "token": token, "instrument": "practice_readiness"}
    return client.post("/projects", json={**body, **overrides}, headers=auth(admin_key))


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


def stored(app: Flask) -> list[Connection]:
    with app.app_context():
        return list(session().scalars(sa.select(Connection)))


@pytest.fixture
def quiet_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_project_is_registered_with_its_token_encrypted_and_a_trigger_url(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    quiet_logs: pytest.LogCaptureFixture,
) -> None:
    token = live.create(title="readiness")
    answer = register(client, keys["admin"], live.server.url, token)
    assert answer.status_code == 201, answer.json
    created = answer.json
    assert set(created) == {"id", "name", "url", "instrument", "created_at", "trigger_url"}
    assert (created["name"], created["url"], created["instrument"]) == (
        "readiness",
        live.server.url,
        "practice_readiness",
    )
    found = re.fullmatch(rf"/trigger/{created['id']}/(qt_[A-Za-z0-9_-]+)", created["trigger_url"])
    assert found is not None
    (row,) = stored(app)
    assert row.trigger_secret_hash == hash_key(found.group(1))
    assert token not in row.token_cipher
    assert decrypt(app.config["SECRET_KEY"], row.token_cipher) == token
    listed = client.get("/projects", headers=auth(keys["analyst"]))
    one = client.get(f"/projects/{created['id']}", headers=auth(keys["analyst"]))
    assert listed.json == [one.json]
    assert one.json == {k: v for k, v in created.items() if k != "trigger_url"}
    for text in (answer.text, listed.text, one.text, quiet_logs.text):
        assert token not in text and row.token_cipher not in text
    for text in (listed.text, one.text):
        assert row.trigger_secret_hash not in text and found.group(1) not in text


def test_a_token_redcap_refuses_is_a_422_on_token_that_does_not_quote_it(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    quiet_logs: pytest.LogCaptureFixture,
) -> None:
    answer = register(client, keys["admin"], live.server.url, UNKNOWN_TOKEN)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"token"}
    assert "permissions" in answer.json["errors"]["token"][0]
    assert UNKNOWN_TOKEN not in answer.text and UNKNOWN_TOKEN not in quiet_logs.text
    assert stored(app) == []


def test_a_token_of_the_wrong_shape_is_refused_without_asking_redcap_or_quoting_it(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    secret = "my-secret-password-from-the-clipboard"
    # An unreachable URL: were REDCap asked, the answer would name the URL too.
    answer = register(client, keys["admin"], closed_port_url(), secret)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"token"}
    assert "32 letters or digits" in answer.json["errors"]["token"][0]
    assert secret not in answer.text


def test_an_unreachable_url_is_a_422_on_url(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    answer = register(client, keys["admin"], closed_port_url(), UNKNOWN_TOKEN)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"url"}
    assert "no REDCap API answers" in answer.json["errors"]["url"][0]
    assert UNKNOWN_TOKEN not in answer.text
    assert stored(app) == []


@pytest.mark.parametrize(
    ("fault", "status", "where"),
    [("html", 422, "url"), ("server_error", 502, None)],
)
def test_redcap_failing_on_the_check_saves_nothing(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    fault: Any,
    status: int,
    where: str | None,
) -> None:
    token = live.create()
    live.faults.add(fault, token=token, times=10)
    answer = register(client, keys["admin"], live.server.url, token)
    assert answer.status_code == status
    assert list(answer.json["errors"]) == ([where] if where else [])
    assert token not in answer.text
    assert stored(app) == []


def test_the_body_is_checked_as_a_whole_before_redcap_is_asked(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    answer = register(
        client, keys["admin"], "http://127.0.0.1:1/redcap/", UNKNOWN_TOKEN, instrument="nope"
    )
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert set(errors) == {"url", "instrument"}
    assert "ends in /api/" in errors["url"][0]
    assert "practice_readiness" in errors["instrument"][0]  # the valid choices are listed
    missing = client.post("/projects", json={}, headers=auth(keys["admin"]))
    assert set(missing.json["errors"]) == {"name", "url", "token", "instrument"}


def test_a_name_is_registered_once(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    first = register(client, keys["admin"], live.server.url, live.create())
    assert first.status_code == 201
    again = register(client, keys["admin"], live.server.url, live.create())
    assert again.status_code == 409 and set(again.json["errors"]) == {"name"}
    assert len(stored(app)) == 1


def test_a_deleted_project_is_gone(client: FlaskClient, keys: dict[str, str], live: Live) -> None:
    created = register(client, keys["admin"], live.server.url, live.create()).json
    path = f"/projects/{created['id']}"
    assert client.delete(path, headers=auth(keys["admin"])).status_code == 204
    gone = client.get(path, headers=auth(keys["analyst"]))
    assert gone.status_code == 404 and gone.json["code"] == "not_found"
    assert client.delete(path, headers=auth(keys["admin"])).status_code == 404
    assert client.get("/projects", headers=auth(keys["analyst"])).json == []
