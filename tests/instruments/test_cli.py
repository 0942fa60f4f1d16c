"""The ``qiscan instruments`` commands: people's messages on stderr, --json on stdout, non-zero
exit on any error, and nothing written when there is an error."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from instruments import shipped_names
from plugin.cli import main
from plugin.cli.demo import DEMO_SIZES
from plugin.cli.demo_reports import PLAN
from plugin.pull import SnapshotStore
from reports.catalogue import kind_of, report_formats
from tests.instruments.helpers import base, field

FIXTURE = "tests/fixtures/dictionaries/classic_demographics.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_shows_every_shipped_instrument():
    result = run("instruments", "list", "--json")
    assert result.exit_code == 0
    assert sorted(row["id"] for row in json.loads(result.stdout)) == shipped_names()


def test_validate_lists_every_problem_with_its_location_and_fails(tmp_path):
    data = base()
    field(data, "lead_note")["branching_logic"] = "[lead_3] = '1'"
    field(data, "region")["choices"].append({"code": "2", "label": "Again"})
    data["version"] = "one"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    result = run("instruments", "validate", str(path))
    assert result.exit_code == 1
    assert "[broken.json /version]" in result.stderr
    data["version"] = "1.0.0"
    path.write_text(json.dumps(data))
    result = run("instruments", "validate", "--json", str(path))
    assert result.exit_code == 1
    found = {(p["code"], p["pointer"]) for p in json.loads(result.stdout)}
    assert found == {
        ("logic-unknown-field", "/fields/7/branching_logic"),
        ("choice-code-duplicate", "/fields/2/choices/2/code"),
    }
    assert "2 error(s) found" in result.stderr


def test_validate_every_shipped_instrument_by_default():
    result = run("instruments", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("ok   ") == len(shipped_names())


def test_compile_writes_a_dictionary(tmp_path):
    out = tmp_path / "d.csv"
    result = run("instruments", "compile", "provider_scan", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("Variable / Field Name,Form Name,")
    out_json = tmp_path / "d.json"
    assert (
        run(
            "instruments", "compile", "provider_scan", "--format", "json", "-o", str(out_json)
        ).exit_code
        == 0
    )
    assert json.loads(out_json.read_text())[0]["field_name"] == "record_id"


def test_compile_refuses_a_broken_instrument_and_writes_nothing(tmp_path):
    data = base()
    data["fields"][0]["type"] = "radio"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "never.csv"
    result = run("instruments", "compile", str(path), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "nothing written" in result.stderr


def test_unknown_instrument_name_lists_the_valid_ones(tmp_path):
    result = CliRunner().invoke(
        main, ["instruments", "compile", "provder_scan", "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert "choose from:" in result.stderr and "provider_scan" in result.stderr


def test_import_then_compile_gives_the_same_dictionary(tmp_path):
    out = tmp_path / "demo.json"
    assert (
        run(
            "instruments",
            "import",
            FIXTURE,
            "-o",
            str(out),
            "--kind",
            "assessment",
            "--title",
            "Demographics",
        ).exit_code
        == 0
    )
    data = json.loads(out.read_text())
    assert data["kind"] == "assessment" and data["title"] == "Demographics"
    compiled = tmp_path / "again.csv"
    assert (
        run("instruments", "compile", str(out), "--headers", "api", "-o", str(compiled)).exit_code
        == 0
    )
    assert compiled.read_text().splitlines()[1].startswith("record_id,demographics,")


def test_show_describes_an_instrument():
    result = run("instruments", "show", "practice_readiness", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["id"] == "practice_readiness" and shown["waves"][0] == "baseline"
    assert shown["structure"] == "from the waves"


def test_show_sums_up_a_stated_structure(tmp_path):
    xml = Path(__file__).resolve().parents[1] / "fixtures/redcap-projects/test_long_project.xml"
    out = tmp_path / "long.json"
    assert run("instruments", "import", str(xml), "-o", str(out)).exit_code == 0
    shown = json.loads(run("instruments", "show", str(out), "--json").stdout)
    assert shown["structure"] == (
        "2 arm(s) (Drug A: 8 event(s), Drug B: 8 event(s)); "
        "repeating baseline_data on enrollment_arm_1"
    )


def test_schema_is_a_valid_json_schema_that_accepts_every_shipped_instrument(tmp_path):
    result = run("instruments", "schema")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    from importlib import resources

    for name in shipped_names():
        text = resources.files("instruments.definitions").joinpath(f"{name}.json").read_text()
        assert list(validator.iter_errors(json.loads(text))) == []


def test_schema_rejects_unknown_keys_like_the_loader():
    schema = json.loads(run("instruments", "schema").stdout)
    data = base()
    field(data, "lead_note")["branching_logc"] = "x"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert len(errors) == 1 and "branching_logc" in errors[0].message


# ``qiscan demo`` runs once for the tests below (about a minute: it deploys, simulates, pulls
# and reports every shipped instrument); each test checks one thing it leaves behind.


@dataclass(frozen=True)
class Demo:
    result: Result
    out: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    out = tmp_path_factory.mktemp("demo")
    return Demo(run("demo", "--out", str(out)), out)


@pytest.mark.slow
def test_demo_succeeds(demo: Demo) -> None:
    assert demo.result.exit_code == 0, demo.result.stderr


@pytest.mark.slow
def test_demo_compiles_every_shipped_instrument_to_a_csv_dictionary(demo: Demo) -> None:
    for name in shipped_names():
        assert (demo.out / f"{name}.csv").read_text().startswith("Variable / Field Name")


@pytest.mark.slow
def test_demo_compiles_every_shipped_instrument_to_a_json_dictionary(demo: Demo) -> None:
    for name in shipped_names():
        rows = json.loads((demo.out / f"{name}.json").read_text())
        assert rows[0]["field_name"] == "record_id"


@pytest.mark.slow
def test_demo_writes_the_translation_files_like_compile(demo: Demo) -> None:
    french = json.loads((demo.out / "provider_scan.fr.json").read_text(encoding="utf-8"))
    assert french["language"] == {"code": "fr", "name": "Français"}, "compiled like compile does"


@pytest.mark.slow
def test_the_shipped_french_scan_is_complete(demo: Demo) -> None:
    french = json.loads((demo.out / "provider_scan.fr.json").read_text(encoding="utf-8"))
    assert french["untranslated"] == [], "the shipped French scan is complete"


@pytest.mark.slow
def test_demo_pulls_one_snapshot_per_instrument_of_its_simulated_records(demo: Demo) -> None:
    store = SnapshotStore(demo.out / "instance" / "snapshots.sqlite")
    pulled = {next(iter(s.instrument_versions)): s.record_count for s in store.snapshots()}
    assert set(pulled) == set(shipped_names())
    coders = pulled.pop("qualitative_coding") / DEMO_SIZES["qualitative_coding"]
    assert coders == 3, "each excerpt is a record per coder"
    assert pulled == {name: n for name, n in DEMO_SIZES.items() if name != "qualitative_coding"}


@pytest.mark.slow
def test_demo_writes_each_planned_report_in_each_format_of_its_kind(demo: Demo) -> None:
    folder = demo.out / "reports"
    for kind, names in PLAN:
        if kind_of(kind).tidy:
            stem = kind if kind != "quality" else f"quality-{names[0]}"
            for fmt in report_formats(kind):
                assert (folder / f"{stem}.{fmt}").stat().st_size > 0, (stem, fmt)
        else:  # one report per practice: a zip of PDFs and one page to look at
            with zipfile.ZipFile(folder / f"{kind}.zip") as bundle:
                pdfs = [name for name in bundle.namelist() if name.endswith(".pdf")]
            assert len(pdfs) == DEMO_SIZES["practice_readiness"]
            assert (folder / f"{kind}-example.html").stat().st_size > 0


@pytest.mark.slow
def test_demo_statistics_and_the_committee_table_agree_row_for_row(demo: Demo) -> None:
    """One definition everywhere: the committee report's tidy table repeats the providers'
    statistics CSV, every row the same, counts, percents and intervals alike."""
    statistics = read_rows(demo.out / "stats" / "provider_scan.csv")
    committee = [
        row
        for row in read_rows(demo.out / "reports" / "committee.csv")
        if row["instrument"] == "provider_scan"
    ]
    assert len(statistics) > 300 and committee == statistics


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
