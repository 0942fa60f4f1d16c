"""REDCap's logic language: branching logic, calculated fields and filterLogic.

Parse once, then evaluate per record or over a whole frame::

    from instruments.logic import Context, evaluate, evaluate_frame, parse, truthy

    expr = parse('[sex] = "0" and [given_birth] = "1"')
    truthy(evaluate(expr, {"sex": "0", "given_birth": "1"}))   # True
    evaluate_frame(expr, frame)                                 # bool Series, frame's index
    FrameLogic(frame).evaluate(expr)       # the same; one FrameLogic reads each column once

The value model and the treatment of blanks are described in :mod:`instruments.logic.values`,
references in :mod:`instruments.logic.scalar`, functions in
:mod:`instruments.logic.scalar_functions` and the grammar in :mod:`instruments.logic.parser`.

Parsing needs neither numpy nor pandas; the evaluators do, so they are imported on first use
(checking an instrument parses its logic but never evaluates it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from instruments.logic.errors import CheckboxFieldError, ErrorKind, LogicError, UnknownFieldError
from instruments.logic.expression import Expression
from instruments.logic.functions import FUNCTIONS
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

if TYPE_CHECKING:
    from instruments.logic.scalar import evaluate
    from instruments.logic.values import Context, Value, truthy
    from instruments.logic.vector import FrameLogic, evaluate_frame, truthy_frame

# name -> the module that defines it, for the names that pull in numpy and pandas
_EVALUATION = {
    "evaluate": "instruments.logic.scalar",
    "Context": "instruments.logic.values",
    "Value": "instruments.logic.values",
    "truthy": "instruments.logic.values",
    "evaluate_frame": "instruments.logic.vector",
    "FrameLogic": "instruments.logic.vector",
    "truthy_frame": "instruments.logic.vector",
}


def __getattr__(name: str) -> Any:
    if name not in _EVALUATION:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EVALUATION[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "FUNCTIONS",
    "Arithmetic",
    "BoolLit",
    "Call",
    "CheckboxFieldError",
    "Comparison",
    "Context",
    "ErrorKind",
    "Expression",
    "FrameLogic",
    "Logical",
    "LogicError",
    "Negate",
    "Node",
    "Not",
    "NumberLit",
    "Reference",
    "StringLit",
    "UnknownFieldError",
    "Value",
    "evaluate",
    "evaluate_frame",
    "parse",
    "truthy",
    "truthy_frame",
]
