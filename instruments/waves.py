"""How an instrument's waves map onto REDCap's longitudinal structure."""

from __future__ import annotations

from instruments.model import Instrument, WaveEvent
from instruments.naming import unique_event_name

ARM = 1
ARM_NAME_MAX = 50  # REDCap refuses a longer arm name on import


def unique_event_names(instrument: Instrument) -> dict[str, WaveEvent]:
    """REDCap's unique event name for each wave event, in wave order: the ``structure`` event a
    wave names, or the name REDCap derives from the wave's label in arm 1."""
    if instrument.waves is None or instrument.waves.mode != "events":
        return {}
    names: dict[str, WaveEvent] = {}
    for event in instrument.waves.events:
        names[event.event or unique_event_name(event.label, ARM, set(names))] = event
    return names


def event_names(instrument: Instrument) -> list[str]:
    """Every unique event name the instrument's project holds for it: its ``structure`` events
    when it states them, else its waves'."""
    if instrument.structure is not None and instrument.structure.events:
        return [event.unique_name for event in instrument.structure.events]
    return list(unique_event_names(instrument))


def wave_forms(instrument: Instrument) -> dict[str, list[str]]:
    """The forms each event wave holds, by unique event name: those it lists, else those its
    ``structure`` event is designated for, else every form of the instrument."""
    stated = {}
    if instrument.structure is not None:
        stated = {event.unique_name: event.forms for event in instrument.structure.events}
    every = [form.name for form in instrument.forms]
    return {
        unique: list(wave.forms or stated.get(unique, every))
        for unique, wave in unique_event_names(instrument).items()
    }
