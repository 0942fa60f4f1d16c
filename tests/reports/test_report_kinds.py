"""The report kinds are declared once, one module each in reports/kinds: adding a kind is
adding its module, and the command line, the service's requests and the catalogue's questions
(which kinds fit a snapshot, in which formats, with which options) all know it from there."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from instruments import load_shipped
from reports import kinds as kind_modules
from reports.catalogue import (
    KINDS,
    build,
    catalogue,
    misplaced,
    report_formats,
    report_kinds,
    unfit,
)
from reports.kind import Request
from reports.model import Provenance, Text

ROOT = Path(__file__).resolve().parents[2]
SURVEY = load_shipped("provider_scan").unwrap()
READINESS = load_shipped("practice_readiness").unwrap()

# A kind as its author would write it: one module, in reports/kinds.
NEW_KIND = '''
"""Response counts: how many records the snapshot holds."""

from reports.kind import Kind, Request
from reports.model import Report, Section, Text


def build(request: Request) -> Report:
    count = len(request.main.records)
    return Report(
        kind="counts",
        title="Response counts",
        subtitle=request.main.instrument.title,
        sections=(Section("Counts", (Text(f"{count} records"),)),),
        provenance=request.provenance,
    )


KIND = Kind(
    name="counts",
    title="the response counts",
    needs="a survey",
    fits=lambda instrument: instrument.kind == "survey",
    build=build,
    order=6,
    takes=frozenset({"suppress_below"}),
)
'''


class Records:
    """A snapshot as a report reads it, without decoding (the new kind reads records only)."""

    def __init__(self, instrument: object, records: pd.DataFrame) -> None:
        self.instrument = instrument
        self.records = records

    @property
    def responses(self) -> object:
        raise AssertionError("the counts read the records only")


@pytest.fixture
def added(tmp_path: Path) -> Iterator[Path]:
    """reports.kinds with one more module, found as a module of the package is."""
    folder = tmp_path / "more_kinds"
    folder.mkdir()
    (folder / "counts.py").write_text(NEW_KIND, encoding="utf-8")
    kind_modules.__path__.append(str(folder))
    catalogue.cache_clear()
    try:
        yield folder
    finally:
        kind_modules.__path__.remove(str(folder))
        sys.modules.pop("reports.kinds.counts", None)
        catalogue.cache_clear()


def test_the_shipped_kinds_in_their_order() -> None:
    assert KINDS == ("committee", "practice", "cohort", "coding", "quality")
    assert report_kinds(SURVEY) == ("committee", "quality")
    assert report_kinds(READINESS) == ("practice", "cohort", "quality")
    assert report_formats("practice") == ("html", "pdf", "xlsx")
    assert report_formats("committee") == ("html", "pdf", "xlsx", "csv", "json")


def test_a_new_kind_is_one_module(added: Path) -> None:
    assert tuple(catalogue()) == (*KINDS, "counts")
    assert report_kinds(SURVEY) == ("committee", "quality", "counts")
    assert "counts" not in report_kinds(READINESS)
    assert unfit("counts", READINESS) == (
        "a counts report needs a survey; 'practice_readiness' makes practice, cohort, "
        "quality report(s)"
    )
    assert misplaced("counts", {"suppress_below": 5, "practice": None}) == {}
    assert misplaced("counts", {"reference": "alliance_2017"}) == {
        "reference": "only the committee summary sets an earlier scan beside this one; a "
        "counts report does not"
    }
    assert misplaced("committee", {"suppress_below": 5}) == {}
    records = pd.DataFrame({"record_id": ["1", "2", "3"]})
    request = Request(
        [Records(SURVEY, records)], Provenance("test", (("provider_scan", SURVEY.version),))
    )
    made = build("counts", request)
    assert not isinstance(made, list) and made.kind == "counts"
    assert made.sections[0].blocks == (Text("3 records"),)


def test_the_command_line_and_the_service_take_a_new_kind_from_its_module(
    added: Path,
) -> None:
    """In a fresh process (the command line and the request schema read the kinds when they
    are imported), with the new kind's folder on the package's path."""
    script = textwrap.dedent(
        f"""
        import reports.kinds
        reports.kinds.__path__.append({str(added)!r})
        from click.testing import CliRunner
        from plugin.cli import main
        from plugin.service.api.reports import ReportIn
        shown = CliRunner().invoke(main, ["report", "--help"]).output
        assert "counts" in shown, shown
        assert ReportIn().validate({{"kind": "counts", "format": "csv"}}) == {{}}
        refused = ReportIn().validate({{"kind": "counts", "format": "csv", "practice": "P"}})
        assert list(refused) == ["practice"], refused
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_kind_module_must_declare_its_own_kind(added: Path) -> None:
    text = NEW_KIND.replace('name="counts"', 'name="tallies"')
    (added / "counts.py").write_text(text, encoding="utf-8")
    with pytest.raises(TypeError, match="reports.kinds.counts.KIND is not the Kind 'counts'"):
        catalogue()
