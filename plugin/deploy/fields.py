"""The dictionary diff: which fields and forms are added, removed, changed or moved.

REDCap's metadata import replaces the whole dictionary and reads it by position, so order is
part of the design. Forms are contiguous, so the global order is the same exactly when the
forms come in the same order and each form holds the same fields in the same order. A move is
therefore reported at the smallest level that explains it: a form whose place changed, a field
that changed form (its ``form_name`` column), or a field whose place among the fields staying in
its form changed. "Moved" means outside a longest run of items that kept their relative order,
so inserting one field reports nothing moved and swapping two reports one.
"""

from __future__ import annotations

from bisect import bisect_left

from plugin.deploy.changes import ChangeKind, ColumnChange, FieldChange, FormChange
from plugin.deploy.compare import column_changes
from plugin.deploy.project import Row


def diff_fields(
    desired: list[Row], current: list[Row]
) -> tuple[list[FieldChange], list[FormChange]]:
    """Field changes in dictionary order (added and changed in the new order, removed after
    them in the old order) and the forms they touch."""
    old = {row["field_name"]: row for row in current}
    new = {row["field_name"]: row for row in desired}
    old_first = current[0]["field_name"] if current else ""
    new_first = desired[0]["field_name"] if desired else ""
    moved = _moved_within_forms(desired, current)
    previous: dict[str, str] = {}
    last_in_form: dict[str, str] = {}
    for row in desired:
        previous[row["field_name"]] = last_in_form.get(row["form_name"], "")
        last_in_form[row["form_name"]] = row["field_name"]

    changes: list[FieldChange] = []
    for row in desired:
        name = row["field_name"]
        if name not in old:
            changes.append(_field(row, "added"))
            continue
        columns = column_changes(
            old[name], row, old_first=name == old_first, new_first=name == new_first
        )
        if columns or name in moved:
            changes.append(
                _field(
                    row,
                    "changed",
                    columns=tuple(columns),
                    moved=name in moved,
                    after=previous[name],
                )
            )
    changes += [_field(row, "removed") for row in current if row["field_name"] not in new]
    return changes, _form_changes(desired, current, changes, moved)


def _field(
    row: Row,
    kind: ChangeKind,
    columns: tuple[ColumnChange, ...] = (),
    moved: bool = False,
    after: str = "",
) -> FieldChange:
    return FieldChange(
        name=row["field_name"],
        form=row["form_name"],
        kind=kind,
        field_type=row["field_type"],
        label=row["field_label"],
        columns=columns,
        moved=moved,
        after=after,
    )


def _moved_within_forms(desired: list[Row], current: list[Row]) -> set[str]:
    old_form = {row["field_name"]: row["form_name"] for row in current}
    moved: set[str] = set()
    for form in form_order(desired):
        staying = [
            row["field_name"]
            for row in desired
            if row["form_name"] == form and old_form.get(row["field_name"]) == form
        ]
        old_rank = {
            row["field_name"]: i for i, row in enumerate(current) if row["form_name"] == form
        }
        moved |= set(staying) - kept_in_order(staying, old_rank)
    return moved


def form_order(rows: list[Row]) -> list[str]:
    """The forms of a dictionary in the order their first field comes."""
    return list(dict.fromkeys(row["form_name"] for row in rows))


def _form_changes(
    desired: list[Row], current: list[Row], changes: list[FieldChange], moved: set[str]
) -> list[FormChange]:
    new_forms, old_forms = form_order(desired), form_order(current)
    old_form = {row["field_name"]: row["form_name"] for row in current}
    new_form = {row["field_name"]: row["form_name"] for row in desired}
    common = [form for form in new_forms if form in old_forms]
    forms_moved = set(common) - kept_in_order(common, {f: i for i, f in enumerate(old_forms)})
    fields_moving = [n for n, form in new_form.items() if old_form.get(n, form) != form]
    touched = {change.form for change in changes} | {old_form[name] for name in fields_moving}

    result: list[FormChange] = []
    for position, form in enumerate(new_forms):
        size = sum(1 for row in desired if row["form_name"] == form)
        if form not in old_forms:
            result.append(FormChange(form, "added", size))
            continue
        if form not in touched and form not in forms_moved:
            continue
        fields_in = tuple(n for n in fields_moving if new_form[n] == form)
        fields_out = tuple(n for n in fields_moving if old_form[n] == form)
        reordered = tuple(name for name in new_form if new_form[name] == form and name in moved)
        result.append(
            FormChange(
                form,
                "changed",
                size,
                fields_in=fields_in,
                fields_out=fields_out,
                reordered=reordered,
                moved=form in forms_moved,
                after=new_forms[position - 1] if position else "",
            )
        )
    for form in old_forms:
        if form not in new_forms:
            size = sum(1 for row in current if row["form_name"] == form)
            result.append(FormChange(form, "removed", size))
    return result


def kept_in_order(sequence: list[str], old_rank: dict[str, int]) -> set[str]:
    """A longest subsequence of ``sequence`` whose old ranks increase: the items that kept their
    relative order. Patience sorting, O(n log n); of equally long runs, the one ending latest
    wins, so when two items swap, the one now first is the one reported as moved."""
    tails: list[int] = []  # old rank at the end of the best run of each length
    tail_index: list[int] = []  # position in sequence of that run's last item
    parent: list[int] = [-1] * len(sequence)
    for i, item in enumerate(sequence):
        rank = old_rank[item]
        length = bisect_left(tails, rank)
        if length == len(tails):
            tails.append(rank)
            tail_index.append(i)
        else:
            tails[length] = rank
            tail_index[length] = i
        parent[i] = tail_index[length - 1] if length else -1
    kept: set[str] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        kept.add(sequence[i])
        i = parent[i]
    return kept
