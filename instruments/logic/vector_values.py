"""Column-at-a-time values for the vectorised evaluator.

Each AST node evaluates to one :class:`Vec` covering every row of the frame. A Vec knows its kind
(number, bool, text or, from an ``if`` whose branches differ in kind, mixed) and offers the same
four readings as a scalar value (see :mod:`instruments.logic.values`), each as a numpy array:

* ``numbers()``: float64, NaN where the value is not a number (for comparison);
* ``arith(missing_codes)``: the same with missing codes blanked (for arithmetic);
* ``texts()``: object array of ``str``;
* ``truth()``: bool.

Text readings of numbers are costly (one string per row), so they are computed only for the rows
that need them (``texts_where``) and equality avoids them altogether: a finite number's text
always looks numeric, so it can equal a non-numeric text only when the number is blank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from instruments.logic.values import NUMERIC_TEXT

# Codes into distinct texts, as pandas.factorize gives them.
Factors = tuple[np.ndarray, pd.Series]


class Vec(ABC):
    """One value per row."""

    @abstractmethod
    def numbers(self) -> np.ndarray:
        """Each row as a number for comparison: float64, NaN where it is not a number."""

    @abstractmethod
    def arith(self, missing_codes: frozenset[str]) -> np.ndarray:
        """Each row as a number for arithmetic: as :meth:`numbers`, with missing codes NaN."""

    @abstractmethod
    def texts_where(self, rows: np.ndarray) -> np.ndarray:
        """The rows picked by the bool array ``rows``, as text (an object array of ``str``)."""

    @abstractmethod
    def blank(self) -> np.ndarray:
        """Whether each row is blank."""

    @abstractmethod
    def truth(self) -> np.ndarray:
        """Each row read as a truth value, as branching logic reads it."""

    @abstractmethod
    def outputs(self) -> np.ndarray:
        """Object array of public values (None for blank), for mixed results."""

    def texts(self) -> np.ndarray:
        """Every row as text."""
        return self.texts_where(np.ones(len(self.blank()), dtype=bool))


class NumVec(Vec):
    """A number per row, NaN for blank."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self._constant: np.ndarray | None = None

    @classmethod
    def constant(cls, number: float, rows: int) -> NumVec:
        """The same number on every row, whose text is then written once."""
        vec = cls(np.full(rows, number, dtype=np.float64))
        vec._constant = format_numbers(np.array([number]))
        return vec

    def numbers(self) -> np.ndarray:
        return self.values

    def arith(self, missing_codes: frozenset[str]) -> np.ndarray:
        return self.values

    def texts_where(self, rows: np.ndarray) -> np.ndarray:
        if self._constant is not None:
            return np.repeat(self._constant, np.count_nonzero(rows))
        return format_numbers(self.values[rows])

    def blank(self) -> np.ndarray:
        return np.isnan(self.values)

    def truth(self) -> np.ndarray:
        return ~np.isnan(self.values) & (self.values != 0)

    def outputs(self) -> np.ndarray:
        result = self.values.astype(object)
        result[np.isnan(self.values)] = None
        return result


class BoolVec(Vec):
    """A Boolean per row, never blank."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def numbers(self) -> np.ndarray:
        return self.values.astype(np.float64)

    def arith(self, missing_codes: frozenset[str]) -> np.ndarray:
        return self.numbers()

    def texts_where(self, rows: np.ndarray) -> np.ndarray:
        return np.where(self.values[rows], "1", "0").astype(object)

    def blank(self) -> np.ndarray:
        return np.zeros(len(self.values), dtype=bool)

    def truth(self) -> np.ndarray:
        return self.values

    def outputs(self) -> np.ndarray:
        return self.values.astype(object)


class TextVec(Vec):
    """Text per row. Readings are worked out once per distinct text and spread by code, which
    is what keeps a 100 000-row column with a handful of choice codes cheap.

    A TextVec is made from its texts, from its factors (codes into distinct texts, as
    :func:`pandas.factorize` gives them) or both; whichever is missing is worked out on first use.
    """

    def __init__(self, values: np.ndarray | None = None, factors: Factors | None = None) -> None:
        if values is None and factors is None:
            raise TypeError("a TextVec needs its values or its factors")
        self._values = values
        self._factors = factors

    @classmethod
    def constant(cls, text: str, rows: int) -> TextVec:
        """The same text on every row."""
        return cls(factors=(np.zeros(rows, dtype=np.intp), pd.Series([text], dtype=object)))

    @property
    def values(self) -> np.ndarray:
        """Each row's text, an object array of ``str``."""
        if self._values is None:
            codes, uniques = self.factors
            self._values = uniques.to_numpy(dtype=object)[codes]
        return self._values

    @property
    def factors(self) -> Factors:
        """Each row's code and the distinct texts the codes index."""
        if self._factors is None:
            codes, uniques = pd.factorize(self.values)
            self._factors = codes, pd.Series(uniques, dtype=object)
        return self._factors

    def distinct(self) -> TextVec:
        """The distinct texts, one per row, in code order."""
        return TextVec(self.factors[1].to_numpy(dtype=object))

    @cached_property
    def _numbers(self) -> np.ndarray:
        codes, uniques = self.factors
        return parse_numbers(uniques)[codes]

    @cached_property
    def _blank(self) -> np.ndarray:
        codes, uniques = self.factors
        return (uniques == "").to_numpy(dtype=bool)[codes]

    def numbers(self) -> np.ndarray:
        return self._numbers

    def arith(self, missing_codes: frozenset[str]) -> np.ndarray:
        if not missing_codes:
            return self._numbers
        codes, uniques = self.factors
        missing = uniques.isin(missing_codes).to_numpy(dtype=bool)[codes]
        return np.where(missing, np.nan, self._numbers)

    def texts_where(self, rows: np.ndarray) -> np.ndarray:
        return self.values[rows]

    def texts(self) -> np.ndarray:
        return self.values

    def blank(self) -> np.ndarray:
        return self._blank

    def truth(self) -> np.ndarray:
        numbers = self._numbers
        return np.where(np.isnan(numbers), ~self._blank, numbers != 0)

    def outputs(self) -> np.ndarray:
        return np.where(self._blank, np.array(None, dtype=object), self.values)

    def equals(self, other: TextVec) -> np.ndarray:
        """Whether each row's text is exactly ``other``'s, matched through the distinct texts."""
        codes, uniques = self.factors
        other_codes, other_uniques = other.factors
        # Where each of other's distinct texts sits among ours (-1: none of ours).
        position = pd.Index(uniques).get_indexer(pd.Index(other_uniques))
        matched = position[other_codes]
        return (matched == codes) & (matched >= 0)


class MixedVec(Vec):
    """``if(c, a, b)`` with branches of different kinds: ``a`` where ``chosen``, else ``b``."""

    def __init__(self, chosen: np.ndarray, when_true: Vec, when_false: Vec) -> None:
        self.chosen = chosen
        self.when_true = when_true
        self.when_false = when_false

    def numbers(self) -> np.ndarray:
        return np.where(self.chosen, self.when_true.numbers(), self.when_false.numbers())

    def arith(self, missing_codes: frozenset[str]) -> np.ndarray:
        return np.where(
            self.chosen,
            self.when_true.arith(missing_codes),
            self.when_false.arith(missing_codes),
        )

    def texts_where(self, rows: np.ndarray) -> np.ndarray:
        first = self.when_true.texts_where(rows)
        second = self.when_false.texts_where(rows)
        return np.where(self.chosen[rows], first, second)

    def blank(self) -> np.ndarray:
        return np.where(self.chosen, self.when_true.blank(), self.when_false.blank())

    def truth(self) -> np.ndarray:
        return np.where(self.chosen, self.when_true.truth(), self.when_false.truth())

    def outputs(self) -> np.ndarray:
        return np.where(self.chosen, self.when_true.outputs(), self.when_false.outputs())


def parse_numbers(texts: pd.Series) -> np.ndarray:
    """Vectorised :func:`~instruments.logic.values.parse_number` over an object Series."""
    numeric = texts.str.fullmatch(NUMERIC_TEXT.pattern).to_numpy(dtype=bool, na_value=False)
    numbers = np.full(len(texts), np.nan)
    if numeric.any():
        with np.errstate(all="ignore"):
            numbers[numeric] = texts.to_numpy(dtype=object)[numeric].astype(np.float64)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def format_numbers(values: np.ndarray) -> np.ndarray:
    """Vectorised :func:`~instruments.logic.values.format_number`, ``""`` for NaN."""
    result = np.full(len(values), "", dtype=object)
    present = ~np.isnan(values)
    # numpy writes float64 as repr() does, so only the ".0" needs trimming.
    written = values[present].astype(StringDType())
    whole = np.strings.endswith(written, ".0")
    trimmed = np.strings.slice(written, 0, np.strings.str_len(written) - 2)
    result[present] = np.where(whole, trimmed, written).astype(object)
    return result


def as_strings(texts: np.ndarray) -> np.ndarray:
    """An object array of str as numpy's variable-width string dtype, for ``np.strings``."""
    return texts.astype(StringDType())


def nul_free(*arrays: np.ndarray) -> bool:
    """Whether no text of ``arrays`` holds a NUL character. numpy's string functions treat a NUL
    as the end of a string (a trailing one is lost to ``str_len``, ``find``, ``slice``), so the
    functions work texts that hold one in Python, as the record-by-record path does."""
    return not any("\x00" in text for array in arrays for text in array)
