"""``qiscan instruments ...``: list, show, validate, compile, import and publish the schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from instruments import load_instrument, load_shipped, shipped_names
from instruments.dictionary import compile_dictionary, import_dictionary, to_csv, to_json
from instruments.dictionary.importer import DictionaryError
from instruments.dictionary.odm_import import ProjectXmlError, import_project_xml, is_project_xml
from instruments.json_schema import instrument_json_schema
from instruments.model import Instrument
from instruments.problems import InstrumentError, ValidationResult
from instruments.translation_file import translation_files
from plugin.cli.output import say
from reports.files import write_atomically


def resolve(name_or_path: str) -> ValidationResult:
    """A shipped instrument by name, or an instrument file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        return load_instrument(path)
    try:
        return load_shipped(name_or_path)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="NAME") from None


@click.group()
def instruments() -> None:
    """Instrument definitions: list, show, validate, compile to REDCap, import from REDCap."""


@instruments.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
def list_command(as_json: bool) -> None:
    """List the instruments qiscan ships."""
    rows = []
    for name in shipped_names():
        instrument = load_shipped(name).instrument
        if instrument is not None:
            rows.append(
                {
                    "id": instrument.id,
                    "version": instrument.version,
                    "kind": instrument.kind,
                    "title": instrument.title,
                }
            )
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        click.echo(f"{row['id']:<22} {row['version']:<8} {row['kind']:<11} {row['title']}")


@instruments.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the instrument's JSON definition.")
def show_command(name: str, as_json: bool) -> None:
    """Describe one instrument (a shipped name or a path)."""
    result = resolve(name)
    _print_problems(result)
    instrument = _loaded_or_exit(result)
    if as_json:
        click.echo(json.dumps(summary(instrument), indent=1, ensure_ascii=False))
        return
    for key, value in summary(instrument).items():
        click.echo(f"{key:<12} {value}")


def summary(instrument: Instrument) -> dict:
    waves = instrument.waves
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title,
        "kind": instrument.kind,
        "respondent": instrument.respondent,
        "source": instrument.source.citation,
        "forms": [f.name for f in instrument.forms],
        "fields": len(instrument.fields),
        "domains": [d.name for d in instrument.domains],
        "grouping": instrument.grouping,
        "waves": [e.name for e in waves.events]
        if waves and waves.mode == "events"
        else (f"repeating {waves.form} dated by {waves.date_field}" if waves else "none"),
        "scales": [s.name for s in instrument.scales],
        "composites": [s.name for s in instrument.composites],
        "missing_codes": [m.code for m in instrument.missing_codes],
        "structure": _structure_summary(instrument),
    }


def _structure_summary(instrument: Instrument) -> str:
    """The stated REDCap structure in a line: each arm's events, then what repeats where."""
    structure = instrument.structure
    if structure is None:
        return "from the waves"
    arms = [
        f"{arm.name}: {sum(1 for e in structure.events if e.arm == arm.number)} event(s)"
        for arm in structure.arms
    ]
    repeats = [
        (f"{repeat.form} on {repeat.event}" if repeat.event else repeat.form)
        if repeat.form
        else f"event {repeat.event}"
        for repeat in structure.repeating
    ]
    parts = [f"{len(arms)} arm(s) ({', '.join(arms)})"] if arms else []
    parts += [f"repeating {', '.join(repeats)}"] if repeats else []
    return "; ".join(parts) or "stated, empty"


@instruments.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Every problem as JSON on stdout.")
def validate_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Check instrument files (every shipped one when no path is given)."""
    results = (
        [load_instrument(Path(p)) for p in paths]
        if paths
        else [load_shipped(name) for name in shipped_names()]
    )
    failed = False
    report: list[dict] = []
    for result in results:
        failed = failed or not result.ok
        report.extend(p.as_dict() for p in result.problems)
        _print_problems(result)
        if result.instrument is not None and result.ok:
            say(
                f"ok   {result.instrument.read_from}: {len(result.instrument.fields)} fields, "
                f"{len(result.warnings)} warning(s)"
            )
    if as_json:
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
    if failed:
        errors = sum(len(r.errors) for r in results)
        say(f"{errors} error(s) found")
        sys.exit(1)


@instruments.command("compile")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--headers",
    type=click.Choice(["ui", "api"]),
    default="ui",
    show_default=True,
    help="CSV headers: as REDCap's download (ui) or the API's raw names.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def compile_command(names: tuple[str, ...], fmt: str, headers: str, output: Path) -> None:
    """Compile instruments (shipped names or paths) into one REDCap data dictionary.

    The dictionary holds the primary language; each other language an instrument is translated
    into is written beside it as OUTPUT's name with .<code>.json (d.csv -> d.fr.json), a
    qiscan translation file for the project's designer to enter in REDCap's Multi-Language
    Management.
    """
    loaded = []
    for name in names:
        result = resolve(name)
        _print_problems(result)
        loaded.append(_loaded_or_exit(result))
    try:
        rows = compile_dictionary(loaded)
    except InstrumentError as exc:
        for problem in exc.problems:
            say(f"error {problem}")
        sys.exit(1)
    write_atomically(output, to_csv(rows, headers=headers) if fmt == "csv" else to_json(rows))
    say(f"wrote {output}: {len(rows)} fields")
    write_translations(output, loaded)


def write_translations(output: Path, loaded: list[Instrument]) -> None:
    """Write a translation file per language other than the primary one beside ``output``."""
    for code, texts in translation_files(loaded).items():
        path = translation_path(output, code)
        write_atomically(path, json.dumps(texts, indent=2, ensure_ascii=False) + "\n")
        untranslated = len(texts["untranslated"])
        say(
            f"wrote {path}: the {texts['language']['name']} texts, for REDCap's Multi-Language "
            "Management"
            + (f" ({untranslated} left in the primary language)" if untranslated else "")
        )


def translation_path(output: Path, language: str) -> Path:
    """Where compile writes a language's translation file: beside the dictionary,
    ``d.csv`` -> ``d.fr.json``."""
    return output.with_suffix(f".{language}.json")


@instruments.command("import")
@click.argument("dictionary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--id", "instrument_id", help="Instrument id (default: from the file name).")
@click.option("--title", help="Instrument title (default: the project's title, or the file name).")
@click.option(
    "--kind",
    type=click.Choice(["survey", "assessment", "coding"]),
    default="survey",
    show_default=True,
)
def import_command(
    dictionary: Path, output: Path, instrument_id: str | None, title: str | None, kind: str
) -> None:
    """Convert a REDCap data dictionary CSV, or a whole REDCap project XML (its forms, fields,
    events, surveys and missing-data codes), into an instrument JSON file."""
    importer = import_project_xml if is_project_xml(dictionary.read_bytes()) else import_dictionary
    try:
        imported = importer(dictionary, instrument_id=instrument_id, title=title, kind=kind)
    except (DictionaryError, ProjectXmlError) as exc:
        say(f"error {exc}")
        sys.exit(1)
    for warning in imported.warnings:
        say(f"warning {warning}")
    check = load_instrument(imported.data, name=output.name)
    write_atomically(output, json.dumps(imported.data, indent=2, ensure_ascii=False) + "\n")
    _print_problems(check)
    say(
        f"wrote {output}: {len(imported.data['fields'])} fields"
        + (f"; fix the {len(check.errors)} error(s) above before compiling" if check.errors else "")
    )


@instruments.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def schema_command(output: Path | None) -> None:
    """Print (or write) the JSON Schema of the instrument format."""
    text = json.dumps(instrument_json_schema(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)
        say(f"wrote {output}")


def _print_problems(result: ValidationResult) -> None:
    for problem in result.problems:
        say(f"{problem.severity} {problem}")


def _loaded_or_exit(result: ValidationResult) -> Instrument:
    if result.instrument is None or not result.ok:
        say(f"{len(result.errors)} error(s): nothing written")
        sys.exit(1)
    return result.instrument
