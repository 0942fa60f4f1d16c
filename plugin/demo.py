"""``qiscan demo``: the main job on the embedded default. For now: validate every shipped
instrument and compile each into a REDCap data dictionary (CSV and JSON) under ``--out``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from instruments import load_shipped, shipped_names
from instruments.dictionary import compile_dictionary, to_csv, to_json
from plugin.files import write_atomically


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
)
def demo(out: Path) -> None:
    """Validate and compile every shipped instrument into OUT."""
    failed = False
    for name in shipped_names():
        result = load_shipped(name)
        for problem in result.problems:
            click.echo(f"{problem.severity} {problem}", err=True)
        if not result.ok or result.instrument is None:
            failed = True
            continue
        rows = compile_dictionary([result.instrument])
        csv_path, json_path = out / f"{name}.csv", out / f"{name}.json"
        write_atomically(csv_path, to_csv(rows))
        write_atomically(json_path, to_json(rows))
        click.echo(f"{name:<20} {len(rows):>4} fields  {csv_path}  {json_path}", err=True)
    if failed:
        click.echo("some instruments have errors; see above", err=True)
        sys.exit(1)
    click.echo(f"compiled data dictionaries are in {out}/", err=True)
