"""Property-based requests against the service's own OpenAPI document (schemathesis).

Every operation in ``/api/openapi.json`` (but ``/health``, which needs no key) gets generated
requests, each with a fresh admin key (a generated ``DELETE /keys/{id}`` may remove an earlier
one). No answer may be a 500, and every error answer is the JSON envelope. No REDCap runs here:
calls that reach REDCap fail with 502 or 422, which is fine.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case

from instruments import shipped_names
from plugin.redcap.transport import RetryPolicy
from plugin.service import connections
from plugin.service.api import projects
from plugin.service.auth import create_key
from plugin.service.crypto import encrypt, hash_key
from plugin.service.db import session
from plugin.service.models import Connection, Job
from tests.service.conftest import auth

ENVELOPE = {"code", "status", "message", "errors"}
SKIPPED = {"/health"}  # no key needed, nothing to generate
MAX_EXAMPLES = 15  # per operation
SEEDED_ID = 1
UNREACHABLE = "http://127.0.0.1:9/api/"  # the discard port: nothing listens


def admin_key(app: Flask) -> str:
    with app.app_context():
        key = create_key("admin", "fuzz admin")[1]
        session().commit()
    return key


def not_a_500(ctx: Any, response: Any, case: Case) -> None:
    """Only 500 is a failure: 502 and 422 are how unreachable REDCap answers."""
    assert response.status_code != 500, f"500 from {case.method} {case.formatted_path}"


def error_envelope(ctx: Any, response: Any, case: Case) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == ENVELOPE, body
    assert body["status"] == response.status_code, body
    assert isinstance(body["code"], str) and isinstance(body["message"], str), body
    assert isinstance(body["errors"], dict | list), body


MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def fuzz(app: Flask, operation: schemathesis.APIOperation) -> None:
    # schemathesis.pytest.from_fixture (the lazy loader) fails on pytest 9.2 ('Function' object
    # has no attribute '_nodeid'), so each operation runs as a plain Hypothesis test here.
    generated = [operation.as_strategy(mode) for mode in MODES]
    # Generated ids rarely hit a stored row: some cases ask for the seeded project and job.
    cases = st.one_of(*generated, generated[0].map(seeded_ids))

    @given(case=cases)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        # The same examples on every run, so CI is reproducible; a wider search is a local
        # run with derandomize off.
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def run(case: Case) -> None:
        seed(app)
        case.call_and_validate(headers=auth(admin_key(app)), checks=[not_a_500, error_envelope])

    run()


def seeded_ids(case: Case) -> Case:
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int):
            case.path_parameters[name] = SEEDED_ID
    return case


def seed(app: Flask) -> None:
    """A project whose REDCap does not answer (connection refused), and a failed pull of it;
    again before every case, as a generated DELETE or retry may have changed them."""
    with app.app_context():
        db = session()
        db.merge(
            Connection(
                id=SEEDED_ID,
                name="unreachable",
                url=UNREACHABLE,
                token_cipher=encrypt(app.config["SECRET_KEY"], "A" * 32),
                instrument=shipped_names()[0],
                trigger_secret_hash=hash_key("fuzz-trigger-secret"),
            )
        )
        db.merge(Job(id=SEEDED_ID, kind="pull", state="failed", connection_id=SEEDED_ID, params={}))
        if db.get_bind().dialect.name == "postgresql":
            # Rows given explicit ids leave PostgreSQL's sequences behind: move them past.
            for table in ("connection", "job"):
                db.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
        db.commit()


def test_no_operation_answers_500(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # The seeded project's REDCap refuses connections: fail at once instead of backing off.
    def client_for(*args: Any, **kwargs: Any) -> Any:
        return connections.client_for(*args, **kwargs, retry=RetryPolicy(attempts=1))

    monkeypatch.setattr(projects, "client_for", client_for)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failed: dict[str, BaseException] = {}
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid operation fails here
        if operation.path in SKIPPED:
            continue
        try:
            fuzz(app, operation)
        # every operation runs, and the failures are reported together (schemathesis raises a
        # BaseExceptionGroup of its check failures)
        except (Exception, BaseExceptionGroup) as exc:
            failed[operation.label] = exc
    assert not failed, "\n\n".join(f"{label}:\n{exc}" for label, exc in failed.items())


# Found by the run above: an id past 64 bits reached SQLite (OverflowError: 500). Ids in routes
# are bounded now (plugin.service.IdConverter); a larger one is no id at all.
@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/projects/{}"),
        ("DELETE", "/projects/{}"),
        ("POST", "/projects/{}/pulls"),
        ("DELETE", "/keys/{}"),
        ("GET", "/jobs/{}"),
        ("GET", "/snapshots/{}/statistics"),
        ("GET", "/snapshots/{}/scores"),
        ("GET", "/reports/{}/download"),
    ],
)
@pytest.mark.parametrize("number", [2**31, 2**64, 30942104572775607828480])
def test_an_id_too_large_answers_404(
    client: FlaskClient, keys: dict[str, str], method: str, path: str, number: int
) -> None:
    answer = client.open(path.format(number), method=method, headers=auth(keys["admin"]), json={})
    assert answer.status_code == 404
    assert set(answer.get_json()) == ENVELOPE


# Found next: the same overflow from integer query and body fields that name a snapshot.
@pytest.mark.parametrize("number", [0, 2**31, -(2**120)])
def test_a_snapshot_id_out_of_range_is_an_invalid_field(
    client: FlaskClient, keys: dict[str, str], number: int
) -> None:
    listed = client.get(f"/reports?kind=practice&snapshot_id={number}", headers=auth(keys["admin"]))
    body = {"kind": "committee", "format": "html", "supporters_snapshot": number}
    made = client.post("/snapshots/1/reports", json=body, headers=auth(keys["admin"]))
    for answer, field in ((listed, "snapshot_id"), (made, "supporters_snapshot")):
        assert answer.status_code == 422
        assert set(answer.get_json()) == ENVELOPE
        assert field in answer.get_json()["errors"]


def test_the_openapi_document_bounds_ids(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    (param,) = document["paths"]["/projects/{connection_id}"]["parameters"]
    assert param["schema"]["maximum"] == 2**31 - 1
