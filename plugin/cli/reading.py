"""Reading pulled snapshots for ``qiscan stats`` and ``qiscan report``: the snapshot store and
the instruments the service of the same instance reads, loaded as the service loads them
(:mod:`plugin.snapshots`), with problems said as usage errors."""

from __future__ import annotations

from dataclasses import replace

import click

from instruments.model import Instrument
from instruments.translate import UnknownLanguage, translated
from plugin.cli.instruments import resolve
from plugin.cli.output import say
from plugin.pull import SnapshotStore
from plugin.service.config import database_url, instance_snapshots
from plugin.service.definitions import resolver_at
from plugin.snapshots import (
    Loaded,
    SnapshotNotFound,
    SnapshotUnusable,
    find_snapshot,
    instrument_for,
    load,
)
from plugin.target import Instance

LANGUAGE_HELP = (
    "Labels in this language: a code the instrument is translated into (e.g. fr). "
    "Codes and numbers are the same in every language."
)


def read_snapshots(names: tuple[str, ...], instrument_name: str | None = None) -> list[Loaded]:
    """The snapshots ``names`` (ids, or instrument ids for their latest) of the default
    instance, each read with the instrument it was pulled for (shipped, or uploaded to the
    instance's service), or with ``instrument_name`` (a shipped name or a file) when given."""
    instance = Instance.default()
    store = SnapshotStore(instance_snapshots(instance))
    override = None if instrument_name is None else named_instrument(instrument_name)
    found = []
    with resolver_at(database_url(instance)) as resolve_stored:
        for name in names:
            try:
                snapshot = find_snapshot(store, name)
                instrument = override or instrument_for(snapshot, resolve_stored)
            except SnapshotNotFound as exc:
                raise click.ClickException(str(exc)) from None
            except SnapshotUnusable as exc:
                hint = "" if override else " (name one with --instrument)"
                raise click.ClickException(exc.message + hint) from None
            loaded = load(store, snapshot, instrument)
            if loaded.version_note:
                say(f"warning: {loaded.version_note}")
            found.append(loaded)
    return found


def named_instrument(name: str) -> Instrument:
    """A shipped instrument by name, or an instrument file; exits after saying its errors."""
    result = resolve(name)
    for problem in result.errors:
        say(f"error {problem}")
    if result.instrument is None or not result.ok:
        raise SystemExit(1)
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


def all_in_language(found: list[Loaded], language: str | None) -> list[Loaded]:
    """The snapshots with their labels in ``language``. An instrument not translated into it
    keeps its own labels, said on stderr, so a committee report of a translated provider scan
    and an untranslated supporter scan can still be made; none translated into it is a usage
    error."""
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
