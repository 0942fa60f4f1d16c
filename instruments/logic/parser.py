"""Recursive-descent parser for REDCap logic.

Grammar, loosest binding first::

    or          := and (("or" | "||") and)*
    and         := not (("and" | "&&") not)*
    not         := ("not" | "!") not | comparison
    comparison  := additive [("=" | "<>" | "!=" | "<" | "<=" | ">" | ">=") additive]
    additive    := multiplicative (("+" | "-") multiplicative)*
    multiplicative := unary (("*" | "/") unary)*
    unary       := "-" unary | power
    power       := primary ["^" unary]          (right-associative)
    primary     := number | string | "true" | "false" | reference
                 | name "(" [or ("," or)*] ")" | "(" or ")"

``not``/``!`` binds looser than a comparison, so ``not [a] = 1`` means ``not([a] = 1)``: the
reading REDCap users intend, and the same tree as the documented ``not(...)`` form. Comparisons do
not chain: ``1 < [x] < 5`` is an error rather than JavaScript's ``(1 < [x]) < 5``. REDCap asks for
``(x)^(y)``; any operands are accepted here and the renderer writes the parenthesised form.

Keywords (``and``, ``or``, ``not``, ``true``, ``false``) and function names are case-insensitive.

Depth is bounded, so hostile or runaway logic is refused with a ``nesting`` error instead of
exhausting the stack of whatever walks the tree later (evaluation, rendering, checks): at most
MAX_NESTING levels of parentheses, calls, ``not`` and unary minus, and at most MAX_DEPTH levels
in the tree (a chain of 200 ``or`` terms is 200 deep). REDCap's own logic is far shallower.
"""

from __future__ import annotations

import math
import re

from instruments.logic.errors import LogicError
from instruments.logic.expression import Expression
from instruments.logic.functions import FUNCTIONS, check_call, lookup_function
from instruments.logic.nodes import (
    Arithmetic,
    ArithmeticOp,
    BoolLit,
    Call,
    Comparison,
    ComparisonOp,
    Logical,
    Negate,
    Node,
    Not,
    NumberLit,
    Reference,
    StringLit,
)
from instruments.logic.tokens import Token, strip_comments, tokenize

_COMPARISONS: dict[str, ComparisonOp] = {
    "=": "=",
    "<>": "<>",
    "!=": "<>",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_ARITHMETIC: dict[str, ArithmeticOp] = {op: op for op in ("+", "-", "*", "/", "^")}
_KEYWORDS = {"and", "or", "not", "true", "false"}

_NAME = r"(?!\d+$)[A-Za-z0-9_]+"
_PLAIN = re.compile(rf"({_NAME})(?::([A-Za-z_]+))?")
_CHECKBOX = re.compile(rf"({_NAME})\(([A-Za-z0-9._-]+)\)")
_DIGITS = re.compile(r"[0-9]+")
MAX_NESTING = 40
MAX_DEPTH = 250


def parse(text: str) -> Expression:
    """Parse REDCap logic (branching logic, a calculation or a filter) into an Expression."""
    tokens = tokenize(strip_comments(text))
    if tokens[0].kind == "end":
        raise LogicError("empty logic", 0, hint="write a condition or a calculation")
    root = _Parser(tokens).parse()
    _check_depth(root)
    return Expression(text, root)


def _check_depth(root: Node) -> None:
    """Refuse a tree deeper than MAX_DEPTH, naming where its deepest branch goes too deep."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LogicError(
                f"the logic is nested more than {MAX_DEPTH} levels deep",
                node.position,
                "nesting",
                hint="split it across calculated fields, or use a function such as sum()",
            )
        stack.extend((child, depth + 1) for child in node.children())


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_op(self, *ops: str) -> bool:
        return self.current.kind == "op" and self.current.text in ops

    def at_keyword(self, word: str) -> bool:
        return self.current.kind == "name" and self.current.text.lower() == word

    def descend(self, token: Token) -> None:
        """One level deeper (a parenthesis, call, ``not`` or minus); too deep is an error."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise LogicError(
                f"the logic nests parentheses, calls or operators more than {MAX_NESTING} deep",
                token.position,
                "nesting",
                hint="remove redundant parentheses, or split it across calculated fields",
            )

    def unexpected(self, token: Token | None = None, hint: str | None = None) -> LogicError:
        token = self.current if token is None else token
        return LogicError(f"unexpected {token.describe()}", token.position, hint=hint)

    def parse(self) -> Node:
        node = self.parse_or()
        if self.current.kind != "end":
            hint = "no '(' opens it" if self.current.kind == "rparen" else None
            raise self.unexpected(hint=hint)
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at_keyword("or") or self.at_op("||"):
            position = self.advance().position
            node = Logical("or", node, self.parse_and(), position=position)
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.at_keyword("and") or self.at_op("&&"):
            position = self.advance().position
            node = Logical("and", node, self.parse_not(), position=position)
        return node

    def parse_not(self) -> Node:
        if self.at_keyword("not") or self.at_op("!"):
            self.descend(self.current)
            position = self.advance().position
            node: Node = Not(self.parse_not(), position=position)
            self.nesting -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        node = self.parse_additive()
        if self.current.kind == "op" and self.current.text in _COMPARISONS:
            token = self.advance()
            right = self.parse_additive()
            node = Comparison(_COMPARISONS[token.text], node, right, position=token.position)
            if self.current.kind == "op" and self.current.text in _COMPARISONS:
                raise LogicError(
                    "comparisons cannot be chained",
                    self.current.position,
                    hint="combine them with 'and', e.g. [x] > 1 and [x] < 5",
                )
        return node

    def parse_additive(self) -> Node:
        node = self.parse_multiplicative()
        while self.at_op("+", "-"):
            token = self.advance()
            right = self.parse_multiplicative()
            node = Arithmetic(_ARITHMETIC[token.text], node, right, position=token.position)
        return node

    def parse_multiplicative(self) -> Node:
        node = self.parse_unary()
        while self.at_op("*", "/"):
            token = self.advance()
            right = self.parse_unary()
            node = Arithmetic(_ARITHMETIC[token.text], node, right, position=token.position)
        return node

    def parse_unary(self) -> Node:
        if self.at_op("-"):
            self.descend(self.current)
            position = self.advance().position
            node: Node = Negate(self.parse_unary(), position=position)
            self.nesting -= 1
            return node
        return self.parse_power()

    def parse_power(self) -> Node:
        base = self.parse_primary()
        if self.at_op("^"):
            position = self.advance().position
            return Arithmetic("^", base, self.parse_unary(), position=position)
        return base

    def parse_primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            value = float(token.text)
            if not math.isfinite(value):
                raise LogicError("number too large", token.position)
            return NumberLit(value, position=token.position)
        if token.kind == "string":
            self.advance()
            return StringLit(token.text, position=token.position)
        if token.kind == "bracket":
            return self.parse_reference()
        if token.kind == "name":
            return self.parse_name()
        if token.kind == "lparen":
            self.descend(token)
            self.advance()
            node = self.parse_or()
            self.expect_close(token)
            self.nesting -= 1
            return node
        raise self.unexpected()

    def expect_close(self, opening: Token, function: str | None = None) -> None:
        if self.current.kind == "rparen":
            self.advance()
            return
        if self.current.kind == "end":
            opened = f" (opened by {function})" if function else ""
            raise LogicError(f"unbalanced '('{opened}", opening.position, hint="add a ')'")
        raise self.unexpected(hint="expected ')'")

    def parse_name(self) -> Node:
        token = self.advance()
        word = token.text.lower()
        if self.current.kind == "lparen" and word not in _KEYWORDS:
            return self.parse_call(token)
        if word in ("true", "false"):
            return BoolLit(word == "true", position=token.position)
        if word in FUNCTIONS:
            raise LogicError(
                f"function '{word}' needs its arguments in parentheses", token.position
            )
        if word in _KEYWORDS:
            raise self.unexpected(token)
        raise self.unexpected(token, hint=f"field names go in square brackets: [{token.text}]")

    def parse_call(self, name: Token) -> Node:
        lookup_function(name.text, name.position)
        self.descend(name)
        opening = self.advance()
        args: list[Node] = []
        if self.current.kind != "rparen":
            args.append(self.parse_or())
            while self.current.kind == "comma":
                self.advance()
                args.append(self.parse_or())
        self.expect_close(opening, f"{name.text.lower()}(")
        spec = check_call(name.text, len(args), name.position)
        self.nesting -= 1
        return Call(spec.name, tuple(args), position=name.position)

    def parse_reference(self) -> Node:
        parts = [self.advance()]
        while self.current.kind == "bracket" and self.current.position == parts[-1].end:
            parts.append(self.advance())
        for part in parts:
            _reject_smart_variable(part)
        shapes = [_shape(part) for part in parts]
        if shapes[-1] == "digits" and len(parts) > 1:
            raise LogicError(
                f"instance references are not supported: [{parts[-1].text}]",
                parts[-1].position,
                "smart_variable",
                hint="this engine evaluates one row at a time; drop the instance number",
            )
        if len(parts) == 1 and shapes[0] in ("plain", "checkbox"):
            return _reference(parts[0], None)
        if len(parts) == 2 and shapes[0] == "plain" and shapes[1] in ("plain", "checkbox"):
            event = _PLAIN.fullmatch(parts[0].text)
            if event is not None and event.group(2) is None:
                return _reference(parts[1], parts[0])
        if len(parts) > 2:
            raise LogicError(
                "too many bracketed parts in one reference",
                parts[0].position,
                hint="write [field] or [event][field]",
            )
        bad = next((p for p, s in zip(parts, shapes, strict=True) if s == "invalid"), parts[0])
        raise LogicError(
            f"invalid field reference '[{bad.text}]'",
            bad.position,
            hint="write [field], [field(code)] or [event][field]",
        )


def _shape(part: Token) -> str:
    if _CHECKBOX.fullmatch(part.text):
        return "checkbox"
    if _DIGITS.fullmatch(part.text):
        return "digits"
    if _PLAIN.fullmatch(part.text):
        return "plain"
    return "invalid"


def _reject_smart_variable(part: Token) -> None:
    if _CHECKBOX.fullmatch(part.text) or "-" not in part.text:
        return
    raise LogicError(
        f"smart variable [{part.text}] is not supported",
        part.position,
        "smart_variable",
        hint="logic here is evaluated on exported data, where smart variables have no value",
    )


def _reference(part: Token, event: Token | None) -> Reference:
    event_name = None if event is None else event.text
    position = part.position if event is None else event.position
    checkbox = _CHECKBOX.fullmatch(part.text)
    if checkbox is not None:
        return Reference(checkbox.group(1), event_name, checkbox.group(2), position=position)
    field, _, modifier = part.text.partition(":")
    if modifier and modifier.lower() != "value":
        raise LogicError(
            f"the ':{modifier}' modifier is not supported in logic",
            part.position,
            hint=f"compare raw codes with [{field}]",
        )
    return Reference(field, event_name, None, position=position)
