"""The report kinds, declared once: what each kind needs, which options and formats it takes,
and how it is built.

Each kind is one module of :mod:`reports.kinds` declaring ``KIND`` (a
:class:`reports.kind.Kind`); adding a kind is adding its module. ``qiscan report``, the
service's report requests and its web page all ask here, so a report that cannot be made is
refused at once, saying what would work, never failed later; and both build a kind the same
way (:func:`build`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache

from instruments.model import Instrument
from reports import kinds as kind_modules
from reports.kind import OPTIONS, Kind, Request
from reports.model import Report
from reports.render import Format


@cache
def catalogue() -> dict[str, Kind]:
    """Every kind, by name, in listing order: one per module of :mod:`reports.kinds`."""
    found = []
    for module in pkgutil.iter_modules(kind_modules.__path__):
        kind = importlib.import_module(f"{kind_modules.__name__}.{module.name}").KIND
        if not isinstance(kind, Kind) or kind.name != module.name:
            raise TypeError(f"reports.kinds.{module.name}.KIND is not the Kind {module.name!r}")
        found.append(kind)
    return {kind.name: kind for kind in sorted(found, key=lambda k: (k.order, k.name))}


KINDS: tuple[str, ...] = tuple(catalogue())


def kind_of(name: str) -> Kind:
    """The kind called ``name``; a KeyError names the kinds there are."""
    try:
        return catalogue()[name]
    except KeyError:
        raise KeyError(f"no report kind {name!r}; there are {', '.join(KINDS)}") from None


def report_kinds(instrument: Instrument) -> tuple[str, ...]:
    """The report kinds an instrument's snapshot makes, in listing order."""
    return tuple(name for name, kind in catalogue().items() if kind.fits(instrument))


def report_formats(kind: str) -> tuple[Format, ...]:
    """The formats a report of ``kind`` is made in."""
    return kind_of(kind).formats


def taking(option: str) -> tuple[str, ...]:
    """The kinds that take ``option``."""
    return tuple(name for name, kind in catalogue().items() if option in kind.takes)


def unfit(kind: str, instrument: Instrument, fmt: str | None = None) -> str:
    """Why the ``kind`` report (in ``fmt``) cannot be made of ``instrument``'s snapshot, saying
    what would work; "" when it can."""
    fits = report_kinds(instrument)
    if kind not in fits:
        return (
            f"a {kind} report needs {kind_of(kind).needs}; '{instrument.id}' makes "
            f"{', '.join(fits)} report(s)"
        )
    return "" if fmt is None else wrong_format(kind, fmt)


def wrong_format(kind: str, fmt: str) -> str:
    """Why a ``kind`` report is not made in ``fmt``, saying in which formats it is; "" when it
    is."""
    formats = report_formats(kind)
    if fmt in formats:
        return ""
    made_as = ", ".join(formats[:-1]) + f" or {formats[-1]}"
    return (
        f"a {kind} report is made as {made_as}, not {fmt}: it has no result table to write "
        "as CSV or JSON"
    )


def misplaced(kind: str, given: Mapping[str, object]) -> dict[str, str]:
    """The options in ``given`` (those not None) that the ``kind`` report does not take, each
    with why: the kinds that take it."""
    takes = kind_of(kind).takes
    problems = {}
    for option, value in given.items():
        if value is None or option in takes:
            continue
        which = " or ".join(catalogue()[name].title for name in taking(option))
        problems[option] = f"only {which} {OPTIONS[option]}; a {kind} report does not"
    return problems


def build(kind: str, request: Request) -> Report | list[Report]:
    """The ``kind`` report of ``request``, as both the command line and the service build it."""
    return kind_of(kind).build(request)
