"""Waves from the events a REDCap project names: in a dictionary's logic, or in a project XML.

A data dictionary downloaded from a longitudinal project names events only inside its logic, as
``[baseline_arm_1][qi_done]`` (redcap-api.md §4.6). The instrument format keeps events as waves
in arm 1, whose unique names REDCap derives from their labels (§5), so an event is kept as a
wave when a label gives back its unique name: the name's stem, spaced and capitalised
(``month_6_arm_1`` -> "Month 6"). What a dictionary cannot say (labels, months, forms) is filled
in plainly and the warning says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from instruments.dictionary.structure import DAYS_PER_MONTH
from instruments.logic import LogicError, parse
from instruments.logic.tokens import strip_comments
from instruments.naming import unique_event_name
from instruments.waves import ARM

_UNIQUE = re.compile(r"^(?P<stem>[a-z0-9_]+)_arm_(?P<arm>\d+)$")
_EVENT_REFERENCE = re.compile(r"\[([a-z0-9_]+_arm_\d+)\]\s*\[")


def logic_events(texts: Iterable[str]) -> list[str]:
    """The unique event names that logic ``texts`` reference, in the order first named."""
    found: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        try:
            names = [ref.event for ref in parse(text).references() if ref.event]
        except LogicError:
            # Validation reports the logic itself; its events still say what the project holds.
            names = _EVENT_REFERENCE.findall(strip_comments(text))
        found += [name for name in names if name not in found]
    return found


def arm_of(unique: str) -> int | None:
    """The arm a unique event name belongs to, or None when it has no ``_arm_<n>`` suffix."""
    match = _UNIQUE.match(unique)
    return int(match["arm"]) if match else None


def label_for(unique: str) -> str:
    """A label REDCap turns back into ``unique`` in arm 1 (its stem, spaced and capitalised)."""
    match = _UNIQUE.match(unique)
    stem = match["stem"] if match else unique
    return stem.replace("_", " ").strip().capitalize()


def wave_name(unique: str) -> str:
    """The wave's key: the unique event name without its arm suffix."""
    match = _UNIQUE.match(unique)
    return match["stem"] if match else unique


def waves_from_logic(names: list[str], where: str, warnings: list[str]) -> dict[str, Any] | None:
    """Event waves for the events a dictionary's logic names (None when it names none in
    arm 1), with a warning that says what became of each."""
    kept = [name for name in names if arm_of(name) == ARM and _gives_back(label_for(name), name)]
    others = [name for name in names if name not in kept]
    if others:
        warnings.append(
            f"{where} the logic names events {_listed(others)}, which are not in arm {ARM} or "
            f"whose names no event label gives back; the instrument format holds arm {ARM} only, "
            "so the logic that names them does not validate until it is changed"
        )
    if not kept:
        return None
    events = [
        {"name": wave_name(name), "label": label_for(name), "month": month}
        for month, name in enumerate(kept)
    ]
    months = ", ".join(str(event["month"]) for event in events)
    warnings.append(
        f"{where} the logic names events {_listed(kept)}: they are the instrument's waves (arm "
        f"{ARM}), in the order first named, at months {months} and holding every form; a data "
        "dictionary holds no event labels, months or forms, so set them in /waves as the "
        "project has them"
    )
    return {"mode": "events", "events": events}


def project_waves(
    events: list[dict[str, Any]], forms: list[str], where: str, warnings: list[str]
) -> dict[str, Any] | None:
    """Event waves for a project's events (``arm``, ``label``, ``unique``, ``day_offset``,
    ``forms``), warning of every event or setting the format cannot hold."""
    in_arm = [event for event in events if event["arm"] == ARM]
    others = [event["unique"] for event in events if event["arm"] != ARM]
    if others:
        warnings.append(
            f"{where} the instrument format holds the events of arm {ARM} only; the events "
            f"{_listed(others)} of other arms are left out"
        )
    waves = []
    taken: set[str] = set()
    for event in in_arm:
        unique, label = event["unique"], event["label"]
        if unique_event_name(label, ARM, taken) != unique:
            warnings.append(
                f"{where} event [{unique}]: its label '{label}' no longer gives that unique name "
                f"(REDCap keeps a name when an event is renamed); the wave is labelled "
                f"'{label_for(unique)}' so that it keeps the name the logic and data use"
            )
            label = label_for(unique)
        taken.add(unique)
        own = [form for form in event["forms"] if form in forms]
        if not own:
            warnings.append(
                f"{where} event [{unique}] holds no form; in the instrument format a wave that "
                "lists no forms holds every form"
            )
        waves.append(
            {
                "name": wave_name(unique),
                "label": label,
                "month": event["day_offset"] / DAYS_PER_MONTH,
                "forms": own,
            }
        )
    if not waves:
        return None
    months = [wave["month"] for wave in waves]
    if any(later <= earlier for earlier, later in zip(months, months[1:], strict=False)):
        warnings.append(
            f"{where} the events' day offsets do not increase in event order; waves must, so "
            "set each wave's month in /waves"
        )
    return {"mode": "events", "events": waves}


def _gives_back(label: str, unique: str) -> bool:
    return unique_event_name(label, ARM) == unique


def _listed(names: list[str]) -> str:
    return ", ".join(f"[{name}]" for name in names)
