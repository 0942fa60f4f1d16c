"""Many reports as one zip: safe unique names, an index, and no half-written zip on failure."""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from zipfile import ZipFile

import pytest

from reports.bundle import file_stem, render_zip
from reports.files import write_atomically
from reports.model import Provenance, Report
from reports.render import pool_size, render_pool


def practice(audience: str, title: str = "Readiness feedback") -> Report:
    return Report("practice", title, "", (), Provenance("0.1.0", ()), audience=audience)


def fake_render(report: Report, out: Path) -> Path:
    out.write_text(f"{report.audience}|{report.title}", encoding="utf-8")
    return out


def test_file_stems_are_lower_case_ascii_words_joined_by_hyphens() -> None:
    assert file_stem("Practice 12 - North Clinic") == "practice-12-north-clinic"
    assert file_stem("  Clinique Été / Côte-Nord  ") == "clinique-ete-cote-nord"
    assert file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("CON") == "con-report"  # Windows cannot create con.pdf
    assert file_stem("北诊所") == ""
    assert len(file_stem("x" * 500)) == 60


def test_the_zip_holds_an_index_and_one_uniquely_named_file_per_report(tmp_path: Path) -> None:
    reports = [
        practice("Practice 12 - North Clinic"),
        practice("Practice 12 — North Clinic"),  # the same stem once cleaned
        practice("", title="Cohort overview"),
        practice("北诊所"),
        practice('=HYPERLINK("http://evil")'),
    ]
    out = render_zip(reports, tmp_path / "practices.zip", fake_render, ".pdf")
    with ZipFile(out) as archive:
        names = archive.namelist()
        index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8"))))
        second = archive.read("practice-12-north-clinic-2.pdf").decode("utf-8")
    assert names == [
        "index.csv",
        "practice-12-north-clinic.pdf",
        "practice-12-north-clinic-2.pdf",
        "cohort-overview.pdf",
        "readiness-feedback.pdf",
        "hyperlink-http-evil.pdf",
    ]
    assert second == "Practice 12 — North Clinic|Readiness feedback"
    assert [row["file"] for row in index] == names[1:]
    assert index[0] == {
        "file": "practice-12-north-clinic.pdf",
        "audience": "Practice 12 - North Clinic",
        "title": "Readiness feedback",
    }
    assert index[4]["audience"] == '\'=HYPERLINK("http://evil")'  # neutralised like any CSV


def test_a_suffix_without_its_dot_and_a_report_named_index_do_not_clash(tmp_path: Path) -> None:
    out = render_zip([practice("Index")], tmp_path / "all.zip", fake_render, "csv")
    with ZipFile(out) as archive:
        assert archive.namelist() == ["index.csv", "index-2.csv"]


def test_a_failing_render_leaves_no_zip_and_no_temporary_file(tmp_path: Path) -> None:
    def fails_on_second(report: Report, out: Path) -> Path:
        if report.audience == "Second":
            raise RuntimeError("renderer broke")
        return fake_render(report, out)

    target = tmp_path / "practices.zip"
    with pytest.raises(RuntimeError, match="renderer broke"):
        render_zip([practice("First"), practice("Second")], target, fails_on_second, ".pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_render_leaves_an_earlier_zip_as_it_was(tmp_path: Path) -> None:
    target = render_zip([practice("First")], tmp_path / "p.zip", fake_render, ".pdf")
    before = target.read_bytes()

    def broken(report: Report, out: Path) -> Path:
        raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError, match="renderer broke"):
        render_zip([practice("Other")], target, broken, ".pdf")
    assert target.read_bytes() == before
    assert list(tmp_path.iterdir()) == [target]


def test_no_reports_is_an_error_not_an_empty_zip(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no reports to bundle into p.zip"):
        render_zip([], tmp_path / "p.zip", fake_render, ".pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_report_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    """Reports hold respondents' open-text answers: owner-only, as every file qiscan writes
    (the command line's tables were 0600 and its reports took the umask's 0644 until one
    helper wrote both)."""
    previous = os.umask(0o022)
    try:
        out = write_atomically(tmp_path / "sub" / "r.csv", b"a\n")
    finally:
        os.umask(previous)
    assert out.read_bytes() == b"a\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_each_file_bundled_is_told_as_progress(tmp_path: Path) -> None:
    told: list[tuple[int, int]] = []
    reports = [practice("First"), practice("Second"), practice("Third")]
    render_zip(reports, tmp_path / "p.zip", fake_render, ".pdf", lambda *step: told.append(step))
    assert told == [(1, 3), (2, 3), (3, 3)]


# A pool's workers are given a module's function by name (it is pickled), so the renderers the
# pool tests use live here, at module level.


def fails_on_second(report: Report, out: Path) -> Path:
    if report.audience == "Second":
        raise RuntimeError("renderer broke")
    return fake_render(report, out)


def dies_on_second(report: Report, out: Path) -> Path:
    if report.audience == "Second":
        os._exit(3)  # the worker ends as a crash (or the kernel's OOM killer) would end it
    return fake_render(report, out)


def contents(zip_path: Path) -> list[tuple[str, bytes]]:
    with ZipFile(zip_path) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the zip's files are rendered into before they are zipped, watched."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("size", [1, 2])
def test_a_pool_of_processes_zips_what_one_process_zips(tmp_path: Path, size: int) -> None:
    reports = [practice(f"Practice {n}") for n in range(5)] + [practice("Practice 1")]
    told: list[tuple[int, int]] = []
    here = render_zip(reports, tmp_path / "here.zip", fake_render, ".pdf")
    with render_pool(size) as pool:
        pooled = render_zip(
            reports, tmp_path / "pooled.zip", fake_render, ".pdf", lambda *s: told.append(s), pool
        )
    assert contents(pooled) == contents(here)
    assert told == [(n, 6) for n in range(1, 7)]


def test_a_render_failing_in_a_worker_names_its_file_and_leaves_nothing(
    tmp_path: Path, scratch: Path
) -> None:
    target = tmp_path / "practices.zip"
    reports = [practice("First"), practice("Second"), practice("Third")]
    with render_pool(2) as pool, pytest.raises(RuntimeError, match="renderer broke") as caught:
        render_zip(reports, target, fails_on_second, ".pdf", pool=pool)
    assert caught.value.__notes__ == ["(while rendering second.pdf for the zip)"]
    assert sorted(tmp_path.iterdir()) == [scratch]
    assert list(scratch.iterdir()) == [], "the rendered files are removed, none half-zipped"


def test_a_worker_that_dies_fails_the_zip_and_leaves_an_earlier_one_as_it_was(
    tmp_path: Path, scratch: Path
) -> None:
    target = render_zip([practice("First")], tmp_path / "p.zip", fake_render, ".pdf")
    before = target.read_bytes()
    reports = [practice("First"), practice("Second"), practice("Third")]
    with pytest.raises(BrokenProcessPool, match="terminated abruptly") as caught:
        with render_pool(2) as pool:
            render_zip(reports, target, dies_on_second, ".pdf", pool=pool)
    assert caught.value.__notes__ == ["(while rendering second.pdf for the zip)"]
    assert target.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [target, scratch]
    assert list(scratch.iterdir()) == []


def test_the_pool_has_a_process_per_core_at_most_and_none_for_one_report() -> None:
    cores = os.cpu_count() or 1
    assert pool_size(10_000) == min(cores, len(os.sched_getaffinity(0)))
    assert pool_size(2) == min(2, pool_size(10_000))
    assert pool_size(1) == 1
