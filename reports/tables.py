"""Result tables as CSV text, safe to open in a spreadsheet.

Text that respondents typed (and labels, group names, notes) is data: a cell that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
gets a leading apostrophe (OWASP's CSV-injection advice). Numeric columns are written as
numbers, untouched, so a negative change stays a number; NaN is an empty cell.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it, never run as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV (UTF-8 text, ``\\n`` line ends, no index), text cells neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column].dtype):
            safe[column] = safe[column].map(
                lambda value: neutralise(str(value)) if isinstance(value, str) else value
            )
    return safe.to_csv(index=False, lineterminator="\n", float_format="%.10g")
