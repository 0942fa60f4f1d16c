"""``qiscan simulate``: realistic responses for an instrument, reproducible from a seed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from instruments.model import Instrument
from plugin.cli.instruments import resolve
from plugin.cli.output import say
from plugin.redcap import RedcapProblem
from plugin.simulate import simulate
from plugin.simulated_import import RealAnswersFound, mark_simulated, safe_rows
from plugin.target import open_for
from reports.files import write_atomically


@click.command(
    "simulate", short_help="Simulate REDCap responses for INSTRUMENT (a shipped name or a path)."
)
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
    help="Write the REDCap import file here.",
)
@click.option(
    "--import",
    "into_redcap",
    is_flag=True,
    help="Import the rows into the REDCap project (or embedded localcap).",
)
@click.option(
    "--fill-missing",
    is_flag=True,
    help="With --import into a project holding real answers: add simulated records only where "
    "none holds a response yet (real records are never written).",
)
@click.option("--project", help="Project name in embedded localcap (default: the instrument id).")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True)
def simulate_command(
    instrument: str,
    count: int,
    waves: int | None,
    seed: int,
    fmt: str,
    output: Path | None,
    into_redcap: bool,
    fill_missing: bool,
    project: str | None,
    batch_size: int,
) -> None:
    """Simulate REDCap responses for INSTRUMENT (a shipped name or a path): write them to a
    file with -o, import them with --import, or both.

    Simulated records are marked: their ids begin with SIM-, and reports say how many of the
    respondents are simulated. --import refuses a project that holds real answers, naming
    them, unless --fill-missing is given; a real record is never written."""
    if output is None and not into_redcap:
        raise click.UsageError("say where the rows go: -o FILE, --import, or both")
    result = resolve(instrument)
    if result.instrument is None or not result.ok:
        for problem in result.errors:
            click.echo(f"error {problem}", err=True)
        sys.exit(1)
    try:
        rows = simulate(result.instrument, seed=seed, n=count, waves=waves)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    rows = mark_simulated(rows, result.instrument.record_id)
    records = len({row[result.instrument.record_id] for row in rows})
    if output is not None:
        text = to_csv(rows) if fmt == "csv" else json.dumps(rows, indent=1) + "\n"
        write_atomically(output, text)
        say(f"wrote {output}: {len(rows)} rows for {records} records (seed {seed})")
    if into_redcap:
        imported = import_rows(result.instrument, rows, project, batch_size, fill_missing)
        say(f"imported {imported} simulated records into {project or result.instrument.id}")


def import_rows(
    instrument: Instrument,
    rows: list[dict[str, str]],
    project: str | None,
    batch_size: int,
    fill_missing: bool,
) -> int:
    """Import the simulated rows where no real answer can be touched (see
    :mod:`plugin.simulated_import`)."""
    try:
        with open_for([instrument], project) as client:
            safe = safe_rows(client, instrument, rows, fill_missing=fill_missing)
            if safe.real:
                say(f"left alone: {len(safe.real)} record(s) holding real answers")
            if safe.skipped:
                say(f"left alone: {len(safe.skipped)} simulated record(s) already answered")
            if not safe.rows:
                return 0
            return client.import_in_batches(safe.rows, instrument.record_id, batch_size=batch_size)
    except RealAnswersFound as exc:
        say(f"error {exc}")
        sys.exit(1)
    except RedcapProblem as exc:
        say(f"error {exc}")
        sys.exit(1)
    except ValueError as exc:
        say(f"error the project's records do not read as {instrument.id}: {exc}")
        sys.exit(1)


def to_csv(rows: list[dict[str, str]]) -> str:
    """REDCap's flat import CSV: the union of the rows' columns, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
