"""Branching logic for simulated rows: which questions each row was shown.

Logic is evaluated with the instruments logic engine, column-wise over a slot's rows
(:func:`~instruments.logic.evaluate_frame`, which agrees row by row with
:func:`~instruments.logic.evaluate`). A row's columns outside its own forms read blank, as
REDCap reads a field whose form is not on the row's event. Calculated fields that logic reads
are computed from their calculation, since REDCap would have computed them.

Fields are answered in an order where each comes after every field its logic reads, so the
decision uses final answers. Later changes (unfinished forms, cross-event references to events
not yet filled) are settled by :meth:`Branching.settle`, which re-evaluates every field's logic
over all rows and blanks what is hidden until nothing changes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import SupportsFloat

import numpy as np
import pandas as pd

from instruments.logic import Context, Expression, evaluate_frame, parse, truthy_frame
from instruments.logic.lookup import column_of
from instruments.logic.values import text_of
from instruments.model import Field, Instrument
from plugin.simulate.layout import EVENT_COLUMN, field_columns
from plugin.simulate.state import Columns


@dataclass(frozen=True)
class Earlier:
    """The rows of a slot filled before the current one."""

    record_ids: np.ndarray
    event: str
    columns: Columns


class Branching:
    """One instrument's branching logic, parsed once."""

    def __init__(self, instrument: Instrument, today: date) -> None:
        self.instrument = instrument
        self.fields = instrument.field_map()
        self.context = Context(
            missing_codes=frozenset(code.code for code in instrument.missing_codes),
            checkbox_fields=frozenset(f.name for f in instrument.fields if f.type == "checkbox"),
            today=today,
            record_id=instrument.record_id,
            event_column=EVENT_COLUMN,
        )
        self.logic: dict[str, Expression] = {
            f.name: parse(f.branching_logic) for f in instrument.fields if f.branching_logic.strip()
        }
        self.calcs: dict[str, Expression] = {
            f.name: parse(f.calculation)
            for f in instrument.fields
            if f.type == "calc" and f.calculation.strip()
        }

    def reads(self, name: str) -> frozenset[str]:
        """Fields the logic of ``name`` reads."""
        expression = self.logic.get(name)
        return frozenset() if expression is None else expression.fields()

    def order(self, fields: list[Field], extra: Mapping[str, Iterable[str]]) -> list[Field]:
        """``fields`` with each after the fields its logic (or ``extra[name]``) reads; instrument
        order where nothing forces another, and for any fields that read one another in a loop."""
        position = {fld.name: i for i, fld in enumerate(fields)}
        needs = {
            fld.name: {
                dep
                for dep in (*self.reads(fld.name), *extra.get(fld.name, ()))
                if dep in position and dep != fld.name
            }
            for fld in fields
        }
        users: dict[str, list[str]] = {}
        for name, deps in needs.items():
            for dep in deps:
                users.setdefault(dep, []).append(name)
        ready = [position[name] for name, deps in needs.items() if not deps]
        heapq.heapify(ready)
        done: list[Field] = []
        while ready:
            fld = fields[heapq.heappop(ready)]
            done.append(fld)
            for user in users.get(fld.name, []):
                needs[user].discard(fld.name)
                if not needs[user]:
                    heapq.heappush(ready, position[user])
        placed = {fld.name for fld in done}
        return done + [fld for fld in fields if fld.name not in placed]

    def shown(
        self,
        name: str,
        columns: Columns,
        record_ids: np.ndarray,
        event: str,
        earlier: Sequence[Earlier] = (),
    ) -> np.ndarray:
        """Which rows are shown field ``name``, given the answers in ``columns``.

        ``earlier`` holds the rows of slots already filled, which ``[event][field]`` references
        read (an event not filled yet reads blank until :meth:`settle`).
        """
        count = len(record_ids)
        expression = self.logic.get(name)
        if expression is None:
            return np.ones(count, dtype=bool)
        events = np.full(count, event, dtype=object)
        if not expression.events() or not earlier:
            return self._evaluate(expression, columns, record_ids, events)
        parts = [*earlier, Earlier(record_ids, event, columns)]
        keys = dict.fromkeys(key for part in parts for key in part.columns)
        merged = {
            key: np.concatenate(
                [
                    part.columns.get(key, np.full(len(part.record_ids), "", dtype=object))
                    for part in parts
                ]
            )
            for key in keys
        }
        every_id = np.concatenate([part.record_ids for part in parts])
        every_event = np.concatenate(
            [np.full(len(part.record_ids), part.event, dtype=object) for part in parts]
        )
        # The current slot's rows come last; slice by position, since [-0:] would be every row
        # when no unit has this slot (everyone skipped the wave).
        every = self._evaluate(expression, merged, every_id, every_event)
        return every[len(every) - count :]

    def settle(
        self, columns: Columns, record_ids: np.ndarray, events: np.ndarray, present: Columns
    ) -> int:
        """Blank every answer its row's logic hides, over all rows at once, until stable.

        ``present[field]`` tells which rows carry the field. Returns how many fields were blanked.
        """
        blanked = 0
        for _ in range(len(self.logic) + 1):
            changed = 0
            for name, expression in self.logic.items():
                if name not in present:
                    continue
                hidden = present[name] & ~self._evaluate(expression, columns, record_ids, events)
                for column in field_columns(self.fields[name]):
                    blank = "0" if self.fields[name].type == "checkbox" else ""
                    stale = hidden & (columns[column] != blank)
                    if stale.any():
                        columns[column] = np.where(stale, blank, columns[column])
                        changed += int(stale.sum())
            blanked += changed
            if not changed:
                break
        return blanked

    def _evaluate(
        self, expression: Expression, columns: Columns, record_ids: np.ndarray, events: np.ndarray
    ) -> np.ndarray:
        frame = pd.DataFrame(
            {
                self.instrument.record_id: record_ids,
                EVENT_COLUMN: events,
                **self._referenced(expression, columns, record_ids, events, set()),
            },
            dtype=object,
        )
        result = truthy_frame(evaluate_frame(expression, frame, self.context))
        return result.to_numpy(dtype=bool)

    def _referenced(
        self,
        expression: Expression,
        columns: Columns,
        record_ids: np.ndarray,
        events: np.ndarray,
        busy: set[str],
    ) -> Columns:
        found: Columns = {}
        blank = np.full(len(record_ids), "", dtype=object)
        for reference in expression.references():
            column = column_of(reference)
            if column in columns:
                found[column] = columns[column]
            elif reference.field in self.calcs and reference.field not in busy:
                found[column] = self._calculated(reference.field, columns, record_ids, events, busy)
            else:
                found[column] = blank
        return found

    def _calculated(
        self,
        name: str,
        columns: Columns,
        record_ids: np.ndarray,
        events: np.ndarray,
        busy: set[str],
    ) -> np.ndarray:
        expression = self.calcs[name]
        inputs = self._referenced(expression, columns, record_ids, events, busy | {name})
        frame = pd.DataFrame(
            {self.instrument.record_id: record_ids, EVENT_COLUMN: events, **inputs}, dtype=object
        )
        values = evaluate_frame(expression, frame, self.context)
        return np.asarray([text_of(_plain(value)) for value in values], dtype=object)


def _plain(value: object) -> bool | float | str | None:
    if value is None or isinstance(value, bool | str):
        return value
    if not isinstance(value, SupportsFloat):
        raise TypeError(f"a calculation gave {value!r}, which is not a logic value")
    number = float(value)
    return None if np.isnan(number) else number
