"""The longitudinal and repeating structure a project needs for its instruments: arms, events,
instrument-event mappings and repeating settings, in the shapes REDCap's API exports.

An instrument that states a ``structure`` gets exactly that: its arms, its events with the forms
designated for each, and its repeating forms and events. Otherwise an instrument with event waves
makes events in arm 1, each holding the forms its wave lists (all of the instrument's forms when
it lists none), and one with a repeating form makes that form repeat, labelled by its date field.
Instruments placed on no event put their forms on every event of a longitudinal project, so a
project stays consistent whatever it holds. Instruments sharing a project must state shared arms,
events and repeating events alike (``structure_problems``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from instruments.model import Instrument, Structure, StructureEvent
from instruments.problems import ErrorCode, Problem, problem
from instruments.waves import ARM, unique_event_names, wave_forms

DAYS_PER_MONTH = 30.44  # REDCap's own month length in datediff

Row = dict[str, Any]


@dataclass
class ProjectStructure:
    """What a REDCap project holds beside its data dictionary, shaped as the API exports it: arms,
    events, form-event mappings, repeating forms, survey forms and missing-data codes."""

    arms: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    mappings: list[Row] = field(default_factory=list)
    repeating: list[Row] = field(default_factory=list)
    surveys: list[str] = field(default_factory=list)
    missing_data_codes: str = ""

    @property
    def longitudinal(self) -> bool:
        """Whether the project has events, which makes it longitudinal in REDCap."""
        return bool(self.events)


def project_structure(instruments: list[Instrument]) -> ProjectStructure:
    """Arms, events, mappings, repeating forms, survey forms and missing-data codes."""
    result = ProjectStructure()
    arms: dict[int, Row] = {}
    events: dict[str, Row] = {}
    forms_of: dict[str, list[str]] = {}
    for instrument in instruments:
        for row, forms in _events(instrument):
            events.setdefault(row["unique_event_name"], row)
            held = forms_of.setdefault(row["unique_event_name"], [])
            held.extend(form for form in forms if form not in held)
        for row in _arms(instrument):
            arms.setdefault(row["arm_num"], row)
    for row in events.values():
        arms.setdefault(
            row["arm_num"], {"arm_num": row["arm_num"], "name": f"Arm {row['arm_num']}"}
        )
    result.arms = [arms[number] for number in sorted(arms)] if events else []
    result.events = sorted(events.values(), key=lambda row: row["arm_num"])
    all_forms = [form.name for instrument in instruments for form in instrument.forms]
    placed = {form for forms in forms_of.values() for form in forms}
    for row in result.events:
        unique = row["unique_event_name"]
        designated = set(forms_of[unique]) | {form for form in all_forms if form not in placed}
        result.mappings += [
            {"arm_num": row["arm_num"], "unique_event_name": unique, "form": form}
            for form in all_forms
            if form in designated
        ]
    for instrument in instruments:
        for row in _repeating(instrument, result):
            if row not in result.repeating:
                result.repeating.append(row)
        result.surveys += [form.name for form in instrument.forms if form.survey]
    codes = [code for instrument in instruments for code in instrument.missing_codes]
    seen: dict[str, str] = {}
    for code in codes:
        seen.setdefault(code.code, code.label)
    result.missing_data_codes = " | ".join(f"{c}, {label}" for c, label in seen.items())
    return result


def structure_problems(instruments: list[Instrument]) -> list[Problem]:
    """Arms, events and repeating events that two instruments of one project state unalike."""
    found: list[Problem] = []
    first: dict[tuple[str, Any], tuple[str, Row]] = {}
    for instrument in instruments:
        if instrument.structure is None:
            continue
        stated: list[tuple[str, Any, str, Row]] = [
            ("arm", arm.number, arm.pointer, {"arm_num": arm.number, "name": arm.name})
            for arm in instrument.structure.arms
        ]
        stated += [
            ("event", event.unique_name, event.pointer, _event_row(event))
            for event in instrument.structure.events
        ]
        stated += [
            ("repeating event", repeat.event, repeat.pointer, {"custom_label": repeat.custom_label})
            for repeat in instrument.structure.repeating
            if not repeat.form
        ]
        for kind, key, pointer, row in stated:
            other, theirs = first.setdefault((kind, key), (instrument.id, row))
            if theirs != row:
                found.append(
                    problem(
                        ErrorCode.PROJECT_STRUCTURE,
                        file=instrument.read_from,
                        pointer=pointer,
                        what=f"{kind} {key}",
                        other=other,
                        mine=_shown(row, theirs),
                        theirs=_shown(theirs, row),
                    )
                )
    return found


def _arms(instrument: Instrument) -> list[Row]:
    if instrument.structure is None:
        return []
    return [{"arm_num": arm.number, "name": arm.name} for arm in instrument.structure.arms]


def _events(instrument: Instrument) -> list[tuple[Row, list[str]]]:
    """Each event the instrument places forms on, as REDCap exports it, with those forms."""
    if instrument.structure is not None and instrument.structure.events:
        return [(_event_row(event), list(event.forms)) for event in instrument.structure.events]
    held = wave_forms(instrument)
    return [
        (
            {
                "event_name": wave.label,
                "arm_num": ARM,
                "day_offset": round(wave.month * DAYS_PER_MONTH),
                "offset_min": 0,
                "offset_max": 0,
                "unique_event_name": unique,
                "custom_event_label": "",
            },
            held[unique],
        )
        for unique, wave in unique_event_names(instrument).items()
    ]


def _event_row(event: StructureEvent) -> Row:
    return {
        "event_name": event.label,
        "arm_num": event.arm,
        "day_offset": whole_days(event.day_offset),
        "offset_min": whole_days(event.offset_min),
        "offset_max": whole_days(event.offset_max),
        "unique_event_name": event.unique_name,
        "custom_event_label": event.custom_label,
    }


def _repeating(instrument: Instrument, project: ProjectStructure) -> list[Row]:
    """The instrument's repeating settings: those it states, or its repeating waves' form on
    every event it is designated for (on none in a classic project)."""
    structure: Structure | None = instrument.structure
    if structure is not None:
        return [
            {
                **({"event_name": repeat.event} if project.events else {}),
                "form_name": repeat.form,
                "custom_form_label": repeat.custom_label,
            }
            for repeat in structure.repeating
        ]
    waves = instrument.waves
    if waves is None or waves.mode != "repeating":
        return []
    row = {"form_name": waves.form, "custom_form_label": f"[{waves.date_field}]"}
    if not project.events:
        return [row]
    return [
        {"event_name": mapping["unique_event_name"], **row}
        for mapping in project.mappings
        if mapping["form"] == waves.form
    ]


def whole_days(value: float | str) -> int | float:
    """A day count as REDCap exports it: whole days as integers."""
    number = float(value or 0)
    return int(number) if number.is_integer() else number


def _shown(row: Row, other: Row) -> str:
    return ", ".join(f"{key} {row.get(key)!r}" for key in row if row.get(key) != other.get(key))
