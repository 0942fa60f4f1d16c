"""The abstract syntax tree of REDCap logic.

Nodes are frozen dataclasses, so two trees compare equal when they have the same structure and
values. Every node remembers the 0-based offset of the text it came from in ``position``, which
takes no part in equality: ``parse(expr.render())`` gives a tree equal to ``expr.root`` although
the offsets differ.

Parentheses leave no node of their own; the renderer puts back the ones the structure needs.
Spellings are normalised at parse time: ``!=`` is stored as ``<>``, ``&&``/``||`` as
``and``/``or``, ``!`` as :class:`Not`, function names in lower case, ``[field:value]`` as
``[field]``. Number literals are never negative: ``-1`` is ``Negate(NumberLit(1.0))``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

ArithmeticOp = Literal["+", "-", "*", "/", "^"]
ComparisonOp = Literal["=", "<>", "<", "<=", ">", ">="]
LogicalOp = Literal["and", "or"]


@dataclass(frozen=True)
class Node:
    """A node of a logic tree; ``position`` is where its text starts in the logic."""

    position: int | None = field(default=None, compare=False, kw_only=True, repr=False)

    def children(self) -> tuple[Node, ...]:
        """The node's operands or arguments, left to right."""
        return ()


@dataclass(frozen=True)
class NumberLit(Node):
    """A number literal, never negative: ``-1`` is ``Negate(NumberLit(1.0))``."""

    value: float


@dataclass(frozen=True)
class StringLit(Node):
    """A quoted text literal; ``value`` is the text without its quotes."""

    value: str


@dataclass(frozen=True)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True)
class Reference(Node):
    """``[field]``, ``[field(code)]``, ``[event][field]`` or ``[event][field(code)]``.

    ``code`` is the checkbox option (``None`` for a plain field) and ``event`` the unique event
    name of a cross-event reference (``None`` for the current row).
    """

    field: str
    event: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Negate(Node):
    """Unary minus, ``-operand``."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Not(Node):
    """``not(operand)``, also written ``!operand``."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Arithmetic(Node):
    """``left op right`` for ``+ - * / ^``."""

    op: ArithmeticOp
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Comparison(Node):
    """``left op right``; ``!=`` is stored as ``<>``."""

    op: ComparisonOp
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Logical(Node):
    """``left and right`` or ``left or right``; ``&&`` and ``||`` are stored as words."""

    op: LogicalOp
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    """A function call; ``name`` is in lower case."""

    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))
