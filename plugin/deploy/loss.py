"""Which planned changes lose data that records hold, and how much.

The rules, each only when records hold the data (``FieldUsage``):

- a removed field loses its values;
- a changed field type loses them, except between types that store the same value the same
  way (radio and dropdown keep a code; text and notes keep text);
- a choice field loses the codes that are removed, and a code is also lost when records would
  silently read another answer: the code is removed and its label reappears under a new code
  (recoded), or the code stays but its old label moved to another code (the choices shifted);
- a removed event loses its data, and so do a removed form-event mapping and a repeating setting
  that stops, as long as the event and form themselves stay (otherwise the event or field rule
  already counts it).

Changes that keep the data but change what it means (a held code relabelled with new wording, a
new validation on values already stored, another record-ID field) are warnings, not losses.
"""

from __future__ import annotations

from instruments.dictionary.columns import LEGACY_FIELD_TYPES
from instruments.model import LISTED_CHOICE_TYPES
from plugin.deploy.changes import ChoiceLoss, DataLoss, FieldChange, ItemChange, holding
from plugin.deploy.compare import (
    CHOICES,
    VALIDATION,
    choice_map,
    normalise_label,
)
from plugin.deploy.longitudinal import mapping_key, repeating_key
from plugin.deploy.project import FieldUsage

SAME_STORAGE = (frozenset({"radio", "dropdown"}), frozenset({"text", "notes"}))


def field_losses(changes: list[FieldChange], usage: FieldUsage) -> list[DataLoss]:
    """The data a field change would destroy: a removed field, or a type or choice change that
    loses stored values, counted in records."""
    losses: list[DataLoss] = []
    for change in changes:
        held = usage.in_field(change.name)
        if change.kind == "removed" and held:
            losses.append(DataLoss("field_removed", change.name, change.form, held))
        if change.kind != "changed":
            continue
        old_type, new_type = _types(change)
        if old_type != new_type and not _same_storage(old_type, new_type):
            if held:
                detail = f"{old_type} -> {new_type}"
                losses.append(DataLoss("field_type", change.name, change.form, held, detail))
            continue
        column = change.column(CHOICES)
        if column is not None and new_type in LISTED_CHOICE_TYPES:
            lost = lost_choices(change.name, column.old, column.new, usage)
            if lost:
                records = sum(choice.records for choice in lost)
                if new_type == "checkbox" and held:
                    records = min(records, held)
                losses.append(
                    DataLoss("choices", change.name, change.form, records, choices=tuple(lost))
                )
    return losses


def _types(change: FieldChange) -> tuple[str, str]:
    column = change.column("field_type")
    if column is None:
        return change.field_type, change.field_type
    return (
        LEGACY_FIELD_TYPES.get(column.old, column.old),
        LEGACY_FIELD_TYPES.get(column.new, column.new),
    )


def _same_storage(old_type: str, new_type: str) -> bool:
    return any(old_type in group and new_type in group for group in SAME_STORAGE)


def lost_choices(name: str, old: str, new: str, usage: FieldUsage) -> list[ChoiceLoss]:
    """Choices holding data whose code goes, or whose code would come to mean another label."""
    before, after = choice_map(old), choice_map(new)
    code_of_label = {normalise_label(label): code for code, label in after.items()}
    lost: list[ChoiceLoss] = []
    for code, label in before.items():
        held = usage.with_code(name, code)
        if not held:
            continue
        moved_to = code_of_label.get(normalise_label(label))
        if code not in after:
            fate = f"recoded as '{moved_to}'" if moved_to else "removed"
            lost.append(ChoiceLoss(code, label, held, fate))
        elif moved_to is not None and moved_to != code:
            fate = f"would read '{after[code]}' ('{label}' is now code '{moved_to}')"
            lost.append(ChoiceLoss(code, label, held, fate))
    return lost


def field_warnings(changes: list[FieldChange], usage: FieldUsage) -> list[str]:
    """Changes to fields that hold data which keep the values but may change their meaning
    (relabelled choices, a new validation)."""
    warnings: list[str] = []
    for change in changes:
        held = usage.in_field(change.name)
        if change.kind != "changed" or not held:
            continue
        old_type, new_type = _types(change)
        if old_type != new_type and not _same_storage(old_type, new_type):
            continue  # already a loss: the values go
        choices = change.column(CHOICES)
        listed = {old_type, new_type} <= LISTED_CHOICE_TYPES
        if choices is not None and listed:
            warnings += _relabelled(change.name, choices.old, choices.new, usage)
        validation = change.column(VALIDATION)
        if validation is not None and new_type == "text" and validation.new:
            warnings.append(
                f"field '{change.name}': validation '{validation.old}' -> '{validation.new}'; "
                f"{holding(held, 'values')} that REDCap keeps without checking them again"
            )
    return warnings


def _relabelled(name: str, old: str, new: str, usage: FieldUsage) -> list[str]:
    before, after = choice_map(old), choice_map(new)
    labels_after = {normalise_label(label) for label in after.values()}
    return [
        f"field '{name}': choice '{code}' is relabelled '{label}' -> '{after[code]}'; "
        f"{holding(usage.with_code(name, code), 'it')}, and its code stays"
        for code, label in before.items()
        if code in after
        and normalise_label(label) != normalise_label(after[code])
        and normalise_label(label) not in labels_after
        and usage.with_code(name, code)
    ]


def structure_losses(
    events: list[ItemChange],
    mappings: list[ItemChange],
    repeating: list[ItemChange],
    removed_forms: set[str],
    usage: FieldUsage,
) -> list[DataLoss]:
    """The data removed events, event-form mappings and repeating settings would take with them."""
    losses: list[DataLoss] = []
    removed_events = {c.key for c in events if c.kind == "removed"}
    for change in events:
        held = usage.in_event(change.key)
        if change.kind == "removed" and held:
            losses.append(DataLoss("event_removed", change.key, "", held))
    for change in mappings:
        event, form = change.row["unique_event_name"], change.row["form"]
        if change.kind != "removed" or event in removed_events or form in removed_forms:
            continue
        held = usage.in_event_form(event, form)
        if held:
            losses.append(DataLoss("mapping_removed", event, form, held))
    for change in repeating:
        event, form = change.row["event_name"], change.row["form_name"]
        if change.kind != "removed" or event in removed_events or form in removed_forms:
            continue
        held = usage.repeated(event, form)
        if held:
            losses.append(DataLoss("repeating_removed", event, form, held))
    return losses


def record_id_warning(old_first: str, new_first: str) -> list[str]:
    """A warning when the dictionary's first field, REDCap's record ID, changes."""
    if not old_first or old_first == new_first:
        return []
    return [
        f"the record-ID field changes from '{old_first}' to '{new_first}': REDCap takes the "
        "first field of the dictionary as the record ID; make sure this is intended"
    ]


def place(loss: DataLoss) -> tuple[str, str]:
    """Where a loss shows in the plan: ``(area, key)`` of the field or item that causes it."""
    if loss.kind in ("field_removed", "field_type", "choices"):
        return "field", loss.subject
    if loss.kind == "event_removed":
        return "event", loss.subject
    if loss.kind == "mapping_removed":
        return "mapping", mapping_key({"unique_event_name": loss.subject, "form": loss.form})
    return "repeating", repeating_key({"event_name": loss.subject, "form_name": loss.form})
