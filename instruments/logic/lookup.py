"""Which data column a reference reads, and the up-front check that every one exists.

Both evaluators check all references before computing anything, so a typo in a branch that no
row happens to reach still raises, and the scalar and vectorised paths fail alike.
"""

from __future__ import annotations

from collections.abc import Container

from instruments.logic.errors import CheckboxFieldError, UnknownFieldError
from instruments.logic.expression import Expression
from instruments.logic.nodes import Reference
from instruments.logic.values import Context
from instruments.naming import checkbox_column


def column_of(reference: Reference) -> str:
    """The export column holding ``reference``: ``field`` or ``field___code``."""
    if reference.code is None:
        return reference.field
    return checkbox_column(reference.field, reference.code)


def check_columns(
    expression: Expression,
    columns: Container[str],
    context: Context,
    *,
    needs_event_keys: bool,
) -> None:
    """Raise if a reference has no column in ``columns``.

    ``needs_event_keys``: cross-event references also need the record-id and event columns
    (true for frames, which find the other event's row by joining on them).
    """
    for reference in expression.references():
        if reference.code is None and reference.field in context.checkbox_fields:
            raise CheckboxFieldError(reference.field)
        column = column_of(reference)
        if column not in columns:
            raise UnknownFieldError(reference.field, column)
        if reference.event is not None and needs_event_keys:
            for key in (context.record_id, context.event_column):
                if key not in columns:
                    raise UnknownFieldError(
                        key,
                        key,
                        f"cross-event reference [{reference.event}][{reference.field}] needs "
                        f"column '{key}' to find the record's row for that event",
                    )
