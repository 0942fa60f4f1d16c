"""REDCap's special functions on single values: the reference semantics.

Numbers in arguments are read for arithmetic (blank, non-numeric text and missing codes are
blank); text arguments are read as text (numbers written without a trailing ``.0``). Unless
stated, a blank numeric argument makes the result blank.

* ``if(c, a, b)``: ``a`` when ``c`` is truthy, else ``b`` (evaluated by the evaluator itself).
* ``sum, mean, min, max, median, stdev``: over the non-blank arguments; all blank gives blank;
  ``stdev`` is the sample SD, blank for fewer than two values.
* ``round, roundup, rounddown(x[, d])``: to ``d`` decimals (default 0; truncated to an integer;
  negative rounds to tens, hundreds...). ``round`` is half away from zero, ``roundup`` the
  ceiling, ``rounddown`` the floor, after PHP-style rounding to 15 significant digits.
* ``abs``, ``sqrt`` (blank for negatives), ``exponential`` (e**x), ``log(x[, base])`` (natural by
  default; blank for x <= 0 or a base <= 0 or equal to 1), ``mod(a, b)`` (sign of ``a``, blank
  for ``b = 0``).
* ``datediff(d1, d2, unit[, format][, signed])``: ``d2 - d1`` in ``y M d h m s`` (1 y =
  365.2425 d, 1 M = 30.44 d), absolute unless signed. With four arguments the fourth is the date
  format when it is ``ymd``, ``mdy`` or ``dmy`` (the format is otherwise ignored: stored values
  are Y-M-D), else the signed flag. The flag is ``true``/``false`` or the text ``"true"`` or
  ``"false"``; anything else by its truth value. Not rounded: ``rounddown`` it for whole years.
* ``isnumber(x)``: ``x`` is a number or numeric-looking text; ``isinteger(x)``: and a whole one
  (``"2.0"`` counts).
* ``year, month, day(date)``: the part of a Y-M-D date (or ``'today'``), blank otherwise.
* ``contains, not_contain, starts_with, ends_with(haystack, needle)``: case-insensitive.
* ``left, right(text, n)``: the first/last ``n`` characters (``n <= 0`` or blank gives ``""``);
  ``mid(text, start, n)``: ``n`` characters from 1-based ``start`` (``start < 1`` reads as 1);
  ``length(text)``; ``find(needle, haystack)``: 1-based position, case-insensitive, 0 when absent.
* ``concat(a, ...)``; ``concat_ws(sep, a, ...)`` joins the non-blank values with ``sep``.
* ``upper``, ``lower``, ``trim`` (PHP's trim set: space, tab, CR, LF, NUL, vertical tab),
  ``replace_text(text, search, replacement)``: every occurrence, case-sensitive; an empty search
  changes nothing.
* ``isblankormissingcode(x)``, ``isblanknotmissingcode(x)``, ``ismissingcode(x)``: on the text of
  ``x`` against ``Context.missing_codes``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from instruments.logic import kernels
from instruments.logic.dates import Clock, parse_moment
from instruments.logic.values import Context, Value, arith_of, number_of, text_of, truthy

TRIM_CHARACTERS = " \t\n\r\0\x0b"
DATE_FORMATS = frozenset({"ymd", "mdy", "dmy"})
# Counts and positions are clipped to this so the vectorised twins can hold them in int64.
COUNT_LIMIT = 1 << 40


def to_array(number: float | None) -> np.ndarray:
    """One value as the one-element float array the shared kernels take (blank: NaN)."""
    return np.array([np.nan if number is None else number], dtype=np.float64)


def from_array(values: np.ndarray) -> float | None:
    """The kernels' one-element result back as one value (NaN: blank, None)."""
    number = float(values[0])
    return None if math.isnan(number) else number


def call_function(name: str, args: list[Value], context: Context, clock: Clock) -> Value:
    """The value of REDCap function ``name`` (any but ``if``) on evaluated arguments."""
    return _FUNCTIONS[name](args, context, clock)


def _numbers(args: list[Value], context: Context) -> list[np.ndarray]:
    return [to_array(arith_of(arg, context.missing_codes)) for arg in args]


def _count(value: Value, context: Context) -> int | None:
    number = arith_of(value, context.missing_codes)
    if number is None:
        return None
    return int(max(-COUNT_LIMIT, min(COUNT_LIMIT, math.trunc(number))))


def _aggregate(name: str) -> Callable[[list[Value], Context, Clock], Value]:
    return lambda args, context, clock: from_array(kernels.aggregate(name, _numbers(args, context)))


def _rounding(mode: kernels.RoundMode) -> Callable[[list[Value], Context, Clock], Value]:
    def apply(args: list[Value], context: Context, clock: Clock) -> Value:
        numbers = _numbers(args, context)
        decimals = numbers[1] if len(numbers) > 1 else to_array(0.0)
        return from_array(kernels.round_to(numbers[0], decimals, mode))

    return apply


def _unary(name: str) -> Callable[[list[Value], Context, Clock], Value]:
    return lambda args, context, clock: from_array(kernels.unary(name, _numbers(args, context)[0]))


def _log(args: list[Value], context: Context, clock: Clock) -> Value:
    numbers = _numbers(args, context)
    return from_array(kernels.log(numbers[0], numbers[1] if len(numbers) > 1 else None))


def _mod(args: list[Value], context: Context, clock: Clock) -> Value:
    return from_array(kernels.mod(*_numbers(args, context)))


def signed_flag(value: Value) -> bool:
    """datediff's returnSignedValue argument."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return truthy(value)


def _datediff(args: list[Value], context: Context, clock: Clock) -> Value:
    start = parse_moment(text_of(args[0]), clock)
    end = parse_moment(text_of(args[1]), clock)
    unit = kernels.UNIT_SECONDS.get(text_of(args[2]).strip())
    if len(args) == 5:
        signed = signed_flag(args[4])
    elif len(args) == 4 and text_of(args[3]).strip().lower() not in DATE_FORMATS:
        signed = signed_flag(args[3])
    else:
        signed = False
    if start is None or end is None or unit is None:
        return None
    result = kernels.datediff(
        to_array(float(start.seconds)),
        to_array(float(end.seconds)),
        to_array(unit),
        np.array([signed]),
    )
    return from_array(result)


def _date_part(part: str) -> Callable[[list[Value], Context, Clock], Value]:
    def apply(args: list[Value], context: Context, clock: Clock) -> Value:
        moment = parse_moment(text_of(args[0]), clock)
        return None if moment is None else float(getattr(moment, part))

    return apply


def _isnumber(args: list[Value], context: Context, clock: Clock) -> Value:
    return number_of(args[0]) is not None


def _isinteger(args: list[Value], context: Context, clock: Clock) -> Value:
    number = number_of(args[0])
    return number is not None and number.is_integer()


def _text_test(test: Callable[[str, str], bool]) -> Callable[[list[Value], Context, Clock], Value]:
    return lambda args, context, clock: test(text_of(args[0]).lower(), text_of(args[1]).lower())


def _left(args: list[Value], context: Context, clock: Clock) -> Value:
    count = _count(args[1], context)
    return "" if count is None or count <= 0 else text_of(args[0])[:count]


def _right(args: list[Value], context: Context, clock: Clock) -> Value:
    count = _count(args[1], context)
    return "" if count is None or count <= 0 else text_of(args[0])[-count:]


def _mid(args: list[Value], context: Context, clock: Clock) -> Value:
    start, count = _count(args[1], context), _count(args[2], context)
    if start is None or count is None or count <= 0:
        return ""
    begin = max(start, 1) - 1
    return text_of(args[0])[begin : begin + count]


def _find(args: list[Value], context: Context, clock: Clock) -> Value:
    return float(text_of(args[1]).lower().find(text_of(args[0]).lower()) + 1)


def _concat_ws(args: list[Value], context: Context, clock: Clock) -> Value:
    pieces = [text_of(arg) for arg in args[1:]]
    return text_of(args[0]).join(piece for piece in pieces if piece != "")


def _replace_text(args: list[Value], context: Context, clock: Clock) -> Value:
    text, search, replacement = (text_of(arg) for arg in args)
    return text if search == "" else text.replace(search, replacement)


def _missing(test: Callable[[str, frozenset[str]], bool]):
    return lambda args, context, clock: test(text_of(args[0]), context.missing_codes)


_FUNCTIONS: dict[str, Callable[[list[Value], Context, Clock], Value]] = {
    **{name: _aggregate(name) for name in ("sum", "mean", "min", "max", "median", "stdev")},
    "round": _rounding("round"),
    "roundup": _rounding("roundup"),
    "rounddown": _rounding("rounddown"),
    **{name: _unary(name) for name in ("abs", "sqrt", "exponential")},
    "log": _log,
    "mod": _mod,
    "datediff": _datediff,
    "isnumber": _isnumber,
    "isinteger": _isinteger,
    **{part: _date_part(part) for part in ("year", "month", "day")},
    "contains": _text_test(lambda haystack, needle: needle in haystack),
    "not_contain": _text_test(lambda haystack, needle: needle not in haystack),
    "starts_with": _text_test(lambda haystack, needle: haystack.startswith(needle)),
    "ends_with": _text_test(lambda haystack, needle: haystack.endswith(needle)),
    "left": _left,
    "right": _right,
    "mid": _mid,
    "length": lambda args, context, clock: float(len(text_of(args[0]))),
    "find": _find,
    "concat": lambda args, context, clock: "".join(text_of(arg) for arg in args),
    "concat_ws": _concat_ws,
    "upper": lambda args, context, clock: text_of(args[0]).upper(),
    "lower": lambda args, context, clock: text_of(args[0]).lower(),
    "trim": lambda args, context, clock: text_of(args[0]).strip(TRIM_CHARACTERS),
    "replace_text": _replace_text,
    "isblankormissingcode": _missing(lambda text, codes: text == "" or text in codes),
    "isblanknotmissingcode": _missing(lambda text, codes: text == "" and text not in codes),
    "ismissingcode": _missing(lambda text, codes: text != "" and text in codes),
}
