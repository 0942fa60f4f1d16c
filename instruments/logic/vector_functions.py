"""REDCap's special functions over whole columns.

The semantics are those documented in :mod:`instruments.logic.scalar_functions`; numeric work goes
through the same :mod:`instruments.logic.kernels`, text work through pandas' ``.str`` methods (which
apply Python's own ``str`` methods) and ``numpy.strings`` (for functions whose arguments differ
from row to row, such as a needle taken from another field).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from instruments.logic import kernels
from instruments.logic.dates import Clock, parse_moments
from instruments.logic.scalar_functions import COUNT_LIMIT, DATE_FORMATS, TRIM_CHARACTERS
from instruments.logic.values import Context
from instruments.logic.vector_values import (
    BoolVec,
    MixedVec,
    NumVec,
    TextVec,
    Vec,
    as_strings,
    nul_free,
)

VectorFunction = Callable[[list[Vec], Context, Clock], Vec]


def call_function(name: str, args: list[Vec], context: Context, clock: Clock) -> Vec:
    """REDCap function ``name`` (any but ``if``) over evaluated argument columns."""
    return _FUNCTIONS[name](args, context, clock)


def choose(chosen: np.ndarray, when_true: Vec, when_false: Vec) -> Vec:
    """``if``: one kind when both branches share it, a MixedVec otherwise."""
    for kind in (NumVec, BoolVec, TextVec):
        if isinstance(when_true, kind) and isinstance(when_false, kind):
            return kind(np.where(chosen, when_true.values, when_false.values))
    return MixedVec(chosen, when_true, when_false)


def _texts(vec: Vec) -> pd.Series:
    return pd.Series(vec.texts(), dtype=object)


def _counts(vec: Vec, context: Context) -> tuple[np.ndarray, np.ndarray]:
    """Whole-number argument (truncated, clipped) and where it is blank."""
    numbers = vec.arith(context.missing_codes)
    blank = np.isnan(numbers)
    whole = np.clip(np.trunc(np.where(blank, 0.0, numbers)), -COUNT_LIMIT, COUNT_LIMIT)
    return whole.astype(np.int64), blank


def _aggregate(name: str) -> VectorFunction:
    return lambda args, context, clock: NumVec(
        kernels.aggregate(name, [arg.arith(context.missing_codes) for arg in args])
    )


def _rounding(mode: kernels.RoundMode) -> VectorFunction:
    def apply(args: list[Vec], context: Context, clock: Clock) -> Vec:
        values = args[0].arith(context.missing_codes)
        if len(args) > 1:
            decimals = args[1].arith(context.missing_codes)
        else:
            decimals = np.zeros(len(values))
        return NumVec(kernels.round_to(values, decimals, mode))

    return apply


def _unary(name: str) -> VectorFunction:
    return lambda args, context, clock: NumVec(
        kernels.unary(name, args[0].arith(context.missing_codes))
    )


def _log(args: list[Vec], context: Context, clock: Clock) -> Vec:
    numbers = [arg.arith(context.missing_codes) for arg in args]
    return NumVec(kernels.log(numbers[0], numbers[1] if len(numbers) > 1 else None))


def _mod(args: list[Vec], context: Context, clock: Clock) -> Vec:
    return NumVec(kernels.mod(*(arg.arith(context.missing_codes) for arg in args)))


def _signed_flags(vec: Vec) -> np.ndarray:
    if isinstance(vec, NumVec | BoolVec):
        return vec.truth()
    words = _texts(vec).str.strip().str.lower().to_numpy(dtype=object)
    return np.where(words == "true", True, np.where(words == "false", False, vec.truth()))


def _datediff(args: list[Vec], context: Context, clock: Clock) -> Vec:
    start = parse_moments(args[0].texts(), clock)["seconds"]
    end = parse_moments(args[1].texts(), clock)["seconds"]
    units = _texts(args[2]).str.strip().map(kernels.UNIT_SECONDS)
    unit_seconds = units.to_numpy(dtype=np.float64, na_value=np.nan)
    if len(args) == 5:
        signed = _signed_flags(args[4])
    elif len(args) == 4:
        formats = _texts(args[3]).str.strip().str.lower().isin(DATE_FORMATS).to_numpy(dtype=bool)
        signed = ~formats & _signed_flags(args[3])
    else:
        signed = np.zeros(len(start), dtype=bool)
    return NumVec(kernels.datediff(start, end, unit_seconds, signed))


def _date_part(part: str) -> VectorFunction:
    return lambda args, context, clock: NumVec(parse_moments(args[0].texts(), clock)[part])


def _text_test(test: str, negate: bool = False) -> VectorFunction:
    def apply(args: list[Vec], context: Context, clock: Clock) -> Vec:
        haystack, needle = (_lowered(arg) for arg in args)
        if not nul_free(haystack, needle):
            pairs = zip(haystack, needle, strict=True)
            tests = {"contains": str.__contains__, "starts_with": str.startswith}
            one = tests.get(test, str.endswith)
            found = np.array([one(h, n) for h, n in pairs], dtype=bool)
        elif test == "contains":
            found = np.strings.find(as_strings(haystack), as_strings(needle)) >= 0
        elif test == "starts_with":
            found = np.strings.startswith(as_strings(haystack), as_strings(needle))
        else:
            found = np.strings.endswith(as_strings(haystack), as_strings(needle))
        return BoolVec(~found if negate else np.asarray(found, dtype=bool))

    return apply


def _lowered(vec: Vec) -> np.ndarray:
    return _texts(vec).str.lower().to_numpy(dtype=object)


def _sliced(texts: np.ndarray, start: np.ndarray, stop: np.ndarray, blank: np.ndarray) -> Vec:
    if nul_free(texts):
        pieces = np.strings.slice(as_strings(texts), start, stop).astype(object)
    else:
        pieces = np.array(
            [text[a:b] for text, a, b in zip(texts, start, stop, strict=True)], dtype=object
        )
    return TextVec(np.where(blank, "", pieces).astype(object))


def _lengths(texts: np.ndarray) -> np.ndarray:
    if nul_free(texts):
        return np.strings.str_len(as_strings(texts)).astype(np.int64)
    return np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))


def _left(args: list[Vec], context: Context, clock: Clock) -> Vec:
    count, blank = _counts(args[1], context)
    texts = args[0].texts()
    return _sliced(texts, np.zeros_like(count), np.maximum(count, 0), blank)


def _right(args: list[Vec], context: Context, clock: Clock) -> Vec:
    count, blank = _counts(args[1], context)
    texts = args[0].texts()
    length = _lengths(texts)
    start = np.where(count > 0, np.maximum(length - count, 0), length)
    return _sliced(texts, start, length, blank)


def _mid(args: list[Vec], context: Context, clock: Clock) -> Vec:
    start, start_blank = _counts(args[1], context)
    count, count_blank = _counts(args[2], context)
    begin = np.maximum(start, 1) - 1
    return _sliced(args[0].texts(), begin, begin + np.maximum(count, 0), start_blank | count_blank)


def _length(args: list[Vec], context: Context, clock: Clock) -> Vec:
    return NumVec(_lengths(args[0].texts()).astype(np.float64))


def _find(args: list[Vec], context: Context, clock: Clock) -> Vec:
    needle, haystack = (_lowered(arg) for arg in args)
    if nul_free(needle, haystack):
        found = np.strings.find(as_strings(haystack), as_strings(needle))
    else:
        found = np.array([h.find(n) for h, n in zip(haystack, needle, strict=True)])
    return NumVec((found + 1).astype(np.float64))


def _concat(args: list[Vec], context: Context, clock: Clock) -> Vec:
    joined = args[0].texts()
    for arg in args[1:]:
        joined = joined + arg.texts()
    return TextVec(np.asarray(joined, dtype=object))


def _concat_ws(args: list[Vec], context: Context, clock: Clock) -> Vec:
    separator = args[0].texts()
    joined = np.full(len(separator), "", dtype=object)
    started = np.zeros(len(separator), dtype=bool)
    for arg in args[1:]:
        piece = arg.texts()
        present = piece != ""
        extended = np.where(started, joined + separator + piece, piece)
        joined = np.where(present, extended, joined)
        started |= present
    return TextVec(joined.astype(object))


def _string_method(method: Callable[[pd.Series], pd.Series]) -> VectorFunction:
    return lambda args, context, clock: TextVec(method(_texts(args[0])).to_numpy(dtype=object))


def _replace_text(args: list[Vec], context: Context, clock: Clock) -> Vec:
    text, search, replacement = (arg.texts() for arg in args)
    if nul_free(text, search, replacement):
        replaced = np.strings.replace(
            as_strings(text), as_strings(search), as_strings(replacement), -1
        ).astype(object)
    else:
        triples = zip(text, search, replacement, strict=True)
        replaced = np.array([t.replace(s, r) for t, s, r in triples], dtype=object)
    return TextVec(np.where(search == "", text, replaced).astype(object))


def _missing(test: str) -> VectorFunction:
    def apply(args: list[Vec], context: Context, clock: Clock) -> Vec:
        texts = _texts(args[0])
        blank = (texts == "").to_numpy(dtype=bool)
        missing = texts.isin(context.missing_codes).to_numpy(dtype=bool) & ~blank
        if test == "isblankormissingcode":
            return BoolVec(blank | missing)
        if test == "isblanknotmissingcode":
            return BoolVec(blank)
        return BoolVec(missing)

    return apply


_FUNCTIONS: dict[str, VectorFunction] = {
    **{name: _aggregate(name) for name in ("sum", "mean", "min", "max", "median", "stdev")},
    "round": _rounding("round"),
    "roundup": _rounding("roundup"),
    "rounddown": _rounding("rounddown"),
    **{name: _unary(name) for name in ("abs", "sqrt", "exponential")},
    "log": _log,
    "mod": _mod,
    "datediff": _datediff,
    "isnumber": lambda args, context, clock: BoolVec(~np.isnan(args[0].numbers())),
    "isinteger": lambda args, context, clock: BoolVec(kernels.is_integer(args[0].numbers())),
    **{part: _date_part(part) for part in ("year", "month", "day")},
    "contains": _text_test("contains"),
    "not_contain": _text_test("contains", negate=True),
    "starts_with": _text_test("starts_with"),
    "ends_with": _text_test("ends_with"),
    "left": _left,
    "right": _right,
    "mid": _mid,
    "length": _length,
    "find": _find,
    "concat": _concat,
    "concat_ws": _concat_ws,
    "upper": _string_method(lambda texts: texts.str.upper()),
    "lower": _string_method(lambda texts: texts.str.lower()),
    "trim": _string_method(lambda texts: texts.str.strip(TRIM_CHARACTERS)),
    "replace_text": _replace_text,
    "isblankormissingcode": _missing("isblankormissingcode"),
    "isblanknotmissingcode": _missing("isblanknotmissingcode"),
    "ismissingcode": _missing("ismissingcode"),
}
