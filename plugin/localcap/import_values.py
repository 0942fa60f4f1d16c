"""Check and normalise one imported value the way REDCap's record import does.

Multiple-choice values must be one of the field's codes. A text value must match its validation
type's pattern (``instruments.validation_types.PATTERNS``, REDCap's own regexes); a value that
does not is refused with the message REDCap's import gives for that type (its English language
file: ``data_import_tool_83``..``_87``, ``_137``, ``_138``, ``_153``, ``_190``, ``_193``..``_195``,
``_238``, ``_239``, and ``config_functions_77`` for every type without one of its own).

Dates arrive in the ``dateFormat`` order, or in Y-M-D whatever that order is, and are stored
Y-M-D ("/" as "-") whatever the field's display order (redcap-api.md §2.2). Comma-decimal
numbers are stored as sent, comma and all. A value outside the field's min or max is only a
warning in REDCap's import, so it passes, unless the field carries ``@FORCE-MINMAX``
(redcap-api.md §4.3); then it is refused with ``data_import_tool_223`` or ``_225``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from instruments.action_tags import words
from instruments.model import SINGLE_CHOICE_TYPES
from instruments.validation_types import (
    PATTERNS,
    VALIDATION_TYPES,
    ValidationType,
    lookup,
    order_key,
)
from instruments.validation_types import parse_value as parse_bound
from plugin.localcap.project import Field

DATE_ORDERS = ("YMD", "MDY", "DMY")
EMAIL = re.compile(PATTERNS["email"], re.ASCII)
_INTEGER = re.compile(r"^[-+]?\d+$")
_ORDERED = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_INVALID_DATE = (
    "Invalid date format. (NOTE: Dates must be imported here only in {} format, regardless of "
    "the specific date format designated for this field.)"
)
# data_import_tool_190, _238, _239 (dates) and _193, _194, _195 (date-times), by dateFormat.
_DATE_FORMATS = {"YMD": "Y-M-D", "MDY": "M/D/Y format or Y-M-D", "DMY": "D/M/Y format or Y-M-D"}
_DATETIME_FORMATS = {"YMD": "Y-M-D H:M[:S]", "MDY": "M/D/Y H:M[:S]", "DMY": "D/M/Y H:M[:S]"}
# REDCap's import names these types in its own words; every other type gets GENERIC.
_MESSAGES = {
    "integer": "The value of {field} must be an integer.",
    "number": "The value of {field} must be numeric.",
    "phone": "{field} must be a 10-digit phone number.",
    "email": "Email address is not properly formatted.",
    "vmrn": (
        "Vanderbilt medical record number is not properly formatted. It should be 4- to 9-digit "
        "number (excluding leading zeros)."
    ),
    "zipcode": "{field} must be a 5 or 9 digit U.S. ZIP Code",
    "time": "Time is not properly formatted as HH:MM (military format).",
}
GENERIC = (
    "The value you provided could not be validated because it does not follow the expected "
    "format. Please try again."
)
FORCE_MINMAX = "@FORCE-MINMAX"


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
    kind = lookup(item.validation)
    if kind is None:
        # A type this server does not know (a site's own) is stored unchecked.
        return value, None
    stored, problem = _written(item.name, kind, value, date_order)
    return stored, problem or _outside(item, kind, stored)


def _slider(item: Field, value: str) -> tuple[str, str | None]:
    """A slider takes an integer within its min and max (0 and 100 when unset), a hard limit.

    REDCap checks a slider as an integer field with hard bounds (``MetaData::getFields2`` and
    ``Records::saveData``, REDCap 7.1.2's source, whose sliders always ran 0 to 100): the format
    first, with the generic message, then the bounds, whose message replaces it for a number out
    of range (``data_import_tool_223``/``225``)."""
    low = item.row.get("text_validation_min") or "0"
    high = item.row.get("text_validation_max") or "100"
    problem = None if _INTEGER.match(value) else GENERIC
    number = _number(value)
    if number is not None and _INTEGER.match(low) and number < int(low):
        problem = f"{item.name} should not be less than the field minimum ({low})"
    elif number is not None and _INTEGER.match(high) and number > int(high):
        problem = f"{item.name} should not be greater than the field maximum ({high})"
    return value, problem


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _written(field: str, kind: ValidationType, value: str, order: str) -> tuple[str, str | None]:
    """The value as stored, or as sent with REDCap's message when it is not written as the
    type requires."""
    if kind.family in ("date", "datetime"):
        stored = _as_ymd(kind, value, order)
        if stored is None:
            formats = _DATE_FORMATS if kind.family == "date" else _DATETIME_FORMATS
            return value, _INVALID_DATE.format(formats.get(order, formats["YMD"]))
        return stored, None
    if not kind.matches(value):
        return value, _MESSAGES.get(kind.name, GENERIC).format(field=field)
    return value, None


def _as_ymd(kind: ValidationType, value: str, order: str) -> str | None:
    """A date or date-time as stored (Y-M-D, "-" between the parts, a zero-padded clock), read
    in Y-M-D or in ``order``; None when REDCap refuses it."""
    day, _, clock = value.partition(" ")
    if order in ("MDY", "DMY") and not VALIDATION_TYPES["date_ymd"].matches(day):
        # REDCap converts M/D/Y and D/M/Y to Y-M-D before it checks, and takes Y-M-D as it is.
        parts = _ORDERED.match(day)
        if parts is None:
            return None
        first, second, year = parts.groups()
        month, date = (first, second) if order == "MDY" else (second, first)
        day = f"{year}-{int(month):02d}-{int(date):02d}"
    written = f"{day} {clock}" if clock else day
    if not kind.matches(written):
        return None
    day = day.replace("/", "-")
    if kind.family == "date":
        return day
    fmt = "%H:%M:%S" if kind.name.startswith("datetime_seconds") else "%H:%M"
    return f"{day} {datetime.strptime(clock, fmt).strftime(fmt)}"


def _outside(item: Field, kind: ValidationType, stored: str) -> str | None:
    """REDCap's refusal of a value beyond a ``@FORCE-MINMAX`` field's min or max; None for any
    value within them, and for every value of a field without the tag (only a warning then)."""
    if not kind.ordered or FORCE_MINMAX not in words(item.row.get("field_annotation", "")):
        return None
    value = parse_bound(kind, stored)
    if value is None:
        return None
    low = item.row.get("text_validation_min", "").strip()
    high = item.row.get("text_validation_max", "").strip()
    floor = parse_bound(kind, low) if low else None
    ceiling = parse_bound(kind, high) if high else None
    if floor is not None and order_key(value) < order_key(floor):
        return f"{item.name} should not be less than the field minimum ({low})"
    if ceiling is not None and order_key(value) > order_key(ceiling):
        return f"{item.name} should not be greater than the field maximum ({high})"
    return None
