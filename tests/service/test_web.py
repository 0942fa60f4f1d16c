"""The analysts' web page through Flask's test client, on SQLite and PostgreSQL: signing in
(the cookie never holds the key), CSRF on every form, the role matrix of its pages, a pull and
a report from the pages, a facilitator's own reports only, and error pages that are pages.
The same flow in a real browser is tests/service/test_browser.py."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from plugin.service.db import session
from plugin.service.jobs import run_next
from plugin.service.models import ApiKey, Job
from plugin.service.tasks import SNAPSHOT_STEPS
from plugin.service.web.signin import safe_next
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_pulls import READINESS, WRONG_TOKEN, add_connection, live_project

RANKED = ("facilitator", "analyst", "admin")
ABSENT_ID = 987654
# The least role of each page; signed out, every one leads to the sign-in page.
WEB_MINIMUM: dict[tuple[str, str], str] = {
    ("GET", "/web/"): "facilitator",  # a facilitator is sent on to their reports
    ("POST", "/web/sign-out"): "facilitator",
    ("GET", "/web/projects/<int:connection_id>"): "analyst",
    ("POST", "/web/projects/<int:connection_id>/pull"): "analyst",
    ("POST", "/web/snapshots/<int:snapshot_id>/reports"): "facilitator",
    ("GET", "/web/jobs/<int:job_id>"): "facilitator",
    ("GET", "/web/jobs/<int:job_id>/state"): "facilitator",
    ("POST", "/web/jobs/<int:job_id>/retry"): "analyst",
    ("POST", "/web/jobs/<int:job_id>/cancel"): "facilitator",  # a report; a pull needs analyst
    ("GET", "/web/reports"): "facilitator",
    ("GET", "/web/reports/<int:report_id>/download"): "facilitator",
}
OPEN = {"/", "/web/sign-in", "/api/docs", "/web/static/<path:filename>"}


def sign_in(client: FlaskClient, key: str) -> None:
    client.get("/web/sign-in")
    answer = client.post("/web/sign-in", data={"csrf_token": csrf(client), "key": key})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as cookie:
        token: str = cookie["csrf"]
    return token


def cookie_payload(client: FlaskClient) -> str:
    """What the session cookie carries, decoded (it is signed, not encrypted)."""
    cookie = client.get_cookie("qiscan_session")
    assert cookie is not None
    compressed = cookie.value.startswith(".")  # itsdangerous marks a zlib payload so
    data = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def web_rules(app: Flask) -> dict[tuple[str, str], Rule]:
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("web", "docs", "front") or rule.rule in OPEN:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found[(method, rule.rule)] = rule
    return found


# --- signing in ----------------------------------------------------------------------------


def test_a_signed_out_page_leads_to_sign_in_and_back(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    assert client.get("/").headers["Location"] == "/web/"
    answer = client.get("/web/reports?kind=practice")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/web/sign-in?next=/web/reports?kind%3Dpractice"
    client.get(answer.headers["Location"])
    back = client.post(
        "/web/sign-in",
        data={"csrf_token": csrf(client), "key": keys["analyst"], "next": "/web/reports"},
    )
    assert back.headers["Location"] == "/web/reports"


def test_an_unknown_key_is_refused_on_the_form_and_next_never_leaves_the_site(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    client.get("/web/sign-in")
    refused = client.post("/web/sign-in", data={"csrf_token": csrf(client), "key": "x" * 43})
    assert refused.status_code == 401
    assert "not known to this service" in refused.get_data(as_text=True)
    assert client.get("/web/").status_code == 302, "still signed out"
    for target in ("//evil.example/", "https://evil.example/web/", "/api/keys"):
        answer = client.post(
            "/web/sign-in",
            data={"csrf_token": csrf(client), "key": keys["analyst"], "next": target},
        )
        assert answer.headers["Location"] == "/web/", target


def test_the_cookie_holds_no_key_and_a_deleted_key_signs_its_session_out(
    app: Flask, client: FlaskClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["analyst"])
    payload = cookie_payload(client)
    assert keys["analyst"] not in payload
    assert set(json.loads(payload)) == {"_permanent", "csrf", "sid"}
    cookie = client.get_cookie("qiscan_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert client.get("/web/").status_code == 200
    with app.app_context():
        stored = session().query(ApiKey).filter_by(role="analyst").one()
        session().delete(stored)
        session().commit()
    assert client.get("/web/").headers["Location"].startswith("/web/sign-in")


def test_signing_in_again_starts_a_new_session_and_signing_out_ends_it(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    client.get("/web/sign-in")
    before = csrf(client)
    sign_in(client, keys["analyst"])
    assert csrf(client) != before, "the signed-out session's token is not kept"
    out = client.post("/web/sign-out", data={"csrf_token": csrf(client)})
    assert out.headers["Location"] == "/web/sign-in"
    assert client.get("/web/").status_code == 302


def test_a_cookie_copied_before_signing_out_no_longer_signs_in(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    # It did: the cookie alone was the session, so signing out only forgot it in one browser.
    sign_in(client, keys["analyst"])
    copied = client.get_cookie("qiscan_session")
    assert copied is not None
    other = client.application.test_client()
    other.set_cookie("qiscan_session", copied.value)
    assert other.get("/web/").status_code == 200, "the copy works while the session lasts"
    client.post("/web/sign-out", data={"csrf_token": csrf(client)})
    replayed = client.application.test_client()
    replayed.set_cookie("qiscan_session", copied.value)
    answer = replayed.get("/web/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/web/sign-in")
    assert other.get("/web/").status_code == 302, "every copy of the session is signed out"


def test_signing_in_again_ends_the_session_it_replaces(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["analyst"])
    before = client.get_cookie("qiscan_session")
    assert before is not None
    sign_in(client, keys["admin"])
    replayed = client.application.test_client()
    replayed.set_cookie("qiscan_session", before.value)
    assert replayed.get("/web/").status_code == 302


NOT_PLAIN = [
    "/web/\r\nX: 1",
    "/web/\nSet-Cookie: a=b",
    "/web/\t",
    "/web/ x",
    "/web/\x7f",
    "/web/\u2028",
    "/web\\..\\api",
    "/web/../api/keys",
    "/web/reports/..",
    "//web/",
    "/web/reports#\r",
]


@pytest.mark.parametrize("target", NOT_PLAIN)
def test_next_is_a_plain_path_of_the_web_part_or_nothing(
    client: FlaskClient, keys: dict[str, str], target: str
) -> None:
    # "/web/\r\nX: 1" was a 500: the redirect's Location header cannot hold a line break.
    client.get("/web/sign-in")
    answer = client.post(
        "/web/sign-in", data={"csrf_token": csrf(client), "key": keys["analyst"], "next": target}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/web/", repr(target)
    assert safe_next(target) is None
    again = client.get("/web/sign-in", query_string={"next": target})
    assert again.headers["Location"] == "/web/", "signed in already: on to the projects"


def test_a_plain_next_is_kept() -> None:
    kept = ["/web/", "/web/reports?kind=practice", "/web/jobs/12", "/web/a%20b", "/web/.x"]
    assert [safe_next(target) for target in kept] == kept
    assert safe_next("/web/\x00") is None


# --- CSRF and the pages' headers -------------------------------------------------------------


def test_a_form_without_the_sessions_token_changes_nothing(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    connection_id = add_connection(app, live, live.create(title="x"), "practice_readiness")
    sign_in(client, keys["analyst"])
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post(f"/web/projects/{connection_id}/pull", data=data)
        assert answer.status_code == 400
        assert answer.content_type.startswith("text/html")
        assert "did not come from this page" in answer.get_data(as_text=True)
    with app.app_context():
        assert session().query(Job).count() == 0
    fresh = FlaskClient(app, use_cookies=True)
    assert fresh.post("/web/sign-in", data={"key": keys["analyst"]}).status_code == 400


def test_pages_forbid_framing_foreign_scripts_and_caching(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    for path in ("/web/sign-in", "/api/docs"):
        answer = client.get(path)
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" not in client.get("/health").headers


def test_errors_are_pages_on_the_web_and_envelopes_on_the_api(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["analyst"])
    page = client.get(f"/web/jobs/{ABSENT_ID}")
    assert page.status_code == 404 and page.content_type.startswith("text/html")
    assert f"there is no job {ABSENT_ID}" in page.get_data(as_text=True)
    assert client.get("/web/no-such-page").content_type.startswith("text/html")
    state = client.get(f"/web/jobs/{ABSENT_ID}/state")
    assert state.status_code == 404 and state.json["code"] == "not_found", "the poll reads JSON"
    api = client.get(f"/jobs/{ABSENT_ID}", headers=auth(keys["analyst"]))
    assert api.status_code == 404 and api.json["code"] == "not_found"


# --- who may see which page ------------------------------------------------------------------


def test_every_page_has_a_minimum_role(app: Flask) -> None:
    assert set(web_rules(app)) == set(WEB_MINIMUM)


@pytest.mark.parametrize("endpoint", sorted(WEB_MINIMUM), ids=" ".join)
def test_a_page_admits_its_role_and_those_above(
    app: Flask, keys: dict[str, str], endpoint: tuple[str, str]
) -> None:
    method, path = endpoint
    rule = web_rules(app)[endpoint]
    url = app.url_map.bind("localhost").build(
        rule.endpoint, dict.fromkeys(rule.arguments, ABSENT_ID), method
    )
    signed_out = FlaskClient(app, use_cookies=True)
    signed_out.get("/web/sign-in")
    answer = signed_out.open(url, method=method, data={"csrf_token": csrf(signed_out)})
    assert answer.status_code == 302 and "/web/sign-in" in answer.headers["Location"]
    least = RANKED.index(WEB_MINIMUM[endpoint])
    for rank, role in enumerate(RANKED):
        client = FlaskClient(app, use_cookies=True)
        sign_in(client, keys[role])
        answer = client.open(url, method=method, data={"csrf_token": csrf(client)})
        if rank < least:
            assert answer.status_code == 403, (role, answer.status_code)
        else:
            assert answer.status_code not in (400, 401, 403), (role, answer.status_code)
            location = answer.headers.get("Location", "")
            assert "/web/sign-in" not in location or path == "/web/sign-out", role


# --- a pull and a report from the pages ------------------------------------------------------


@pytest.fixture(scope="module")
def readiness_token(live: Live) -> str:
    return live_project(live, READINESS, n=6, seed=11)


def test_an_analyst_pulls_makes_a_report_and_downloads_it(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    connection_id = add_connection(app, live, readiness_token, "practice_readiness", "Cohort A")
    sign_in(client, keys["analyst"])
    listing = client.get("/web/").get_data(as_text=True)
    assert "Cohort A" in listing and "none yet" in listing

    queued = client.post(f"/web/projects/{connection_id}/pull", data={"csrf_token": csrf(client)})
    job_page = queued.headers["Location"]
    assert re.fullmatch(r"/web/jobs/\d+", job_page)
    waiting = client.get(job_page).get_data(as_text=True)
    assert "queued" in waiting and "job.js" in waiting, "an unfinished job's page polls"
    assert client.get(job_page + "/state").json["state"] == "queued"  # job 1
    assert run_next(app)
    state = client.get(job_page + "/state").json
    assert state["finished"] and state["state"] == "done"
    assert state["done"] == state["total"] == 6 + len(SNAPSHOT_STEPS) and state["percent"] == 100
    done = client.get(job_page).get_data(as_text=True)
    assert "job.js" not in done and "6 records" in done
    steps = len(SNAPSHOT_STEPS)
    assert state["progress"] == f"6 of 6 records pulled, then {steps} result tables built (100%)"

    project = client.get(f"/web/projects/{connection_id}").get_data(as_text=True)
    snapshot_id = state["result"]["snapshot_id"]
    assert f'data-snapshot="{snapshot_id}"' in project
    offered = re.findall(r'<option value="(\w+)">\1</option>', project.split("as <select")[0])
    assert offered == ["practice", "cohort", "quality"], "only what the instrument makes"

    report = client.post(
        f"/web/snapshots/{snapshot_id}/reports",
        data={"csrf_token": csrf(client), "kind": "cohort", "format": "csv", "back": "/web/"},
    )
    assert run_next(app)
    finished = client.get(report.headers["Location"] + "/state").json
    assert finished["state"] == "done", finished["error"]
    download = finished["links"]["download"]
    with client.get(download) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert f"cohort-snapshot-{snapshot_id}.csv" in answer.headers["Content-Disposition"]
        header = answer.get_data(as_text=True).splitlines()[0]
    assert header.startswith("instrument,version,field,label")
    files = client.get("/web/reports").get_data(as_text=True)
    assert f"cohort-snapshot-{snapshot_id}.csv" in files and download in files


def test_a_report_the_form_cannot_make_comes_back_as_a_message(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    sign_in(client, keys["analyst"])
    client.post(f"/web/projects/{connection_id}/pull", data={"csrf_token": csrf(client)})
    assert run_next(app)
    with app.app_context():
        snapshot_id = session().query(Job).one().result["snapshot_id"]
    back = f"/web/projects/{connection_id}"
    answer = client.post(
        f"/web/snapshots/{snapshot_id}/reports",
        data={"csrf_token": csrf(client), "kind": "coding", "format": "pdf", "back": back},
        follow_redirects=True,
    )
    text = answer.get_data(as_text=True)
    assert answer.request.path == back
    assert "kind: a snapshot of &#39;practice_readiness&#39; makes: practice, cohort" in text
    with app.app_context():
        assert session().query(Job).count() == 1, "nothing queued"


def test_a_facilitator_sees_only_their_practices_reports(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> None:
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    analyst = FlaskClient(app, use_cookies=True)
    sign_in(analyst, keys["analyst"])
    analyst.post(f"/web/projects/{connection_id}/pull", data={"csrf_token": csrf(analyst)})
    assert run_next(app)
    with app.app_context():
        snapshot_id = session().query(Job).one().result["snapshot_id"]
    made = {}
    for practice in ("PRA-001", "PRA-002"):
        analyst.post(
            f"/web/snapshots/{snapshot_id}/reports",
            data={
                "csrf_token": csrf(analyst),
                "kind": "practice",
                "format": "html",
                "practice": practice,
            },
        )
        assert run_next(app)
        with app.app_context():
            made[practice] = session().query(Job).order_by(Job.id.desc()).first().result
    sign_in(client, keys["facilitator"])  # assigned PRA-001
    assert client.get("/web/").headers["Location"] == "/web/reports"
    listing = client.get("/web/reports").get_data(as_text=True)
    assert made["PRA-001"]["filename"] in listing
    assert made["PRA-002"]["filename"] not in listing
    with client.get(f"/web/reports/{made['PRA-001']['report_id']}/download") as own:
        assert own.status_code == 200 and "PRA-001" in own.get_data(as_text=True)
    other = client.get(f"/web/reports/{made['PRA-002']['report_id']}/download")
    assert other.status_code == 404 and other.content_type.startswith("text/html")
    refused = client.post(
        f"/web/snapshots/{snapshot_id}/reports",
        data={
            "csrf_token": csrf(client),
            "kind": "practice",
            "format": "html",
            "practice": "PRA-002",
            "back": "/web/reports",
        },
        follow_redirects=True,
    )
    assert "there is no practice &#39;PRA-002&#39;" in refused.get_data(as_text=True)


# --- the API's documentation -----------------------------------------------------------------


def test_the_api_docs_page_lists_every_operation_with_its_least_role(
    client: FlaskClient,
) -> None:
    spec = client.get("/api/openapi.json").json
    page = client.get("/api/docs").get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "delete", "put", "patch"):
                assert f"{method.upper()}</span> <code>{path}</code>" in page, (method, path)
    assert re.search(r"<code>/keys</code></h3>.*?Least role: <strong>admin</strong>", page, re.S)
    assert "Least role: <strong>none: open</strong>" in page, "/health"
    assert "none: the secret in the URL" in page


def test_a_failed_pull_shows_why_and_try_again_queues_it(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    connection_id = add_connection(app, live, WRONG_TOKEN, "practice_readiness")
    sign_in(client, keys["analyst"])
    job_page = client.post(
        f"/web/projects/{connection_id}/pull", data={"csrf_token": csrf(client)}
    ).headers["Location"]
    assert run_next(app)
    failed = client.get(job_page).get_data(as_text=True)
    assert 'id="job-error"' in failed and "REDCap refused" in failed
    assert WRONG_TOKEN not in failed, "the token is a password"
    assert "Try again" in failed
    again = client.post(job_page + "/retry", data={"csrf_token": csrf(client)})
    assert again.headers["Location"] == job_page
    assert client.get(job_page + "/state").json["state"] == "queued"  # job 1
    refused = client.post(job_page + "/retry", data={"csrf_token": csrf(client)})
    message = "job 1 is queued; only a failed job can be retried"
    assert message in client.get(refused.headers["Location"]).get_data(as_text=True)
