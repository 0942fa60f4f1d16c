"""Check and normalise one imported value the way REDCap's record import does.

Multiple-choice values must be one of the field's codes; text values must match the field's
validation type (integer, number, dates, times, e-mail); dates arrive in the ``dateFormat``
order and are stored Y-M-D whatever the field's display order. Min/max violations are only
warnings in REDCap, so they pass.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from instruments.model import SINGLE_CHOICE_TYPES
from instruments.validation_types import lookup
from plugin.localcap.project import Field

DATE_ORDERS = ("YMD", "MDY", "DMY")
_DATE_HINT = {"YMD": "Y-M-D", "MDY": "M/D/Y", "DMY": "D/M/Y"}
_INTEGER = re.compile(r"^[-+]?\d+$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_COMMA_NUMBER = re.compile(r"^[-+]?(\d+(,\d*)?|,\d+)$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_OTHER = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_TIME = {
    "time": (re.compile(r"^\d{1,2}:\d{2}$"), "%H:%M"),
    "time_hh_mm_ss": (re.compile(r"^\d{1,2}:\d{2}:\d{2}$"), "%H:%M:%S"),
    "time_mm_ss": (re.compile(r"^\d{1,2}:\d{2}$"), "%M:%S"),
}
_DECIMALS = re.compile(r"^number_(\d)dp")


def not_a_category(field: str) -> str:
    """REDCap's message for a value that is not one of a categorical field's codes."""
    return f"The value is not a valid category for {field}"


def check_value(item: Field, value: str, date_order: str) -> tuple[str, str | None]:
    """The value to store and, when REDCap would refuse it, the reason."""
    if item.status or item.field_type in SINGLE_CHOICE_TYPES:
        if value not in item.labels:
            return value, not_a_category(item.name)
        return value, None
    if item.field_type == "slider":
        return _slider(item, value)
    if item.field_type != "text" or not item.validation:
        return value, None
    return _validated(item, value, date_order)


def _slider(item: Field, value: str) -> tuple[str, str | None]:
    low = item.row.get("text_validation_min") or "0"
    high = item.row.get("text_validation_max") or "100"
    if _INTEGER.match(value) and _INTEGER.match(low) and _INTEGER.match(high):
        if int(low) <= int(value) <= int(high):
            return value, None
    return value, f"The value of {item.name} must be an integer between {low} and {high}."


def _validated(item: Field, value: str, date_order: str) -> tuple[str, str | None]:
    name = item.validation
    kind = lookup(name)
    if kind is None:
        if name == "email" and not EMAIL.match(value):
            return value, "Email address is not properly formatted."
        return value, None
    if kind.family == "integer":
        if not _INTEGER.match(value):
            return value, f"The value of {item.name} must be an integer."
        return value, None
    if kind.family == "number":
        return _number(item.name, kind.name, kind.decimal_comma, value)
    if kind.family in ("date", "datetime"):
        return _date_value(kind.name, value, date_order)
    if kind.family == "time":
        pattern, fmt = _TIME.get(kind.name, _TIME["time"])
        if not pattern.match(value) or not _parses(value, fmt):
            return value, f"The value of {item.name} is not a valid time."
        return value, None
    if kind.name == "email" and not EMAIL.match(value):
        return value, "Email address is not properly formatted."
    return value, None


def _number(field: str, name: str, comma: bool, value: str) -> tuple[str, str | None]:
    pattern = _COMMA_NUMBER if comma else _NUMBER
    if not pattern.match(value):
        return value, f"The value of {field} must be numeric."
    places = _DECIMALS.match(name)
    if places is not None:
        decimals = value.replace(",", ".").partition(".")[2]
        if len(decimals) != int(places.group(1)):
            count = places.group(1)
            return value, f"The value of {field} must be a number with {count} decimal place(s)."
    return value, None


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def _date_value(name: str, value: str, order: str) -> tuple[str, str | None]:
    """A date or datetime in ``order`` as stored Y-M-D, with seconds only where the type has."""
    hint = _DATE_HINT.get(order, "Y-M-D")
    problem = (
        f"Invalid date format. (NOTE: Dates must be imported here only in {hint} format, as "
        "set by the dateFormat parameter.)"
    )
    day_text, _, time_text = value.strip().partition(" ")
    day = _read_date(day_text, order)
    if day is None:
        return value, problem
    if name.startswith("date_"):
        return (day.isoformat(), None) if not time_text else (value, problem)
    fmt = "%H:%M:%S" if name.startswith("datetime_seconds") else "%H:%M"
    if not _parses(time_text, fmt):
        return value, problem
    clock = datetime.strptime(time_text, fmt).strftime(fmt)
    return f"{day.isoformat()} {clock}", None


def _read_date(text: str, order: str) -> date | None:
    ymd = _YMD.match(text)
    other = _OTHER.match(text)
    try:
        if ymd is not None and order == "YMD":
            return date(int(ymd.group(1)), int(ymd.group(2)), int(ymd.group(3)))
        if other is not None and order == "MDY":
            return date(int(other.group(3)), int(other.group(1)), int(other.group(2)))
        if other is not None and order == "DMY":
            return date(int(other.group(3)), int(other.group(2)), int(other.group(1)))
    except ValueError:
        return None
    return None
