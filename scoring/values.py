"""Raw REDCap text to typed values, by each field's declared type, never guessed from the data.

Every reader works on one export column at a time: the column is factorised, each distinct text
is read once, and the readings are spread back by code, so a 100 000-row column with a handful
of distinct values costs a handful of parses.

A cell is one of: blank (``""`` or only white space), a missing-data code (the exact text of one
of the instrument's codes, accepted in any field as REDCap accepts it), a value that fits the
declared type, or an invalid value (kept out of the typed column and reported with a reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from instruments.model import Field
from instruments.validation_types import ValidationType, lookup

ValueKind = Literal["choice", "checkbox", "integer", "number", "date", "datetime", "time", "text"]
NUMBER_FIELD_TYPES = frozenset({"slider", "calc"})

_INTEGER = r"\s*[+-]?[0-9]+\s*"
_NUMBER = r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*"
_DATE = r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*"
_DATETIME = r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(?::[0-9]{2})?\s*"
_CLOCK = r"\s*[0-9]{2}:[0-9]{2}(?::[0-9]{2})?\s*"
_MINUTES_SECONDS = r"\s*[0-9]{2}:[0-9]{2}\s*"
# Pinned so dates such as REDCap's 9999-12-31 sentinel stay representable (ns ends in 2262).
DATETIME_DTYPE = "datetime64[us]"
TIMEDELTA_DTYPE = "timedelta64[us]"


@dataclass(frozen=True)
class ColumnReading:
    """One export column read by its field's declared type.

    ``values`` is the typed column (NaN/NA where the cell is blank, a missing code or invalid);
    ``missing`` holds the missing code or None per row; ``reasons`` holds why a non-blank,
    non-missing cell was rejected, or None.
    """

    values: pd.Series
    missing: np.ndarray
    reasons: np.ndarray


def value_kind(field: Field) -> ValueKind:
    """How a field's values are typed: from its REDCap type and text validation only.

    radio/dropdown/yesno/truefalse are choices; slider and calc numbers; a text field follows
    its validation's family (integer, number including the decimal-comma types, date, datetime,
    time); everything else (text, notes, sql, file, email-like validations) is text. Formats
    within a family are not enforced (a number_2dp value with one decimal is still a number;
    an email is not checked for an @): the family fixes the type, REDCap checked the rest.
    Reference: REDCap's field and validation types (instruments.validation_types).
    """
    if field.single_choice:
        return "choice"
    if field.type == "checkbox":
        return "checkbox"
    if field.type in NUMBER_FIELD_TYPES:
        return "number"
    if field.type == "text" and field.validation is not None:
        found = lookup(field.validation.type)
        if found is not None and found.family != "text":
            return found.family
    return "text"


def read_column(
    field: Field, texts: np.ndarray, missing_codes: frozenset[str], index: pd.Index
) -> ColumnReading:
    """Type one non-checkbox column of export text (object array of str, ``""`` blank).

    Missing-data rule: a cell equal to one of ``missing_codes`` is that code, never a value;
    a blank cell is NA. Rule per kind: see :func:`value_kind` and the readers below.
    """
    kind = value_kind(field)
    if kind == "checkbox":
        raise ValueError(f"field '{field.name}': a checkbox is read option by option")
    codes, uniques = pd.factorize(texts)
    distinct = pd.Series(uniques, dtype=object)
    stripped = distinct.str.strip()
    blank = (stripped == "").to_numpy(dtype=bool)
    coded = distinct.isin(missing_codes).to_numpy(dtype=bool)
    present = ~blank & ~coded
    missing = _texts_where(coded, distinct)
    typed, reasons = _READERS[kind](field, distinct, stripped, present)
    # pd.factorize gives no -1 codes here: the texts hold no None.
    spread = typed[codes]
    values: pd.Series
    if kind == "choice":
        categories = pd.CategoricalDtype(pd.Index(field.choice_codes()))
        categorical = pd.Categorical.from_codes(spread.astype(np.int64), dtype=categories)
        values = pd.Series(categorical, index=index)
    elif kind == "text":
        values = pd.Series(spread, index=index, dtype="string")
    else:
        values = pd.Series(spread, index=index)
    return ColumnReading(values, missing[codes], reasons[codes])


def read_checkbox_option(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One ``field___code`` column: (ticked, unticked, reasons), REDCap writing "1" and "0".

    A blank cell (a form not on the row's event, or a missing code given to the checkbox) is
    neither ticked nor unticked; any other text is invalid.
    """
    ticked = np.asarray(texts == "1", dtype=bool)
    unticked = np.asarray(texts == "0", dtype=bool)
    other = ~ticked & ~unticked & np.asarray(texts != "", dtype=bool)
    reasons = np.full(len(texts), None, dtype=object)
    if other.any():
        reasons[other] = [f"checkbox option holds {text!r}, not 0 or 1" for text in texts[other]]
    return ticked, unticked, reasons


Reader = tuple[np.ndarray, np.ndarray]


def _validation(field: Field) -> ValidationType | None:
    return lookup(field.validation.type) if field.validation is not None else None


def _choices(field: Field, distinct: pd.Series, stripped: pd.Series, present: np.ndarray) -> Reader:
    categories = field.choice_codes()
    positions = pd.Index(categories, dtype=object).get_indexer(pd.Index(distinct, dtype=object))
    positions = np.where(present, positions, -1)
    unknown = present & (positions < 0)
    listed = ", ".join(categories)
    reasons = np.full(len(distinct), None, dtype=object)
    reasons[unknown] = [
        f"{text!r} is not a choice code of {field.type} field '{field.name}' (codes: {listed})"
        for text in distinct[unknown]
    ]
    return positions.astype(np.int64), reasons


def _numbers(field: Field, distinct: pd.Series, stripped: pd.Series, present: np.ndarray) -> Reader:
    kind = value_kind(field)
    found = _validation(field)
    texts = (
        stripped.str.replace(",", ".", regex=False) if found and found.decimal_comma else stripped
    )
    pattern = _INTEGER if kind == "integer" else _NUMBER
    fits = present & texts.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    numbers = np.full(len(distinct), np.nan)
    if fits.any():
        with np.errstate(over="ignore"):
            numbers[fits] = texts.to_numpy(dtype=object)[fits].astype(np.float64)
    finite = np.isfinite(numbers)
    numbers[~finite] = np.nan
    what = "an integer" if kind == "integer" else "a number"
    if found is not None and found.decimal_comma:
        what += " (decimal comma or point)"
    reasons = _reasons(distinct, present & ~finite, f"not {what}")
    return numbers, reasons


def _dates(field: Field, distinct: pd.Series, stripped: pd.Series, present: np.ndarray) -> Reader:
    kind = value_kind(field)
    pattern, what = (_DATE, "a date (YYYY-MM-DD)")
    texts = stripped
    if kind == "datetime":
        pattern, what = (_DATETIME, "a datetime (YYYY-MM-DD HH:MM[:SS])")
        # One format for both precisions: a datetime without seconds gets ":00".
        texts = stripped.where(stripped.str.len() != 16, stripped + ":00")
    fits = present & texts.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    form = "%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M:%S"
    parsed = pd.to_datetime(texts.where(fits, None), format=form, errors="coerce")
    stamps = parsed.to_numpy(dtype=DATETIME_DTYPE)
    valid = ~np.isnat(stamps)
    return stamps, _reasons(distinct, present & ~valid, f"not {what}")


def _times(field: Field, distinct: pd.Series, stripped: pd.Series, present: np.ndarray) -> Reader:
    found = _validation(field)
    minutes_seconds = found is not None and found.name == "time_mm_ss"
    pattern = _MINUTES_SECONDS if minutes_seconds else _CLOCK
    what = "a duration (MM:SS)" if minutes_seconds else "a time (HH:MM[:SS])"
    fits = present & stripped.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    # Every accepted text becomes HH:MM:SS, so the parts sit at fixed places.
    short = (stripped.str.len() == 5).to_numpy(dtype=bool)
    full = np.where(short, ("00:" + stripped) if minutes_seconds else (stripped + ":00"), stripped)
    clock = pd.Series(np.where(fits, full, "00:00:00"), dtype=object)
    hours, minutes, seconds = (
        clock.str.slice(start, start + 2).astype(np.int64).to_numpy() for start in (0, 3, 6)
    )
    valid = fits & (minutes < 60) & (seconds < 60) & (minutes_seconds | (hours < 24))
    total = (hours * 3600 + minutes * 60 + seconds).astype(np.float64)
    total[~valid] = np.nan
    delta = pd.to_timedelta(total, unit="s").to_numpy(dtype=TIMEDELTA_DTYPE)
    return delta, _reasons(distinct, present & ~valid, f"not {what}")


def _texts(field: Field, distinct: pd.Series, stripped: pd.Series, present: np.ndarray) -> Reader:
    return _texts_where(present, distinct), np.full(len(distinct), None, dtype=object)


def _texts_where(keep: np.ndarray, distinct: pd.Series) -> np.ndarray:
    """The texts where ``keep``, None elsewhere."""
    values = np.full(len(distinct), None, dtype=object)
    values[keep] = distinct.to_numpy(dtype=object)[keep]
    return values


def _reasons(distinct: pd.Series, rejected: np.ndarray, rule: str) -> np.ndarray:
    reasons = np.full(len(distinct), None, dtype=object)
    reasons[rejected] = [f"{text!r} is {rule}" for text in distinct[rejected]]
    return reasons


_READERS = {
    "choice": _choices,
    "integer": _numbers,
    "number": _numbers,
    "date": _dates,
    "datetime": _dates,
    "time": _times,
    "text": _texts,
}
