"""Server-side calculated fields, recomputed after a record import as REDCap does.

REDCap recalculates on import, but only in events (and instances) that already hold data and only
where the calc's form is designated for the event. Calculations may feed one another, so the
pass repeats until nothing changes (a few rounds at most for any real dictionary).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from instruments.logic import FrameLogic, LogicError, UnknownFieldError, parse
from instruments.logic.values import format_number
from plugin.localcap.project import Project
from plugin.localcap.record_filters import logic_context, logic_frame
from plugin.localcap.rows import RecordRow, build_rows, owns

StoreKey = tuple[str, int, int, str]  # record, event_id, instance, field
Store = dict[StoreKey, set[str]]
MAX_ROUNDS = 4


def calc_text(value: object) -> str:
    """A calc result as REDCap stores it: blank, a number without a trailing ``.0``, or text."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating):
        return "" if math.isnan(float(value)) else format_number(float(value))
    return str(value)


def store_items(store: Store) -> Iterable[tuple[str, int, int, str, str]]:
    """Every stored value as a ``data`` table row: (record, event id, instance, field, value)."""
    for (record, event_id, instance, name), values in store.items():
        for value in values:
            yield record, event_id, instance, name, value


def recompute(project: Project, store: Store) -> set[StoreKey]:
    """Update calc values in ``store`` (the full data of some records); the keys that changed."""
    calcs = [item for item in project.fields if item.field_type == "calc"]
    changed: set[StoreKey] = set()
    if not calcs:
        return changed
    context = logic_context(project)
    expressions = {}
    for item in calcs:
        try:
            expressions[item.name] = parse(item.row["select_choices_or_calculations"])
        except LogicError:
            continue
    for _ in range(MAX_ROUNDS):
        all_rows = build_rows(project, store_items(store))
        rows = list(all_rows.values())
        if not rows:
            return changed
        # one reading of each column for every calculation of the round (the frame is fixed
        # while the round runs: its results go to the store)
        logic = FrameLogic(logic_frame(project, rows, all_rows), context)
        round_changed = False
        for item in calcs:
            expression = expressions.get(item.name)
            if expression is None:
                continue
            try:
                results = logic.evaluate(expression).tolist()
            except (UnknownFieldError, LogicError):
                continue
            for row, result in zip(rows, results, strict=True):
                if _writes(project, row, item.form) and _store(store, row, item.name, result):
                    changed.add((row.record, row.event_id, row.instance, item.name))
                    round_changed = True
        if not round_changed:
            break
    return changed


def _writes(project: Project, row: RecordRow, form: str) -> bool:
    return owns(project, row, form) and project.designated(row.event_id, form)


def _store(store: Store, row: RecordRow, name: str, result: object) -> bool:
    key = (row.record, row.event_id, row.instance, name)
    text = calc_text(result)
    old = store.get(key, set())
    new = {text} if text else set()
    if old == new:
        return False
    if new:
        store[key] = new
    else:
        store.pop(key, None)
    return True
