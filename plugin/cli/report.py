"""``qiscan report``: the five reports from pulled snapshots, in any format.

    qiscan report committee --snapshot provider_scan --snapshot supporter_scan --format pdf -o c.pdf
    qiscan report practice --snapshot practice_readiness --format pdf -o practices.zip
    qiscan report practice --snapshot practice_readiness --practice PRA-012 -o p12.html
    qiscan report practice --snapshot practice_readiness --compare-by region -o practices.zip
    qiscan report cohort|coding|quality --snapshot ID --format html|pdf|xlsx|csv|json -o PATH

Practice feedback without ``--practice`` writes one file per practice into one zip; with
``--compare-by FIELD`` each practice is compared with the practices sharing its value of that
grouping field (its region, its size) instead of the whole cohort.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from instruments.reference_values import SHIPPED, ReferenceValuesError, find_references
from plugin.cli.output import say
from plugin.cli.reading import LANGUAGE_HELP, all_in_language, read_snapshots
from plugin.snapshots import SnapshotUnusable, provenance
from reports.catalogue import KINDS, build, misplaced, report_formats, unfit
from reports.kind import Request
from reports.render import FORMATS, Format, render, render_all
from scoring.peer_groups import check_comparison_field

# The command's option of each option the report kinds take (reports.kind.OPTIONS).
OPTION_FLAGS = {
    "practice": "--practice",
    "compare_by": "--compare-by",
    "supporters": "a second --snapshot",
    "suppress_below": "--suppress-below",
    "reference": "--reference",
    "field_period": "--field-period",
}


@click.command("report")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--snapshot",
    "snapshots",
    multiple=True,
    required=True,
    help="Snapshot id or instrument id (latest); committee: providers, then supporters.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help=f"Practice feedback: {', '.join(report_formats('practice'))}.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--practice", help="Practice feedback: only this practice (its id, e.g. PRA-012, or record id)."
)
@click.option(
    "--compare-by",
    help="Practice feedback: compare with the practices of the same value of this grouping "
    "field (e.g. region, practice_size) instead of the whole cohort.",
)
@click.option("--suppress-below", type=click.IntRange(1), help="Withhold counts below N.")
@click.option("--field-period", default="", help="Committee: the survey's field period, as text.")
@click.option(
    "--reference",
    help="Committee: an earlier scan's published shares to set beside this one's: a JSON file, "
    f"or a shipped name ({SHIPPED}: the 2017 scan of the source document).",
)
@click.option("--language", metavar="CODE", help=LANGUAGE_HELP)
def report_command(
    kind: str,
    snapshots: tuple[str, ...],
    fmt: str,
    output: Path,
    practice: str | None,
    compare_by: str | None,
    suppress_below: int | None,
    field_period: str,
    reference: str | None,
    language: str | None,
) -> None:
    """Write the KIND report of one or more pulled snapshots to OUTPUT."""
    pulled = all_in_language(read_snapshots(snapshots), language)
    first = pulled[0]
    problem = unfit(kind, first.instrument, fmt)
    if problem:
        raise click.ClickException(f"snapshot {first.snapshot.id}: {problem}")
    given = {
        "practice": practice,
        "compare_by": compare_by,
        "supporters": pulled[1] if len(pulled) > 1 else None,
        "suppress_below": suppress_below,
        "reference": reference,
        "field_period": field_period or None,
    }
    for option, message in misplaced(kind, given).items():
        raise click.ClickException(f"{OPTION_FLAGS[option]}: {message}")
    instruments = [p.instrument for p in pulled]
    try:
        references = None if reference is None else find_references(reference, instruments)
        check_comparison_field(first.instrument, compare_by)
    except (ReferenceValuesError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    request = Request(
        pulled,
        provenance([p.snapshot for p in pulled], instruments),
        practice=practice,
        compare_by=compare_by,
        suppress_below=suppress_below,
        field_period=field_period,
        references=references,
    )
    try:
        made = build(kind, request)
        if isinstance(made, list):
            with click.progressbar(
                length=len(made), label=f"rendering {len(made)} reports", file=sys.stderr
            ) as bar:
                written = render_all(
                    made, output, cast(Format, fmt), lambda done, _: bar.update(done - bar.pos)
                )
            say(f"{len(made)} {kind} report(s) in {written}")
        else:
            written = render(made, output, cast(Format, fmt))
            say(f"{kind} report in {written}")
    except SnapshotUnusable as exc:
        raise click.ClickException(
            f"{exc.message} (qiscan report quality lists such problems)"
        ) from None
    except ValueError as exc:
        say(f"error {exc}")
        sys.exit(1)
