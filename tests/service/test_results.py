"""Results of a pulled snapshot: the tidy statistics (filtered) and progress rows are exactly
scoring's table, scores and benchmarks are scoring's numbers, a facilitator sees their own
practice and nobody else's (404, as if it did not exist), and the pull job decodes and tabulates
its snapshot once, for every result after it."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from plugin import snapshots
from plugin.service import tasks
from plugin.service.api import results
from plugin.simulate import simulate
from plugin.snapshots import snapshot_records
from reports.model import Provenance, TextList
from reports.practice import build_practice
from scoring.benchmark import unit_feedback
from scoring.decode import Responses, decode
from scoring.scale_stats import long_scores, scale_scores
from scoring.statistics import statistics_table
from scoring.units import check_units
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

PROVENANCE = Provenance("test", (("practice_readiness", "1"),))
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


def responses_of(app: Flask, snapshot_id: int) -> Responses:
    """The snapshot decoded here, independently of the service's cache."""
    store = tasks.store_of(app)
    return decode(snapshot_records(store, store.get(snapshot_id)), READINESS)


def as_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = table.to_dict("records")
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def test_statistics_filtered_by_field_and_wave_are_the_tidy_tables_rows(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    table = statistics_table(responses_of(app, snapshot))
    expected = table.loc[(table["field"] == "readiness_index") & (table["wave"] == "month_3")]
    assert len(expected) > 5
    answer = client.get(
        f"/snapshots/{snapshot}/statistics?field=readiness_index&wave=month_3",
        headers=auth(keys["analyst"]),
    )
    assert answer.status_code == 200
    assert answer.json["instrument"] == "practice_readiness"
    assert answer.json["rows"] == as_rows(expected)
    percent = client.get(
        f"/snapshots/{snapshot}/statistics?statistic=percent&wave=baseline",
        headers=auth(keys["analyst"]),
    ).json["rows"]
    wanted = table.loc[(table["statistic"] == "percent") & (table["wave"] == "baseline")]
    assert percent == as_rows(wanted) and len(percent) > 20


def test_statistics_refuse_an_unknown_grouping_field_and_a_facilitator(
    client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    bad = client.get(f"/snapshots/{snapshot}/statistics?by=colour", headers=auth(keys["analyst"]))
    assert bad.status_code == 422
    assert "region" in bad.json["errors"]["by"][0], "the message lists the grouping keys"
    refused = client.get(f"/snapshots/{snapshot}/statistics", headers=auth(keys["facilitator"]))
    assert refused.status_code == 403
    missing = client.get("/snapshots/999/statistics", headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and missing.json["code"] == "not_found"


def test_progress_is_the_change_rows_of_the_table_with_waves(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    table = statistics_table(responses_of(app, snapshot), waves=True)
    expected = table.loc[table["wave"].isin(["baseline to latest", "all waves"])]
    answer = client.get(f"/snapshots/{snapshot}/progress", headers=auth(keys["analyst"]))
    assert answer.status_code == 200
    assert answer.json["rows"] == as_rows(expected)
    assert {"mean_change", "friedman_p"} <= {row["statistic"] for row in answer.json["rows"]}


def test_a_facilitator_sees_the_scores_of_their_practice_and_not_another(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    responses = responses_of(app, snapshot)
    data = long_scores(responses, scale_scores(responses))
    mine = data.loc[data["unit"] == OWN]
    facilitator = auth(keys["facilitator"])
    answer = client.get(f"/snapshots/{snapshot}/scores?practice={OWN}", headers=facilitator)
    assert answer.status_code == 200
    rows = answer.json["rows"]
    assert {row["unit"] for row in rows} == {OWN}
    assert [row["wave_index"] for row in rows] == mine["wave_index"].tolist()
    assert [row["scores"]["readiness_index"] for row in rows] == pytest.approx(
        mine["readiness_index"].tolist()
    )
    unasked = client.get(f"/snapshots/{snapshot}/scores", headers=facilitator)
    assert unasked.json["rows"] == rows, "without a practice: the key's practices only"

    other = client.get(f"/snapshots/{snapshot}/scores?practice={OTHER}", headers=facilitator)
    nowhere = client.get(f"/snapshots/{snapshot}/scores?practice=PRA-999", headers=facilitator)
    assert other.status_code == nowhere.status_code == 404
    assert other.json["message"].replace(OTHER, "X") == nowhere.json["message"].replace(
        "PRA-999", "X"
    )
    analyst = client.get(
        f"/snapshots/{snapshot}/scores?practice={OTHER}&wave=baseline",
        headers=auth(keys["analyst"]),
    )
    assert [(r["unit"], r["wave"]) for r in analyst.json["rows"]] == [(OTHER, "baseline")]


def test_benchmarks_are_scorings_feedback_for_the_facilitators_own_practice_only(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    responses = responses_of(app, snapshot)
    scored = scale_scores(responses)
    data = long_scores(responses, scored)
    names = [info.name for info in scored.scales]
    facilitator = auth(keys["facilitator"])
    answer = client.get(
        f"/snapshots/{snapshot}/benchmarks?practice={OWN}&wave=baseline", headers=facilitator
    )
    assert answer.status_code == 200
    expected = unit_feedback(
        data, OWN, names, wave_index=0, labels={i.name: i.label for i in scored.scales}
    )
    body = answer.json
    assert (body["practice"], body["wave"], body["wave_index"]) == (OWN, "baseline", 0)
    assert [b["score"] for b in body["benchmarks"]] == expected.benchmarks["score"].tolist()
    assert [b["percentile_rank"] for b in body["benchmarks"]] == pytest.approx(
        expected.benchmarks["percentile_rank"].tolist()
    )
    assert {b["cohort_n"] for b in body["benchmarks"]} == {PRACTICES}
    assert [s["sentence"] for s in body["strengths"]] == [i.sentence for i in expected.strengths]
    assert [s["sentence"] for s in body["opportunities"]] == [
        i.sentence for i in expected.opportunities
    ]
    other = client.get(f"/snapshots/{snapshot}/benchmarks?practice={OTHER}", headers=facilitator)
    assert other.status_code == 404
    unnamed = client.get(f"/snapshots/{snapshot}/benchmarks", headers=facilitator)
    assert unnamed.status_code == 422 and "practice" in unnamed.json["errors"]


def test_the_pull_job_decodes_and_tabulates_its_snapshot_and_no_result_request_does(
    app: Flask,
    client: FlaskClient,
    keys: dict[str, str],
    live: Live,
    readiness_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decodes: list[int] = []
    tables: list[bool] = []

    def counting_decode(records: pd.DataFrame, instrument: Any) -> Responses:
        decodes.append(1)
        return decode(records, instrument)

    def counting_table(*args: Any, **kwargs: Any) -> pd.DataFrame:
        tables.append(kwargs["waves"])
        return statistics_table(*args, **kwargs)

    monkeypatch.setattr(snapshots, "decode", counting_decode)
    monkeypatch.setattr(results, "statistics_table", counting_table)
    connection_id = add_connection(app, live, readiness_token, "practice_readiness")
    job = run_pull(client, app, keys["analyst"], connection_id)
    assert job["state"] == "done", job["error"]
    steps = len(tasks.SNAPSHOT_STEPS)
    assert steps >= 4 and job["done"] == job["total"] == PRACTICES + steps, "records, then steps"
    assert (len(decodes), sorted(tables)) == (1, [False, True]), "built by the job"

    snapshot = job["result"]["snapshot_id"]
    analyst = auth(keys["analyst"])
    for path in ("scores", "progress", "statistics", "statistics?field=readiness_index"):
        assert client.get(f"/snapshots/{snapshot}/{path}", headers=analyst).status_code == 200
    for path in (f"benchmarks?practice={OWN}", "scores?wave=baseline"):
        assert client.get(f"/snapshots/{snapshot}/{path}", headers=analyst).status_code == 200
    assert (len(decodes), len(tables)) == (1, 2), "no request decoded or tabulated again"


def test_a_burst_of_first_requests_makes_a_value_once_and_an_error_is_never_kept() -> None:
    kept: tasks.Lru[str, int] = tasks.Lru(4)
    calls: list[int] = []
    start = threading.Barrier(8)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)  # the others ask meanwhile
        return 42

    def ask() -> int:
        start.wait()
        return kept.get("snapshot", slow)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))
    assert answers == [42] * 8 and len(calls) == 1

    def failing() -> int:
        calls.append(1)
        raise ValueError("does not decode")

    for _ in range(2):
        with pytest.raises(ValueError, match="does not decode"):
            kept.get("broken", failing)
    assert len(calls) == 3 and kept.get("broken", lambda: 7) == 7


@pytest.fixture(scope="module")
def duplicated_token(live: Live) -> str:
    """A project where record 99 is a second baseline for PRA-001 and record 98 one for
    PRA-003 (ids that differ only by whitespace: tests/scoring/test_units.py; localcap trims
    them on import)."""
    token = live_project(live, READINESS, n=PRACTICES, seed=12)
    rows = simulate(READINESS, seed=13, n=2)
    baselines = [row for row in rows if row["redcap_event_name"] == "baseline_arm_1"]
    extra = [
        baselines[0] | {"record_id": "99", "practice_id": OWN},
        baselines[1] | {"record_id": "98", "practice_id": "PRA-003"},
    ]
    live.client(token).import_in_batches(extra, READINESS.record_id)
    return token


@pytest.fixture
def duplicated(
    app: Flask, client: FlaskClient, keys: dict[str, str], live: Live, duplicated_token: str
) -> int:
    connection_id = add_connection(app, live, duplicated_token, "practice_readiness")
    return pulled_snapshot(client, app, keys["analyst"], connection_id)


def test_a_duplicated_practice_id_is_set_aside_and_every_other_result_is_given(
    app: Flask, client: FlaskClient, keys: dict[str, str], duplicated: int
) -> None:
    responses = responses_of(app, duplicated)
    kept = check_units(responses)
    assert kept.units == (OWN, "PRA-003")
    analyst, facilitator = auth(keys["analyst"]), auth(keys["facilitator"])

    progress = client.get(f"/snapshots/{duplicated}/progress", headers=analyst)
    assert progress.status_code == 200, progress.json
    table = statistics_table(kept.responses, waves=True)
    expected = table.loc[table["wave"].isin(["baseline to latest", "all waves"])]
    assert progress.json["rows"] == as_rows(expected)
    quality = progress.json["data_quality"]
    assert [(p["kind"], p["unit"], p["wave"]) for p in quality][:2] == [
        ("duplicate unit", OWN, "baseline"),
        ("duplicate unit", "PRA-003", "baseline"),
    ]
    assert quality[0]["records"] == ["1", "99"]
    assert quality[0]["message"].startswith(
        f"records 1 and 99 both give practice id '{OWN}' at wave baseline: no one can tell"
    )
    assert len(quality) == len(kept.problems)

    waves = client.get(f"/snapshots/{duplicated}/statistics?waves=true", headers=analyst)
    assert waves.status_code == 200 and waves.json["data_quality"] == quality

    other = client.get(
        f"/snapshots/{duplicated}/benchmarks?practice={OTHER}&wave=baseline", headers=analyst
    )
    assert other.status_code == 200, other.json
    scored = scale_scores(kept.responses)
    names = [info.name for info in scored.scales]
    expected_feedback = unit_feedback(
        long_scores(kept.responses, scored), OTHER, names, wave_index=0
    )
    assert [b["cohort_n"] for b in other.json["benchmarks"]] == list(
        expected_feedback.benchmarks["cohort_n"]
    )
    assert max(b["cohort_n"] for b in other.json["benchmarks"]) == PRACTICES - 2
    assert other.json["data_quality"] == quality

    for who in (analyst, facilitator):
        refused = client.get(f"/snapshots/{duplicated}/benchmarks?practice={OWN}", headers=who)
        assert refused.status_code == 409 and refused.json["code"] == "conflict"
        assert "records 1 and 99" in refused.json["errors"]["practice"][0]
        assert "Correct the practice id in REDCap" in refused.json["errors"]["practice"][0]
    by_record = client.get(f"/snapshots/{duplicated}/scores?practice=98", headers=analyst)
    assert by_record.status_code == 409
    assert (
        "records 3 and 98 both give practice id 'PRA-003'"
        in by_record.json["errors"]["practice"][0]
    )
    hidden = client.get(f"/snapshots/{duplicated}/benchmarks?practice=PRA-003", headers=facilitator)
    assert hidden.status_code == 404, "not the facilitator's practice: as if it did not exist"
    theirs = client.get(f"/snapshots/{duplicated}/scores", headers=facilitator).json
    assert theirs["data_quality"] == [entry for entry in quality if entry["unit"] == OWN], (
        "another practice's set-aside records are not the facilitator's to see"
    )

    scores = client.get(f"/snapshots/{duplicated}/scores", headers=analyst).json
    assert {row["unit"] for row in scores["rows"]}.isdisjoint({OWN, "PRA-003"})
    assert {row["record"] for row in scores["rows"]}.isdisjoint({"1", "99", "3", "98"})
    assert scores["data_quality"] == quality


def test_the_latest_feedback_is_the_practice_reports_for_every_practice(
    app: Flask, client: FlaskClient, keys: dict[str, str], snapshot: int
) -> None:
    """One definition of a strength (scoring.unit_findings.classify): at a practice's latest
    wave the service files each element as that practice's feedback report does, a reliable
    change included (issue 13: the report called a change within the wobble a strength)."""
    responses = responses_of(app, snapshot)
    analyst = auth(keys["analyst"])
    named = 0
    for practice in sorted(set(responses.frame["practice_id"].dropna())):
        answer = client.get(
            f"/snapshots/{snapshot}/benchmarks?practice={practice}", headers=analyst
        ).json
        report = build_practice(responses, practice, provenance=PROVENANCE)
        section = next(s for s in report.sections if s.title == "Strengths and opportunities")
        listed = {b.title: b.items for b in section.blocks if isinstance(b, TextList)}
        for title, kind in (
            ("Strengths", "strengths"),
            ("Opportunities to build on", "opportunities"),
        ):
            sentences = listed.get(title, ())
            assert len(sentences) == len(answer[kind]), (practice, title)
            for item, sentence in zip(answer[kind], sentences, strict=True):
                assert item["label"] in sentence
                assert ("risen" in sentence) == (item["reason"] == "rose")
                assert ("moved down" in sentence) == (item["reason"] == "fell")
                named += item["reason"] in ("rose", "fell")
    assert named > 0, "the data hold reliable changes for the rule to name"
