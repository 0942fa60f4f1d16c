"""``qiscan stats`` on the embedded default: deploy, simulate, pull, then the tidy CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from instruments import load_shipped
from plugin.cli import main
from plugin.target import open_for
from scoring.tidy import TIDY_COLUMNS


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("QISCAN_REDCAP_URL", "QISCAN_REDCAP_TOKEN", "QISCAN_REDCAP_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def qiscan(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def pulled(name: str, n: int) -> None:
    qiscan("deploy", name, "--apply")
    qiscan("simulate", name, "-n", str(n), "--seed", "11", "--import")
    qiscan("pull", name)


def test_stats_of_a_pulled_readiness_snapshot_with_waves(instance: Path) -> None:
    pulled("practice_readiness", 30)
    result = qiscan("stats", "practice_readiness", "--waves", "-o", "stats.csv")
    assert "statistics in stats.csv" in result.stderr
    rows = read(instance / "stats.csv")
    assert tuple(rows[0]) == TIDY_COLUMNS
    change = [
        r for r in rows if r["field"] == "readiness_index" and r["statistic"] == "mean_change"
    ]
    assert len(change) == 1 and change[0]["wave"] == "baseline to latest"
    assert float(change[0]["ci_low"]) < float(change[0]["value"]) < float(change[0]["ci_high"])
    by_region = qiscan("stats", "1", "--by", "region", "-o", "region.csv")
    assert "statistics" in by_region.stderr
    groups = {r["group"] for r in read(instance / "region.csv") if r["field"] == "readiness_index"}
    assert len(groups) >= 2


def test_stats_explains_a_bad_snapshot_or_grouping(instance: Path) -> None:
    missing = CliRunner().invoke(main, ["stats", "provider_scan", "-o", "x.csv"])
    assert missing.exit_code == 1
    assert "no snapshot 'provider_scan'" in missing.stderr and "run qiscan pull" in missing.stderr
    pulled("provider_scan", 40)
    bad = CliRunner().invoke(main, ["stats", "provider_scan", "--by", "colour", "-o", "x.csv"])
    assert bad.exit_code == 1
    assert "cannot group by 'colour'" in bad.stderr and "org_type" in bad.stderr
    assert not (instance / "x.csv").exists()


def test_a_duplicated_practice_is_set_aside_alike_in_the_csv_and_the_cohort_report(
    instance: Path,
) -> None:
    """One definition of the units results use (scoring.units): the statistics CSV leaves out
    the practice two baseline records claim, as the cohort report does, and says why."""
    pulled("practice_readiness", 12)
    readiness = load_shipped("practice_readiness").unwrap()
    with open_for([readiness]) as client:
        rows = client.export_records(events=["baseline_arm_1"])
        first = next(row for row in rows if row.get("practice_id"))
        client.import_records([{**first, "record_id": "999", "readiness_assessment_complete": ""}])
    qiscan("pull", "practice_readiness")
    result = qiscan("stats", "practice_readiness", "--waves", "-o", "stats.csv")
    said = f"set aside: records 999 and {first['record_id']} both give practice id"
    assert f"{said} '{first['practice_id']}' at wave baseline" in result.stderr
    qiscan("report", "cohort", "--snapshot", "practice_readiness", "--format", "csv", "-o", "c.csv")
    cohort = read(instance / "c.csv")
    flagged = {r["group"] for r in cohort if r["statistic"] == "duplicate_unit"}
    assert flagged == {first["practice_id"]}
    assert [r for r in cohort if r["statistic"] != "duplicate_unit"] == read(instance / "stats.csv")
