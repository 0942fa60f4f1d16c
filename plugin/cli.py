"""The ``qiscan`` command line. Messages for people go to stderr, ``--json`` output to stdout,
and any error gives a non-zero exit status."""

from __future__ import annotations

import click

from plugin.cli_instruments import instruments
from plugin.cli_invite import invite_command
from plugin.cli_localcap import localcap
from plugin.cli_redcap import deploy_command, pull_command
from plugin.cli_report import report_command
from plugin.cli_serve import serve_command
from plugin.cli_simulate import simulate_command
from plugin.cli_stats import stats_command
from plugin.demo import demo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qiscan")
def main() -> None:
    """qiscan: survey and assessment instruments for REDCap, their scores and reports."""


main.add_command(instruments)
main.add_command(demo)
main.add_command(simulate_command)
main.add_command(deploy_command)
main.add_command(pull_command)
main.add_command(localcap)
main.add_command(invite_command)
main.add_command(stats_command)
main.add_command(report_command)
main.add_command(serve_command)
