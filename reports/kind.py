"""What a report kind is (:class:`Kind`) and what it is built from (:class:`Request`).

The kinds themselves are the modules of :mod:`reports.kinds`; :mod:`reports.catalogue` finds
them and answers which kinds, formats and options fit a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from instruments.model import Instrument
from instruments.reference_values import References
from reports.model import Provenance, Report
from reports.render import FORMATS, Format
from scoring.decode import Responses

# CSV and JSON write a report's tidy result table; a kind without one comes as pages only.
TIDY_FORMATS: tuple[Format, ...] = ("csv", "json")
# The options a report request may carry besides its kind, format and first snapshot, and the
# words that name each when it is given to a kind that does not take it.
OPTIONS = {
    "practice": "is made for one practice",
    "compare_by": "is compared by a group",
    "supporters": "compares a second snapshot",
    "suppress_below": "withholds small counts",
    "reference": "sets an earlier scan beside this one",
    "field_period": "states a field period",
}


class Source(Protocol):
    """A snapshot as a report reads it: its instrument, its raw records and their decoded
    responses (reading ``responses`` may raise when the records do not decode)."""

    @property
    def instrument(self) -> Instrument: ...

    @property
    def records(self) -> pd.DataFrame: ...

    @property
    def responses(self) -> Responses: ...


@dataclass(frozen=True)
class Request:
    """What a report is built from: its snapshots (the first is the report's own; a second is
    the committee summary's supporters), the provenance it prints, and the options given."""

    sources: Sequence[Source]
    provenance: Provenance
    practice: str | None = None
    compare_by: str | None = None
    suppress_below: int | None = None
    field_period: str = ""
    references: References | None = None

    @property
    def main(self) -> Source:
        return self.sources[0]

    @property
    def supporters(self) -> Source | None:
        return self.sources[1] if len(self.sources) > 1 else None


@dataclass(frozen=True)
class Kind:
    """One kind of report.

    ``title`` names it in a sentence ("the committee summary"); ``needs`` says in words what
    ``fits`` checks of an instrument; ``takes`` names the :data:`OPTIONS` it reads; ``tidy``
    is False for a kind without a result table (it is not made as CSV or JSON); ``order``
    places it in listings; ``build`` makes one report, or one per unit (practice feedback of
    every practice)."""

    name: str
    title: str
    needs: str
    fits: Callable[[Instrument], bool]
    build: Callable[[Request], Report | list[Report]]
    order: int
    takes: frozenset[str] = frozenset()
    tidy: bool = True

    @property
    def formats(self) -> tuple[Format, ...]:
        """The formats a report of this kind is made in."""
        return FORMATS if self.tidy else tuple(f for f in FORMATS if f not in TIDY_FORMATS)
