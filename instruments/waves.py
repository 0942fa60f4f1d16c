"""How an instrument's waves map onto REDCap's longitudinal structure."""

from __future__ import annotations

from instruments.model import Instrument, WaveEvent
from instruments.naming import unique_event_name

ARM = 1


def unique_event_names(instrument: Instrument) -> dict[str, WaveEvent]:
    """REDCap's unique event name for each wave event (all in arm 1), in wave order."""
    if instrument.waves is None or instrument.waves.mode != "events":
        return {}
    names: dict[str, WaveEvent] = {}
    for event in instrument.waves.events:
        names[unique_event_name(event.label, ARM, set(names))] = event
    return names
