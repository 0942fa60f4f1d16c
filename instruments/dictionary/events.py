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
            f"whose names no event label gives back; a data dictionary says nothing else of "
            "them, so the logic that names them does not validate until /structure states them: "
            "import the project's XML instead, which holds every arm and event"
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


def event_waves(
    structure: dict[str, Any], where: str, warnings: list[str]
) -> dict[str, Any] | None:
    """Event waves for arm 1 of a stated ``structure`` (None when no event can be one): each
    wave is an event that does not repeat, named by its unique name, at its day offset in
    months, with the event's forms that do not repeat on it."""
    events = structure["events"]
    others = sorted({event["arm"] for event in events} - {ARM})
    if others:
        arms = ", ".join(str(arm) for arm in others)
        warnings.append(
            f"{where} the waves are arm {ARM}'s events; arm(s) {arms} are kept in /structure, "
            f"and scores over time read arm {ARM}'s records"
        )
    whole = {repeat["event"] for repeat in structure["repeating"] if not repeat.get("form")}
    waves = []
    for event in events:
        unique = event["unique_name"]
        if event["arm"] != ARM:
            continue
        if unique in whole:
            warnings.append(
                f"{where} event [{unique}] repeats as a whole, so it is no wave (a wave holds "
                "one assessment per record)"
            )
            continue
        repeating = [
            repeat["form"]
            for repeat in structure["repeating"]
            if repeat.get("form") and repeat["event"] == unique
        ]
        forms = [form for form in event["forms"] if form not in repeating]
        if repeating:
            warnings.append(
                f"{where} form(s) {', '.join(repeating)} repeat on event [{unique}], so its wave "
                "leaves them out (a wave holds one assessment per record)"
            )
        if not forms:
            warnings.append(f"{where} event [{unique}] holds no form, so no wave is made of it")
            continue
        waves.append(
            {
                "name": wave_name(unique),
                "label": event["label"],
                # two places keep days apart: a day is 0.033 months
                "month": round(event["day_offset"] / DAYS_PER_MONTH, 2),
                "forms": forms,
                "event": unique,
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
