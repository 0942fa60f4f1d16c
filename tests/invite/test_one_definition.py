"""One definition of a respondent, read through every output of the same snapshot.

Six members are invited (their organisation type pre-filled). Two answer in the browser and
submit, one answers a question and saves to return later, three never open their link. Then
``qiscan simulate --import`` is refused (the project holds real answers, named), and with
``--fill-missing`` adds simulated records without touching a real one. One pull later, the
committee report (HTML), the statistics CSV, the service's statistics endpoint and
``qiscan invite --status`` give the same records, respondents, complete and partial responses,
response rates and question bases.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from flask import Flask
from redcap import Project

from plugin.cli import main
from plugin.localcap import RunningServer, create_app, serve_in_thread
from plugin.service import create_app as create_service
from plugin.service.auth import create_key
from plugin.service.db import session
from plugin.target import DEFAULT_BASE_URL, Instance
from tests.invite.conftest import as_a_browser

MEMBERS = "name,email,organisation_type\n" + "".join(
    f"Member {i},m{i}@example.org,{1 + i % 4}\n" for i in range(1, 7)
)
SIMULATED = 4


def qiscan(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def lasting(instance: Instance) -> Iterator[RunningServer]:
    qiscan("deploy", "provider_scan", "--apply")
    server = serve_in_thread(create_app(instance.localcap_db))
    yield server
    server.shutdown()


def opened(link: str, server: RunningServer) -> str:
    return link.replace(DEFAULT_BASE_URL, f"http://127.0.0.1:{server.port}/")


def answer_in_the_browser(instance: Instance, server: RunningServer, tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    qiscan("invite", "provider_scan", str(members), "-o", str(tmp_path / "mm.csv"))
    text = (tmp_path / "mm.csv").read_text(encoding="utf-8")
    links = [row["survey_link"] for row in csv.DictReader(io.StringIO(text))]
    answers = {"qi_involvement": "1", "qi_projects_3y": "4", "comments": "Real answer."}
    for link in links[:2]:
        done = as_a_browser(opened(link, server), **answers, __action="submit")
        assert "Thank you" in done.text
    saved = requests.post(
        opened(links[2], server), data={"qi_involvement": "2", "__action": "save"}
    )
    assert saved.status_code == 200


@pytest.fixture
def service(instance: Instance) -> Iterator[tuple[Flask, str]]:
    """The scoring service over the same instance (its SQLite snapshots are the CLI's)."""
    app = create_service(
        {
            "DATABASE_URL": f"sqlite:///{instance.folder / 'service.sqlite'}",
            "SECRET_KEY": "test-secret-key",
            "START_WORKER": False,
            "TESTING": True,
        }
    )
    with app.app_context():
        _, key = create_key("analyst", "analyst key")
        session().commit()
    yield app, key
    app.extensions["qiscan.db"].kw["bind"].dispose()


def test_every_output_counts_the_same_respondents(
    instance: Instance, lasting: RunningServer, service: tuple[Flask, str], tmp_path: Path
) -> None:
    answer_in_the_browser(instance, lasting, tmp_path)
    token = instance.read_secrets()["project:provider_scan"]
    before = {r["record_id"]: r for r in Project(lasting.url, token).export_records()}

    # Simulation never touches a real answer: refused, naming them; then only its own records.
    refused = qiscan("simulate", "provider_scan", "-n", str(SIMULATED), "--import", code=1)
    assert "real answers in 3 record(s): 1, 2, 3" in refused.stderr
    qiscan("simulate", "provider_scan", "-n", str(SIMULATED), "--import", "--fill-missing")
    after = {r["record_id"]: r for r in Project(lasting.url, token).export_records()}
    assert {k: after[k] for k in before} == before, "a real record was changed"
    assert sorted(set(after) - set(before)) == [f"SIM-{i}" for i in range(1, SIMULATED + 1)]

    pulled = qiscan("pull", "provider_scan").stderr
    snapshot = re.search(r"snapshot (\d+)", pulled).group(1)
    records, respondents, complete, partial = 6 + SIMULATED, 3 + SIMULATED, 2, 1
    simulated_complete = (
        pd.Series([after[f"SIM-{i}"]["provider_scan_complete"] for i in range(1, SIMULATED + 1)])
        .eq("2")
        .sum()
    )
    complete += int(simulated_complete)
    partial = respondents - complete
    rr1, rr2 = complete / records, respondents / records

    # 1. qiscan invite --status, on that snapshot.
    status = qiscan("invite", "provider_scan", "--status", "--snapshot", snapshot)
    states = [line.split()[1] for line in status.stdout.splitlines()]
    assert states == ["complete", "complete", "partial", "not", "not", "not"]
    assert (
        f"snapshot {snapshot}: {records} records, {respondents} respondents "
        f"({complete} complete, {partial} partial), AAPOR RR1 {rr1:.1%}, RR2 {rr2:.1%}"
        in status.stderr
    )

    # 2. The statistics CSV.
    qiscan("stats", snapshot, "-o", str(tmp_path / "stats.csv"))
    stats = pd.read_csv(tmp_path / "stats.csv", dtype={"choice_code": str}, keep_default_na=False)
    response = stats[stats["field"] == "_response"].set_index("statistic")["value"]
    response = response.astype(float)
    assert response["n_records"] == records and response["n_respondents"] == respondents
    assert (response["n_complete"], response["n_partial"]) == (complete, partial)
    assert response["n_not_started"] == 3 and response["n_simulated"] == SIMULATED
    assert response["rr1"] == pytest.approx(100 * rr1) and response["rr2"] == pytest.approx(
        100 * rr2
    )
    base = stats[(stats["field"] == "qi_involvement") & (stats["statistic"] == "n_asked")]
    n_asked = int(float(base["value"].iloc[0]))
    assert n_asked == respondents  # every respondent reached the first question

    # 3. The committee report, as the committee reads it.
    html = tmp_path / "committee.html"
    qiscan("report", "committee", "--snapshot", snapshot, "-o", str(html))
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    facts = {
        dt.get_text(strip=True): dt.find_next("dd").get_text(" ", strip=True)
        for dt in page.select(".facts dt, dl dt")
    }
    line = facts["Providers: invited and responding"]
    assert line.startswith(f"{records} records (invited or opened a link); {respondents} ")
    assert f"{complete} complete and {partial} partial responses" in line
    assert f"AAPOR RR1 {rr1:.1%}, RR2 {rr2:.1%}" in line
    assert f"{SIMULATED} of the respondents simulated" in line
    assert page.select_one(".simulated") is not None, "the report says its data are simulated"
    notes = " ".join(p.get_text(" ", strip=True) for p in page.find_all(["p", "figcaption"]))
    assert f"n = {n_asked} asked this question (of {respondents} respondents)" in notes

    # 4. The service's statistics endpoint.
    app, key = service
    answer = app.test_client().get(
        f"/snapshots/{snapshot}/statistics?field=_response",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.json
    served = {row["statistic"]: row["value"] for row in answer.json["rows"]}
    assert {k: served[k] for k in response.index} == pytest.approx(response.to_dict())
    csv_text = (tmp_path / "stats.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(csv_text)))[0][:6] == [
        "instrument",
        "version",
        "field",
        "label",
        "choice_code",
        "choice_label",
    ]
