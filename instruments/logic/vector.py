"""Evaluate logic on every row of a frame at once.

The rules are those of :mod:`instruments.logic.scalar`, applied column-wise: each AST node is
computed once for all rows with numpy and pandas, never row by row, and the result agrees
element-wise with :func:`~instruments.logic.evaluate` on each row.

Each column is read once per :class:`FrameLogic` (once per call of :func:`evaluate_frame`) as codes
into its distinct texts; the readings of text (as a number, blank or not) are worked out per
distinct text, and so is a comparison of text with a literal, such as ``[x] = '2'``.

Result types: a comparison, Boolean or test function gives a ``bool`` Series; arithmetic and
numeric functions a ``float64`` Series with NaN for blank; text an ``object`` Series with None for
blank; an ``if`` whose branches differ in kind an ``object`` Series holding what the scalar
evaluator returns for each row.

Cross-event references ``[event][field]`` read, for each row, the value in the same record's row
for that event: rows are matched on ``Context.record_id`` and ``Context.event_column``; a row of
that event reads itself; otherwise the record's first row for the event (in frame order) is used,
and a record with no such row reads blank. Rows of other records are never read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments.logic import kernels
from instruments.logic.dates import Clock, clock_for
from instruments.logic.expression import Expression
from instruments.logic.lookup import check_columns, column_of
from instruments.logic.nodes import (
    Arithmetic,
    BoolLit,
    Call,
    Comparison,
    Logical,
    Negate,
    Node,
    Not,
    NumberLit,
    Reference,
    StringLit,
)
from instruments.logic.parser import parse
from instruments.logic.values import DEFAULT_CONTEXT, Context
from instruments.logic.vector_functions import call_function, choose
from instruments.logic.vector_values import (
    BoolVec,
    Factors,
    NumVec,
    TextVec,
    Vec,
    parse_numbers,
)

_CHECKBOX_TEXTS = np.array(["0", "1"], dtype=object)

# pandas' inferred types of an object array that may hold str elements.
_WITH_TEXT = frozenset({"string", "mixed", "mixed-integer"})


def evaluate_frame(
    expr: Expression | str, frame: pd.DataFrame, context: Context = DEFAULT_CONTEXT
) -> pd.Series:
    """The value of ``expr`` for every row of ``frame``; the result has ``frame.index``."""
    return FrameLogic(frame, context).evaluate(expr)


def to_series(vec: Vec, index: pd.Index) -> pd.Series:
    """An evaluated column as a Series on ``index``: float for numbers, bool for Booleans, else
    object."""
    if isinstance(vec, NumVec):
        return pd.Series(vec.values, index=index, dtype=np.float64)
    if isinstance(vec, BoolVec):
        return pd.Series(vec.values, index=index, dtype=bool)
    return pd.Series(vec.outputs(), index=index, dtype=object)


def truthy_frame(series: pd.Series) -> pd.Series:
    """Element-wise :func:`~instruments.logic.truthy`, as a bool Series with the same index."""
    blank = series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(~blank & series.to_numpy(dtype=bool, na_value=False), index=series.index)
    values = series.to_numpy(dtype=object, copy=True)
    values[blank] = None
    # Object == 0 applies Python's == to each element: False, 0.0 and -0.0 equal 0, no str does.
    falsy = np.asarray(values == 0, dtype=bool) | blank
    if pd.api.types.infer_dtype(values, skipna=True) in _WITH_TEXT:
        text = pd.Series(values, dtype=object)
        lengths = text.str.len().to_numpy(dtype=np.float64, na_value=np.nan)
        numbers = parse_numbers(text.where(~np.isnan(lengths), ""))
        falsy |= (lengths == 0) | (numbers == 0)
    return pd.Series(~falsy, index=series.index, dtype=bool)


class FrameLogic:
    """Evaluates any number of expressions over one frame, reading each column it needs once.

    Reading a column (turning it into codes into its distinct texts) is most of the cost of a
    simple expression, so a caller that evaluates many expressions over the same frame (the
    branching logic of every field of an instrument) keeps one FrameLogic for them all. The
    frame must not change while the FrameLogic is in use, and ``'today'`` / ``'now'`` read the
    system clock (when ``context.today`` is None) once, when it is made.
    """

    def __init__(self, frame: pd.DataFrame, context: Context = DEFAULT_CONTEXT) -> None:
        self.frame = frame
        self.rows = len(frame)
        self.context = context
        self.clock: Clock = clock_for(context)
        self._columns: dict[str, TextVec] = {}
        self._references: dict[Reference, TextVec] = {}

    def evaluate(self, expr: Expression | str) -> pd.Series:
        """The value of ``expr`` for every row of the frame, as :func:`evaluate_frame` gives it."""
        expression = parse(expr) if isinstance(expr, str) else expr
        check_columns(expression, self.frame.columns, self.context, needs_event_keys=True)
        return to_series(self.eval(expression.root), self.frame.index)

    def eval(self, node: Node) -> Vec:
        match node:
            case NumberLit() | StringLit():
                return literal(node, self.rows)
            case BoolLit(value=value):
                return BoolVec(np.full(self.rows, value, dtype=bool))
            case Reference():
                return self.read(node)
            case Negate(operand=operand):
                return NumVec(kernels.negate(self.arith(operand)))
            case Not(operand=operand):
                return BoolVec(~self.eval(operand).truth())
            case Arithmetic(op=op, left=left, right=right):
                return NumVec(kernels.arithmetic(op, self.arith(left), self.arith(right)))
            case Comparison(op=op, left=left, right=right):
                return BoolVec(self.compare(op, left, right))
            case Logical(op="and", left=left, right=right):
                return BoolVec(self.eval(left).truth() & self.eval(right).truth())
            case Logical(left=left, right=right):
                return BoolVec(self.eval(left).truth() | self.eval(right).truth())
            case Call(name="if", args=(condition, when_true, when_false)):
                chosen = self.eval(condition).truth()
                return choose(chosen, self.eval(when_true), self.eval(when_false))
            case Call(name=name, args=args):
                values = [self.eval(arg) for arg in args]
                return call_function(name, values, self.context, self.clock)
        raise TypeError(f"cannot evaluate {type(node).__name__}")

    def arith(self, node: Node) -> np.ndarray:
        return self.eval(node).arith(self.context.missing_codes)

    def compare(self, op: str, left: Node, right: Node) -> np.ndarray:
        # Text compared with a literal depends on the text alone, so each distinct text is
        # compared once and the answers spread to the rows by code.
        if isinstance(right, NumberLit | StringLit):
            text = self.eval(left)
            if isinstance(text, TextVec):
                codes = text.factors[0]
                return compare(op, text.distinct(), literal(right, len(text.factors[1])))[codes]
            return compare(op, text, self.eval(right))
        if isinstance(left, NumberLit | StringLit):
            text = self.eval(right)
            if isinstance(text, TextVec):
                codes = text.factors[0]
                return compare(op, literal(left, len(text.factors[1])), text.distinct())[codes]
            return compare(op, self.eval(left), text)
        return compare(op, self.eval(left), self.eval(right))

    def column(self, name: str) -> TextVec:
        if name not in self._columns:
            self._columns[name] = TextVec(factors=column_factors(self.frame[name]))
        return self._columns[name]

    def read(self, reference: Reference) -> TextVec:
        if reference not in self._references:
            self._references[reference] = self._read(reference)
        return self._references[reference]

    def _read(self, reference: Reference) -> TextVec:
        vec = self.column(column_of(reference))
        if reference.event is not None:
            vec = TextVec(self.from_event(reference.event, vec.values))
        if reference.code is None:
            return vec
        codes, uniques = vec.factors
        numbers = parse_numbers(uniques)
        ticked = (~np.isnan(numbers) & (numbers != 0)).astype(np.intp)[codes]
        # A checkbox term reads "1" when ticked, else "0".
        return TextVec(factors=(ticked, pd.Series(_CHECKBOX_TEXTS)))

    def from_event(self, event: str, values: np.ndarray) -> np.ndarray:
        record_ids = self.column(self.context.record_id).values
        events = self.column(self.context.event_column).values
        in_event = events == event
        event_ids = pd.Index(record_ids[in_event])
        first = ~event_ids.duplicated(keep="first")
        lookup = pd.Index(event_ids[first])
        found = lookup.get_indexer(record_ids)
        if not in_event.any():
            return np.where(in_event, values, "").astype(object)
        from_rows = values[in_event][first]
        other = np.where(found >= 0, from_rows[np.maximum(found, 0)], "")
        return np.where(in_event, values, other).astype(object)


def literal(node: NumberLit | StringLit, rows: int) -> Vec:
    """A literal's value on ``rows`` rows."""
    if isinstance(node, NumberLit):
        return NumVec.constant(node.value, rows)
    return TextVec.constant(node.value, rows)


def column_factors(column: pd.Series) -> Factors:
    """A frame column's texts as codes into distinct texts, read as :func:`column_texts` reads
    them (None/NaN blank, non-strings through ``str``) without building the texts."""
    if pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty"):
        codes, found = pd.factorize(column_texts(column))
        return codes, pd.Series(found, dtype=object)
    # factorize gives None, NaN and pd.NA the code -1, which becomes the code of "".
    codes, found = pd.factorize(column.to_numpy(dtype=object))
    texts = list(found)
    blank = codes < 0
    if blank.any():
        if "" not in texts:
            texts.append("")
        codes[blank] = texts.index("")
    return codes, pd.Series(texts, dtype=object)


def column_texts(column: pd.Series) -> np.ndarray:
    """A frame column as an object array of str: None/NaN blank, non-strings through ``str``."""
    blank = column.isna().to_numpy(dtype=bool)
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        values = column.to_numpy(dtype=object, copy=True)
    else:
        values = column.astype(str).to_numpy(dtype=object)
    values[blank] = ""
    return values


def compare(op: str, left: Vec, right: Vec) -> np.ndarray:
    """``left op right`` for every row, under the rules of instruments.logic.values."""
    left_numbers, right_numbers = left.numbers(), right.numbers()
    both = ~np.isnan(left_numbers) & ~np.isnan(right_numbers)
    if op in ("=", "<>"):
        with np.errstate(invalid="ignore"):
            numeric_equal = left_numbers == right_numbers
        same = np.where(both, numeric_equal, _text_equal(left, right))
        return same if op == "=" else ~same
    result = np.zeros(len(both), dtype=bool)
    with np.errstate(invalid="ignore"):
        result[both] = _ORDER[op](left_numbers[both], right_numbers[both])
    as_text = ~both & ~left.blank() & ~right.blank()
    if as_text.any():
        result[as_text] = _ORDER[op](left.texts_where(as_text), right.texts_where(as_text))
    return result


def _text_equal(left: Vec, right: Vec) -> np.ndarray:
    # Used only where the two sides are not both numbers. A number's text always looks numeric,
    # so it can equal a non-numeric text only when both are blank.
    if isinstance(left, NumVec | BoolVec) or isinstance(right, NumVec | BoolVec):
        return left.blank() & right.blank()
    if isinstance(left, TextVec) and isinstance(right, TextVec):
        return left.equals(right)
    return np.asarray(left.texts() == right.texts(), dtype=bool)


_ORDER = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
