"""A small helper that binds the instrument's file name to every problem a check reports."""

from __future__ import annotations

from typing import Any

from instruments.problems import ErrorCode, Problem, problem


class Reporter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def __call__(self, rule: ErrorCode, pointer: str, field: str = "", /, **values: Any) -> None:
        self.found.append(problem(rule, file=self.file, pointer=pointer, field=field, **values))
