"""This scan beside an earlier one: for a question whose shares an earlier scan published
(:mod:`instruments.reference_values`), each option's percent then and now, the change in points
with its interval and the exact binomial test (:func:`scoring.reference_change.reference_changes`),
and one plain sentence for the option the earlier scan led with.
"""

from __future__ import annotations

from instruments.model import Field
from instruments.reference_values import References
from reports.committee_questions import Group, Names, choice_table, withheld
from reports.model import Block, Cell, Column, Table, Text
from scoring.reference_change import ReferenceChange, reference_changes
from scoring.withheld import withheld_options

COLUMNS = (
    Column("option", "Option"),
    Column("then", "Then %", "percent", 0),
    Column("n", "Now n", "integer"),
    Column("now", "Now %", "percent"),
    Column("change", "Change (points)", "number"),
    Column("ci", "95% CI of change"),
    Column("p_value", "p", "p_value", 3),
)


def reference_blocks(
    group: Group, fld: Field, refs: References, names: Names, below: int | None
) -> list[Block]:
    """The comparison table and its sentence; [] when the earlier scan has no values here."""
    ref = refs.get(group.instrument.id, fld.name)
    if ref is None or not group.shown(fld.name).any():
        return []
    table = choice_table(group, fld)
    changes = reference_changes(table, ref.percent)
    if not changes:
        return []
    # The question's own table withholds these options (and so does the statistics table).
    hidden = withheld_options(table.table["count"], below)
    rows: list[dict[str, Cell]] = []
    for change in changes:
        row: dict[str, Cell] = {"option": change.label, "then": change.reference}
        if below is not None and bool(hidden[change.code]):
            mark = withheld(below)
            row |= {key: mark for key in ("n", "now", "change", "ci", "p_value")}
        else:
            row |= {
                "n": change.n,
                "now": change.current,
                "change": change.change,
                "ci": f"{change.ci_low:+.1f} to {change.ci_high:+.1f}",
                "p_value": change.p_value,
            }
        rows.append(row)
    note = (
        f"Then: {refs.title}, as published (the methods box quotes the source). Its base is not "
        "published, so its percents are read as fixed: the interval is this scan's alone, and "
        "p is the exact binomial test of this scan's count against the earlier percent."
    )
    title = f"{group.title}: now and in {refs.title}"
    blocks: list[Block] = [
        Table(names.take(f"{group.prefix} then {fld.name}"), title, COLUMNS, tuple(rows), note)
    ]
    lead = max(changes, key=lambda c: c.reference)
    if isinstance(rows[changes.index(lead)]["now"], float):
        blocks.append(Text(_sentence(group, lead, refs.title), "note"))
    return blocks


def _sentence(group: Group, change: ReferenceChange, then: str) -> str:
    direction = "up" if change.change > 0 else "down"
    moved = (
        f"{direction} {abs(change.change):.1f} points" if round(change.change, 1) else "unchanged"
    )
    verdict = (
        "more than chance would give" if change.p_value <= 0.05 else "within what chance would give"
    )
    return (
        f"Reading: '{change.label}': {change.current:.1f}% of {group.title.lower()} now against "
        f"{change.reference:g}% in {then}, {moved} (95% CI "
        f"{change.ci_low:+.1f} to {change.ci_high:+.1f}), {verdict} (p = {change.p_value:.3f})."
    )
