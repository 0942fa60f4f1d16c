"""Evaluate logic on one record.

The record is one flat REDCap export row: a mapping from column name to string, ``""`` for
blank, one ``field___code`` column per checkbox option holding ``"1"`` or ``"0"``. ``None`` and NaN
cells are read as blank and any other non-string through ``str``.

References:

* ``[field]`` reads the record's column ``field``. A field with no column raises
  :class:`~instruments.logic.errors.UnknownFieldError`; a bare ``[cb]`` naming a checkbox field
  (``Context.checkbox_fields``) raises :class:`~instruments.logic.errors.CheckboxFieldError`.
* ``[cb(code)]`` reads column ``checkbox_column(cb, code)`` and is ``"1"`` when that cell reads as
  a non-zero number, otherwise ``"0"`` (so a blank cell is ``"0"``).
* ``[event][field]`` reads ``events[event][field]``: the record's row for another event. When
  the record itself belongs to ``event`` (its ``Context.event_column`` cell), the record is that
  row. A missing event row, or a field the event row lacks, reads as blank; the field must still
  be a column of ``record``, so typos are caught.

Operators and functions follow :mod:`instruments.logic.values` and
:mod:`instruments.logic.scalar_functions`. ``and``/``or`` read their operands' truth values and
give ``bool``; arithmetic gives a number or blank (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping

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
from instruments.logic.scalar_functions import call_function, from_array, to_array
from instruments.logic.values import (
    DEFAULT_CONTEXT,
    Context,
    Value,
    arith_of,
    cell_text,
    equal,
    number_of,
    ordered,
    public_value,
    truthy,
)


def evaluate(
    expr: Expression | str,
    record: Mapping[str, object],
    context: Context = DEFAULT_CONTEXT,
    *,
    events: Mapping[str, Mapping[str, object]] | None = None,
) -> Value:
    """The value of ``expr`` for one record (see the module docstring for the rules).

    ``expr`` may be logic text, which is parsed first. The result is ``None`` (blank), a
    ``bool``, a ``float`` or a non-empty ``str``.
    """
    expression = parse(expr) if isinstance(expr, str) else expr
    check_columns(expression, record, context, needs_event_keys=False)
    evaluator = _RecordEvaluator(record, events or {}, context, clock_for(context))
    return public_value(evaluator.eval(expression.root))


class _RecordEvaluator:
    def __init__(
        self,
        record: Mapping[str, object],
        events: Mapping[str, Mapping[str, object]],
        context: Context,
        clock: Clock,
    ) -> None:
        self.record = record
        self.events = events
        self.context = context
        self.clock = clock
        own_event = record.get(context.event_column)
        self.own_event = own_event if isinstance(own_event, str) else None

    def eval(self, node: Node) -> Value:
        match node:
            case NumberLit(value=value) | StringLit(value=value) | BoolLit(value=value):
                return value
            case Reference():
                return self.read(node)
            case Negate(operand=operand):
                number = self.arith(operand)
                return None if number is None else -number
            case Not(operand=operand):
                return not truthy(self.eval(operand))
            case Arithmetic(op=op, left=left, right=right):
                result = kernels.arithmetic(
                    op, to_array(self.arith(left)), to_array(self.arith(right))
                )
                return from_array(result)
            case Comparison(op=op, left=left, right=right):
                return self.compare(op, self.eval(left), self.eval(right))
            case Logical(op="and", left=left, right=right):
                return truthy(self.eval(left)) and truthy(self.eval(right))
            case Logical(left=left, right=right):
                return truthy(self.eval(left)) or truthy(self.eval(right))
            case Call(name="if", args=(condition, when_true, when_false)):
                return self.eval(when_true if truthy(self.eval(condition)) else when_false)
            case Call(name=name, args=args):
                values = [self.eval(arg) for arg in args]
                return call_function(name, values, self.context, self.clock)
        raise TypeError(f"cannot evaluate {type(node).__name__}")

    def arith(self, node: Node) -> float | None:
        return arith_of(self.eval(node), self.context.missing_codes)

    @staticmethod
    def compare(op: str, left: Value, right: Value) -> bool:
        if op == "=":
            return equal(left, right)
        if op == "<>":
            return not equal(left, right)
        return ordered(op, left, right)

    def read(self, reference: Reference) -> str:
        column = column_of(reference)
        row = self.row_for(reference.event)
        text = cell_text(row, column) if column in row else ""
        if reference.code is None:
            return text
        number = number_of(text)
        return "1" if number is not None and number != 0 else "0"

    def row_for(self, event: str | None) -> Mapping[str, object]:
        if event is None or event == self.own_event:
            return self.record
        return self.events.get(event, {})
