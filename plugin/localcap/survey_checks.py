"""The survey pages' shared vocabulary: which field types take an answer, whether branching
logic shows a question, and the record import's refusals read back per question.

The import's CSV-style lines ("record","field","value","message") are read back into one
message per field, so a value the page's own checks (``survey_answers``) let through and the
import refuses is still said beside its question.
"""

from __future__ import annotations

import csv
from functools import lru_cache

from instruments.logic import LogicError, UnknownFieldError, evaluate, parse, truthy
from plugin.localcap.project import Project
from plugin.localcap.record_filters import logic_context

parsed = lru_cache(maxsize=4096)(parse)  # a page reads the same logic many times over
ANSWERED_TYPES = frozenset(
    {"text", "notes", "radio", "dropdown", "yesno", "truefalse", "checkbox", "slider"}
)


def shown(project: Project, logic: str, values: dict[str, str]) -> bool:
    """Whether branching logic shows a question; logic localcap cannot read shows it."""
    if not logic.strip():
        return True
    try:
        return truthy(evaluate(parsed(logic), values, logic_context(project)))
    except (LogicError, UnknownFieldError):
        return True


def by_field(errors: list[str], say: dict[str, str]) -> dict[str, str]:
    """The import's error lines, one message per field in the page's words (a line it cannot
    read is left out: the page lists every line above the form instead)."""
    found: dict[str, str] = {}
    for line in errors:
        cells = next(csv.reader([line]), [])
        if len(cells) == 4:
            _, field, value, message = cells
            found.setdefault(field, say["not_accepted"].format(why=f"'{value}': {message}"))
    return found
