"""The Data Entry Trigger: the URL's secret is the credential, one rescore waits per record,
and end to end a survey page saved in localcap comes back scored into its score fields."""

from __future__ import annotations

import time
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from instruments import load_instrument, load_shipped
from instruments.model import Instrument
from plugin.deploy.apply import deploy
from plugin.localcap.storage import enable_surveys, set_data_entry_trigger
from plugin.redcap import RedcapClient
from plugin.service import jobs
from plugin.service.auth import create_key
from plugin.service.crypto import encrypt, hash_key
from plugin.service.db import session, worker_session
from plugin.service.models import Connection, Job
from plugin.service.rescore import rescore_records
from plugin.writeback import format_score
from scoring.decode import decode
from scoring.scale_stats import scale_scores
from tests.instruments.helpers import base, field
from tests.live import Live
from tests.service.conftest import Service, auth

SECRET = "qt_the-trigger-secret"
READINESS = load_shipped("practice_readiness").unwrap()
SCORE_FIELDS = {s.name: s.score_field for s in READINESS.all_scales()}
# REDCap's trigger form as localcap (and REDCap) sends it for a longitudinal project.
REDCAP_FORM = {
    "redcap_url": "http://redcap.example.org/",
    "project_url": "http://redcap.example.org/redcap_v15.7.6/index.php?pid=14",
    "project_id": "14",
    "username": "[survey respondent]",
    "record": "PRA-7",
    "redcap_event_name": "month_3_arm_1",
    "instrument": "readiness_assessment",
    "readiness_assessment_complete": "2",
}


def add_connection(app: Flask, url: str = "http://127.0.0.1:9/api/", token: str = "A" * 32) -> int:
    with app.app_context():
        row = Connection(
            name=f"readiness {url}",
            url=url,
            token_cipher=encrypt(app.config["SECRET_KEY"], token),
            instrument="practice_readiness",
            trigger_secret_hash=hash_key(SECRET),
        )
        session().add(row)
        session().commit()
        return row.id


def all_jobs(app: Flask) -> list[Job]:
    with worker_session(app) as db:
        found = list(db.scalars(sa.select(Job).order_by(Job.id)))
        db.expunge_all()
        return found


# --- the endpoint ----------------------------------------------------------------------------


def test_a_trigger_queues_one_rescore_per_record_while_it_waits(
    app: Flask, client: FlaskClient
) -> None:
    connection_id = add_connection(app)
    first = client.post(f"/trigger/{connection_id}/{SECRET}", data=REDCAP_FORM)
    assert first.status_code == 200 and set(first.json) == {"queued"}
    again = client.post(f"/trigger/{connection_id}/{SECRET}", data=REDCAP_FORM)
    assert again.json == first.json, "a second save while the job waits joins it"
    other = client.post(f"/trigger/{connection_id}/{SECRET}", data={**REDCAP_FORM, "record": "9"})
    assert other.json["queued"] != first.json["queued"]
    [job, other_job] = all_jobs(app)
    assert (job.id, job.kind, job.state, job.connection_id) == (
        first.json["queued"], "rescore", "queued", connection_id
    )  # fmt: skip
    assert job.params["record"] == "PRA-7"
    assert job.params["redcap_event_name"] == "month_3_arm_1"
    assert "redcap_url" not in job.params and "username" not in job.params
    assert other_job.params["record"] == "9"


def test_a_trigger_after_the_job_started_queues_a_new_one(app: Flask, client: FlaskClient) -> None:
    # The running job may have exported the record before this save: it must be scored again.
    connection_id = add_connection(app)
    first = client.post(f"/trigger/{connection_id}/{SECRET}", data=REDCAP_FORM).json["queued"]
    with worker_session(app) as db:
        db.execute(sa.update(Job).where(Job.id == first).values(state="running"))
    second = client.post(f"/trigger/{connection_id}/{SECRET}", data=REDCAP_FORM).json["queued"]
    assert second != first
    assert [job.state for job in all_jobs(app)] == ["running", "queued"]


def test_a_wrong_secret_or_connection_is_a_404_that_says_nothing(
    app: Flask, client: FlaskClient
) -> None:
    connection_id = add_connection(app)
    wrong_secret = client.post(f"/trigger/{connection_id}/qt_guess", data=REDCAP_FORM)
    no_connection = client.post(f"/trigger/{connection_id + 1}/{SECRET}", data=REDCAP_FORM)
    no_body = client.post(f"/trigger/{connection_id}/qt_guess", data={})
    for answer in (wrong_secret, no_connection, no_body):
        assert answer.status_code == 404, "the secret is checked before the body"
        assert answer.json == {"code": "not_found", "status": 404, "message": "not found",
                               "errors": {}}  # fmt: skip
    assert all_jobs(app) == []


def test_a_body_without_a_record_is_a_422(app: Flask, client: FlaskClient) -> None:
    connection_id = add_connection(app)
    for body in ({k: v for k, v in REDCAP_FORM.items() if k != "record"}, {"record": ""}):
        answer = client.post(f"/trigger/{connection_id}/{SECRET}", data=body)
        assert answer.status_code == 422 and answer.json["code"] == "invalid"
        errors = answer.json["errors"]
        assert "record" in errors.get("form", errors)
    assert all_jobs(app) == []


def test_a_body_over_the_size_limit_is_refused(app: Flask, client: FlaskClient) -> None:
    connection_id = add_connection(app)
    padding = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    answer = client.post(
        f"/trigger/{connection_id}/{SECRET}", data={**REDCAP_FORM, "padding": padding}
    )
    assert answer.status_code == 413 and answer.json["code"] == "too_large"
    assert all_jobs(app) == []


def test_a_refused_token_fails_the_job_without_showing_it(app: Flask, live: Live) -> None:
    token = "0123456789ABCDEF0123456789ABCDEF"
    connection_id = add_connection(app, live.server.url, token)
    answer = app.test_client().post(f"/trigger/{connection_id}/{SECRET}", data=REDCAP_FORM)
    assert answer.status_code == 200
    assert jobs.run_next(app)
    [job] = all_jobs(app)
    assert job.state == "failed"
    assert "REDCap refused" in job.error and token not in job.error


# --- end to end: localcap's survey page -> trigger -> rescore -> score fields ------------------


def admin_key(app: Flask) -> str:
    with app.app_context():
        _, key = create_key("admin", "admin")
        session().commit()
    return key


def answers(**codes: int) -> dict[str, str]:
    return {name: str(code) for name, code in codes.items()}


BASELINE = {
    "record_id": "1",
    "redcap_event_name": "baseline_arm_1",
    "practice_id": "PRA-001",
    "region": "1",
    "assessment_date": "2024-01-15",
    "facilitator": "Ana",
    **{item: "3" for scale in READINESS.scales for item in scale.items},
    "score_willingness": "1",  # stale: the rescore puts the right value back
}
MONTH_3 = {
    "assessment_date": "2024-04-15",
    "facilitator": "Ana",
    **answers(will_motivated=5, will_priority=4, will_worth=4, will_facilitator=5, will_fatigue=1),
    **answers(lead_vision=4, lead_redirect=4, lead_daily=4, lead_too_busy=2),
    **answers(res_finance=3, res_outside=3, res_time=3, res_data=3, res_stretched=3),
    **answers(cult_change=5, cult_values=5, cult_voice=5, cult_resist=1),
    **answers(ctx_communicate=4),  # 1 of 4 context items: too few for a score
}


def wait_for_jobs(app: Flask, count: int, timeout: float = 60.0) -> list[Job]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = all_jobs(app)
        if len(found) >= count and all(job.state in ("done", "failed") for job in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"jobs did not finish: {[(j.id, j.state) for j in all_jobs(app)]}")


def by_event(client: RedcapClient) -> dict[str, dict[str, Any]]:
    return {row["redcap_event_name"]: row for row in client.export_records(records=["1"])}


def test_a_saved_survey_page_comes_back_scored(live: Live, service: Service) -> None:
    token = live.create(title="readiness", longitudinal=True)
    redcap = live.client(token)
    deploy(redcap, [READINESS])
    localcap_db = live.server.app.config["LOCALCAP_DB"]
    enable_surveys(localcap_db, token, {"readiness_assessment": "Readiness"})
    redcap.import_records([BASELINE])
    registered = requests.post(
        f"{service.url}/projects",
        json={"name": "readiness", "url": live.server.url, "token": token,
              "instrument": "practice_readiness"},
        headers=auth(admin_key(service.app)),
        timeout=30,
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    assert token not in registered.text
    set_data_entry_trigger(localcap_db, token, service.url + registered.json()["trigger_url"])

    link = redcap.call("export_survey_link", "1", "readiness_assessment", event="month_3_arm_1")
    page = requests.post(link, data={"__action": "submit", **MONTH_3}, timeout=30)
    assert "Thank you" in page.text

    [job] = wait_for_jobs(service.app, 1)
    assert job.state == "done", job.error
    assert job.result["trigger"] == {
        "project_id": str(redcap.project_info()["project_id"]),
        "instrument": "readiness_assessment",
        "redcap_event_name": "month_3_arm_1",
    }
    stored = by_event(redcap)
    month_3, baseline = stored["month_3_arm_1"], stored["baseline_arm_1"]
    # By hand, from the instrument's rules: willingness items 5,4,4,5 and fatigue 1 reversed to
    # 5 give a mean of 4.6, rescaled 100 (4.6 - 1) / (5 - 1) = 90; stability is the mean of the
    # three scored components (75, 50, 100) = 75, context having 1 of 4 items (needs 2);
    # readiness is the mean of willingness and stability = 82.5.
    assert month_3["score_willingness"] == "90"
    assert month_3["score_context"] == ""
    assert (month_3["score_stability"], month_3["score_readiness"]) == ("75", "82.5")
    assert baseline["score_willingness"] == "50", "the stale score is replaced"
    # And every score field as scale_scores computes it on the same answers.
    responses = decode(redcap.export_records(records=["1"]), READINESS)
    scored = scale_scores(responses)
    for index, wave in responses.frame["wave"].items():
        row = stored[f"{wave}_arm_1"]
        for scale, score_field in SCORE_FIELDS.items():
            value = scored.frame.at[index, scale]
            assert row[score_field] == format_score(value), (wave, score_field)
    assert month_3["will_motivated"] == "5" and month_3["facilitator"] == "Ana"
    assert baseline["practice_id"] == "PRA-001", "answers are left as they were"
    assert {row["redcap_event_name"] for row in job.result["written"]} == {
        "baseline_arm_1", "month_3_arm_1"
    }  # fmt: skip
    assert {"record": "1", "wave": "month_3", "scale": "context",
            "reason": "1 of 4 items answered; needs 2"} in job.result["not_scored"]  # fmt: skip

    # REDCap fires again for the same save: rescoring writes nothing new.
    again = requests.post(
        service.url + registered.json()["trigger_url"],
        data={"record": "1", "instrument": "readiness_assessment"},
        timeout=30,
    )
    assert again.status_code == 200 and again.json()["queued"] != job.id
    second = wait_for_jobs(service.app, 2)[1]
    assert second.state == "done", second.error
    assert (second.result["written"], second.result["unchanged"]) == ([], 2)
    assert by_event(redcap) == stored


def repeating_instrument() -> Instrument:
    """The tests' small instrument with its leadership form repeated, one instance a visit."""
    data = base()
    data["waves"] = {"mode": "repeating", "form": "leadership", "date_field": "visit_date"}
    visit = field(data, "visit_date")
    data["fields"].remove(visit)
    data["fields"].insert(
        data["fields"].index(field(data, "lead_1")), {**visit, "form": "leadership"}
    )
    return load_instrument(data).unwrap()


def test_each_repeat_instance_gets_its_own_scores(live: Live) -> None:
    instrument = repeating_instrument()
    redcap = live.client(live.create(title="visits"))
    deploy(redcap, [instrument])
    visit = {"record_id": "1", "redcap_repeat_instrument": "leadership"}
    redcap.import_records(
        [
            {"record_id": "1", "redcap_repeat_instrument": "", "redcap_repeat_instance": "",
             "practice_id": "P1", "region": "1"},
            {**visit, "redcap_repeat_instance": "1", "visit_date": "2024-01-01", "lead_1": "5",
             "lead_2": "1"},
            {**visit, "redcap_repeat_instance": "2", "visit_date": "2024-07-01", "lead_1": "3",
             "lead_2": "3", "score_lead": "99"},
        ]
    )  # fmt: skip
    first = rescore_records(redcap, instrument, ["1"])
    scores = {
        str(row["redcap_repeat_instance"]): row["score_lead"]
        for row in redcap.export_records(records=["1"])
        if row["redcap_repeat_instrument"] == "leadership"
    }
    # lead_2 is reverse-keyed: (5 + 5) / 2 = 5 -> 100, (3 + 3) / 2 = 3 -> 50 on 0-100.
    assert scores == {"1": "100", "2": "50"}
    assert (first["records_confirmed"], len(first["written"]), first["not_placed"]) == (1, 2, [])
    again = rescore_records(redcap, instrument, ["1"])
    assert (again["written"], again["unchanged"]) == ([], 2)


def test_waves_that_list_no_forms_get_scores_on_every_event(live: Live) -> None:
    """A wave that lists no forms holds every form (instruments/README.md), so its events take
    their scores; write-back once read the empty list as "no form" and wrote nothing."""
    data = base()
    assert all(not wave.get("forms") for wave in data["waves"]["events"])
    instrument = load_instrument(data).unwrap()
    redcap = live.client(live.create(title="every form", longitudinal=True))
    deploy(redcap, [instrument])
    redcap.import_records(
        [
            {"record_id": "1", "redcap_event_name": "baseline_arm_1", "practice_id": "P1",
             "lead_1": "5", "lead_2": "1"},
            {"record_id": "1", "redcap_event_name": "month_6_arm_1", "lead_1": "3",
             "lead_2": "3"},
        ]
    )  # fmt: skip
    result = rescore_records(redcap, instrument, ["1"])
    assert (len(result["written"]), result["not_placed"]) == (2, [])
    scores = {row["redcap_event_name"]: row["score_lead"] for row in redcap.export_records()}
    # lead_2 is reverse-keyed: (5 + 5) / 2 = 5 -> 100, (3 + 3) / 2 = 3 -> 50 on 0-100.
    assert scores == {"baseline_arm_1": "100", "month_6_arm_1": "50"}
