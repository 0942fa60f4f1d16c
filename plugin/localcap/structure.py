"""Exports of a project's structure: arms, events, form/event mappings, repeating settings.

Classic projects refuse arms, events and mappings with REDCap's texts; PyCap's
``is_longitudinal`` depends on the mapping export failing for them. An arm is listed only once
it has an event (PyCap's long-project test relies on it).
"""

from __future__ import annotations

from plugin.localcap import answers
from plugin.localcap.errors import (
    CLASSIC_ARMS_EXPORT,
    CLASSIC_EVENTS_EXPORT,
    CLASSIC_MAPPING_EXPORT,
    NO_REPEATING,
    ApiError,
)
from plugin.localcap.params import Params
from plugin.localcap.project import Event, Project

EVENT_COLUMNS = ("event_name", "arm_num", "unique_event_name", "custom_event_label", "event_id")
SCHEDULE_COLUMNS = ("day_offset", "offset_min", "offset_max")
MAPPING_COLUMNS = ("arm_num", "unique_event_name", "form")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _arm_filter(params: Params) -> set[str]:
    return set(params.listing("arms"))


def export_arms(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Arms: the arms that have an event, narrowed to those listed in ``arms``. A
    classic project is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_ARMS_EXPORT)
    wanted = _arm_filter(params)
    with_events = {event.arm_num for event in project.events}
    rows: list[dict[str, str | int]] = [
        {"arm_num": arm.num, "name": arm.name}
        for arm in project.arms
        if arm.num in with_events and (not wanted or str(arm.num) in wanted)
    ]
    return answers.table(rows, params.format, ("arm_num", "name"), root="arms")


def event_row(project: Project, event: Event) -> dict[str, str | int | float]:
    """An event as REDCap exports it; the day offsets only when scheduling is enabled."""
    row: dict[str, str | int | float] = {"event_name": event.name, "arm_num": event.arm_num}
    if project.settings.get("scheduling_enabled") == "1":
        row["day_offset"] = _number(event.day_offset)
        row["offset_min"] = _number(event.offset_min)
        row["offset_max"] = _number(event.offset_max)
    row.update(
        unique_event_name=event.unique_name,
        custom_event_label=event.custom_label,
        event_id=event.event_id,
    )
    return row


def export_events(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Events, of every arm or of those in ``arms``; the day offsets only when
    scheduling is on. A classic project is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_EVENTS_EXPORT)
    wanted = _arm_filter(params)
    rows = [
        event_row(project, event)
        for event in project.events
        if not wanted or str(event.arm_num) in wanted
    ]
    columns = list(EVENT_COLUMNS)
    if project.settings.get("scheduling_enabled") == "1":
        columns[2:2] = SCHEDULE_COLUMNS
    return answers.table(rows, params.format, columns, root="events")


def export_mappings(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Instrument-Event Mappings, of every arm or of those in ``arms``; one blank
    mapping when no form is designated, as REDCap answers. A classic project is refused."""
    if not project.longitudinal:
        raise ApiError(CLASSIC_MAPPING_EXPORT)
    wanted = _arm_filter(params)
    rows: list[dict[str, str | int]] = [
        {"arm_num": event.arm_num, "unique_event_name": event.unique_name, "form": form.name}
        for event in project.events
        if not wanted or str(event.arm_num) in wanted
        for form in project.forms
        if form.name in project.mappings.get(event.event_id, set())
    ]
    if not rows:
        # REDCap answers a project without any designation with one blank mapping.
        rows = [{"arm_num": "", "unique_event_name": "", "form": ""}]
    return answers.table(rows, params.format, MAPPING_COLUMNS, root="items")


def repeating_rows(project: Project) -> list[dict[str, str]]:
    """The repeating settings as REDCap exports them (``form_name`` blank for a repeating event)."""
    rows = []
    for event in project.events:
        for form in ["", *(item.name for item in project.forms)]:
            label = project.repeating.get((event.event_id, form))
            if label is None:
                continue
            row = {"event_name": event.unique_name} if project.longitudinal else {}
            row.update(form_name=form, custom_form_label=label)
            rows.append(row)
    return rows


def export_repeating(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Repeating Instruments and Events; refused when nothing repeats."""
    rows = repeating_rows(project)
    if not rows:
        raise ApiError(NO_REPEATING)
    columns = (["event_name"] if project.longitudinal else []) + ["form_name", "custom_form_label"]
    if params.format == "csv":
        # REDCap builds this CSV by hand: plain commas, the label never quoted.
        lines = [",".join(columns)] + [",".join(row[name] for name in columns) for row in rows]
        return answers.Answer("\n".join(lines) + "\n", answers.CSV_TYPE)
    return answers.table(rows, params.format, columns, root="repeatingFormsEvents")
