"""``qiscan invite``: invite member organisations to a survey, and follow who has answered."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from instruments.model import Instrument
from instruments.translate import languages
from plugin.cli.instruments import resolve
from plugin.cli.output import say
from plugin.invite import (
    InvitationStore,
    MemberListError,
    invitation_status,
    invite,
    mail_merge,
    organisation_field,
    read_members,
)
from plugin.pull import Snapshot, SnapshotStore, pull
from plugin.pull.pull import project_key
from plugin.redcap import RedcapClient, RedcapProblem
from plugin.service.config import instance_snapshots
from plugin.snapshots import SnapshotNotFound, find_snapshot, snapshot_records
from plugin.target import Instance, open_for
from reports.files import write_atomically
from scoring.decode import decode
from scoring.respondents import respondents


@click.command(
    "invite",
    short_help="Create a record per member in MEMBERS, with their survey links and a mail-merge "
    "file.",
)
@click.argument("instrument")
@click.argument(
    "members", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--status", is_flag=True, help="Show each invited member's state instead.")
@click.option(
    "--snapshot",
    help="With --status: read this pulled snapshot (an id) instead of pulling a new one.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mail-merge file (default: out/<instrument>-invitations.csv).",
)
@click.option("--project", help="Project name in embedded localcap (default: the instrument id).")
def invite_command(
    instrument: str,
    members: Path | None,
    status: bool,
    snapshot: str | None,
    output: Path | None,
    project: str | None,
) -> None:
    """Create a record per member in MEMBERS (a CSV with name, email and organisation_type,
    and optionally language: the survey page's language for that member, e.g. fr), fetch each
    member's survey link and return code, and write a mail-merge file.

    With --status, pull the project (or read --snapshot) and show where each member stands,
    counted as every report and the statistics count respondents, with the snapshot's id."""
    result = resolve(instrument)
    if result.instrument is None or not result.ok:
        for problem in result.errors:
            say(f"error {problem}")
        sys.exit(1)
    loaded = result.instrument
    store = InvitationStore(Instance.default().invitations)
    if not status and members is None:
        raise click.UsageError("give the member list (MEMBERS), or --status")
    try:
        with open_for([loaded], project) as client:
            if status:
                show_status(client, loaded, store, snapshot)
                return
            assert members is not None  # checked above; narrows the type
            org = organisation_field(loaded)
            people = read_members(
                members.read_bytes(),
                file=members.name,
                org_field=org,
                languages=languages(loaded),
            )
            with click.progressbar(length=len(people), label="inviting", file=sys.stderr) as bar:

                def progress(linked: int, total: int) -> None:
                    bar.length = total
                    bar.update(linked - bar.pos)

                done = invite(client, loaded, people, store, progress)
    except MemberListError as exc:
        say(f"error {exc}")
        sys.exit(1)
    except (RedcapProblem, ValueError) as exc:
        say(f"error {exc}")
        sys.exit(1)
    for warning in done.warnings:
        say(f"warning {warning}")
    target = output or Path("out") / f"{loaded.id}-invitations.csv"
    write_atomically(target, mail_merge(done.invitations, org))
    say(
        f"invited {done.created} new member(s), {len(done.invitations)} in all; "
        f"mail-merge file {target}"
    )


def show_status(
    client: RedcapClient, instrument: Instrument, store: InvitationStore, name: str | None
) -> None:
    """Each invited member's state in a snapshot (pulled now unless named), then the counts and
    response rates of the whole snapshot, as the committee report gives them."""
    snapshots = SnapshotStore(instance_snapshots(Instance.default()))
    found = _status_snapshot(client, instrument, snapshots, name)
    responses = decode(snapshot_records(snapshots, found), instrument)
    who = respondents(responses)
    invited = store.invitations(project_key(client, client.project_info()))
    rows = invitation_status(invited, responses, who)
    for invitation, state in rows:
        click.echo(f"{invitation.record:>6}  {state:<12} {invitation.name}")
    counts = {s: sum(1 for _, state in rows if state == s) for s in ("complete", "partial")}
    started = counts["complete"] + counts["partial"]
    say(
        f"{counts['complete']} complete, {counts['partial']} partial, "
        f"{len(rows) - started} not started of {len(rows)} invited"
    )
    total = who.counts()
    rates = who.rates()
    say(
        f"snapshot {found.id}: {total['records']} records, {total['respondents']} respondents "
        f"({total['complete']} complete, {total['partial']} partial), AAPOR RR1 "
        f"{rates.rr1:.1%}, RR2 {rates.rr2:.1%}"
    )


def _status_snapshot(
    client: RedcapClient, instrument: Instrument, snapshots: SnapshotStore, name: str | None
) -> Snapshot:
    if name is not None:
        try:
            return find_snapshot(snapshots, name)
        except SnapshotNotFound as exc:
            raise click.ClickException(str(exc)) from None
    result = pull(client, snapshots, instruments={instrument.id: instrument.version})
    return result.snapshot
