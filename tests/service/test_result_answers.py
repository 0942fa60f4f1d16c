"""The kept answers of the result endpoints: each answer carries a strong ETag and is answered 304
when ``If-None-Match`` names it, and an answer kept for one caller's scope (everything, or a
facilitator's practices) is never sent to another, nor does its ETag stand for another's."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from plugin import snapshots
from plugin.service import tasks
from plugin.service.api import results
from plugin.service.auth import create_key
from plugin.service.db import session
from plugin.service.models import ApiKey
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_pulls import (
    PRACTICES,
    READINESS,
    add_connection,
    live_project,
    pulled_snapshot,
    run_pull,
)

OWN, OTHER = "PRA-001", "PRA-002"  # the facilitator key is assigned PRA-001


@pytest.fixture(scope="module")
def readiness_token(live: Live) -> str:
    return live_project(live, READINESS, n=PRACTICES, seed=11)


@pytest.fixture
def snapshot(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, readiness_token: str
) -> int:
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    return pulled_snapshot(client, app, keys["analyst"], connection_id)


def facilitator_of(app: Flask, *practices: str) -> str:
    with app.app_context():
        _, key = create_key("facilitator", f"facilitator of {practices}", list(practices))
        session().commit()
    return key


def units(answer: dict[str, object]) -> set[str]:
    rows = answer["rows"]
    assert isinstance(rows, list)
    return {row["unit"] for row in rows}


@pytest.mark.parametrize(
    "path", ["statistics?field=readiness_index", "progress", "scores", f"benchmarks?practice={OWN}"]
)
def test_an_answer_has_a_strong_etag_and_is_answered_304_while_it_holds(
    client: FlaskClient, keys: dict[str, str], snapshot: int, path: str
) -> None:
    analyst = auth(keys["analyst"])
    first = client.get(f"/snapshots/{snapshot}/{path}", headers=analyst)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 20, "strong, quoted"
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first.headers["Vary"]

    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(
            f"/snapshots/{snapshot}/{path}", headers={**analyst, "If-None-Match": sent}
        )
        assert again.status_code == 304, sent
        assert again.get_data() == b"" and again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "private, no-cache"

    changed = client.get(
        f"/snapshots/{snapshot}/{path}", headers={**analyst, "If-None-Match": '"not-this-one"'}
    )
    assert changed.status_code == 200 and changed.get_data() == first.get_data()
    assert changed.headers["ETag"] == etag, "the same answer, the same ETag"


def test_each_query_has_its_own_answer_and_etag(
    client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    analyst = auth(keys["analyst"])
    whole = client.get(f"/snapshots/{snapshot}/scores", headers=analyst)
    baseline = client.get(f"/snapshots/{snapshot}/scores?wave=baseline", headers=analyst)
    assert {row["wave"] for row in baseline.json["rows"]} == {"baseline"}
    assert len(baseline.json["rows"]) < len(whole.json["rows"])
    assert baseline.headers["ETag"] != whole.headers["ETag"]
    stale = client.get(
        f"/snapshots/{snapshot}/scores?wave=baseline",
        headers={**analyst, "If-None-Match": whole.headers["ETag"]},
    )
    assert stale.status_code == 200 and stale.json == baseline.json


def test_an_answer_kept_for_an_analyst_is_never_a_facilitators(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    analyst, facilitator = auth(keys["analyst"]), auth(keys["facilitator"])
    everyone = client.get(f"/snapshots/{snapshot}/scores", headers=analyst)
    assert units(everyone.json) == {f"PRA-{n:03d}" for n in range(1, PRACTICES + 1)}

    mine = client.get(f"/snapshots/{snapshot}/scores", headers=facilitator)
    assert mine.status_code == 200 and units(mine.json) == {OWN}
    assert mine.headers["ETag"] != everyone.headers["ETag"]
    asked = client.get(
        f"/snapshots/{snapshot}/scores",
        headers={**facilitator, "If-None-Match": everyone.headers["ETag"]},
    )
    assert asked.status_code == 200 and units(asked.json) == {OWN}, "the analyst's ETag: no 304"
    back = client.get(
        f"/snapshots/{snapshot}/scores",
        headers={**analyst, "If-None-Match": mine.headers["ETag"]},
    )
    assert back.status_code == 200 and back.json == everyone.json

    other = facilitator_of(app, OTHER)
    theirs = client.get(f"/snapshots/{snapshot}/scores", headers=auth(other))
    assert units(theirs.json) == {OTHER}

    for path in (f"scores?practice={OTHER}", f"benchmarks?practice={OTHER}"):
        kept = client.get(f"/snapshots/{snapshot}/{path}", headers=analyst)
        assert kept.status_code == 200
        refused = client.get(
            f"/snapshots/{snapshot}/{path}",
            headers={**facilitator, "If-None-Match": kept.headers["ETag"]},
        )
        assert refused.status_code == 404, path
        assert "ETag" not in refused.headers


def test_a_facilitators_new_practices_take_effect_at_once(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    facilitator = auth(keys["facilitator"])
    before = client.get(f"/snapshots/{snapshot}/scores", headers=facilitator)
    assert units(before.json) == {OWN}
    with app.app_context():
        session().execute(
            sa.update(ApiKey).where(ApiKey.role == "facilitator").values(practices=[OTHER, OWN])
        )
        session().commit()
    after = client.get(
        f"/snapshots/{snapshot}/scores",
        headers={**facilitator, "If-None-Match": before.headers["ETag"]},
    )
    assert after.status_code == 200 and units(after.json) == {OWN, OTHER}


def test_the_first_requests_of_a_new_snapshot_get_the_answers_its_pull_job_made(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    readiness_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    for endpoint, make in dict(results.ANSWERS).items():

        def counting(*args: Any, endpoint: str = endpoint, make: Any = make) -> Any:
            made.append(endpoint)
            return make(*args)

        monkeypatch.setitem(results.ANSWERS, endpoint, counting)
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    job = run_pull(client, app, keys["analyst"], connection_id)
    assert job["state"] == "done", job["error"]
    assert sorted(made) == ["progress", "scores", "statistics"], "made by the job"

    snapshot = job["result"]["snapshot_id"]
    analyst = auth(keys["analyst"])
    for path in ("statistics", "scores", "progress"):
        assert client.get(f"/snapshots/{snapshot}/{path}", headers=analyst).status_code == 200
    assert len(made) == 3, "the first requests made no answer"
    mine = client.get(f"/snapshots/{snapshot}/scores", headers=auth(keys["facilitator"]))
    assert units(mine.json) == {OWN} and made[3:] == ["scores"], "another scope: its own answer"


def test_a_pull_whose_results_cannot_be_built_is_done_and_its_results_say_why(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    readiness_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[int] = []

    def refusing(records: pd.DataFrame, instrument: Any) -> Any:
        tried.append(1)
        raise ValueError("field 'lead_time': 'soon' is not one of its choices")

    monkeypatch.setattr(snapshots, "decode", refusing)
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    job = run_pull(client, app, keys["analyst"], connection_id)
    assert job["state"] == "done" and job["done"] == job["total"], job["error"]
    assert job["total"] == PRACTICES + len(tasks.SNAPSHOT_STEPS)
    assert len(tried) == 1, "the job stops building at the first step that fails"
    snapshot = job["result"]["snapshot_id"]
    analyst = auth(keys["analyst"])
    refused = client.get(f"/snapshots/{snapshot}/scores", headers=analyst)
    assert (
        refused.status_code == 409 and "'soon' is not one of its choices" in refused.json["message"]
    )
    assert "ETag" not in refused.headers, "an error is not kept"

    monkeypatch.undo()
    assert client.get(f"/snapshots/{snapshot}/scores", headers=analyst).status_code == 200
