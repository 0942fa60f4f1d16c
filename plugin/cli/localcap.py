"""``qiscan localcap ...``: run the embedded REDCap-compatible API server, create projects.

The super token (the one that may create projects) comes from ``QISCAN_LOCALCAP_SUPER_TOKEN``;
when that is unset a new one is generated and printed once to stderr, because it is the only way
to learn it. Project tokens printed by ``create-project`` go to stdout for scripts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from plugin.cli.output import say
from plugin.localcap.app import SUPER_TOKEN, create_app
from plugin.localcap.creation import create_project, new_token
from plugin.localcap.errors import ApiError
from plugin.localcap.odm import read_odm
from plugin.localcap.server import serve_forever
from plugin.localcap.storage import has_super_token, initialise, open_database
from plugin.redcap import RedcapProblem
from plugin.target import Instance, embedded_localcap

SUPER_TOKEN_ENV = "QISCAN_LOCALCAP_SUPER_TOKEN"


def super_token_from(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The configured super token, or a new one; the flag says whether it was generated."""
    token = environ.get(SUPER_TOKEN_ENV, "").strip()
    if not token:
        return new_token(64), True
    if not SUPER_TOKEN.match(token):
        raise click.UsageError(
            f"{SUPER_TOKEN_ENV} must hold 64 letters and digits (REDCap's super token format); "
            "unset it to have one generated."
        )
    return token, False


@click.group()
def localcap() -> None:
    """The embedded REDCap-compatible API server (SQLite)."""


@localcap.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks one."
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="SQLite file; created when missing.",
)
@click.option(
    "--base-url", help="REDCap's own address as clients see it (default: where it listens)."
)
def serve(host: str, port: int, db_path: Path, base_url: str | None) -> None:
    """Serve REDCap's API at http://HOST:PORT/api/ (and survey pages at /surveys/) until
    interrupted. Serving the embedded default's database (instance/localcap.sqlite) on the
    default port makes the survey links qiscan invite wrote open for members."""
    token: str | None
    if not os.environ.get(SUPER_TOKEN_ENV, "").strip() and has_super_token(db_path):
        # A database that has one keeps it: the embedded default's secrets file still holds it.
        token = None
        say(f"localcap keeps the super token already in {db_path}")
    else:
        token, generated = super_token_from(os.environ)
        if generated:
            say(f"localcap super token (shown once; set {SUPER_TOKEN_ENV} to keep one): {token}")
    app = create_app(db_path, base_url=base_url, super_token=token)
    serve_forever(app, host, port, lambda url: say(f"localcap API at {url} (database {db_path})"))


@localcap.command("create-project")
@click.argument("xml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="SQLite file; created when missing.",
)
@click.option("--title", help="Project title (default: the XML's study name).")
def create_project_command(xml: Path, db_path: Path, title: str | None) -> None:
    """Create a project from a REDCap project XML and print its API token."""
    initialise(db_path)
    try:
        definition = read_odm(xml.read_text(encoding="utf-8"), title)
    except ApiError as exc:
        raise click.ClickException(f"{xml}: {exc.message}") from None
    with open_database(db_path) as db:
        token = create_project(db, definition)
    say(f"created project '{definition.title}' in {db_path}")
    click.echo(token)


@localcap.command("trigger")
@click.argument("project")
@click.argument("url")
def trigger_command(project: str, url: str) -> None:
    """Set the Data Entry Trigger URL of the embedded project PROJECT ("" clears it).

    REDCap keeps this in Project Setup; localcap POSTs REDCap's trigger fields to URL each time
    a survey page is saved.
    """
    instance = Instance.default()
    token = instance.read_secrets().get(f"project:{project}")
    if token is None:
        raise click.ClickException(
            f"no embedded project '{project}' in {instance.folder}; deploy it first "
            f"(qiscan deploy {project} --apply)"
        )
    with embedded_localcap(instance) as running:
        try:
            running.admin.set_data_entry_trigger(token, url)
        except RedcapProblem as exc:
            raise click.ClickException(str(exc)) from None
    say(f"data entry trigger of '{project}': {url or '(none)'}")
