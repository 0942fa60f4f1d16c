"""The API's envelope: tokens, content and action checks, formats of errors, status codes.

REDCap answers a bad token with 403 (not the documented 401) and formats every error in the
request's returnFormat, falling back to format and then xml (redcap-api.md §1.2-1.3).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
import requests
import semantic_version
from redcap import Project

import plugin.localcap.app as app_module
from plugin.localcap import VERSION, RunningServer, create_app
from plugin.localcap.server import LocalcapServer
from tests.localcap.conftest import SUPER_TOKEN, post

NO_PERMISSION = "You do not have permissions to use the API"


def test_version_is_the_emulated_redcap_release(simple: Project) -> None:
    # PyCap's integration test requires at least 12.0.1.
    assert simple.export_version() == semantic_version.Version(VERSION)
    assert simple.export_version() >= semantic_version.Version("12.0.1")


def test_version_accepts_the_super_token(server: RunningServer) -> None:
    response = post(server, token=SUPER_TOKEN, content="version")
    assert (response.status_code, response.text) == (200, "15.7.6")


def test_unknown_token_is_refused_with_403_in_each_format(server: RunningServer) -> None:
    token = "0123456789ABCDEF0123456789ABCDEF"
    json_answer = post(server, token=token, content="record", format="json")
    csv_answer = post(server, token=token, content="record", format="csv")
    xml_answer = post(server, token=token, content="record")
    assert json_answer.status_code == csv_answer.status_code == xml_answer.status_code == 403
    assert json_answer.json() == {"error": NO_PERMISSION}
    assert json_answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert csv_answer.text == f"ERROR: {NO_PERMISSION}"
    assert xml_answer.text == (
        f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{NO_PERMISSION}</error></hash>'
    )
    for answer in (json_answer, csv_answer, xml_answer):
        assert token not in answer.text


def test_malformed_and_missing_tokens_are_refused(server: RunningServer) -> None:
    for token in ("", "not a token!", "'; DROP TABLE tokens; --"):
        answer = post(server, token=token, content="version", returnFormat="json")
        assert (answer.status_code, answer.json()) == (403, {"error": NO_PERMISSION})
    answer = post(server, content="version", returnFormat="json")
    assert answer.status_code == 403


def test_return_format_wins_over_format(server: RunningServer, simple: Project) -> None:
    answer = post(server, token=simple.token, content="nonsense", format="json", returnFormat="csv")
    assert (answer.status_code, answer.text) == (
        400,
        'ERROR: The value of the parameter "content" is not valid',
    )


def test_unknown_content_and_action(server: RunningServer, simple: Project) -> None:
    answer = post(server, token=simple.token, content="surveyLinks", format="json")
    assert answer.status_code == 400
    assert answer.json() == {"error": 'The value of the parameter "content" is not valid'}
    answer = post(server, token=simple.token, content="record", action="rename", format="json")
    assert answer.status_code == 400
    assert answer.json() == {"error": 'The value of the parameter "action" is not valid'}


def test_other_http_methods_are_not_implemented(server: RunningServer) -> None:
    answer = requests.get(server.url, params={"returnFormat": "json"}, timeout=10)
    assert answer.status_code == 501
    assert answer.json() == {"error": "The requested method is not implemented."}


def test_a_project_token_cannot_create_projects(server: RunningServer, simple: Project) -> None:
    answer = post(
        server,
        token=simple.token,
        content="project",
        format="json",
        data='[{"project_title": "x", "purpose": "0"}]',
    )
    assert (answer.status_code, answer.json()) == (403, {"error": NO_PERMISSION})


def test_the_super_token_cannot_read_project_data(server: RunningServer) -> None:
    answer = post(server, token=SUPER_TOKEN, content="record", format="json")
    assert (answer.status_code, answer.json()) == (403, {"error": NO_PERMISSION})


def test_tokens_never_appear_in_answers_or_the_log(server: RunningServer, simple: Project) -> None:
    simple.export_records()
    simple.import_records([{"record_id": "9", "first_name": "Token"}])
    answers = [
        post(server, token=simple.token, content=content, format=fmt).text
        for content in ("record", "log", "project", "metadata")
        for fmt in ("json", "csv", "xml")
    ]
    assert not any(simple.token in text or SUPER_TOKEN in text for text in answers)
    database = Path(server.app.config["LOCALCAP_DB"])
    files = list(database.parent.glob(database.name + "*"))  # the database, its WAL and index
    assert database in files
    for path in files:
        stored = path.read_bytes()
        assert simple.token.encode() not in stored
        assert SUPER_TOKEN.encode() not in stored


def test_an_internal_failure_answers_in_redcap_form(
    server: RunningServer, simple: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(project: object, params: object) -> object:
        raise RuntimeError(f"boom with {simple.token}")

    monkeypatch.setitem(app_module.READS, ("instrument", "export"), broken)
    answer = post(server, token=simple.token, content="instrument", format="json")
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "localcap could not complete this request because of an internal error; "
        "see its log."
    }
    assert simple.token not in answer.text


def test_the_access_log_leaves_query_strings_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(tmp_path / "logged.db")
    server = LocalcapServer("127.0.0.1", 0, app, quiet=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    secret = "FEED" * 8
    with RunningServer(server, thread, app) as running, caplog.at_level(logging.INFO, "werkzeug"):
        requests.get(running.url, params={"token": secret}, timeout=10)
    assert '"GET /api/" 501' in caplog.text
    assert secret not in caplog.text
