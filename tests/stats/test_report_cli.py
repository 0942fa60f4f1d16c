"""``qiscan report`` on the embedded default: every report kind from pulled snapshots."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from pypdf import PdfReader

from plugin.cli import main


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("QISCAN_REDCAP_URL", "QISCAN_REDCAP_TOKEN", "QISCAN_REDCAP_TOKEN_FILE"):
            patch.delenv(name, raising=False)
        patch.setenv("QISCAN_INSTANCE", str(folder / "instance"))
        for name, n in (("provider_scan", 80), ("supporter_scan", 40), ("practice_readiness", 12)):
            for args in (
                ("deploy", name, "--apply"),
                ("simulate", name, "-n", str(n), "--seed", "3", "--import"),
                ("pull", name),
            ):
                result = CliRunner().invoke(main, list(args))
                assert result.exit_code == 0, result.output
    return folder


def report(instance: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance / "instance"))
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 0, result.output
    return result


def test_committee_report_in_html_and_xlsx(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = instance / "committee.html"
    report(instance, monkeypatch, "committee", "--snapshot", "provider_scan", "--snapshot",
           "supporter_scan", "--format", "html", "-o", str(html))  # fmt: skip
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    assert page.select("h1")[0].get_text(strip=True)
    assert len(page.select("svg[role=img]")) > 5
    assert "provider_scan" in page.get_text() and "supporter_scan" in page.get_text()
    xlsx = instance / "committee.xlsx"
    report(instance, monkeypatch, "committee", "--snapshot", "provider_scan", "--format",
           "xlsx", "-o", str(xlsx))  # fmt: skip
    book = load_workbook(xlsx)
    assert book.sheetnames[0] == "README" and len(book.sheetnames) > 5


def test_practice_feedback_is_one_pdf_per_practice_in_a_zip(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = instance / "practices.zip"
    result = report(instance, monkeypatch, "practice", "--snapshot", "practice_readiness",
                    "--format", "pdf", "-o", str(out))  # fmt: skip
    assert "12 practice report(s)" in result.stderr
    with zipfile.ZipFile(out) as bundle:
        pdfs = [name for name in bundle.namelist() if name.endswith(".pdf")]
        assert len(pdfs) == 12 and "index.csv" in bundle.namelist()
        first = PdfReader(io.BytesIO(bundle.read(pdfs[0])))
        assert "feedback for practice" in " ".join(first.pages[0].extract_text().split())


@pytest.mark.parametrize("kind", ["cohort", "quality"])
def test_cohort_and_quality_reports_as_json(
    instance: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    out = instance / f"{kind}.json"
    report(instance, monkeypatch, kind, "--snapshot", "practice_readiness", "--format", "json",
           "-o", str(out))  # fmt: skip
    assert '"rows"' in out.read_text(encoding="utf-8")


def test_an_unknown_snapshot_is_a_clear_error(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance / "instance"))
    result = CliRunner().invoke(
        main, ["report", "cohort", "--snapshot", "nothing", "-o", str(instance / "x.html")]
    )
    assert result.exit_code == 1
    assert "no snapshot 'nothing'" in result.stderr and "practice_readiness" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("committee", "--snapshot", "practice_readiness"),
            "a committee report needs a survey of one row per respondent, without waves; "
            "'practice_readiness' makes practice, cohort, quality report(s)",
        ),
        (
            ("practice", "--snapshot", "provider_scan"),
            "a practice report needs waves of units (practices); 'provider_scan' makes "
            "committee, quality report(s)",
        ),
        (
            ("cohort", "--snapshot", "provider_scan"),
            "a cohort report needs waves of units",
        ),
        (
            ("practice", "--snapshot", "practice_readiness", "--format", "csv"),
            "a practice report is made as html, pdf or xlsx, not csv: it has no result table to "
            "write as CSV or JSON",
        ),
        (
            ("practice", "--snapshot", "practice_readiness", "--practice", "PRA-999"),
            "no practice 'PRA-999' in the responses of 'practice_readiness'",
        ),
        (
            ("practice", "--snapshot", "practice_readiness", "--compare-by", "regoin"),
            "the fields that work are: region, practice_size",
        ),
        (
            ("cohort", "--snapshot", "practice_readiness", "--compare-by", "region"),
            "--compare-by: only practice feedback is compared by a group; a cohort report does not",
        ),
        (
            ("committee", "--snapshot", "provider_scan", "--reference", "alliance_2016"),
            "alliance_2016: no such reference file, nor a shipped one (shipped: alliance_2017)",
        ),
        (
            ("quality", "--snapshot", "provider_scan", "--reference", "alliance_2017"),
            "--reference: only the committee summary sets an earlier scan beside this one; a "
            "quality report does not",
        ),
    ],
)
def test_the_wrong_report_for_a_snapshot_is_one_line_that_says_what_would_work(
    instance: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], said: str
) -> None:
    """Issue 13: each of these ended in a traceback (or, for cohort, a report of nothing)."""
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance / "instance"))
    result = CliRunner().invoke(main, ["report", *args, "-o", str(instance / "wrong.html")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (instance / "wrong.html").exists()


def test_the_committee_sets_the_earlier_scan_beside_this_one(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = instance / "then.html"
    report(instance, monkeypatch, "committee", "--snapshot", "provider_scan", "--reference",
           "alliance_2017", "-o", str(html))  # fmt: skip
    text = " ".join(
        BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text().split()
    )
    assert "Providers: now and in the 2017 environmental scan" in text
    assert "58 percent" in text  # the source, quoted in the methods box
    plain = instance / "plain.html"
    report(instance, monkeypatch, "committee", "--snapshot", "provider_scan", "-o", str(plain))
    assert "environmental scan (QIE" not in plain.read_text(encoding="utf-8")


def test_a_bad_reference_file_is_one_line_naming_the_place(
    instance: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "refs.json"
    bad.write_text(
        '{"title": "t", "source": "s", "values": [{"instrument": "provider_scan", '
        '"field": "qi_involvement", "percent": {"7": 10}}]}'
    )
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance / "instance"))
    out = instance / "bad.html"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "committee",
            "--snapshot",
            "provider_scan",
            "--reference",
            str(bad),
            "-o",
            str(out),
        ],  # fmt: skip
    )
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert f"{bad}#/values/0/percent/7: provider_scan.qi_involvement has no choice code" in (
        result.stderr
    )
    assert not out.exists()
