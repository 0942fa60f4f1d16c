"""The catalogue of REDCap logic functions: names, arities and what each returns.

Only the functions listed here are accepted; REDCap itself treats any other name as an illegal
function. Names are case-insensitive in the logic and stored in lower case. Arity is checked at
parse time, so a call that gets past :func:`check_call` always has an argument count its evaluator
can handle.

The behaviour of each function (blank handling, units, rounding) is documented with its
implementation in :mod:`instruments.logic.scalar_functions`; the vectorised twins in
:mod:`instruments.logic.vector_functions` follow the same rules.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from instruments.logic.errors import LogicError


@dataclass(frozen=True)
class FunctionSpec:
    """A REDCap logic function's name and how many arguments it takes."""

    name: str
    min_args: int
    max_args: int | None  # None: variadic

    def arity_text(self) -> str:
        """The argument count as an error message says it, e.g. "1 to 2 arguments"."""
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _specs(min_args: int, max_args: int | None, *names: str) -> dict[str, FunctionSpec]:
    return {name: FunctionSpec(name, min_args, max_args) for name in names}


FUNCTIONS: dict[str, FunctionSpec] = {
    **_specs(3, 3, "if"),
    **_specs(1, None, "sum", "mean", "min", "max", "median", "stdev"),
    **_specs(1, 2, "round", "roundup", "rounddown", "log"),
    **_specs(1, 1, "abs", "sqrt", "exponential", "year", "month", "day", "length"),
    **_specs(2, 2, "mod", "find"),
    **_specs(3, 5, "datediff"),
    **_specs(1, 1, "isnumber", "isinteger"),
    **_specs(2, 2, "contains", "not_contain", "starts_with", "ends_with"),
    **_specs(1, 1, "isblankormissingcode", "isblanknotmissingcode", "ismissingcode"),
    **_specs(2, 2, "left", "right"),
    **_specs(3, 3, "mid", "replace_text"),
    **_specs(1, None, "concat"),
    **_specs(2, None, "concat_ws"),
    **_specs(1, 1, "upper", "lower", "trim"),
}


def lookup_function(name: str, position: int | None) -> FunctionSpec:
    """The spec of function ``name`` (any letter case), or an ``unknown_function`` LogicError."""
    spec = FUNCTIONS.get(name.lower())
    if spec is None:
        close = difflib.get_close_matches(name.lower(), FUNCTIONS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see REDCap's list of special functions"
        raise LogicError(f"unknown function '{name}'", position, "unknown_function", hint=hint)
    return spec


def check_call(name: str, arg_count: int, position: int | None) -> FunctionSpec:
    """The spec of function ``name`` called with ``arg_count`` arguments, or a LogicError."""
    spec = lookup_function(name, position)
    too_few = arg_count < spec.min_args
    too_many = spec.max_args is not None and arg_count > spec.max_args
    if too_few or too_many:
        raise LogicError(
            f"function '{spec.name}' takes {spec.arity_text()}, got {arg_count}",
            position,
            "arity",
        )
    return spec
