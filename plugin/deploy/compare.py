"""When two dictionary rows mean the same thing to REDCap.

A deploy that changes nothing must plan nothing, so each row is brought to the form REDCap
itself would store and export before it is compared: REDCap clears the record-ID field's section
header, exports a slider's blank alignment as ``RV``, renames legacy validation and field types,
keeps only ``y`` in its flag columns, and stores choices one per line whatever the spacing around
``|`` and ``,``. What the plan shows stays the raw text on each side.
"""

from __future__ import annotations

from instruments.dictionary import API_COLUMNS
from instruments.dictionary.choices import (
    format_choices,
    format_slider_labels,
    parse_choices,
    parse_slider_labels,
)
from instruments.dictionary.columns import LEGACY_FIELD_TYPES
from instruments.model import LISTED_CHOICE_TYPES, Choice
from instruments.validation_types import LEGACY_NAMES
from plugin.deploy.changes import ColumnChange
from plugin.deploy.project import Row

CHOICES = "select_choices_or_calculations"
VALIDATION = "text_validation_type_or_show_slider_number"
FLAGS = ("identifier", "required_field", "matrix_ranking")


def comparable(row: Row, *, first: bool) -> Row:
    """``row`` as REDCap would store it; ``first`` marks the record-ID row."""
    out = {column: row.get(column, "") for column in API_COLUMNS}
    kind = LEGACY_FIELD_TYPES.get(out["field_type"], out["field_type"])
    out["field_type"] = kind
    if first:
        out["section_header"] = ""
    out[VALIDATION] = LEGACY_NAMES.get(out[VALIDATION], out[VALIDATION])
    for flag in FLAGS:
        out[flag] = "y" if out[flag].lower() == "y" else ""
    if kind in LISTED_CHOICE_TYPES:
        out[CHOICES] = format_choices(parse_choices(out[CHOICES]))
    elif kind == "slider":
        out[CHOICES] = format_slider_labels(parse_slider_labels(out[CHOICES]))
        out["custom_alignment"] = out["custom_alignment"] or "RV"
    return out


def column_changes(old: Row, new: Row, *, old_first: bool, new_first: bool) -> list[ColumnChange]:
    """The columns (other than the name) whose meaning differs, with the raw text of each side."""
    old_cmp = comparable(old, first=old_first)
    new_cmp = comparable(new, first=new_first)
    return [
        ColumnChange(column, old.get(column, ""), new.get(column, ""))
        for column in API_COLUMNS[1:]
        if old_cmp[column] != new_cmp[column]
    ]


def choice_map(text: str) -> dict[str, str]:
    """A choices string ("1, Yes | 0, No") as code -> label shown."""
    return {choice.code: _shown(choice) for choice in parse_choices(text)}


def _shown(choice: Choice) -> str:
    return choice.code if choice.label is None else choice.label


def choice_edits(old: str, new: str) -> list[str]:
    """A choices column's change told per choice: ``+ 3, East``, ``- 2, South``,
    ``~ 1: North -> Northern``, and ``order changed`` when the same codes are listed differently."""
    before, after = choice_map(old), choice_map(new)
    edits = [f"+ {code}, {label}" for code, label in after.items() if code not in before]
    edits += [f"- {code}, {label}" for code, label in before.items() if code not in after]
    edits += [
        f"~ {code}: {before[code]} -> {label}"
        for code, label in after.items()
        if code in before and before[code] != label
    ]
    kept_before = [code for code in before if code in after]
    kept_after = [code for code in after if code in before]
    if kept_before != kept_after:
        edits.append("order changed")
    return edits


def normalise_label(label: str) -> str:
    """``label`` lower-cased with its whitespace collapsed, to match a choice that moved code."""
    return " ".join(label.lower().split())
