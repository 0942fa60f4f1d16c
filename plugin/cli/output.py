"""Where the command line speaks: messages for people on stderr, so that stdout carries only
what a command writes for programs (``--json``, a CSV to a pipe)."""

from __future__ import annotations

import click


def say(message: str) -> None:
    """Tell the person running the command (stderr)."""
    click.echo(message, err=True)
