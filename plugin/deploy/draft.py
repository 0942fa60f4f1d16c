"""The Draft Mode package for a production project.

REDCap refuses dictionary imports through its API once a project is in production; changes go
through Draft Mode instead, where a person uploads the dictionary and REDCap holds back for an
administrator any change that would delete or alter data. The package is what that person
needs: the full dictionary to upload, and a report of every change, the destructive ones first,
with the steps to follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.dictionary import to_csv
from instruments.model import LISTED_CHOICE_TYPES
from plugin.deploy.changes import ColumnChange, DataLoss, FieldChange, FormChange, ItemChange
from plugin.deploy.compare import CHOICES, choice_edits
from plugin.deploy.plan import Plan
from plugin.deploy.project import DesiredProject
from plugin.deploy.render import STRUCTURE_TITLES, summary

DICTIONARY_FILE = "data_dictionary.csv"
REPORT_FILE = "change_report.md"


@dataclass(frozen=True)
class DraftPackage:
    """What a production project's designer gets instead of a deploy: the dictionary to upload
    in Draft Mode and the report of what it changes."""

    dictionary_csv: str
    report: str

    def files(self) -> dict[str, str]:
        """File name -> text, to write side by side."""
        return {DICTIONARY_FILE: self.dictionary_csv, REPORT_FILE: self.report}


def draft_mode_package(plan: Plan, desired: DesiredProject) -> DraftPackage:
    """The dictionary CSV (REDCap's upload headers) and the change report for ``plan``, which
    must have been made for ``desired``: a report about other instruments would mislead."""
    if desired.metadata != plan.desired.metadata:
        raise ValueError(
            "the plan was made for other instruments than this dictionary; plan them again"
        )
    return DraftPackage(dictionary_csv=to_csv(desired.metadata), report=change_report(plan))


def change_report(plan: Plan) -> str:
    """The Markdown report of the plan's changes, for a designer applying them in Draft Mode."""
    names = ", ".join(plan.desired.instruments) or "no instruments"
    lines = [
        f"# Draft Mode change report: {names}",
        "",
        "REDCap accepts no data dictionary through its API while a project is in production "
        "status. Apply the changes below in Draft Mode, uploading the file "
        f"`{DICTIONARY_FILE}` that comes with this report.",
        "",
    ]
    if not plan.has_changes:
        lines += ["No changes: the REDCap project already matches the instruments.", ""]
    else:
        lines += [f"Summary: {summary(plan)}.", ""]
        lines += _loss_section(plan)
    if plan.warnings:
        lines += ["## Warnings", ""]
        lines += [f"- {warning}" for warning in plan.warnings] + [""]
    if plan.has_changes:
        lines += _form_section(plan) + _structure_section(plan)
    if plan.manual:
        lines += ["## By hand in REDCap (its API has no method for these)", ""]
        lines += [f"- {step}" for step in plan.manual] + [""]
    if plan.has_changes:
        lines += _instructions(plan)
    return "\n".join(lines).rstrip("\n") + "\n"


def _loss_section(plan: Plan) -> list[str]:
    lines = ["## Changes that lose data", ""]
    if not plan.data_loss:
        return lines + ["None: no change removes or alters data that records hold.", ""]
    lines += [
        "REDCap lists these as critical issues and waits for an administrator's approval. "
        "Export the records before submitting them.",
        "",
    ]
    return lines + [f"- {loss.describe()}" for loss in plan.data_loss] + [""]


def _form_section(plan: Plan) -> list[str]:
    if not plan.forms:
        return []
    lines = ["## Changes per form and field", ""]
    for form in sorted(plan.forms, key=lambda f: not _form_loses(plan, f)):
        lines += [f"### {form.kind.capitalize()} form `{form.name}`", ""]
        if form.moved:
            lines.append(f"- the form moves {_place(form.after)}")
        fields = [change for change in plan.fields if change.form == form.name]
        for change in sorted(fields, key=lambda c: plan.loss_at("field", c.name) is None):
            lines += _field_items(change, plan.loss_at("field", change.name))
        for name in form.fields_out:
            moved_to = next(c.form for c in plan.fields if c.name == name)
            lines.append(f"- **moved out** `{name}`: now in form `{moved_to}`")
        lines.append("")
    return lines


def _form_loses(plan: Plan, form: FormChange) -> bool:
    return any(
        change.form == form.name and plan.loss_at("field", change.name) is not None
        for change in plan.fields
    )


def _field_items(change: FieldChange, loss: DataLoss | None) -> list[str]:
    item = f"- **{change.kind}** `{change.name}` ({change.field_type})"
    if change.kind != "changed":
        item += f": {_code(change.label)}"
    elif change.moved:
        item += f", moves {_place(change.after)}"
    if loss is not None:
        item += f". **Loses data**: {loss.describe()}"
    choice_field = change.field_type in LISTED_CHOICE_TYPES
    return [item] + [f"  - {_column(column, choice_field)}" for column in change.columns]


def _column(column: ColumnChange, choice_field: bool) -> str:
    if column.column == CHOICES and choice_field:
        edits = choice_edits(column.old, column.new)
        if edits:
            return f"`{column.column}`: " + "; ".join(_code(edit) for edit in edits)
    return f"`{column.column}`: {_code(column.old)} → {_code(column.new)}"


def _structure_section(plan: Plan) -> list[str]:
    present = [(area, title) for area, title in STRUCTURE_TITLES if getattr(plan, area)]
    if not present:
        return []
    lines = [
        "## Events, designations and repeating settings",
        "",
        "The dictionary does not carry these. Make them after REDCap has approved the "
        "dictionary changes: events and arms under Project Setup > Define My Events, "
        "designations under Designate Instruments for My Events, repeating settings under "
        "Project Setup > Repeating instruments and events, and the longitudinal switch under "
        "Project Setup > Main project settings.",
        "",
    ]
    for area, title in present:
        lines += [f"### {title.capitalize()}", ""]
        changes: tuple[ItemChange, ...] = getattr(plan, area)
        for change in changes:
            lines += _item(change, plan.loss_at(change.area, change.key))
        lines.append("")
    return lines


def _item(change: ItemChange, loss: DataLoss | None) -> list[str]:
    shown = ", ".join(f"{key} {_code(value)}" for key, value in change.row.items() if value)
    item = f"- **{change.kind}** `{change.key}`"
    item += f" ({shown})" if change.kind != "changed" else ""
    if loss is not None:
        item += f". **Loses data**: {loss.describe()}"
    lines = [item]
    return lines + [f"  - `{c.column}`: {_code(c.old)} → {_code(c.new)}" for c in change.columns]


def _instructions(plan: Plan) -> list[str]:
    steps = [
        "Export all records (Data Exports, Reports, and Stats > All data, raw) and download the "
        "current data dictionary, so that the present state can be restored.",
        'In the Online Designer, click "Enter Draft Mode".',
        f"Open the Data Dictionary page, upload `{DICTIONARY_FILE}`, compare the changes REDCap "
        "lists with this report, and commit them.",
        'Click "Submit Changes for Review". REDCap approves changes that touch no data by '
        'itself; the ones under "Changes that lose data" wait for an administrator.',
    ]
    if any(getattr(plan, area) for area, _ in STRUCTURE_TITLES):
        steps.append(
            "Once approved, make the event, designation and repeating changes listed above."
        )
    if plan.manual:
        steps.append('Do the steps under "By hand in REDCap".')
    steps.append("Run `qiscan deploy` again: it should report no changes.")
    return ["## How to apply", ""] + [f"{i}. {step}" for i, step in enumerate(steps, 1)]


def _place(after: str) -> str:
    return f"after `{after}`" if after else "to the top"


def _code(value: str) -> str:
    """``value`` as a Markdown code span; a value holding backticks gets a longer fence."""
    flat = value.replace("\n", "\\n")
    if not flat:
        return '""'
    fence = "`"
    while fence in flat:
        fence += "`"
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
