"""A report's tidy result table as CSV (for spreadsheets) or JSON (for programs).

Both formats hold the same rows as ``qiscan stats``: the columns of
:data:`scoring.tidy.TIDY_COLUMNS`, one statistic a row, so a number in the report can be
traced to the row it came from.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import numpy as np
import pandas as pd

from reports.files import write_atomically
from reports.model import Provenance, Report
from reports.tables import to_csv

JsonValue = str | int | float | bool | None


def tidy_table(report: Report) -> pd.DataFrame:
    """The report's tidy table, or a ValueError saying which report has none."""
    if report.tidy is None:
        raise ValueError(
            f"the {report.kind} report has no tidy result table, so it cannot be written as "
            "CSV or JSON; choose html, pdf or xlsx for it"
        )
    return report.tidy


def render_csv(report: Report, out: Path) -> Path:
    """Write the tidy table as UTF-8 CSV, text neutralised against formula injection (the
    file is meant to be opened in a spreadsheet), numbers as numbers, NaN as an empty cell."""
    return write_atomically(out, to_csv(tidy_table(report)).encode("utf-8"))


def render_json(report: Report, out: Path) -> Path:
    """Write ``{"report", "title", "provenance", "columns", "rows"}`` as UTF-8 JSON.

    Each row is an object keyed by column, in the table's column order; numbers stay numbers
    and NaN (or an infinity) becomes ``null``, since JSON has no NaN. Text is written exactly
    as it is, with no formula neutralisation: JSON is read by programs, not spreadsheets, and
    an apostrophe added there would corrupt the data.
    """
    return write_atomically(out, (tidy_json(report) + "\n").encode("utf-8"))


def tidy_json(report: Report) -> str:
    """The JSON document :func:`render_json` writes, as text."""
    frame = tidy_table(report)
    columns = [str(column) for column in frame.columns]
    rows = [
        dict(zip(columns, (plain(value) for value in values), strict=True))
        for values in frame.itertuples(index=False, name=None)
    ]
    document = {
        "report": report.kind,
        "title": report.title,
        "provenance": provenance_dict(report.provenance),
        "columns": columns,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)


def provenance_dict(provenance: Provenance) -> dict[str, object]:
    """The provenance as the JSON format's ``provenance`` object."""
    return {
        "qiscan_version": provenance.qiscan_version,
        "instruments": [
            {"id": instrument, "version": version} for instrument, version in provenance.instruments
        ],
        "snapshot_id": provenance.snapshot_id,
        "content_hashes": list(provenance.content_hashes),
        "pulled_at": provenance.pulled_at,
        "project": provenance.project,
        "generated_at": provenance.generated_at,
        "simulated_records": provenance.simulated,
    }


def plain(value: object) -> JsonValue:
    """A frame cell as a JSON value: numpy scalars as Python numbers, missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
