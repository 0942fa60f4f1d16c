"""The longitudinal and repeating structure a project needs for its instruments' waves: arms,
events, instrument-event mappings and repeating settings, in the shapes REDCap's API exports.

An instrument with event waves makes a longitudinal project with one arm; each wave is an event
whose forms are those the wave lists (all of the instrument's forms when it lists none). An
instrument with a repeating form makes that form repeat. Instruments without waves put their
forms on every event of a longitudinal project, so a project stays consistent whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from instruments.model import Instrument
from instruments.waves import ARM, unique_event_names

DAYS_PER_MONTH = 30.44  # REDCap's own month length in datediff


@dataclass
class ProjectStructure:
    """What a REDCap project holds beside its data dictionary, shaped as the API exports it: arms,
    events, form-event mappings, repeating forms, survey forms and missing-data codes."""

    arms: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    repeating: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[str] = field(default_factory=list)
    missing_data_codes: str = ""

    @property
    def longitudinal(self) -> bool:
        """Whether the project has events, which makes it longitudinal in REDCap."""
        return bool(self.events)


def project_structure(instruments: list[Instrument]) -> ProjectStructure:
    """Arms, events, mappings, repeating forms, survey forms and missing-data codes."""
    structure = ProjectStructure()
    events: dict[str, dict[str, Any]] = {}
    forms_of: dict[str, list[str]] = {}
    for instrument in instruments:
        for unique, wave in unique_event_names(instrument).items():
            if unique not in events:
                events[unique] = {
                    "event_name": wave.label,
                    "arm_num": ARM,
                    "day_offset": round(wave.month * DAYS_PER_MONTH),
                    "offset_min": 0,
                    "offset_max": 0,
                    "unique_event_name": unique,
                    "custom_event_label": "",
                }
                forms_of[unique] = []
            own = wave.forms or [form.name for form in instrument.forms]
            forms_of[unique].extend(f for f in own if f not in forms_of[unique])
    if events:
        structure.arms = [{"arm_num": ARM, "name": "Arm 1"}]
        structure.events = list(events.values())
    all_forms = [form.name for instrument in instruments for form in instrument.forms]
    waved = {form for forms in forms_of.values() for form in forms}
    for unique in events:
        forms = forms_of[unique] + [f for f in all_forms if f not in waved]
        ordered = [f for f in all_forms if f in forms]
        structure.mappings += [
            {"arm_num": ARM, "unique_event_name": unique, "form": form} for form in ordered
        ]
    for instrument in instruments:
        waves = instrument.waves
        if waves is not None and waves.mode == "repeating":
            row = {"form_name": waves.form, "custom_form_label": f"[{waves.date_field}]"}
            if events:
                for unique in events:
                    if any(
                        m["form"] == waves.form and m["unique_event_name"] == unique
                        for m in structure.mappings
                    ):
                        structure.repeating.append({"event_name": unique, **row})
            else:
                structure.repeating.append(row)
        structure.surveys += [form.name for form in instrument.forms if form.survey]
    codes = [code for instrument in instruments for code in instrument.missing_codes]
    seen: dict[str, str] = {}
    for code in codes:
        seen.setdefault(code.code, code.label)
    structure.missing_data_codes = " | ".join(f"{c}, {label}" for c, label in seen.items())
    return structure
