"""A parsed piece of REDCap logic and what it refers to."""

from __future__ import annotations

from dataclasses import dataclass, field

from instruments.logic.nodes import Call, Node, Reference, walk
from instruments.logic.render import render


@dataclass(frozen=True)
class Expression:
    """The tree of one piece of logic, with the text it was parsed from.

    Equality compares the trees only, so ``parse(expr.render()) == expr``.
    """

    text: str = field(compare=False)
    root: Node

    def render(self) -> str:
        """The logic in normalised REDCap syntax."""
        return render(self.root)

    def references(self) -> tuple[Reference, ...]:
        """Every ``[field]``-style reference, in the order they appear."""
        return tuple(node for node in walk(self.root) if isinstance(node, Reference))

    def fields(self) -> frozenset[str]:
        """Every field name referred to; checkbox terms give the bare field name."""
        return frozenset(reference.field for reference in self.references())

    def checkbox_terms(self) -> frozenset[tuple[str, str]]:
        """``(field, code)`` for every ``[field(code)]`` term."""
        return frozenset(
            (reference.field, reference.code)
            for reference in self.references()
            if reference.code is not None
        )

    def events(self) -> frozenset[str]:
        """The unique event names used as ``[event][field]`` prefixes."""
        return frozenset(
            reference.event for reference in self.references() if reference.event is not None
        )

    def functions(self) -> frozenset[str]:
        """The lower-case names of the functions called."""
        return frozenset(node.name for node in walk(self.root) if isinstance(node, Call))
