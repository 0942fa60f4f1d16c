"""The deploy plan: everything that differs between the project the instruments describe and the
project REDCap holds, what it would cost in data, and what REDCap's API cannot do for us."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from plugin.deploy.changes import DataLoss, FieldChange, FormChange, ItemChange
from plugin.deploy.fields import diff_fields
from plugin.deploy.longitudinal import (
    diff_arms,
    diff_events,
    diff_longitudinal,
    diff_mappings,
    diff_repeating,
)
from plugin.deploy.loss import (
    field_losses,
    field_warnings,
    place,
    record_id_warning,
    structure_losses,
)
from plugin.deploy.project import (
    CurrentProject,
    DesiredProject,
    Export,
    FieldUsage,
    Row,
    clean_arms,
    clean_events,
    clean_mappings,
    clean_metadata,
    clean_repeating,
    text,
)

AREAS = ("fields", "forms", "arms", "events", "mappings", "repeating", "settings")
DEFAULT_EVENT = "event_1_arm_1"
DEFAULT_ARM = {"arm_num": "1", "name": "Arm 1"}
DEFAULT_EVENT_ROW = {
    "event_name": "Event 1",
    "arm_num": "1",
    "unique_event_name": DEFAULT_EVENT,
    "custom_event_label": "",
}


@dataclass(frozen=True)
class Plan:
    """Changes per area, in dictionary and structure order. ``desired`` is kept so that the
    apply steps can send the full dictionary, mappings and repeating settings REDCap replaces."""

    desired: DesiredProject
    in_production: bool
    fields: tuple[FieldChange, ...] = ()
    forms: tuple[FormChange, ...] = ()
    arms: tuple[ItemChange, ...] = ()
    events: tuple[ItemChange, ...] = ()
    mappings: tuple[ItemChange, ...] = ()
    repeating: tuple[ItemChange, ...] = ()
    settings: tuple[ItemChange, ...] = ()
    data_loss: tuple[DataLoss, ...] = ()
    warnings: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """Whether REDCap's dictionary or structure differs (``manual`` steps aside)."""
        return any(getattr(self, area) for area in AREAS)

    def loss_at(self, area: str, key: str) -> DataLoss | None:
        """The data loss caused by the field (``area`` "field") or structure item at ``key``."""
        return next((loss for loss in self.data_loss if place(loss) == (area, key)), None)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per area, how many items are added, removed and changed (zeros left out)."""
        return {
            area: dict(Counter(change.kind for change in getattr(self, area))) for area in AREAS
        }

    def refusal(self, allow_data_loss: bool = False) -> str | None:
        """Why this plan must not be carried out, listing every change that loses data and how
        much; None when nothing is lost or the loss is allowed."""
        if allow_data_loss or not self.data_loss:
            return None
        lines = [
            f"Refusing to deploy: {_changes(len(self.data_loss))} would lose data that "
            "records hold:"
        ]
        lines += [f"  - {loss.describe()}" for loss in self.data_loss]
        lines.append(
            "Change the instruments to keep this data, or export the records first and run "
            "again with --allow-data-loss."
        )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The plan for ``--json``: plain lists and strings only."""
        out: dict[str, Any] = {
            "instruments": list(self.desired.instruments),
            "in_production": self.in_production,
            "has_changes": self.has_changes,
            "counts": self.counts(),
        }
        for area in AREAS:
            out[area] = [change.as_dict() for change in getattr(self, area)]
        out["data_loss"] = [loss.as_dict() for loss in self.data_loss]
        out["warnings"] = list(self.warnings)
        out["manual"] = list(self.manual)
        return out


def _changes(n: int) -> str:
    return "1 change" if n == 1 else f"{n} changes"


def make_plan(desired: DesiredProject, current: CurrentProject, *, usage: FieldUsage) -> Plan:
    """Compare ``desired`` with ``current`` and say what a deploy would change and cost."""
    new_rows = clean_metadata(list(desired.metadata))
    old_rows = clean_metadata(current.metadata)
    fields, forms = diff_fields(new_rows, old_rows)
    structure = desired.structure
    old_arms, old_events = _arms_and_events(current.arms, current.events)
    new_arms, new_events = _arms_and_events(structure.arms, structure.events)
    events = diff_events(new_events, old_events)
    mappings: list[ItemChange] = []
    if structure.longitudinal:
        mappings = diff_mappings(
            clean_mappings(structure.mappings), clean_mappings(current.mappings)
        )
    repeating = diff_repeating(
        clean_repeating(structure.repeating), clean_repeating(current.repeating)
    )
    settings = diff_longitudinal(structure.longitudinal, current.longitudinal)
    if not current.longitudinal:
        # A classic project's records live in its one hidden event.
        usage = replace(usage, events={DEFAULT_EVENT: usage.records, **usage.events})
    removed_forms = {form.name for form in forms if form.kind == "removed"}
    losses = field_losses(fields, usage)
    losses += structure_losses(events, mappings, repeating, removed_forms, usage)
    warnings = field_warnings(fields, usage)
    warnings += record_id_warning(
        old_rows[0]["field_name"] if old_rows else "",
        new_rows[0]["field_name"] if new_rows else "",
    )
    return Plan(
        desired=desired,
        in_production=current.in_production,
        fields=tuple(fields),
        forms=tuple(forms),
        arms=tuple(diff_arms(new_arms, old_arms)),
        events=tuple(events),
        mappings=tuple(mappings),
        repeating=tuple(repeating),
        settings=tuple(settings),
        data_loss=tuple(losses),
        warnings=tuple(warnings),
        manual=tuple(_manual_steps(desired, current, forms)),
    )


def _arms_and_events(arms: Export, events: Export) -> tuple[list[Row], list[Row]]:
    """Arms and events as REDCap keeps them: a classic project has them too, hidden (arm 1 and
    its one event, which holds every record). Comparing with them in place makes a project that
    turns longitudinal drop that event, and one that turns classic keep it."""
    if events:
        return clean_arms(arms), clean_events(events)
    return [dict(DEFAULT_ARM)], [dict(DEFAULT_EVENT_ROW)]


def _manual_steps(
    desired: DesiredProject, current: CurrentProject, forms: list[FormChange]
) -> list[str]:
    """What a person does in REDCap's web pages because the API has no method for it."""
    steps: list[str] = []
    added = {form.name for form in forms if form.kind == "added"}
    for form in desired.structure.surveys:
        if form in added:
            steps.append(
                f"enable form '{form}' as a survey (Online Designer > Survey settings > Enable)"
            )
    wanted = desired.structure.missing_data_codes
    known = current.missing_data_codes
    if known is None and not current.metadata:
        known = ""
    if known is not None and _codes(known) != _codes(wanted) and wanted:
        steps.append(
            f"set the missing data codes to '{wanted}' (Project Setup > Additional "
            "customizations > Missing Data Codes)"
        )
    return steps


def _codes(value: str) -> list[str]:
    parts = (" ".join(part.split()) for part in text(value).replace("\n", "|").split("|"))
    return [part for part in parts if part]
