"""The service's frame: health without a key, version with one, the error envelope, the
OpenAPI document, and migrations that bring any database to the newest schema."""

from __future__ import annotations

import subprocess
import sys

from flask import Flask
from flask.testing import FlaskClient

from plugin import migrations
from plugin.service.db import SERVICE, engine_for, migrate, schema_revision
from tests.service.conftest import auth


def test_health_needs_no_key(client: FlaskClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.json == {"status": "ok"}


def test_version_needs_a_key_and_says_so_in_the_envelope(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    missing = client.get("/version")
    assert missing.status_code == 401
    assert set(missing.json) == {"code", "status", "message", "errors"}
    assert missing.json["code"] == "unauthorized" and "API key" in missing.json["message"]
    wrong = client.get("/version", headers=auth("qk_not-a-key"))
    assert wrong.status_code == 401
    answer = client.get("/version", headers=auth(keys["facilitator"]))
    assert answer.status_code == 200
    assert answer.json["schema"] == migrations.head(SERVICE)


def test_unknown_paths_and_methods_use_the_envelope(client: FlaskClient) -> None:
    answer = client.get("/no/such/thing")
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
    answer = client.delete("/health")
    assert answer.status_code == 405 and answer.json["code"] == "method_not_allowed"


def test_openapi_document_is_served(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/health" in spec["paths"] and "/version" in spec["paths"]


def test_migrations_are_applied_once(app: Flask, database_url: str) -> None:
    engine = engine_for(database_url)
    assert schema_revision(engine) == migrations.head(SERVICE) == "service_0005"
    assert migrate(engine) == migrations.head(SERVICE)  # again: nothing to do
    engine.dispose()


def test_a_nul_character_anywhere_is_refused_with_its_place(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    # schemathesis found this: PostgreSQL cannot store NUL in text, so it became a 500.
    answer = client.post(
        "/keys", json={"label": "a\x00b", "role": "analyst"}, headers=auth(keys["admin"])
    )
    assert answer.status_code == 422 and answer.json["code"] == "invalid"
    assert list(answer.json["errors"]) == ["json:/label"]
    answer = client.get("/jobs?state=que\x00ued", headers=auth(keys["admin"]))
    assert answer.status_code == 422 and "query:state" in answer.json["errors"]


def test_the_app_alone_registers_a_handler_for_every_job_kind() -> None:
    """A fresh process (as under gunicorn): once the API stopped importing the report job's
    module, report requests failed with "no handler for jobs of kind 'report'"."""
    code = (
        "from plugin.service import create_app\n"
        "from plugin.service.jobs import HANDLERS\n"
        "print(' '.join(sorted(HANDLERS)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.split() == ["pull", "report", "rescore"]
