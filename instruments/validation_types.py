"""REDCap's text validation types: which exist, how their values are written and ordered.

Values are always stored as REDCap exports them (dates Y-M-D whatever the display order), so one
parser per family serves both the min/max checks here and the typed decoding in ``scoring``.
Each type also carries the pattern REDCap's record import checks a value against: the
``regex_php`` of REDCap 15's ``redcap_validation_types`` table, with a date or date-time matched
in Y-M-D whatever its display order (REDCap converts it to Y-M-D before it checks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
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

    @property
    def pattern(self) -> str:
        """REDCap's regular expression for a value of the type (dates in Y-M-D)."""
        return PATTERNS[self.name]

    def matches(self, text: str) -> bool:
        """Whether ``text`` is written as REDCap's record import requires for the type."""
        return _compiled(self.pattern).match(text) is not None


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


# REDCap 15.0's regex_php, as its pages publish them (window.REDCap.validations). A date's
# leap years are REDCap's own rule. "(?i)" stands for REDCap's /i flag.
_YMD = (
    r"(((\d{2}([13579][26]|[2468][048]|04|08)|(1600|2[048]00))([-/])02(\6)29)|(\d{4}([-/])"
    r"((0[1-9]|1[012])(\9)(0[1-9]|1\d|2[0-8])|((0[13-9]|1[012])(\9)(29|30))|((0[13578]|1[02])"
    r"(\9)31))))"
)
_HOUR = r"(\d|[0-1]\d|[2][0-3])"
_LETTERS = (  # the letters beyond ASCII that REDCap's e-mail pattern allows
    "\u0080-\u02af\u0300-\u07ff\u0900-\u18af\u1900-\u1a1f\u1b00-\u1b7f\u1d00-\u1fff"
    "\u20d0-\u214f\u2c00-\u2ddf\u2f00-\u2fdf\u2ff0-\u2fff\u3040-\u319f\u31c0-\ua4cf"
    "\ua700-\ua71f\ua800-\ua82f\ua840-\ua87f\uac00-\ud7af\uf900-\ufaff"
)
_LOCAL = f"[a-zA-Z0-9{_LETTERS}!#$%&'*+\\-/=?^_`{{|}}~\\d]+"
PATTERNS: dict[str, str] = {
    "integer": r"^[-+]?\b\d+\b$",
    "number": r"^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$",
    "number_comma_decimal": r"^[-+]?[0-9]*,?[0-9]+([eE][-+]?[0-9]+)?$",
    **{f"number_{n}dp": rf"^-?\d+\.\d{{{n}}}$" for n in range(1, 5)},
    **{f"number_{n}dp_comma_decimal": rf"^-?\d+,\d{{{n}}}$" for n in range(1, 5)},
    **{f"date_{order}": f"^{_YMD}$" for order in ("ymd", "mdy", "dmy")},
    **{f"datetime_{order}": f"^{_YMD} {_HOUR}:[0-5]\\d$" for order in ("ymd", "mdy", "dmy")},
    **{
        f"datetime_seconds_{order}": f"^{_YMD} {_HOUR}(:[0-5]\\d){{2}}$"
        for order in ("ymd", "mdy", "dmy")
    },
    "time": r"^([0-9]|[0-1][0-9]|[2][0-3]):([0-5][0-9])$",
    "time_hh_mm_ss": r"^(\d|[01]\d|(2[0-3]))(:[0-5]\d){2}$",
    "time_mm_ss": r"^[0-5]\d:[0-5]\d$",
    "email": (
        f"(?i)^(?!\\.)((?!.*\\.{{2}}){_LOCAL})(\\.{_LOCAL})*@(?!\\.)"
        f"([a-zA-Z0-9{_LETTERS}\\-\\.\\d]+)((\\.([a-zA-Z{_LETTERS}]){{2,63}})+)$"
    ),
    "phone": (
        r"^(?:\(?([2-9]0[1-9]|[2-9]1[02-9]|[2-9][2-9][0-9]|800|811)\)?)\s*(?:[.-]\s*)?"
        r"([0-9]{3})\s*(?:[.-]\s*)?([0-9]{4})(?:\s*(?:#|x\.?|ext\.?|extension)\s*(\d+))?$"
    ),
    "phone_australia": r"^(\(0[2-8]\)|0[2-8])\s*\d{4}\s*\d{4}$",
    "phone_france": (
        r"^(?:(?:\+|00)(?:33|262|508|590|594|596|687)[\s.-]{0,3}(?:\(0\)[\s.-]{0,3})?|0)"
        r"[1-9](?:(?:[\s.-]?\d{2}){4}|\d{2}(?:[\s.-]?\d{3}){2})$"
    ),
    "phone_uk": (
        r"^((((\+44|0044)\s?\d{4}|\(?0\d{4}\)?)\s?\d{3}\s?\d{3})|(((\+44|0044)\s?\d{3}|"
        r"\(?0\d{3}\)?)\s?\d{3}\s?\d{4})|(((\+44|0044)\s?\d{2}|\(?0\d{2}\)?)\s?\d{4}\s?\d{4}))"
        r"(\s?\#(\d{4}|\d{3}))?$"
    ),
    "zipcode": r"^\d{5}(-\d{4})?$",
    "postalcode_australia": r"^\d{4}$",
    "postalcode_canada": r"(?i)^[ABCEGHJKLMNPRSTVXY]{1}\d{1}[A-Z]{1}\s*\d{1}[A-Z]{1}\d{1}$",
    "postalcode_germany": r"^(0[1-9]|[1-9]\d)\d{3}$",
    "postalcode_uk": r"^(([A-Z]{1,2}\d{1,2})|([A-Z]{1,2}\d[A-Z])) \d[ABD-HJLNP-Z]{2}$",
    "postalcode_french": r"^((0?[1-9])|([1-8][0-9])|(9[0-8]))[0-9]{3}$",
    "ssn": r"^\d{3}-\d\d-\d{4}$",
    "alpha_only": r"(?i)^[a-z]+$",
    "mrn_10d": r"^\d{10}$",
    "mrn_generic": r"(?i)^[a-z0-9-_]+$",
    "vmrn": r"^[0-9]{4,9}$",
}
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


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # PHP's \d and \s are ASCII-only without the /u flag.
    return re.compile(pattern, re.ASCII)


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
