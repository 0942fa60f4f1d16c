"""Tokenizer for REDCap logic.

Comment lines (a line whose first non-blank characters are ``//`` or ``#``) are blanked out with
spaces rather than cut, so every token keeps its offset in the text the user wrote and errors point
at the right character.

Token kinds:

* ``number``: digits with an optional decimal part (``3``, ``2.5``, ``.5``). A leading minus is
  the unary operator, never part of the number.
* ``string``: ``'...'`` or ``"..."``; REDCap has no escapes, so the text runs to the next quote of
  the same kind. ``text`` holds the content without quotes.
* ``bracket``: ``[...]``; ``text`` holds the content between the brackets. The parser decides
  whether it is a field, a checkbox option, an event prefix, an instance or a smart variable.
* ``name``: an identifier (function names, ``and``/``or``/``not``, ``true``/``false``).
* ``op``: ``= <> != < <= > >= + - * / ^ && || !``.
* ``lparen``, ``rparen``, ``comma`` and a final ``end``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from instruments.logic.errors import LogicError

TokenKind = Literal["number", "string", "bracket", "name", "op", "lparen", "rparen", "comma", "end"]

_COMMENT_LINE = re.compile(r"[ \t]*(//|#)")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Longest first, so that "<=" is not read as "<" followed by "=".
_OPERATORS = ("<>", "!=", "<=", ">=", "&&", "||", "=", "<", ">", "+", "-", "*", "/", "^", "!")
_PUNCTUATION: dict[str, TokenKind] = {"(": "lparen", ")": "rparen", ",": "comma"}
_MISTAKES = {
    "==": "'==' is not REDCap syntax; use '='",
    "&": "a single '&' is not an operator; use 'and'",
    "|": "a single '|' is not an operator; use 'or'",
}


@dataclass(frozen=True)
class Token:
    """A piece of logic text: its kind, its text and where it starts and ends in the logic."""

    kind: TokenKind
    text: str
    position: int
    end: int

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind == "end":
            return "end of logic"
        if self.kind == "number":
            return f"number {self.text}"
        if self.kind == "string":
            return f"string {self.text!r}"
        if self.kind == "bracket":
            return f"'[{self.text}]'"
        if self.kind == "name":
            return f"name '{self.text}'"
        return f"'{self.text}'"


def strip_comments(text: str) -> str:
    """Blank out comment lines, keeping the length and every line break of ``text``."""
    lines = text.splitlines(keepends=True)
    kept = [re.sub(r"[^\r\n]", " ", line) if _COMMENT_LINE.match(line) else line for line in lines]
    return "".join(kept)


def tokenize(text: str) -> list[Token]:
    """Split (comment-stripped) logic into tokens, ending with an ``end`` token."""
    tokens: list[Token] = []
    position = 0
    length = len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        token = _read_token(text, position)
        tokens.append(token)
        position = token.end
    tokens.append(Token("end", "", length, length))
    return tokens


def _read_token(text: str, position: int) -> Token:
    char = text[position]
    if char in "'\"":
        return _read_string(text, position)
    if char == "[":
        return _read_bracket(text, position)
    if char == "]":
        raise LogicError("unbalanced ']'", position, hint="no '[' opens it")
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, position, position + 1)
    patterns: tuple[tuple[re.Pattern[str], TokenKind], ...] = ((_NUMBER, "number"), (_NAME, "name"))
    for pattern, kind in patterns:
        match = pattern.match(text, position)
        if match:
            return Token(kind, match.group(), position, match.end())
    if text.startswith("==", position):
        raise LogicError("unexpected '=='", position, hint=_MISTAKES["=="])
    for operator in _OPERATORS:
        if text.startswith(operator, position):
            return Token("op", operator, position, position + len(operator))
    raise LogicError(f"unexpected character {char!r}", position, hint=_MISTAKES.get(char))


def _read_string(text: str, position: int) -> Token:
    quote = text[position]
    closing = text.find(quote, position + 1)
    if closing < 0:
        raise LogicError("unterminated string starting", position, hint=f"add the closing {quote}")
    return Token("string", text[position + 1 : closing], position, closing + 1)


def _read_bracket(text: str, position: int) -> Token:
    closing = text.find("]", position + 1)
    nested = text.find("[", position + 1)
    if closing < 0 or 0 <= nested < closing:
        raise LogicError("unbalanced '['", position, hint="add the closing ']'")
    return Token("bracket", text[position + 1 : closing], position, closing + 1)
