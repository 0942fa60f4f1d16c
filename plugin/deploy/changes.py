"""The entries of a deploy plan: what changes per field, per form and per piece of structure, and
what data each destructive change would cost. Plain values, each with ``as_dict`` for ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["added", "removed", "changed"]
Area = Literal["arm", "event", "mapping", "repeating", "setting"]
LossKind = Literal[
    "field_removed",
    "field_type",
    "choices",
    "event_removed",
    "mapping_removed",
    "repeating_removed",
]


@dataclass(frozen=True)
class ColumnChange:
    """One column of a row, before and after (dictionary column or structure key)."""

    column: str
    old: str
    new: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class FieldChange:
    """A field added, removed or changed. ``form`` and ``field_type`` are the new ones, or the
    old ones for a removed field. ``moved`` says the field's place among the fields that stay in
    its form changed; ``after`` is the field it now follows ("" when it comes first)."""

    name: str
    form: str
    kind: ChangeKind
    field_type: str
    label: str
    columns: tuple[ColumnChange, ...] = ()
    moved: bool = False
    after: str = ""

    def column(self, name: str) -> ColumnChange | None:
        """The change of the dictionary column ``name``, None when that column stays."""
        return next((c for c in self.columns if c.column == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "form": self.form,
            "kind": self.kind,
            "field_type": self.field_type,
            "label": self.label,
            "columns": [c.as_dict() for c in self.columns],
            "moved": self.moved,
            "after": self.after,
        }


@dataclass(frozen=True)
class FormChange:
    """A form added, removed, or changed: fields moved in from or out to other forms, fields
    reordered within it, or its own place among the forms (``moved``, ``after``)."""

    name: str
    kind: ChangeKind
    fields: int
    fields_in: tuple[str, ...] = ()
    fields_out: tuple[str, ...] = ()
    reordered: tuple[str, ...] = ()
    moved: bool = False
    after: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "fields": self.fields,
            "fields_in": list(self.fields_in),
            "fields_out": list(self.fields_out),
            "reordered": list(self.reordered),
            "moved": self.moved,
            "after": self.after,
        }


@dataclass(frozen=True)
class ItemChange:
    """An arm, event, form-event mapping, repeating setting or project setting added, removed or
    changed. ``row`` is the new row (the old one for a removed item), as REDCap's API takes it."""

    area: Area
    key: str
    kind: ChangeKind
    row: dict[str, str]
    columns: tuple[ColumnChange, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "key": self.key,
            "kind": self.kind,
            "row": dict(self.row),
            "columns": [c.as_dict() for c in self.columns],
        }


@dataclass(frozen=True)
class ChoiceLoss:
    """One choice code that records hold and that the change takes away or turns into another
    answer. ``fate`` says how: removed, recoded as another code, or now meaning another label."""

    code: str
    label: str
    records: int
    fate: str

    def describe(self) -> str:
        """The loss as the plan says it: the code, its label, what happens to it and how many
        records hold it."""
        return f"'{self.code}' ({self.label}) {self.fate}, {holding(self.records, 'it')}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "records": self.records, "fate": self.fate}


@dataclass(frozen=True)
class DataLoss:
    """A change that would lose data records hold; ``records`` is how many records lose it.
    For a checkbox losing several options it is an upper bound: a record that had two of the
    lost options checked is counted for each, capped at the records holding the field."""

    kind: LossKind
    subject: str
    form: str
    records: int
    detail: str = ""
    choices: tuple[ChoiceLoss, ...] = ()

    def describe(self) -> str:
        """The loss as one line of the plan: what changes, and how many records hold what it takes
        away."""
        where = f"field '{self.subject}' (form {self.form})"
        if self.kind == "field_removed":
            return f"{where} is removed: {holding(self.records, 'a value')}"
        if self.kind == "field_type":
            return f"{where} changes type {self.detail}: {holding(self.records, 'a value')}"
        if self.kind == "choices":
            lost = "; ".join(choice.describe() for choice in self.choices)
            return f"{where} loses choices that records hold: {lost}"
        if self.kind == "event_removed":
            return f"event '{self.subject}' is removed: {holding(self.records, 'data in it')}"
        if self.kind == "mapping_removed":
            return (
                f"form '{self.form}' is no longer designated for event '{self.subject}': "
                f"{holding(self.records, 'data there')}"
            )
        event = f" on event '{self.subject}'" if self.subject else ""
        instances = holding(self.records, "more than one instance")
        return f"form '{self.form}'{event} stops repeating: {instances}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "form": self.form,
            "records": self.records,
            "detail": self.detail,
            "choices": [c.as_dict() for c in self.choices],
            "message": self.describe(),
        }


def count(records: int) -> str:
    """ "1 record" or "N records"."""
    return "1 record" if records == 1 else f"{records} records"


def holding(records: int, what: str) -> str:
    """ "N records hold <what>", in the number ``records`` asks for."""
    return f"{count(records)} {'holds' if records == 1 else 'hold'} {what}"
