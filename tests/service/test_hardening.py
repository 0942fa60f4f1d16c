"""Hostile requests to the service: a body over the size limit (declared or chunked) is refused
with the envelope before it is read, JSON nested past the depth limit and text holding a lone
surrogate are refused with where they were found, never a 500."""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from plugin.localcap import RunningServer, serve_in_thread
from plugin.service import create_app
from plugin.service.config import reports_dir
from plugin.service.inputs import MAX_DEPTH, too_deep
from reports.files import write_atomically
from tests.service.conftest import auth
from tests.service.test_instruments import classic


@pytest.fixture
def served(app: Flask) -> Iterator[RunningServer]:
    """The service app over HTTP (no worker): what a real client's socket reaches."""
    running = serve_in_thread(app)
    yield running
    running.shutdown()


def raw_answer(
    server: RunningServer, head: bytes, chunks: Iterable[bytes] = ()
) -> tuple[int, dict[str, object]]:
    """Send ``head`` and then ``chunks`` over a socket; the status and JSON body answered."""
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        connection.sendall(head)
        try:
            for chunk in chunks:
                connection.sendall(chunk)
        except OSError:
            pass  # the server refused and stopped reading: its answer is what matters
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        assert answer.getheader("Content-Type") == "application/json"
        return answer.status, json.loads(answer.read())


# --- the body's size -----------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_the_envelope(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    answer = client.post(
        "/keys",
        data=b"x" * (limit + 1),
        headers={**auth(keys["admin"]), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json["code"] == "too_large"
    assert f"at most {limit:,} bytes" in answer.json["message"]
    page = client.post("/web/sign-in", data={"key": "k" * (limit + 1)})
    assert page.status_code == 413 and page.content_type.startswith("text/html")


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    app: Flask, served: RunningServer, keys: dict[str, str]
) -> None:
    # Nothing of the body is sent: were the server to wait for it, this would time out.
    head = (
        f"POST /keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {keys['admin']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n"
    ).encode()
    status, body = raw_answer(served, head)
    assert status == 413 and body["code"] == "too_large"


def test_a_chunked_body_over_the_limit_is_refused_once_it_passes_it(
    app: Flask, served: RunningServer, keys: dict[str, str]
) -> None:
    head = (
        f"POST /keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {keys['admin']}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b"x" * 65536

    def chunks() -> Iterator[bytes]:
        for _ in range(app.config["MAX_CONTENT_LENGTH"] // len(piece) + 8):
            yield b"%x\r\n%s\r\n" % (len(piece), piece)
        yield b"0\r\n\r\n"

    status, body = raw_answer(served, head, chunks())
    assert status == 413 and body["code"] == "too_large"


# --- JSON nesting --------------------------------------------------------------------------


def test_json_nested_past_the_limit_is_refused_with_where(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    # It was a 500: the JSON parser and the NUL check both ran out of recursion.
    deep = "[" * 5000 + "]" * 5000
    for path in ("/instruments", "/instruments/validate", "/keys"):
        answer = client.post(
            path,
            data=deep,
            headers={**auth(keys["admin"]), "Content-Type": "application/json"},
        )
        assert answer.status_code == 422 and answer.json["code"] == "invalid", path
        assert answer.json["errors"] == {
            "json:" + "/0" * MAX_DEPTH: [f"nest the body at most {MAX_DEPTH} levels deep"]
        }
    nested = {"label": "x", "role": "admin", "extra": {"a": [{"b": 1}]}}
    for _ in range(MAX_DEPTH):
        nested = {"deeper": nested}
    answer = client.post("/keys", json=nested, headers=auth(keys["admin"]))
    assert answer.status_code == 422
    [where] = answer.json["errors"]
    assert where == "json:" + "/deeper" * MAX_DEPTH


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[]", None),
        ('{"a": "[[[[", "b": [1, 2]}', None),
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, None),
        ("[" * (MAX_DEPTH + 1), "/0" * MAX_DEPTH),
        ('[1, 2, {"k\\"ey": ' + "[" * MAX_DEPTH, '/2/k"ey' + "/0" * (MAX_DEPTH - 2)),
    ],
)
def test_the_depth_check_reads_strings_and_counts_positions(text: str, where: str | None) -> None:
    assert too_deep(text) == where


# --- lone surrogates ---------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_with_where(client: FlaskClient, keys: dict[str, str]) -> None:
    # It was a 500: neither the database nor the JSON encoder can write such a string back out.
    admin = {**auth(keys["admin"]), "Content-Type": "application/json"}
    answer = client.post("/keys", data='{"label": "a\\ud800", "role": "admin"}', headers=admin)
    assert answer.status_code == 422 and answer.json["code"] == "invalid"
    assert list(answer.json["errors"]) == ["json:/label"]
    assert "lone surrogate" in answer.json["errors"]["json:/label"][0]
    body = json.dumps({**classic(), "title": "Readiness \udc00"})
    answer = client.post("/instruments", data=body, headers=admin)
    assert answer.status_code == 422
    assert list(answer.json["errors"]) == ["json:/title"]
    pair = json.dumps({"label": "a \U0001f600 pair is fine", "role": "admin"})
    assert client.post("/keys", data=pair, headers=admin).status_code == 201


def test_a_nul_and_a_surrogate_are_both_named(client: FlaskClient, keys: dict[str, str]) -> None:
    body = '{"label": "a\\u0000", "role": "admin", "practices": ["\\udfff"]}'
    answer = client.post(
        "/keys", data=body, headers={**auth(keys["admin"]), "Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"json:/label", "json:/practices/0"}


# --- the instance's files ------------------------------------------------------------------


def test_the_instance_folder_and_its_files_are_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "instance"
    monkeypatch.setenv("QISCAN_INSTANCE", str(folder))
    monkeypatch.delenv("QISCAN_DATABASE_URL", raising=False)
    monkeypatch.delenv("QISCAN_SECRET_KEY", raising=False)
    app = create_app({"START_WORKER": False})
    try:
        assert folder.stat().st_mode & 0o777 == 0o700
        for name in ("service.sqlite", "secrets.json"):
            assert (folder / name).stat().st_mode & 0o777 == 0o600, name
        assert reports_dir(app.config).stat().st_mode & 0o777 == 0o700
    finally:
        app.extensions["qiscan.db"].kw["bind"].dispose()


def test_data_files_the_command_line_writes_are_owner_only(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        target = tmp_path / "out" / "stats.csv"
        write_atomically(target, "a,b\n")
        write_atomically(target, "a,b\n1,2\n")  # replacing keeps it private
    finally:
        os.umask(before)
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8") == "a,b\n1,2\n"
