"""A small helper that binds the instrument's file name to every problem a check reports."""

from __future__ import annotations

from typing import Any

from instruments.problems import ErrorCode, Problem, problem


class Reporter:
    """Collects one instrument file's problems: each call with a rule, a JSON pointer, the field
    and the rule's values adds one, located in that file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def __call__(self, rule: ErrorCode, pointer: str, field: str = "", /, **values: Any) -> None:
        self.found.append(problem(rule, file=self.file, pointer=pointer, field=field, **values))
