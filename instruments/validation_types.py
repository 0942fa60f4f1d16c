"""REDCap's text validation types: which exist, how their values are written and ordered.

Values are always stored as REDCap exports them (dates Y-M-D whatever the display order), so one
parser per family serves both the min/max checks here and the typed decoding in ``scoring``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

Ordered = float | date | datetime | time
Family = Literal["date", "datetime", "time", "integer", "number", "text"]


@dataclass(frozen=True)
class ValidationType:
    """A REDCap text validation type: how its values are read (``family``) and written."""

    name: str
    family: Family
    decimal_comma: bool = False
    hidden: bool = False  # REDCap's "easter egg" types, enabled per server by an admin

    @property
    def ordered(self) -> bool:
        """Whether values of the type have an order, so min and max apply."""
        return self.family != "text"


def _types() -> dict[str, ValidationType]:
    found: list[ValidationType] = []
    for order in ("ymd", "mdy", "dmy"):
        found.append(ValidationType(f"date_{order}", "date"))
        found.append(ValidationType(f"datetime_{order}", "datetime"))
        found.append(ValidationType(f"datetime_seconds_{order}", "datetime"))
    found += [
        ValidationType("time", "time"),
        ValidationType("time_hh_mm_ss", "time"),
        ValidationType("time_mm_ss", "time", hidden=True),
        ValidationType("integer", "integer"),
        ValidationType("number", "number"),
        ValidationType("number_comma_decimal", "number", decimal_comma=True, hidden=True),
    ]
    for places in range(1, 5):
        found.append(ValidationType(f"number_{places}dp", "number", hidden=True))
        found.append(
            ValidationType(f"number_{places}dp_comma_decimal", "number", True, hidden=True)
        )
    for name in ("email", "phone", "zipcode"):
        found.append(ValidationType(name, "text"))
    for name in (
        "alpha_only",
        "mrn_10d",
        "mrn_generic",
        "phone_australia",
        "phone_uk",
        "phone_france",
        "postalcode_australia",
        "postalcode_canada",
        "postalcode_germany",
        "postalcode_uk",
        "postalcode_french",
        "ssn",
        "vmrn",
    ):
        found.append(ValidationType(name, "text", hidden=True))
    return {t.name: t for t in found}


VALIDATION_TYPES: dict[str, ValidationType] = _types()
# Older dictionaries still carry these; REDCap exports them under the new names.
LEGACY_NAMES = {
    "int": "integer",
    "float": "number",
    "date": "date_ymd",
    "datetime": "datetime_ymd",
    "datetime_seconds": "datetime_seconds_ymd",
}
# Not text validations but carried in the same dictionary column.
# A slider's "show number" flag shares the column too; the model keeps it on the slider itself.
SPECIAL = {"autocomplete": ("dropdown", "sql"), "signature": ("file",)}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def lookup(name: str) -> ValidationType | None:
    """The validation type REDCap calls ``name`` (an older name too), or None."""
    return VALIDATION_TYPES.get(LEGACY_NAMES.get(name, name))


def parse_value(vtype: ValidationType, text: str) -> Ordered | None:
    """A stored value as an ordered Python value, or None when it is not valid for the type.

    'today' and 'now' are accepted as bounds, as REDCap accepts them, and read as the current day.
    """
    text = text.strip()
    if text in ("today", "now") and vtype.family in ("date", "datetime"):
        return datetime.now() if vtype.family == "datetime" else date.today()
    parser = _PARSERS.get(vtype.family)
    if parser is None:
        return None
    try:
        return parser(text.replace(",", ".") if vtype.decimal_comma else text)
    except ValueError:
        return None


def order_key(value: Ordered) -> tuple[float, ...]:
    """A key that orders the values :func:`parse_value` reads for one validation type as the
    values themselves order: a number, a day, a moment or a time of day, each compared exactly."""
    match value:
        case datetime():
            return (value.toordinal(), value.hour, value.minute, value.second, value.microsecond)
        case date():
            return (value.toordinal(),)
        case time():
            return (value.hour, value.minute, value.second, value.microsecond)
    return (value,)


def _integer(text: str) -> float:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(text)
    return float(int(text))


def _number(text: str) -> float:
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError(text)
    return float(text)


def _date(text: str) -> date:
    if not _DATE.match(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _datetime(text: str) -> datetime:
    if not _DATETIME.match(text):
        raise ValueError(text)
    return datetime.fromisoformat(text)


def _time(text: str) -> time:
    if not _TIME.match(text):
        raise ValueError(text)
    return time.fromisoformat(text)


_PARSERS: dict[str, Callable[[str], Ordered]] = {
    "integer": _integer,
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
}
