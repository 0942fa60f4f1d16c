"""Floating-point kernels shared by the scalar and the vectorised evaluator.

Every numeric function is written once, over numpy float64 arrays with NaN for blank, and the
scalar evaluator calls it on one-element arrays. Numpy may compute ``log`` or ``**`` with SIMD
code whose last bit differs from the C library's, so sharing the kernel (rather than writing
``math.log`` in one place and ``np.log`` in the other) is what makes the two evaluators agree
exactly.

Rules that hold for every kernel: a NaN operand gives NaN (blank); a result that is not finite
(overflow, division by zero, ``sqrt`` of a negative, ``log`` of zero) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

RoundMode = Literal["round", "roundup", "rounddown"]

# datediff units. REDCap: 1 year = 365.2425 days, 1 month = 30.44 days. The unit letters are
# case-sensitive: "M" is months, "m" minutes.
UNIT_SECONDS = {
    "y": 86_400 * 365.2425,
    "M": 86_400 * 30.44,
    "d": 86_400.0,
    "h": 3_600.0,
    "m": 60.0,
    "s": 1.0,
}


def finite(values: np.ndarray) -> np.ndarray:
    """``values`` as floats with infinities made NaN: a result too large to represent is blank."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), values, np.nan)


def arithmetic(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left op right`` element-wise for ``+ - * / ^``; blank where an operand is blank or the
    result is not finite (division by zero included)."""
    with np.errstate(all="ignore"):
        if op == "+":
            return finite(left + right)
        if op == "-":
            return finite(left - right)
        if op == "*":
            return finite(left * right)
        if op == "/":
            return finite(left / right)
        return finite(np.power(left, right))


def negate(values: np.ndarray) -> np.ndarray:
    return -values


def round_to(values: np.ndarray, decimals: np.ndarray, mode: RoundMode) -> np.ndarray:
    """REDCap's round/roundup/rounddown to ``decimals`` places (negative: tens, hundreds, ...).

    ``round`` is half away from zero, ``roundup`` the ceiling and ``rounddown`` the floor at that
    precision. Like PHP's ``round``, the scaled value is first rounded to 15 significant digits, so
    a value such as 22.45 (stored as 22.4499999...) rounds to 22.5 the way its decimal text says
    rather than the way its binary approximation does. Decimals are truncated to an integer;
    scaled values of 1e15 or more have no fraction left to round and are returned unchanged.
    """
    with np.errstate(all="ignore"):
        places = np.clip(np.trunc(decimals), -308, 308)
        up = places >= 0
        factor = np.power(10.0, np.abs(places))
        scaled = np.where(up, values * factor, values / factor)
        magnitude = np.abs(scaled)
        exponent = np.clip(np.floor(np.log10(magnitude)), -290, 14)
        precision = np.power(10.0, 14 - exponent)
        ordinary = (magnitude > 0) & (magnitude < 1e15)
        pre = np.where(ordinary, np.rint(scaled * precision) / precision, scaled)
        if mode == "round":
            whole = np.sign(pre) * np.floor(np.abs(pre) + 0.5)
        elif mode == "roundup":
            whole = np.ceil(pre)
        else:
            whole = np.floor(pre)
        result = np.where(up, whole / factor, whole * factor)
        # + 0.0 turns -0.0 into 0.0, so round(-0.2) is written "0" rather than "-0".
        result = np.where(magnitude < 1e15, result, values) + 0.0
        return finite(np.where(np.isnan(decimals), np.nan, result))


def unary(name: str, values: np.ndarray) -> np.ndarray:
    """REDCap's ``abs``, ``sqrt`` or ``exp`` element-wise; blank where the result is not finite."""
    with np.errstate(all="ignore"):
        if name == "abs":
            return np.abs(values)
        if name == "sqrt":
            return finite(np.sqrt(values))
        return finite(np.exp(values))


def log(values: np.ndarray, base: np.ndarray | None) -> np.ndarray:
    """Natural log, or log to ``base``; blank for non-positive values and bases 1 or below 0."""
    with np.errstate(all="ignore"):
        natural = np.where(values > 0, np.log(values), np.nan)
        if base is None:
            return finite(natural)
        base_log = np.where((base > 0) & (base != 1), np.log(base), np.nan)
        return finite(natural / base_log)


def mod(dividend: np.ndarray, divisor: np.ndarray) -> np.ndarray:
    """Remainder with the sign of the dividend (JavaScript's ``%``, PHP's ``fmod``)."""
    with np.errstate(all="ignore"):
        return finite(np.fmod(dividend, divisor))


def aggregate(name: str, columns: Sequence[np.ndarray]) -> np.ndarray:
    """sum, mean, min, max, median or stdev across ``columns``, skipping blanks (NaN).

    All blank gives blank. ``stdev`` is the sample standard deviation (n - 1 denominator) and is
    blank for fewer than two values. Sums run left to right over the arguments.
    """
    with np.errstate(all="ignore"):
        count = np.zeros(len(columns[0]))
        total = np.zeros(len(columns[0]))
        for column in columns:
            present = ~np.isnan(column)
            count += present
            total = np.where(present, total + column, total)
        if name == "sum":
            return finite(np.where(count > 0, total, np.nan))
        if name == "mean":
            return finite(total / count)
        if name == "min":
            return _fold(np.fmin, columns)
        if name == "max":
            return _fold(np.fmax, columns)
        if name == "median":
            return _median(columns, count)
        mean = total / count
        squares = np.zeros(len(columns[0]))
        for column in columns:
            squares = np.where(np.isnan(column), squares, squares + (column - mean) ** 2)
        return finite(np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan))


def _fold(pick: np.ufunc, columns: Sequence[np.ndarray]) -> np.ndarray:
    result = columns[0]
    for column in columns[1:]:
        result = pick(result, column)
    return result


def _median(columns: Sequence[np.ndarray], count: np.ndarray) -> np.ndarray:
    ordered = np.sort(np.column_stack(columns), axis=1)  # NaN sorts last
    present = count.astype(np.int64)
    low = np.clip((present - 1) // 2, 0, None)
    high = present // 2
    low_values = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
    high_values = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
    middle = (low_values + high_values) / 2
    return finite(np.where(present > 0, middle, np.nan))


def datediff(
    start: np.ndarray, end: np.ndarray, unit_seconds: np.ndarray, signed: np.ndarray
) -> np.ndarray:
    """``end - start`` (seconds since a common origin) in units; absolute unless ``signed``."""
    with np.errstate(all="ignore"):
        difference = (end - start) / unit_seconds
        return finite(np.where(signed, difference, np.abs(difference)))


def is_integer(values: np.ndarray) -> np.ndarray:
    """Whether each value is a whole number (false for blanks)."""
    return ~np.isnan(values) & (np.floor(values) == values)
