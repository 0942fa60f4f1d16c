"""``qiscan invite``: invite member organisations to a survey, and follow who has answered."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from plugin.cli_instruments import resolve
from plugin.files import write_atomically
from plugin.invite import (
    InvitationStore,
    MemberListError,
    invitation_status,
    invite,
    mail_merge,
    organisation_field,
    read_members,
)
from plugin.redcap import RedcapProblem
from plugin.target import Instance, open_for


def say(message: str) -> None:
    click.echo(message, err=True)


@click.command("invite")
@click.argument("instrument")
@click.argument(
    "members", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--status", is_flag=True, help="Show each invited member's state instead.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mail-merge file (default: out/<instrument>-invitations.csv).",
)
@click.option("--project", help="Project name in embedded localcap (default: the instrument id).")
def invite_command(
    instrument: str, members: Path | None, status: bool, output: Path | None, project: str | None
) -> None:
    """Create a record per member in MEMBERS (a CSV with name, email and organisation_type),
    fetch each member's survey link and return code, and write a mail-merge file."""
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
                rows = invitation_status(client, loaded, store)
                for invitation, state in rows:
                    click.echo(f"{invitation.record:>6}  {state:<12} {invitation.name}")
                counts = {
                    s: sum(1 for _, state in rows if state == s)
                    for s in ("complete", "partial", "not started")
                }
                say(", ".join(f"{n} {s}" for s, n in counts.items()) + f" of {len(rows)} invited")
                return
            assert members is not None  # checked above; narrows the type
            org = organisation_field(loaded)
            people = read_members(members.read_bytes(), file=members.name, org_field=org)
            done = invite(client, loaded, people, store)
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
