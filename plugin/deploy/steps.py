"""The REDCap API calls that carry a plan out, as data for the client to run in order.

The order is REDCap's: an event needs its arm, a mapping needs its event and its form (so the
dictionary goes in before the mappings), and a repeating setting needs its form on its event.
Deletions come last, once nothing that stays refers to what goes: REDCap deletes an event's or
an arm's data with it. Mappings and repeating settings are sent whole because REDCap's import
replaces them whole; so is the dictionary, which REDCap also reads by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from plugin.deploy.changes import ItemChange
from plugin.deploy.plan import Plan
from plugin.deploy.project import clean_events

Content = Literal[
    "project_settings", "arm", "event", "metadata", "formEventMapping", "repeatingFormsEvents"
]
Action = Literal["import", "delete"]
ALL = ("added", "changed", "removed")
UPSERT = ("added", "changed")


@dataclass(frozen=True)
class Step:
    """One API call: ``content`` and ``action`` as REDCap names them, and the other parameters
    in ``payload`` (``data`` as a list of rows for the client to encode)."""

    content: Content
    action: Action
    payload: dict[str, Any] = field(default_factory=dict)
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "action": self.action,
            "payload": self.payload,
            "why": self.why,
        }


class DeployRefused(ValueError):
    """A plan that must not go through the API: it loses data, or the project is in production."""


def apply_steps(plan: Plan, *, allow_data_loss: bool = False) -> list[Step]:
    """The calls that make the project match the plan's instruments; none when nothing changes.

    Raises DeployRefused for a plan that loses data (unless allowed) and for a production
    project with changes, which go through Draft Mode instead.
    """
    if not plan.has_changes:
        return []
    if plan.in_production:
        raise DeployRefused(
            "the project is in production status, where REDCap refuses dictionary imports "
            "through the API; apply the Draft Mode package instead"
        )
    refusal = plan.refusal(allow_data_loss=allow_data_loss)
    if refusal is not None:
        raise DeployRefused(refusal)
    candidates = [
        _setting_step(plan, longitudinal=True),
        _arm_import(plan),
        _event_import(plan),
        _whole("metadata", plan.desired.metadata, plan.fields, "field"),
        _whole("formEventMapping", plan.desired.structure.mappings, plan.mappings, "mapping"),
        _whole(
            "repeatingFormsEvents",
            plan.desired.structure.repeating,
            plan.repeating,
            "repeating setting",
        ),
        _delete("event", plan.events, "events", str),
        _delete("arm", plan.arms, "arms", int),
        _setting_step(plan, longitudinal=False),
    ]
    return [step for step in candidates if step is not None]


def _setting_step(plan: Plan, *, longitudinal: bool) -> Step | None:
    # Events need a longitudinal project, and a project turns classic only once its extra
    # events are gone, so the switch goes first when it turns on and last when it turns off.
    wanted = "1" if longitudinal else "0"
    if not any(change.row["is_longitudinal"] == wanted for change in plan.settings):
        return None
    why = "make the project longitudinal" if longitudinal else "make the project classic"
    return Step("project_settings", "import", {"data": {"is_longitudinal": int(wanted)}}, why)


def _arm_import(plan: Plan) -> Step | None:
    rows = [
        {"arm_num": int(c.row["arm_num"]), "name": c.row["name"]}
        for c in plan.arms
        if c.kind != "removed"
    ]
    if not rows:
        return None
    return Step("arm", "import", {"data": rows, "override": 0}, _why("arm", plan.arms, UPSERT))


def _event_import(plan: Plan) -> Step | None:
    rows = [_event_row(change) for change in plan.events if change.kind != "removed"]
    if not rows:
        return None
    why = _why("event", plan.events, UPSERT)
    return Step("event", "import", {"data": rows, "override": 0}, why)


def _whole(content: Content, rows: list[Any], changes: tuple[Any, ...], noun: str) -> Step | None:
    if not changes:
        return None
    return Step(content, "import", {"data": [dict(row) for row in rows]}, _why(noun, changes))


def _delete(
    content: Literal["event", "arm"],
    changes: tuple[ItemChange, ...],
    parameter: str,
    as_value: type,
) -> Step | None:
    keys = [as_value(c.key) for c in changes if c.kind == "removed"]
    if not keys:
        return None
    return Step(content, "delete", {parameter: keys}, _why(content, changes, ("removed",)))


def _event_row(change: ItemChange) -> dict[str, Any]:
    """An event as REDCap's import takes it: numbers as numbers, and no unique name for a new
    event, because REDCap derives that itself from the label and ignores one it does not know."""
    (row,) = clean_events([change.row])
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "unique_event_name" and change.kind == "added":
            continue
        if key in ("arm_num", "day_offset", "offset_min", "offset_max") and value:
            out[key] = int(float(value))
        else:
            out[key] = value
    return out


def _why(noun: str, changes: tuple[Any, ...], kinds: tuple[str, ...] = ALL) -> str:
    parts = []
    for kind in kinds:
        n = sum(1 for change in changes if change.kind == kind)
        if n:
            parts.append(f"{n} {noun}{'s' if n != 1 else ''} {kind}")
    return ", ".join(parts)
