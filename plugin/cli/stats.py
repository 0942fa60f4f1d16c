"""``qiscan stats``: the tidy statistics table of a pulled snapshot, as CSV.

SNAPSHOT is a snapshot id, or an instrument id (the latest snapshot pulled for it). The records
are decoded with the instrument the snapshot was pulled for (shipped, or uploaded to the
instance's service), or the one ``--instrument`` names; every statistic is computed and the
long table is written with text cells neutralised for spreadsheets.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast, get_args

import click

from plugin.cli.output import say
from plugin.cli.reading import LANGUAGE_HELP, in_language, read_snapshots
from reports.files import write_atomically
from reports.tables import to_csv
from scoring.decode import Responses, decode
from scoring.questions import Adjustment, Options
from scoring.respondents import Partials
from scoring.statistics import statistics_table
from scoring.units import check_units


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
    type=click.Choice(get_args(Partials)),
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
    type=click.Choice(get_args(Adjustment)),
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
    (loaded,) = read_snapshots((snapshot,), instrument_name)
    found = loaded.snapshot
    instrument = in_language(loaded.instrument, language)
    try:
        check = check_units(decode(loaded.records, instrument))
        responses = check.responses  # the rows the service's results read too
        options = Options(
            keep_missing=keep_missing,
            suppress_below=suppress_below,
            # click checked both against the same Literal types (the options' choices)
            adjust=cast(Adjustment | None, adjust),
            partials=cast(Partials, partials),
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
