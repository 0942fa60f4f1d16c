"""One long result table for every statistic qiscan computes.

Every row says which instrument (and version) and field it is about, which option of a choice
question (its code and label; blank for a question-level row), how the respondents were grouped
and which group and wave it covers, the statistic's name and value, the n it rests on (the
denominator: respondents who were asked), its interval when it has one, and a note (the method,
a suppression, why a value is missing). Analysts read it as a CSV; reports and the web service
read the same rows, so every number has one source.

Rows about who responded (records, respondents, complete and partial responses, AAPOR response
rates) have the field :data:`RESPONSE_FIELD`, which no REDCap field can be named.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import TypedDict, Unpack

import pandas as pd

RESPONSE_FIELD = "_response"  # REDCap field names start with a letter, so none is this
TIDY_COLUMNS = (
    "instrument",
    "version",
    "field",
    "label",
    "choice_code",
    "choice_label",
    "group_by",
    "group",
    "wave",
    "statistic",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "note",
)


@dataclass(frozen=True)
class TidyRow:
    """One row of the long result table; the module docstring says what each column holds."""

    instrument: str
    version: str
    field: str
    label: str
    statistic: str
    value: float
    n: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    group_by: str = ""
    group: str = ""
    wave: str = ""
    note: str = ""
    choice_code: str = ""
    choice_label: str = ""


def tidy_frame(rows: Iterable[TidyRow]) -> pd.DataFrame:
    """The rows as a frame with the columns in :data:`TIDY_COLUMNS` order (empty: no rows)."""
    cells = attrgetter(*TIDY_COLUMNS)  # the rows' fields hold text and numbers: no deep copy
    frame = pd.DataFrame.from_records([cells(row) for row in rows], columns=list(TIDY_COLUMNS))
    for column in ("value", "n", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


class Option(TypedDict, total=False):
    """The columns that name a question's option on a row (left out: a question-level row)."""

    choice_code: str
    choice_label: str


class RowDetails(Option, total=False):
    """What a row may say beyond the statistic's value (the :class:`TidyRow` fields)."""

    n: float
    ci_low: float
    ci_high: float
    note: str


@dataclass(frozen=True)
class Where:
    """What a set of rows is about, for the rows' shared columns."""

    instrument: str
    version: str
    wave: str = ""
    group_by: str = ""
    group: str = ""

    def row(
        self, name: str, label: str, statistic: str, value: float, **more: Unpack[RowDetails]
    ) -> TidyRow:
        """A row of ``statistic`` about field ``name`` in this group and wave."""
        return TidyRow(
            self.instrument,
            self.version,
            name,
            label,
            statistic,
            float(value),
            group_by=self.group_by,
            group=self.group,
            wave=self.wave,
            **more,
        )
