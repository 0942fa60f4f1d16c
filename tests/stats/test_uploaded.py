"""``qiscan stats`` and ``qiscan report`` read a snapshot of an instrument uploaded to the
instance's service, with the version it was pulled with, as the service's results do: one
loader (plugin.snapshots) and one resolver (plugin.service.definitions) for both."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from instruments.shipped import PACKAGE
from plugin.cli import main
from plugin.service import create_app
from plugin.service.db import session
from plugin.service.definitions import store_definition


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("QISCAN_REDCAP_URL", "QISCAN_REDCAP_TOKEN", "QISCAN_REDCAP_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("QISCAN_DATABASE_URL", "QISCAN_SNAPSHOTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def qiscan(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


def member_survey(version: str, title: str) -> dict[str, object]:
    """The shipped provider scan under an id of its own, as a committee would upload it."""
    text = resources.files(PACKAGE).joinpath("provider_scan.json").read_text(encoding="utf-8")
    body = json.loads(text)
    return {**body, "id": "member_survey", "version": version, "title": title}


def upload(body: dict[str, object]) -> None:
    app = create_app({"START_WORKER": False, "TESTING": True})
    with app.app_context():
        store_definition(session(), body)
        session().commit()


def test_stats_and_report_read_a_snapshot_of_an_uploaded_instrument(instance: Path) -> None:
    first = member_survey("2.0.0", "Member survey 2026")
    path = instance / "member_survey.json"
    path.write_text(json.dumps(first), encoding="utf-8")
    upload(first)
    qiscan("deploy", str(path), "--apply")
    qiscan("simulate", str(path), "-n", "40", "--seed", "5", "--import")
    qiscan("pull", str(path))
    # a newer version uploaded after the pull: the snapshot is still read with its own
    upload(member_survey("2.1.0", "Member survey 2027"))

    stats = qiscan("stats", "member_survey", "-o", "stats.csv")
    assert "40 records" in stats.stderr and "warning" not in stats.stderr
    rows = list(csv.DictReader(io.StringIO((instance / "stats.csv").read_text("utf-8"))))
    assert {row["instrument"] for row in rows} == {"member_survey"}
    assert {row["version"] for row in rows} == {"2.0.0"}

    report = qiscan("report", "committee", "--snapshot", "member_survey", "-o", "c.html")
    assert "committee report in c.html" in report.stderr
    assert "Member survey 2026" in (instance / "c.html").read_text("utf-8")


def test_an_instrument_neither_shipped_nor_uploaded_is_named_with_what_there_is(
    instance: Path,
) -> None:
    body = member_survey("1.0.0", "Not uploaded")
    path = instance / "member_survey.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    qiscan("deploy", str(path), "--apply")
    qiscan("simulate", str(path), "-n", "5", "--seed", "5", "--import")
    qiscan("pull", str(path))
    refused = qiscan("stats", "member_survey", "-o", "stats.csv", code=1)
    said = refused.stderr.strip()
    assert "was pulled for 'member_survey'" in said and "provider_scan" in said
    assert "--instrument" in said, "the way out: name the definition's file"
    assert not (instance / "stats.csv").exists()
    named = qiscan("stats", "member_survey", "--instrument", str(path), "-o", "stats.csv")
    assert "5 records" in named.stderr
