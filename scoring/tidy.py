"""One long result table for every statistic qiscan computes.

Every row says which instrument (and version) and field it is about, how the respondents were
grouped and which group and wave it covers, the statistic's name and value, the n it rests on
(the denominator: respondents who were asked), its interval when it has one, and a note (the
method, a suppression, why a value is missing). Analysts read it as a CSV; reports and the web
service read the same rows, so every number has one source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

TIDY_COLUMNS = (
    "instrument",
    "version",
    "field",
    "label",
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


def tidy_frame(rows: Iterable[TidyRow]) -> pd.DataFrame:
    """The rows as a frame with the columns in :data:`TIDY_COLUMNS` order (empty: no rows)."""
    records = [asdict(row) for row in rows]
    frame = pd.DataFrame.from_records(records, columns=list(TIDY_COLUMNS))
    for column in ("value", "n", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame
