"""``--language`` on the embedded default: the statistics table and the reports speak the
instrument's translation, with the same codes and numbers as the primary language; and
``qiscan instruments compile`` writes each other language beside the dictionary."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from instruments import load_shipped
from instruments.translate import translated
from instruments.translation_file import page_texts, read_translation_file
from plugin.cli import main

NUMBERS = ("field", "choice_code", "group_by", "wave", "statistic", "value", "n", "ci_low")


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("languages")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("QISCAN_REDCAP_URL", "QISCAN_REDCAP_TOKEN", "QISCAN_REDCAP_TOKEN_FILE"):
            patch.delenv(name, raising=False)
        patch.setenv("QISCAN_INSTANCE", str(folder / "instance"))
        for name, n in (("provider_scan", 60), ("supporter_scan", 30)):
            for args in (
                ("deploy", name, "--apply"),
                ("simulate", name, "-n", str(n), "--seed", "7", "--import"),
                ("pull", name),
            ):
                result = CliRunner().invoke(main, list(args))
                assert result.exit_code == 0, result.output
    return folder


def qiscan(instance: Path, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> Result:
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance / "instance"))
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_statistics_in_french_have_french_labels_and_the_same_codes_and_counts(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    english, french = instance / "en.csv", instance / "fr.csv"
    qiscan(instance, monkeypatch, "stats", "provider_scan", "--by", "org_type", "-o", str(english))
    qiscan(instance, monkeypatch, "stats", "provider_scan", "--by", "org_type", "--language",
           "fr", "-o", str(french))  # fmt: skip
    en, fr = rows(english), rows(french)
    assert [tuple(r[c] for c in NUMBERS) for r in fr] == [tuple(r[c] for c in NUMBERS) for r in en]
    scan = load_shipped("provider_scan").unwrap()
    in_french = translated(scan, "fr").field_map()
    barriers = [r for r in fr if r["field"] == "qi_barriers" and r["choice_code"] == "3"]
    assert barriers and {r["choice_label"] for r in barriers} == {"La culture organisationnelle"}
    assert {r["label"] for r in barriers} == {in_french["qi_barriers"].label}
    groups_fr = {r["group"] for r in fr if r["group"]}
    groups_en = {r["group"] for r in en if r["group"]}
    assert "Faculté de médecine" in groups_fr and "Medical school" in groups_en
    assert len(groups_fr) == len(groups_en)
    for r in fr:
        if r["choice_code"] and r["field"] in in_french:
            labels = in_french[r["field"]].choice_labels()
            if r["choice_code"] in labels:
                assert r["choice_label"] == labels[r["choice_code"]]


def test_a_language_the_instrument_lacks_is_refused_with_the_choices(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = qiscan(instance, monkeypatch, "stats", "provider_scan", "--language", "de", "-o",
                    str(instance / "de.csv"), code=2)  # fmt: skip
    assert "--language" in result.stderr
    assert "choose from: en (English), fr (Français), es (Español)" in result.stderr
    assert not (instance / "de.csv").exists()


def test_the_committee_report_in_spanish(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page_path = instance / "committee.es.html"
    snapshots = ("--snapshot", "provider_scan", "--snapshot", "supporter_scan")
    result = qiscan(instance, monkeypatch, "report", "committee", *snapshots, "--language", "es",
                    "-o", str(page_path))  # fmt: skip
    assert "supporter_scan has no 'es' translation" in result.stderr
    text = BeautifulSoup(page_path.read_text(encoding="utf-8"), "html.parser").get_text()
    assert "Hemos iniciado o completado uno o más proyectos de mejora de la calidad" in text
    assert "We have begun or completed one or more QI projects" not in text


def test_compile_writes_a_translation_file_per_other_language(tmp_path: Path) -> None:
    out = tmp_path / "scan.csv"
    result = CliRunner().invoke(main, ["instruments", "compile", "provider_scan", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Medical school" in out.read_text(encoding="utf-8")
    assert "Faculté de médecine" not in out.read_text(encoding="utf-8")
    scan = load_shipped("provider_scan").unwrap()
    for language in ("fr", "es"):
        written = tmp_path / f"scan.{language}.json"
        assert f"wrote {written}" in result.stderr
        texts = read_translation_file(json.loads(written.read_text(encoding="utf-8")))
        assert texts == page_texts(scan, language)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "scan.csv",
        "scan.es.json",
        "scan.fr.json",
    ]
