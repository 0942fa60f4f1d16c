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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import click
import pandas as pd

from instruments.model import Instrument
from instruments.reference_values import SHIPPED, References, ReferenceValuesError, find_references
from plugin.cli.stats import LANGUAGE_HELP, in_language, instrument_for
from plugin.pull import Snapshot, SnapshotStore
from plugin.snapshots import SnapshotNotFound, find_snapshot, provenance, snapshot_records
from plugin.target import Instance
from reports.catalogue import KINDS, report_formats, unfit
from reports.coding import build_coding
from reports.cohort import build_cohort
from reports.committee import build_committee
from reports.model import Provenance, Report
from reports.practice import build_practice, build_practices
from reports.quality import build_quality
from reports.render import FORMATS, Format, render, render_all
from scoring.decode import Responses, decode
from scoring.peer_groups import check_comparison_field


def say(message: str) -> None:
    click.echo(message, err=True)


@dataclass(frozen=True)
class Pulled:
    snapshot: Snapshot
    instrument: Instrument
    records: pd.DataFrame

    def responses(self) -> Responses:
        try:
            return decode(self.records, self.instrument)
        except ValueError as exc:
            raise click.ClickException(
                f"snapshot {self.snapshot.id}: {exc} (qiscan report quality lists such problems)"
            ) from None


def load(store: SnapshotStore, names: tuple[str, ...], language: str | None = None) -> list[Pulled]:
    """The snapshots and their instruments, with labels in ``language`` where given. An
    instrument not translated into it keeps its own labels, said on stderr, so a committee
    report of a translated provider scan and an untranslated supporter scan can still be made;
    no instrument translated into it is a usage error."""
    found = []
    for name in names:
        try:
            snapshot = find_snapshot(store, name)
        except SnapshotNotFound as exc:
            raise click.ClickException(str(exc)) from None
        found.append(
            Pulled(snapshot, instrument_for(snapshot, None), snapshot_records(store, snapshot))
        )
    if language is None:
        return found
    speaks = [language in (p.instrument.language, *p.instrument.translations) for p in found]
    if not any(speaks):
        in_language(found[0].instrument, language)  # the usage error, naming the languages
    for p, speaking in zip(found, speaks, strict=True):
        if not speaking:
            say(
                f"warning: {p.instrument.id} has no '{language}' translation; its labels stay "
                f"in '{p.instrument.language}'"
            )
    return [
        replace(p, instrument=in_language(p.instrument, language)) if speaking else p
        for p, speaking in zip(found, speaks, strict=True)
    ]


def build(
    kind: str,
    pulled: list[Pulled],
    source: Provenance,
    *,
    practice: str | None,
    suppress_below: int | None,
    field_period: str,
    compare_by: str | None = None,
    references: References | None = None,
) -> Report | list[Report]:
    first = pulled[0]
    if kind == "committee":
        supporters = pulled[1].responses() if len(pulled) > 1 else None
        return build_committee(
            first.responses(),
            supporters,
            provenance=source,
            field_period=field_period,
            suppress_below=suppress_below,
            references=references,
        )
    if kind == "quality":
        return build_quality(first.records, first.instrument, provenance=source)
    if kind == "cohort":
        return build_cohort(first.responses(), provenance=source)
    if kind == "coding":
        return build_coding(first.responses(), provenance=source)
    if practice is not None:
        return build_practice(first.responses(), practice, provenance=source, compare_by=compare_by)
    return build_practices(first.responses(), provenance=source, compare_by=compare_by)


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
    pulled = load(SnapshotStore(Instance.default().snapshots), snapshots, language)
    first = pulled[0]
    problem = unfit(kind, first.instrument, fmt)
    if problem:
        raise click.ClickException(f"snapshot {first.snapshot.id}: {problem}")
    if practice is not None and kind != "practice":
        raise click.ClickException("--practice is for practice feedback only")
    if compare_by is not None and kind != "practice":
        raise click.ClickException("--compare-by is for practice feedback only")
    if reference is not None and kind != "committee":
        raise click.ClickException("--reference is for the committee report only")
    references = None
    if reference is not None:
        try:
            references = find_references(reference, [p.instrument for p in pulled])
        except ReferenceValuesError as exc:
            raise click.ClickException(str(exc)) from None
    if kind == "practice":
        try:
            check_comparison_field(first.instrument, compare_by)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    source = provenance([p.snapshot for p in pulled], [p.instrument for p in pulled])
    try:
        made = build(
            kind,
            pulled,
            source,
            practice=practice,
            suppress_below=suppress_below,
            field_period=field_period,
            compare_by=compare_by,
            references=references,
        )
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
    except ValueError as exc:
        say(f"error {exc}")
        sys.exit(1)
