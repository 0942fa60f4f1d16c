"""``qiscan simulate`` writes a REDCap import file, the same for the same seed."""

from __future__ import annotations

import csv

from click.testing import CliRunner

from plugin.cli import main


def test_simulate_writes_the_same_import_file_for_the_same_seed(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        result = CliRunner().invoke(
            main, ["simulate", "provider_scan", "-n", "50", "--seed", "4", "-o", str(out)]
        )
        assert result.exit_code == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    with first.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 50 and list(rows[0])[0] == "record_id"
    assert {row["qi_involvement"] for row in rows} <= {"1", "2", "3", ""}
    assert "wrote" in result.stderr and "50 records" in result.stderr


def test_waves_on_an_instrument_without_waves_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        main, ["simulate", "provider_scan", "--waves", "2", "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2 and "waves" in result.stderr
    assert not (tmp_path / "x.csv").exists()
