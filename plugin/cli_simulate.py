"""``qiscan simulate``: realistic responses for an instrument, reproducible from a seed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from plugin.cli_instruments import resolve
from plugin.files import write_atomically
from plugin.simulate import simulate


@click.command("simulate")
@click.argument("instrument")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Respondents, practices (instruments with waves) or excerpts (coding).",
)
@click.option("--waves", type=click.IntRange(min=1), help="Limit to the first K waves.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the REDCap import file.",
)
def simulate_command(
    instrument: str, count: int, waves: int | None, seed: int, fmt: str, output: Path
) -> None:
    """Write simulated REDCap import rows for INSTRUMENT (a shipped name or a path)."""
    result = resolve(instrument)
    if result.instrument is None or not result.ok:
        for problem in result.errors:
            click.echo(f"error {problem}", err=True)
        sys.exit(1)
    try:
        rows = simulate(result.instrument, seed=seed, n=count, waves=waves)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    write_atomically(output, to_csv(rows) if fmt == "csv" else json.dumps(rows, indent=1) + "\n")
    records = len({row[result.instrument.record_id] for row in rows})
    click.echo(f"wrote {output}: {len(rows)} rows for {records} records (seed {seed})", err=True)


def to_csv(rows: list[dict[str, str]]) -> str:
    """REDCap's flat import CSV: the union of the rows' columns, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
