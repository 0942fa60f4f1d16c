"""The structure diff: arms, events, instrument-event mappings, repeating settings, and whether
the project is longitudinal at all.

Each item is matched on the name REDCap keys it by (arm number, unique event name, event and
form); values are compared as text because REDCap's JSON export gives numbers where ours are
strings and its CSV export the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

from plugin.deploy.changes import Area, ColumnChange, ItemChange
from plugin.deploy.project import Row

Key = Callable[[Row], str]


def diff_items(
    area: Area,
    desired: list[Row],
    current: list[Row],
    key: Key,
    compared: tuple[str, ...] = (),
) -> list[ItemChange]:
    """Added and changed items in the new order, then removed ones in the old order. Only
    ``compared`` columns present on both sides can change."""
    old = {key(row): row for row in current}
    new = {key(row): row for row in desired}
    changes: list[ItemChange] = []
    for name, row in new.items():
        if name not in old:
            changes.append(ItemChange(area, name, "added", row))
            continue
        columns = tuple(
            ColumnChange(column, old[name][column], row[column])
            for column in compared
            if column in row and column in old[name] and old[name][column] != row[column]
        )
        if columns:
            changes.append(ItemChange(area, name, "changed", row, columns))
    changes += [
        ItemChange(area, name, "removed", row) for name, row in old.items() if name not in new
    ]
    return changes


def arm_key(row: Row) -> str:
    """The key an arm is matched on: its number."""
    return row["arm_num"]


def event_key(row: Row) -> str:
    """The key an event is matched on: its unique name."""
    return row["unique_event_name"]


def mapping_key(row: Row) -> str:
    """The key a mapping is matched on and shown by: ``event: form``."""
    return f"{row['unique_event_name']}: {row['form']}"


def repeating_key(row: Row) -> str:
    """The key a repeating setting is matched on and shown by: ``event: form``, ``(whole event)``
    for a repeating event, and no event in a classic project."""
    what = row["form_name"] or "(whole event)"
    return f"{row['event_name']}: {what}" if row["event_name"] else what


def diff_arms(desired: list[Row], current: list[Row]) -> list[ItemChange]:
    """Arms added, removed or renamed."""
    return diff_items("arm", desired, current, arm_key, ("name",))


def diff_events(desired: list[Row], current: list[Row]) -> list[ItemChange]:
    """Events added, removed, or changed in label, arm, day offsets or custom label."""
    compared = (
        "event_name",
        "arm_num",
        "day_offset",
        "offset_min",
        "offset_max",
        "custom_event_label",
    )
    return diff_items("event", desired, current, event_key, compared)


def diff_mappings(desired: list[Row], current: list[Row]) -> list[ItemChange]:
    """Designations of forms for events added or removed."""
    return diff_items("mapping", desired, current, mapping_key)


def diff_repeating(desired: list[Row], current: list[Row]) -> list[ItemChange]:
    """Repeating instruments and events added, removed or given another custom label."""
    return diff_items("repeating", desired, current, repeating_key, ("custom_form_label",))


def diff_longitudinal(desired: bool, current: bool) -> list[ItemChange]:
    """The change of ``is_longitudinal`` when the instruments want another than the project has."""
    if desired == current:
        return []
    row = {"is_longitudinal": "1" if desired else "0"}
    old = "1" if current else "0"
    column = ColumnChange("is_longitudinal", old, row["is_longitudinal"])
    return [ItemChange("setting", "is_longitudinal", "changed", row, (column,))]
