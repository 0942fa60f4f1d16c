"""Reports as jobs: a facilitator makes their practice's PDF feedback and downloads it with its
type and name, and nothing of another practice; an analyst makes the committee summary as XLSX
and every practice's feedback as one zip; a report kind the instrument cannot make is refused."""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from instruments import load_shipped
from plugin.service.db import session
from plugin.service.jobs import run_next
from plugin.service.models import ReportFile
from plugin.service.report_jobs import build_report
from plugin.service.tasks import decoded
from reports.catalogue import KINDS, report_formats, report_kinds
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_pulls import (
    PRACTICES,
    READINESS,
    add_connection,
    live_project,
    pulled_snapshot,
)
from tests.service.test_web import csrf, sign_in

PROVIDERS = load_shipped("provider_scan").unwrap()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def tokens(live: Live) -> dict[str, str]:
    return {
        "practice_readiness": live_project(live, READINESS, n=PRACTICES, seed=3),
        "provider_scan": live_project(live, PROVIDERS, n=40, seed=5),
    }


def snapshot_of(
    instrument: str, app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, token: str
) -> int:
    connection_id = add_connection(app, live, token, instrument)
    return pulled_snapshot(client, app, keys["analyst"], connection_id)


@pytest.fixture
def readiness(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, tokens: dict[str, str]
) -> int:
    return snapshot_of("practice_readiness", app, client, keys, live, tokens["practice_readiness"])


def make(client: FlaskClient, app: Flask, key: str, snapshot: int, **body: Any) -> Any:
    """Ask for a report, run its job, and answer the finished job."""
    queued = client.post(f"/snapshots/{snapshot}/reports", json=body, headers=auth(key))
    assert queued.status_code == 202, queued.json
    assert queued.json["kind"] == "report"
    assert run_next(app)
    return client.get(f"/jobs/{queued.json['id']}", headers=auth(key)).json


def download(client: FlaskClient, key: str, report_id: int) -> tuple[int, str, str, bytes]:
    with client.get(f"/reports/{report_id}/download", headers=auth(key)) as answer:
        return (
            answer.status_code,
            answer.headers.get("Content-Type", ""),
            answer.headers.get("Content-Disposition", ""),
            answer.get_data(),
        )


def test_a_facilitators_practice_pdf_downloads_with_its_type_and_file_name(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    facilitator = keys["facilitator"]
    job = make(client, app, facilitator, readiness, kind="practice", format="pdf", practice="1")
    assert job["state"] == "done", job["error"]
    assert job["done"] == job["total"] == 2
    assert job["result"]["practice"] == "PRA-001", "record 1 is practice PRA-001"
    listed = client.get("/reports", headers=auth(facilitator)).json
    assert [(r["filename"], r["practice"], r["format"]) for r in listed] == [
        ("practice-PRA-001.pdf", "PRA-001", "pdf")
    ]
    status, kind, disposition, data = download(client, facilitator, listed[0]["id"])
    assert (status, kind) == (200, "application/pdf")
    assert disposition == "attachment; filename=practice-PRA-001.pdf"
    assert data.startswith(b"%PDF-") and len(data) == job["result"]["bytes"]


def test_a_facilitator_gets_nothing_of_another_practice(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    facilitator = auth(keys["facilitator"])
    path = f"/snapshots/{readiness}/reports"
    other = client.post(
        path,
        json={"kind": "practice", "format": "html", "practice": "PRA-002"},
        headers=facilitator,
    )
    assert other.status_code == 404 and "PRA-002" in other.json["message"]
    cohort = client.post(path, json={"kind": "cohort", "format": "html"}, headers=facilitator)
    assert cohort.status_code == 403
    unnamed = client.post(path, json={"kind": "practice", "format": "html"}, headers=facilitator)
    assert unnamed.status_code == 422 and "practice" in unnamed.json["errors"]

    made = make(
        client, app, keys["analyst"], readiness, kind="practice", format="html", practice="PRA-002"
    )
    assert made["state"] == "done", made["error"]
    assert client.get("/reports", headers=facilitator).json == []
    assert client.get(f"/jobs/{made['id']}", headers=facilitator).status_code == 404
    status, *_ = download(client, keys["facilitator"], made["result"]["report_id"])
    assert status == 404
    status, kind, disposition, data = download(client, keys["analyst"], made["result"]["report_id"])
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert disposition == "attachment; filename=practice-PRA-002.html"
    assert b"PRA-002" in data


def test_a_committee_report_in_xlsx_downloads_with_the_xlsx_type(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, tokens: dict[str, str]
) -> None:
    providers = snapshot_of("provider_scan", app, client, keys, live, tokens["provider_scan"])
    job = make(client, app, keys["analyst"], providers, kind="committee", format="xlsx")
    assert job["state"] == "done", job["error"]
    status, kind, disposition, data = download(client, keys["analyst"], job["result"]["report_id"])
    assert (status, kind) == (200, XLSX)
    assert disposition == f"attachment; filename=committee-snapshot-{providers}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        assert len(book.sheetnames) > 1
    finally:
        book.close()


def test_every_practices_feedback_comes_as_one_zip(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    job = make(client, app, keys["analyst"], readiness, kind="practice", format="html")
    assert job["state"] == "done", job["error"]
    assert (job["done"], job["total"]) == (1 + PRACTICES, 1 + PRACTICES), "the build, each file"
    status, kind, disposition, data = download(client, keys["analyst"], job["result"]["report_id"])
    assert (status, kind) == (200, "application/zip")
    assert disposition == f"attachment; filename=practices-snapshot-{readiness}.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert sum(name.endswith(".html") for name in bundle.namelist()) == PRACTICES
    # respondent data: owner-only, in owner-only folders (issue 12: 0644 in a 0755 folder)
    with app.app_context():
        stored = Path(session().get(ReportFile, job["result"]["report_id"]).path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700


def test_a_report_the_instrument_cannot_make_and_bad_bodies_are_refused(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    analyst = auth(keys["analyst"])
    path = f"/snapshots/{readiness}/reports"
    for kind in ("coding", "committee"):
        misfit = client.post(path, json={"kind": kind, "format": "html"}, headers=analyst)
        assert misfit.status_code == 422, misfit.json
        assert misfit.json["errors"]["kind"] == [
            "a snapshot of 'practice_readiness' makes: practice, cohort, quality"
        ]
    assert client.get("/jobs", headers=analyst).json[0]["kind"] == "pull", "nothing queued"
    docx = client.post(path, json={"kind": "cohort", "format": "docx"}, headers=analyst)
    assert docx.status_code == 422 and "format" in docx.json["errors"]
    misplaced = client.post(
        path, json={"kind": "cohort", "format": "html", "practice": "PRA-001"}, headers=analyst
    )
    assert misplaced.status_code == 422 and "practice" in misplaced.json["errors"]
    nowhere = client.post(
        "/snapshots/999/reports", json={"kind": "cohort", "format": "html"}, headers=analyst
    )
    assert nowhere.status_code == 404


def test_practice_feedback_in_csv_or_json_is_refused_at_the_request(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    path = f"/snapshots/{readiness}/reports"
    for key in ("analyst", "facilitator"):
        for fmt in ("csv", "json"):
            body = {"kind": "practice", "format": fmt, "practice": "PRA-001"}
            refused = client.post(path, json=body, headers=auth(keys[key]))
            assert refused.status_code == 422, refused.json
            assert refused.json["errors"] == {
                "format": [
                    f"a practice report is made as html, pdf or xlsx, not {fmt}: it has no "
                    "result table to write as CSV or JSON"
                ]
            }
    assert [job["kind"] for job in client.get("/jobs", headers=auth(keys["analyst"])).json] == [
        "pull"
    ], "nothing queued"
    made = make(client, app, keys["analyst"], readiness, kind="cohort", format="json")
    assert made["state"] == "done", made["error"]


def test_the_formats_a_kind_is_offered_in_are_the_ones_its_report_can_be_written_in(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, tokens: dict[str, str]
) -> None:
    coding = load_shipped("qualitative_coding").unwrap()
    snapshots = {
        "practice_readiness": snapshot_of(
            "practice_readiness", app, client, keys, live, tokens["practice_readiness"]
        ),
        "provider_scan": snapshot_of(
            "provider_scan", app, client, keys, live, tokens["provider_scan"]
        ),
        "qualitative_coding": snapshot_of(
            "qualitative_coding", app, client, keys, live, live_project(live, coding, n=6)
        ),
    }
    checked = set()
    for snapshot_id in snapshots.values():
        main = decoded(app, snapshot_id)
        for kind in report_kinds(main.instrument):
            made = build_report(kind, main, None, practice=None, suppress_below=None)
            for report in made if isinstance(made, list) else [made]:
                has_table = report.tidy is not None
                assert has_table == ("csv" in report_formats(kind)), kind
                assert has_table == ("json" in report_formats(kind)), kind
            checked.add(kind)
    assert checked == set(KINDS)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "committee", "format": "html", "supporters_snapshot": 1.5},
        {"kind": "committee", "format": "html", "suppress_below": 2.5},
        {"kind": "committee", "format": "html", "suppress_below": "5"},
    ],
)
def test_a_report_bodys_numbers_are_whole_json_numbers(
    client: FlaskClient, keys: dict[str, str], body: dict[str, Any]
) -> None:
    answer = client.post("/snapshots/1/reports", json=body, headers=auth(keys["analyst"]))
    assert answer.status_code == 422, answer.json
    (name,) = set(body) - {"kind", "format"}
    assert list(answer.json["errors"]) == [name]


def test_the_web_forms_numbers_reach_the_report_as_numbers(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, tokens: dict[str, str]
) -> None:
    providers = snapshot_of("provider_scan", app, client, keys, live, tokens["provider_scan"])
    sign_in(client, keys["analyst"])
    form = {"csrf_token": csrf(client), "kind": "committee", "format": "html", "back": "/web/"}
    made = client.post(
        f"/web/snapshots/{providers}/reports", data={**form, "supporters_snapshot": f"{providers}"}
    )
    assert made.status_code == 302 and made.headers["Location"].startswith("/web/jobs/")
    job_id = int(made.headers["Location"].rsplit("/", 1)[1])
    job = client.get(f"/jobs/{job_id}", headers=auth(keys["analyst"])).json
    assert job["params"]["supporters_snapshot"] == providers

    refused = client.post(
        f"/web/snapshots/{providers}/reports",
        data={**form, "supporters_snapshot": "1.5"},
        follow_redirects=True,
    )
    assert "supporters_snapshot: Not a valid integer." in refused.get_data(as_text=True)


def test_practice_feedback_can_be_compared_with_the_practices_of_its_region(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    made = make(
        client,
        app,
        keys["analyst"],
        readiness,
        kind="practice",
        format="html",
        practice="PRA-001",
        compare_by="region",
    )
    assert made["state"] == "done", made["error"]
    *_, data = download(client, keys["analyst"], made["result"]["report_id"])
    page = data.decode()
    assert "Your practice at a glance" in page
    # the region's practices, or the cohort with the reason when the region is too small
    assert re.search(
        r"compared with practices in the \w+ region|There were only \d+ practices", page
    )


def test_an_unknown_comparison_field_is_refused_with_the_ones_that_work(
    app: Flask, client: FlaskClient, keys: dict[str, str], readiness: int
) -> None:
    analyst = auth(keys["analyst"])
    path = f"/snapshots/{readiness}/reports"
    body = {"kind": "practice", "format": "html", "compare_by": "county"}
    refused = client.post(path, json=body, headers=analyst)
    assert refused.status_code == 422, refused.json
    (message,) = refused.json["errors"]["compare_by"]
    assert "the fields that work are: region, practice_size, system_affiliation" in message
    misplaced = client.post(
        path, json={"kind": "cohort", "format": "html", "compare_by": "region"}, headers=analyst
    )
    assert misplaced.status_code == 422 and "compare_by" in misplaced.json["errors"]
    assert client.get("/jobs", headers=analyst).json[0]["kind"] == "pull", "nothing queued"


def test_the_committee_report_can_set_the_earlier_scan_beside_this_one(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, tokens: dict[str, str]
) -> None:
    providers = snapshot_of("provider_scan", app, client, keys, live, tokens["provider_scan"])
    job = make(
        client, app, keys["analyst"], providers, kind="committee", format="html",
        reference="alliance_2017",
    )  # fmt: skip
    assert job["state"] == "done", job["error"]
    *_, data = download(client, keys["analyst"], job["result"]["report_id"])
    assert "Providers: now and in the 2017 environmental scan" in data.decode()
    analyst = auth(keys["analyst"])
    path = f"/snapshots/{providers}/reports"
    unknown = client.post(
        path, json={"kind": "committee", "format": "html", "reference": "x"}, headers=analyst
    )
    assert unknown.status_code == 422 and "reference" in unknown.json["errors"]
    misplaced = client.post(
        path, json={"kind": "quality", "format": "html", "reference": "alliance_2017"},
        headers=analyst,
    )  # fmt: skip
    assert misplaced.status_code == 422 and "reference" in misplaced.json["errors"]
