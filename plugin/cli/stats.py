"""``qiscan stats``: the tidy statistics table of a pulled snapshot, as CSV.

SNAPSHOT is a snapshot id, or an instrument id (the latest snapshot pulled for it). The records
are decoded with the instrument (the snapshot's own when it was pulled for one), every statistic
is computed and the long table is written with text cells neutralised for spreadsheets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from instruments.model import Instrument
from instruments.translate import UnknownLanguage, translated
from plugin.cli.instruments import resolve
from plugin.files import write_atomically
from plugin.pull import Snapshot, SnapshotStore
from plugin.snapshots import SnapshotNotFound, find_snapshot, snapshot_records
from plugin.target import Instance
from reports.tables import to_csv
from scoring.decode import Responses, decode
from scoring.questions import Options
from scoring.statistics import statistics_table
from scoring.units import check_units


def say(message: str) -> None:
    click.echo(message, err=True)


def instrument_for(snapshot: Snapshot, name: str | None) -> Instrument:
    if name is None:
        if len(snapshot.instruments) != 1:
            listed = ", ".join(snapshot.instruments) or "none recorded"
            raise click.UsageError(
                f"snapshot {snapshot.id} was pulled for {listed}: name one with --instrument"
            )
        name = next(iter(snapshot.instruments))
    result = resolve(name)
    for problem in result.errors:
        say(f"error {problem}")
    if result.instrument is None or not result.ok:
        sys.exit(1)
    pulled = snapshot.instruments.get(result.instrument.id)
    if pulled is not None and pulled != result.instrument.version:
        say(
            f"warning: snapshot {snapshot.id} was pulled for {result.instrument.id} "
            f"{pulled}; scoring with version {result.instrument.version}"
        )
    return result.instrument


def in_language(instrument: Instrument, language: str | None) -> Instrument:
    """The instrument with its labels in ``language`` (as it is without one); a language it is
    not translated into is a usage error naming those it is."""
    if language is None:
        return instrument
    try:
        return translated(instrument, language)
    except UnknownLanguage as exc:
        raise click.BadParameter(str(exc), param_hint="'--language'") from None


LANGUAGE_HELP = (
    "Labels in this language: a code the instrument is translated into (e.g. fr). "
    "Codes and numbers are the same in every language."
)


def report_invalid(responses: Responses) -> None:
    invalid = responses.invalid
    if invalid.empty:
        return
    say(f"warning: {len(invalid)} value(s) do not fit their field and were left out:")
    for _, row in invalid.head(10).iterrows():
        where = f"record {row['record']} {row['wave']} {row['column']}".replace("  ", " ")
        say(f"  {where}: {row['raw']!r} ({row['reason']})")
    if len(invalid) > 10:
        say(f"  ... and {len(invalid) - 10} more")


@click.command("stats")
@click.argument("snapshot")
@click.option(
    "--instrument", "instrument_name", help="Instrument id or file (default: the snapshot's)."
)
@click.option(
    "--by", help="A grouping field: each group's rows beside the overall ones, and tests."
)
@click.option(
    "--waves", is_flag=True, help="Add the scales' change across waves (per group with --by)."
)
@click.option(
    "--partials",
    type=click.Choice(["include", "exclude"]),
    default="include",
    show_default=True,
    help="Partial responses: counted for the questions they answered, or left out.",
)
@click.option(
    "--keep-missing",
    multiple=True,
    metavar="CODE",
    help="A missing-data code kept in denominators as an answer (repeatable).",
)
@click.option(
    "--suppress-below",
    type=click.IntRange(1),
    help="Withhold counts below N, and the cells that would reveal them.",
)
@click.option(
    "--adjust",
    type=click.Choice(["holm", "fdr_bh"]),
    help="Adjust the group tests' p-values across questions.",
)
@click.option("--language", metavar="CODE", help=LANGUAGE_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def stats_command(
    snapshot: str,
    instrument_name: str | None,
    by: str | None,
    waves: bool,
    partials: str,
    keep_missing: tuple[str, ...],
    suppress_below: int | None,
    adjust: str | None,
    language: str | None,
    output: Path,
) -> None:
    """Write the statistics of SNAPSHOT (an id, or an instrument's latest) as one long CSV."""
    store = SnapshotStore(Instance.default().snapshots)
    try:
        found = find_snapshot(store, snapshot)
    except SnapshotNotFound as exc:
        raise click.ClickException(str(exc)) from None
    instrument = in_language(instrument_for(found, instrument_name), language)
    records = snapshot_records(store, found)
    try:
        check = check_units(decode(records, instrument))
        responses = check.responses  # the rows the service's results read too
        options = Options(
            keep_missing=keep_missing,
            suppress_below=suppress_below,
            adjust=adjust,  # type: ignore[arg-type]
            partials=partials,  # type: ignore[arg-type]
        )
        table = statistics_table(responses, options, by=by, waves=waves)
    except ValueError as exc:
        raise click.ClickException(f"snapshot {found.id}: {exc}") from None
    report_invalid(responses)
    for message in check.messages():
        say(f"set aside: {message}")
    write_atomically(output, to_csv(table))
    say(
        f"snapshot {found.id} ({found.project}, {found.record_count} records): "
        f"{len(table)} statistics in {output}"
    )
