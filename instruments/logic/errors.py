"""The exceptions of the logic engine.

Parsing fails with :class:`LogicError`, which carries a machine-readable ``kind`` and the 0-based
character offset of the offending text, so an editor can underline it. Evaluation fails only when
the data cannot answer the expression at all: a referenced column is absent
(:class:`UnknownFieldError`, a ``KeyError``), or a checkbox field is referenced without an option
(:class:`CheckboxFieldError`). Blank, non-numeric or otherwise awkward values never raise; they
follow the blank rules documented in :mod:`instruments.logic.values`.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["syntax", "unknown_function", "smart_variable", "arity", "nesting"]


class LogicError(ValueError):
    """REDCap logic that cannot be parsed.

    ``message`` is the full human text (what went wrong, where, and a hint when there is one),
    ``position`` the 0-based offset in the original text (``None`` when no single place is to
    blame), ``kind`` one of ``syntax``, ``unknown_function``, ``smart_variable``, ``arity`` and
    ``nesting`` (deeper than the parser allows).
    """

    def __init__(
        self,
        what: str,
        position: int | None,
        kind: ErrorKind = "syntax",
        *,
        hint: str | None = None,
    ) -> None:
        where = "" if position is None else f" at character {position + 1}"
        message = f"{what}{where}" + (f"; {hint}" if hint else "")
        super().__init__(message)
        self.message = message
        self.position = position
        self.kind: ErrorKind = kind


class UnknownFieldError(KeyError):
    """A reference to a column the record or frame does not have.

    ``field`` is the bare field name as written in the logic and ``column`` the data column that
    was looked up (``cb___2`` for ``[cb(2)]``). A ``KeyError`` so that typos in logic surface like
    any other missing key, never as a silently blank value.
    """

    def __init__(self, field: str, column: str | None = None, message: str | None = None) -> None:
        column = field if column is None else column
        if message is None:
            where = "" if column == field else f" (column '{column}')"
            message = f"unknown field '{field}'{where}: the data has no such column"
        super().__init__(message)
        self.field = field
        self.column = column
        self.message = message

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return self.message


class CheckboxFieldError(UnknownFieldError):
    """A bare ``[cb]`` on a checkbox field, which has one column per option and none of its own."""

    def __init__(self, field: str) -> None:
        super().__init__(
            field,
            field,
            f"[{field}] is a checkbox field: refer to one option as [{field}(code)]",
        )
