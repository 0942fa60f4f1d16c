"""The plan as people read it: per form, ``+`` added, ``-`` removed, ``~`` changed with what
changed in each column, then the structure, the data it would cost, and a summary line."""

from __future__ import annotations

import json

from instruments.model import LISTED_CHOICE_TYPES
from plugin.deploy.changes import ColumnChange, DataLoss, FieldChange, FormChange, ItemChange
from plugin.deploy.compare import CHOICES, choice_edits
from plugin.deploy.plan import AREAS, Plan

MARK = {"added": "+", "removed": "-", "changed": "~"}
INDENT = "    "
LABEL_WIDTH = 60
STRUCTURE_TITLES = (
    ("arms", "arms"),
    ("events", "events"),
    ("mappings", "form-event mappings"),
    ("repeating", "repeating instruments and events"),
    ("settings", "project settings"),
)
NO_CHANGES = "No changes: the REDCap project already matches the instruments."


def render_plan(plan: Plan) -> str:
    """The plan as text for a person: forms and fields, structure, data loss and warnings."""
    blocks: list[list[str]] = []
    if not plan.has_changes:
        blocks.append([NO_CHANGES])
    else:
        blocks.append(form_lines(plan))
        for area, title in STRUCTURE_TITLES:
            changes: tuple[ItemChange, ...] = getattr(plan, area)
            lines = [title]
            for change in changes:
                lines += _item_lines(change, plan.loss_at(change.area, change.key))
            blocks.append(lines if changes else [])
        blocks.append(
            ["Data loss (refused unless --allow-data-loss):"]
            + [f"{INDENT}- {loss.describe()}" for loss in plan.data_loss]
            if plan.data_loss
            else []
        )
    if plan.warnings:
        blocks.append(["Warnings:"] + [f"{INDENT}- {warning}" for warning in plan.warnings])
    if plan.manual:
        blocks.append(
            ["By hand in REDCap (its API has no method for these):"]
            + [f"{INDENT}- {step}" for step in plan.manual]
        )
    if plan.has_changes:
        blocks.append([f"Summary: {summary(plan)}"])
    text = "\n\n".join("\n".join(block) for block in blocks if block)
    return f"{_title(plan)}\n\n{text}\n"


def _title(plan: Plan) -> str:
    names = ", ".join(plan.desired.instruments) or "no instruments"
    status = (
        "production project: apply it in REDCap's Draft Mode"
        if plan.in_production
        else "development project"
    )
    return f"Deploy plan for {names} ({status})"


def summary(plan: Plan) -> str:
    """``fields: 2 added, 1 changed; events: 1 removed; 1 change loses data``."""
    parts = []
    counts = plan.counts()
    for area in AREAS:
        kinds = [
            f"{counts[area][k]} {k}" for k in ("added", "removed", "changed") if counts[area].get(k)
        ]
        if kinds:
            parts.append(f"{area}: {', '.join(kinds)}")
    if plan.data_loss:
        n = len(plan.data_loss)
        parts.append(f"{n} change{'s' if n != 1 else ''} lose{'s' if n == 1 else ''} data")
    return "; ".join(parts) if parts else "no changes"


def form_lines(plan: Plan) -> list[str]:
    """Each changed form with its field changes and the fields that moved out of it."""
    lines: list[str] = []
    for form in plan.forms:
        lines.append(_form_title(form))
        for change in plan.fields:
            if change.form == form.name:
                lines += field_lines(change, plan.loss_at("field", change.name))
        for name in form.fields_out:
            moved_to = next(c.form for c in plan.fields if c.name == name)
            lines.append(f"{INDENT}~ {name}: moved to form {moved_to}")
    return lines


def _form_title(form: FormChange) -> str:
    title = f"{MARK[form.kind]} form {form.name}"
    if form.kind != "changed":
        return f"{title} ({form.fields} field{'s' if form.fields != 1 else ''})"
    if form.moved:
        return f"{title}: moved, {_place(form.after)}"
    return title


def field_lines(change: FieldChange, loss: DataLoss | None) -> list[str]:
    """One field change: its heading line and a line per changed column."""
    head = f"{INDENT}{MARK[change.kind]} {change.name} ({change.field_type})"
    if change.kind != "changed":
        head += f" {_quote(_short(change.label))}"
    elif change.moved:
        head += f": moved, {_place(change.after)}"
    if loss is not None:
        head += f" [data loss: {loss.records} record{'s' if loss.records != 1 else ''}]"
    lines = [head]
    choice_field = change.field_type in LISTED_CHOICE_TYPES
    lines += [f"{INDENT * 2}{_column_line(column, choice_field)}" for column in change.columns]
    return lines


def _column_line(column: ColumnChange, choice_field: bool) -> str:
    if column.column == CHOICES and choice_field:
        edits = choice_edits(column.old, column.new)
        if edits:
            return f"{column.column}: {'; '.join(edits)}"
    return f"{column.column}: {_quote(column.old)} -> {_quote(column.new)}"


def _item_lines(change: ItemChange, loss: DataLoss | None) -> list[str]:
    head = f"{INDENT}{MARK[change.kind]} {change.key}"
    if change.area == "setting":
        (column,) = change.columns
        return [f"{head}: {_quote(column.old)} -> {_quote(column.new)}"]
    if change.kind != "changed":
        head += _item_detail(change)
    if loss is not None:
        head += f" [data loss: {loss.records} record{'s' if loss.records != 1 else ''}]"
    lines = [head]
    lines += [f"{INDENT * 2}{c.column}: {_quote(c.old)} -> {_quote(c.new)}" for c in change.columns]
    return lines


def _item_detail(change: ItemChange) -> str:
    row = change.row
    if change.area == "arm":
        return f" {_quote(row['name'])}"
    if change.area == "event":
        where = [f"arm {row['arm_num']}"]
        if row.get("day_offset"):
            where.append(f"day {row['day_offset']}")
        return f" {_quote(row['event_name'])} ({', '.join(where)})"
    if change.area == "repeating" and row.get("custom_form_label"):
        return f" {_quote(row['custom_form_label'])}"
    return ""


def _place(after: str) -> str:
    return f"now after {after}" if after else "now first"


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _short(label: str) -> str:
    flat = " ".join(label.split())
    return flat if len(flat) <= LABEL_WIDTH else flat[: LABEL_WIDTH - 3] + "..."
