"""Write a logic tree back as REDCap syntax.

The output is the normalised spelling (``and``/``or``, ``<>``, ``not(...)``, lower-case function
names, double quotes unless the text holds a double quote) with as few parentheses as the tree
needs, except around exponent operands: REDCap only accepts ``(x)^(y)``. Parsing the output gives
back an equal tree.
"""

from __future__ import annotations

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

# Binding strength, loosest first; mirrors the grammar in instruments.logic.parser.
_OR, _AND, _NOT, _COMPARE, _ADD, _MULTIPLY, _UNARY, _ATOM = range(1, 9)
_ARITHMETIC_LEVEL = {"+": _ADD, "-": _ADD, "*": _MULTIPLY, "/": _MULTIPLY}


def render(node: Node) -> str:
    """REDCap logic text for ``node``."""
    return _render(node)[0]


def render_number(value: float) -> str:
    """A number literal: positional digits only, since REDCap logic has no exponent notation;
    the fewest digits that read back as ``value``, no trailing ``.0``."""
    import numpy as np  # here, not at the top: parsing and checking an instrument need no numpy

    return np.format_float_positional(value, unique=True, trim="-")


def render_reference(node: Reference) -> str:
    option = "" if node.code is None else f"({node.code})"
    event = "" if node.event is None else f"[{node.event}]"
    return f"{event}[{node.field}{option}]"


def render_string(value: str) -> str:
    """``value`` as a REDCap string literal, in double quotes unless it holds one; ValueError
    when it holds both quote characters (REDCap strings have no escapes)."""
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    # REDCap strings have no escapes, so the parser can never produce such a literal.
    raise ValueError(f"text {value!r} holds both quote characters and cannot be written")


def _render(node: Node) -> tuple[str, int]:
    match node:
        case NumberLit(value=value):
            return render_number(value), _ATOM
        case StringLit(value=value):
            return render_string(value), _ATOM
        case BoolLit(value=value):
            return ("true" if value else "false"), _ATOM
        case Reference():
            return render_reference(node), _ATOM
        case Call(name=name, args=args):
            return f"{name}({', '.join(render(arg) for arg in args)})", _ATOM
        case Not(operand=operand):
            return f"not({render(operand)})", _NOT
        case Negate(operand=operand):
            return f"-{_operand(operand, _UNARY)}", _UNARY
        case Arithmetic(op="^", left=left, right=right):
            return f"({render(left)})^({render(right)})", _ATOM
        case Arithmetic(op=op, left=left, right=right):
            level = _ARITHMETIC_LEVEL[op]
            return f"{_operand(left, level)} {op} {_operand(right, level + 1)}", level
        case Comparison(op=op, left=left, right=right):
            return f"{_operand(left, _ADD)} {op} {_operand(right, _ADD)}", _COMPARE
        case Logical(op=op, left=left, right=right):
            level = _OR if op == "or" else _AND
            return f"{_operand(left, level)} {op} {_operand(right, level + 1)}", level
    raise TypeError(f"cannot render {type(node).__name__}")


def _operand(node: Node, required: int) -> str:
    text, level = _render(node)
    return text if level >= required else f"({text})"
