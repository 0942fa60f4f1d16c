"""The ``qiscan`` command line. Messages for people go to stderr, ``--json`` output to stdout,
and any error gives a non-zero exit status.

Each command's module is imported only when that command runs: the statistics and report
commands bring pandas, scipy, statsmodels and WeasyPrint, the service Flask, and ``qiscan --help``
needs none of them. The group lists the commands from :data:`COMMANDS` (module, name and the
one-line help each command's docstring opens with; a test keeps the two the same).
"""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, one-line help), in the order ``qiscan --help`` lists them.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "instruments": (
        "plugin.cli.instruments",
        "instruments",
        "Instrument definitions: list, show, validate, compile to REDCap, import from REDCap.",
    ),
    "demo": (
        "plugin.cli.demo",
        "demo",
        "Compile, deploy to embedded localcap, simulate responses and pull snapshots.",
    ),
    "simulate": (
        "plugin.cli.simulate",
        "simulate_command",
        "Simulate REDCap responses for INSTRUMENT (a shipped name or a path).",
    ),
    "deploy": (
        "plugin.cli.redcap",
        "deploy_command",
        "Compare instruments with the REDCap project, print the plan, and apply it.",
    ),
    "pull": (
        "plugin.cli.redcap",
        "pull_command",
        "Pull the project's records into a new local snapshot.",
    ),
    "localcap": (
        "plugin.cli.localcap",
        "localcap",
        "The embedded REDCap-compatible API server (SQLite).",
    ),
    "invite": (
        "plugin.cli.invite",
        "invite_command",
        "Create a record per member in MEMBERS, with their survey links and a mail-merge file.",
    ),
    "stats": (
        "plugin.cli.stats",
        "stats_command",
        "Write the statistics of SNAPSHOT (an id, or an instrument's latest) as one long CSV.",
    ),
    "report": (
        "plugin.cli.report",
        "report_command",
        "Write the KIND report of one or more pulled snapshots to OUTPUT.",
    ),
    "serve": (
        "plugin.cli.serve",
        "serve_command",
        "Run the scoring service and its job worker until interrupted.",
    ),
    "db": (
        "plugin.cli.db",
        "db",
        "Upgrade the service database and snapshot store, or show their revisions.",
    ),
}


def load_command(name: str) -> click.Command:
    module, attribute, _ = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command), f"{module}.{attribute} is not a command"
    return command


class LazyGroup(click.Group):
    """A group whose commands are imported when they run, listed from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qiscan")
def main() -> None:
    """qiscan: survey and assessment instruments for REDCap, their scores and reports."""
