"""Reports say when their data are simulated: records written by ``qiscan simulate`` carry ids
beginning SIM-, and every format counts the records among them that responded."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from instruments import load_shipped
from plugin.simulate import simulate
from plugin.simulated_import import mark_simulated
from reports.cohort import build_cohort
from reports.model import Provenance
from reports.render import render
from scoring.decode import decode
from tests.scoring.redcap_export import export_frame

READINESS = load_shipped("practice_readiness").unwrap()
PROVENANCE = Provenance("0.1.0", (("practice_readiness", "1.0.0"),), snapshot_id=3)


def practices(marked: bool):
    rows = simulate(READINESS, seed=5, n=6)
    if marked:
        rows = mark_simulated(rows, READINESS.record_id)
    return decode(export_frame(READINESS, rows), READINESS)


def test_a_report_of_simulated_practices_says_so_in_every_format(tmp_path: Path) -> None:
    report = build_cohort(practices(marked=True), provenance=PROVENANCE)
    assert report.provenance.simulated == 6  # practices, not practice-waves
    page = BeautifulSoup(render(report, tmp_path / "c.html", "html").read_text(), "html.parser")
    banner = page.select_one(".simulated")
    assert banner is not None and banner.get_text(" ", strip=True).startswith("Simulated data.")
    assert "6 of the records" in banner.get_text(" ", strip=True)
    assert '"simulated_records": 6' in render(report, tmp_path / "c.json", "json").read_text()


def test_real_data_carry_no_such_mark(tmp_path: Path) -> None:
    report = build_cohort(practices(marked=False), provenance=PROVENANCE)
    assert report.provenance.simulated == 0
    page = render(report, tmp_path / "c.html", "html").read_text()
    assert 'class="simulated"' not in page
