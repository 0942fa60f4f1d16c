"""The role matrix: every endpoint in the app's URL map, called by every role.

``MINIMUM`` is the policy, written out: the least role each endpoint needs. For each entry,
no key and an unknown key get 401, a role below the minimum gets 403, and the minimum role and
those above it get past the check (the answer is then whatever the endpoint says to an empty
request: 200, 404, 422, never 401 or 403). An endpoint the app has and the table lacks fails
``test_every_endpoint_has_a_minimum_role`` by name: add it here with the role it needs.
Whether a facilitator sees only its own practices (404 for another's) is tested with the
results and reports.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.service.conftest import auth

# Reachable without an API key because something else in the request is the credential.
NO_KEY = "no key"
RANKED = ("facilitator", "analyst", "admin")
OUTSIDE = {"/health", "/api/openapi.json", "/static/<path:filename>"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# The web page's endpoints: signed in with a session, not a key; tests/service/test_web.py
# walks their own matrix.
PAGES = {"web", "docs", "front"}
ABSENT_ID = 987654  # every path parameter: no such row exists, so nothing is changed

MINIMUM: dict[tuple[str, str], str] = {
    ("GET", "/version"): "facilitator",
    ("GET", "/projects"): "analyst",
    ("POST", "/projects"): "admin",
    ("GET", "/projects/<int:connection_id>"): "analyst",
    ("DELETE", "/projects/<int:connection_id>"): "admin",
    ("POST", "/projects/<int:connection_id>/deploy/plan"): "analyst",
    ("POST", "/projects/<int:connection_id>/deploy/apply"): "admin",
    ("GET", "/instruments"): "analyst",
    ("POST", "/instruments"): "analyst",
    ("GET", "/instruments/<instrument_id>"): "analyst",
    ("POST", "/instruments/validate"): "analyst",
    ("POST", "/instruments/compile"): "analyst",
    ("GET", "/keys"): "admin",
    ("POST", "/keys"): "admin",
    ("DELETE", "/keys/<int:key_id>"): "admin",
    ("POST", "/projects/<int:connection_id>/pulls"): "analyst",
    ("GET", "/projects/<int:connection_id>/snapshots"): "analyst",
    ("GET", "/jobs"): "facilitator",  # a facilitator sees only its own practices' report jobs
    ("GET", "/jobs/<int:job_id>"): "facilitator",
    ("POST", "/jobs/<int:job_id>/retry"): "analyst",
    ("POST", "/jobs/<int:job_id>/cancel"): "facilitator",  # its own practices' reports only
    ("GET", "/snapshots/<int:snapshot_id>/statistics"): "analyst",
    ("GET", "/snapshots/<int:snapshot_id>/progress"): "analyst",
    ("GET", "/snapshots/<int:snapshot_id>/scores"): "facilitator",
    ("GET", "/snapshots/<int:snapshot_id>/benchmarks"): "facilitator",
    ("POST", "/snapshots/<int:snapshot_id>/reports"): "facilitator",
    ("GET", "/reports"): "facilitator",
    ("GET", "/reports/<int:report_id>/download"): "facilitator",
    # REDCap calls the trigger with no API key: the secret in its URL is the credential.
    ("POST", "/trigger/<int:connection_id>/<secret>"): NO_KEY,
}


def endpoints(app: Flask) -> dict[tuple[str, str], Rule]:
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in OUTSIDE or rule.endpoint.split(".")[0] in PAGES:
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found[(method, rule.rule)] = rule
    return found


def call(client: FlaskClient, app: Flask, method: str, rule: Rule, key: str | None) -> int:
    adapter = app.url_map.bind("localhost")
    url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, ABSENT_ID), method)
    headers = auth(key) if key is not None else {}
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.open(url, method=method, headers=headers, **body).status_code


def test_every_endpoint_has_a_minimum_role(app: Flask) -> None:
    missing = sorted(set(endpoints(app)) - set(MINIMUM))
    assert not missing, "endpoints without a minimum role in tests/service/test_roles.py: " + (
        ", ".join(f"{method} {path}" for method, path in missing)
    )


@pytest.mark.parametrize(
    ("method", "path"), sorted(MINIMUM), ids=[f"{m} {p}" for m, p in sorted(MINIMUM)]
)
def test_each_role_below_the_minimum_is_refused(
    app: Flask, client: FlaskClient, keys: dict[str, str], method: str, path: str
) -> None:
    rule = endpoints(app).get((method, path))
    assert rule is not None, f"MINIMUM names {method} {path}, which the app does not have"
    minimum = MINIMUM[(method, path)]
    if minimum == NO_KEY:
        assert call(client, app, method, rule, None) != 401
        return
    assert call(client, app, method, rule, None) == 401
    assert call(client, app, method, rule, "qk_not-a-key-of-this-service") == 401
    needed = RANKED.index(minimum)
    answers = {role: call(client, app, method, rule, keys[role]) for role in RANKED}
    not_refused = [role for role in RANKED[:needed] if answers[role] != 403]
    refused = [role for role in RANKED[needed:] if answers[role] in (401, 403)]
    assert not not_refused and not refused, (
        f"{method} {path} needs {minimum}; the answers by role were {answers}"
    )
