"""The value model of REDCap logic, and the evaluation context.

Values
------
Every record value is a string and ``""`` is blank. While evaluating, a value is one of

* ``str``: text, as read from the record or produced by a text function (``""`` is blank);
* ``float``: a number, from a literal, arithmetic or a numeric function;
* ``None``: a blank number (arithmetic on a blank or non-numeric operand, division by zero, a
  result too large to represent, an aggregate of nothing but blanks);
* ``bool``: the result of a comparison, a Boolean operator or a test function.

:func:`~instruments.logic.evaluate` returns the same types except that blank text comes back as
``None`` too, so callers test ``result is None`` for blank whatever the expression.

Each value is read four ways:

* **as a number for comparison** (:func:`number_of`): ``float`` as is, ``True``/``False`` as
  1/0, text when it looks numeric (optional blanks, a sign, digits with an optional decimal part,
  an optional exponent: ``"1"``, ``" 2 "``, ``"-.5"``, ``"1e3"``), otherwise not a number;
* **as a number for arithmetic** (:func:`arith_of`): the same, except that text equal to one of
  ``Context.missing_codes`` is blank;
* **as text** (:func:`text_of`): ``None`` is ``""``, ``True``/``False`` are ``"1"``/``"0"``,
  numbers are written the shortest way that reads back exactly, without a trailing ``.0``
  (``3``, ``2.5``, ``1e+16``);
* **as a truth value** (:func:`truthy`): booleans as they are; numbers (and numeric-looking text)
  true when non-zero; blank false; any other non-empty text true. Missing codes get no special
  treatment here: ``truthy`` sees values only, never the context.

Comparison (``=``, ``<>``): when both sides are numbers (for comparison) they compare as numbers,
so ``"1" = "1.0"``; otherwise as exact text, so ``[x] = ""`` is true for a blank ``[x]`` and a
missing code such as ``"NA"`` compares as its literal text. Ordering (``<``, ``<=``, ``>``,
``>=``): numerically when both sides are numbers, false when either side is blank, otherwise by
code point order of the text.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import pandas as pd

Value: TypeAlias = bool | float | str | None

NUMERIC_TEXT = re.compile(
    r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*"
)


@dataclass(frozen=True)
class Context:
    """What evaluation needs to know beyond the record itself.

    ``today`` fixes the clock for ``'today'`` and ``'now'``: a ``date`` makes ``'now'`` midnight of
    that day, a ``datetime`` sets both; ``None`` reads the system clock once per evaluation.
    """

    missing_codes: frozenset[str] = frozenset()
    checkbox_fields: frozenset[str] = frozenset()
    today: datetime.date | None = None
    record_id: str = "record_id"
    event_column: str = "redcap_event_name"


DEFAULT_CONTEXT = Context()


def parse_number(text: str) -> float | None:
    """The number numeric-looking ``text`` stands for, or None."""
    if NUMERIC_TEXT.fullmatch(text) is None:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def format_number(number: float) -> str:
    """Shortest text that reads back as ``number``, without a trailing ``.0``."""
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text


def number_of(value: Value) -> float | None:
    """``value`` read as a number for comparison (see the module docstring), or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return parse_number(value)
    return None if math.isnan(value) else float(value)


def arith_of(value: Value, missing_codes: frozenset[str]) -> float | None:
    """``value`` read as a number for arithmetic: as :func:`number_of`, with missing codes blank."""
    if isinstance(value, str) and value in missing_codes:
        return None
    return number_of(value)


def text_of(value: Value) -> str:
    """``value`` read as text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    return "" if math.isnan(value) else format_number(value)


def truthy(value: object) -> bool:
    """How branching logic reads a result: see the module docstring.

    Accepts anything :func:`~instruments.logic.evaluate` returns, plus NaN and numpy scalars.
    """
    if value is None:
        return False
    if isinstance(value, str):
        number = parse_number(value)
        return value != "" if number is None else number != 0
    if pd.isna(cast(Any, value)):
        return False
    return bool(value != 0)


def equal(left: Value, right: Value) -> bool:
    """``left = right`` under REDCap's rules."""
    left_number, right_number = number_of(left), number_of(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    return text_of(left) == text_of(right)


def ordered(op: str, left: Value, right: Value) -> bool:
    """``left op right`` for ``op`` in ``< <= > >=``."""
    left_number, right_number = number_of(left), number_of(right)
    if left_number is not None and right_number is not None:
        return _ORDER[op](left_number, right_number)
    left_text, right_text = text_of(left), text_of(right)
    if left_text == "" or right_text == "":
        return False
    return _ORDER[op](left_text, right_text)


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def cell_text(record: Mapping[str, object], column: str) -> str:
    """A record cell as text: None and NaN are blank, non-strings go through ``str``."""
    raw = record[column]
    if isinstance(raw, str):
        return raw
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw is pd.NA:
        return ""
    return str(raw)


def public_value(value: Value) -> Value:
    """The value :func:`~instruments.logic.evaluate` hands out: blank text becomes None."""
    return None if value == "" else value
