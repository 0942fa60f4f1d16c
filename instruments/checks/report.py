"""A small helper that binds the instrument's file name to every problem a check reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.problems import ErrorCode, Problem, did_you_mean, problem


class Reporter:
    """Collects one instrument file's problems: each call with a rule, a JSON pointer, the field
    and the rule's values adds one, located in that file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def __call__(self, rule: ErrorCode, pointer: str, field: str = "", /, **values: Any) -> None:
        self.found.append(problem(rule, file=self.file, pointer=pointer, field=field, **values))

    def unknown_forms(self, pointer: str, names: list[str], forms: Mapping[str, object]) -> None:
        """A ``form-unknown`` problem for each of ``names`` (listed at ``pointer``) that is not
        one of ``forms``."""
        for i, name in enumerate(names):
            if name not in forms:
                suggestion = did_you_mean(name, forms)
                self(ErrorCode.FORM_UNKNOWN, f"{pointer}/{i}", form=name, suggestion=suggestion)
