"""A stated project structure: arms numbered once and named as REDCap allows, events with the
unique names REDCap gives their labels, forms designated for events, repeating settings REDCap
can hold, and waves that name its events and repeat its forms."""

from __future__ import annotations

from instruments.checks.report import Reporter
from instruments.model import Instrument, Structure
from instruments.naming import EVENT_LABEL_MAX, unique_event_name
from instruments.problems import ErrorCode, Problem, did_you_mean
from instruments.waves import ARM, ARM_NAME_MAX, unique_event_names


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    structure = instrument.structure
    if structure is None:
        _unstated_events(instrument, report)
        return report.found
    _arms(structure, report)
    _events(instrument, structure, report)
    _repeating(instrument, structure, report)
    _waves(instrument, structure, report)
    return report.found


def _unstated_events(instrument: Instrument, report: Reporter) -> None:
    """A wave may name a structure event only when there is a structure."""
    if instrument.waves is None:
        return
    for event in instrument.waves.events:
        if event.event:
            report(
                ErrorCode.WAVES_UNKNOWN_EVENT,
                f"{event.pointer}/event",
                name=event.name,
                event=event.event,
                where="needs a /structure that holds it",
                suggestion="",
            )


def _arms(structure: Structure, report: Reporter) -> None:
    seen: set[int] = set()
    with_events = {event.arm for event in structure.events}
    for arm in structure.arms:
        if arm.number in seen:
            report(ErrorCode.STRUCTURE_ARM_DUPLICATE, f"{arm.pointer}/number", number=arm.number)
        seen.add(arm.number)
        name = arm.name.strip()
        if not name or len(name) > ARM_NAME_MAX:
            why = "is blank" if not name else f"has {len(name)} characters"
            report(
                ErrorCode.STRUCTURE_ARM_NAME,
                f"{arm.pointer}/name",
                number=arm.number,
                name=arm.name,
                why=why,
            )
        if arm.number not in with_events:
            report(ErrorCode.STRUCTURE_ARM_EMPTY, arm.pointer, number=arm.number)


def _events(instrument: Instrument, structure: Structure, report: Reporter) -> None:
    arms = {arm.number for arm in structure.arms}
    forms = instrument.form_map()
    taken: set[str] = set()
    for event in structure.events:
        pointer = event.pointer
        if event.arm not in arms:
            report(
                ErrorCode.STRUCTURE_ARM_UNKNOWN,
                f"{pointer}/arm",
                event=event.unique_name,
                arm=event.arm,
            )
        if len(event.label) > EVENT_LABEL_MAX:
            report(
                ErrorCode.WAVES_LABEL_TOO_LONG,
                f"{pointer}/label",
                label=event.label,
                length=len(event.label),
            )
        if event.unique_name in taken:
            report(
                ErrorCode.STRUCTURE_EVENT_DUPLICATE,
                f"{pointer}/unique_name",
                name=event.unique_name,
            )
        else:
            expected = unique_event_name(event.label, event.arm, taken)
            if expected != event.unique_name:
                report(
                    ErrorCode.STRUCTURE_EVENT_NAME,
                    f"{pointer}/unique_name",
                    name=event.unique_name,
                    label=event.label,
                    arm=event.arm,
                    expected=expected,
                )
        taken.add(event.unique_name)
        report.unknown_forms(f"{pointer}/forms", event.forms, forms)
    if structure.events:
        placed = {name for event in structure.events for name in event.forms}
        for unplaced in instrument.forms:
            if unplaced.name not in placed:
                report(ErrorCode.STRUCTURE_FORM_UNPLACED, unplaced.pointer, form=unplaced.name)


def _repeating(instrument: Instrument, structure: Structure, report: Reporter) -> None:
    events = {event.unique_name: event for event in structure.events}
    forms = instrument.form_map()
    seen: set[tuple[str, str]] = set()
    whole = {repeat.event for repeat in structure.repeating if not repeat.form}
    for repeat in structure.repeating:
        pointer = repeat.pointer
        what = f"form '{repeat.form}'" if repeat.form else "a whole event"
        detail = ""
        if not repeat.form and not repeat.event:
            detail = "a repeating setting names neither a form nor an event"
        elif (repeat.event, repeat.form) in seen:
            detail = f"{what} is set to repeat on [{repeat.event}] twice"
        elif repeat.form and repeat.form not in forms:
            detail = f"repeating form '{repeat.form}' does not exist" + did_you_mean(
                repeat.form, forms
            )
        elif not events and repeat.event:
            detail = f"{what} repeats on event [{repeat.event}], but /structure has no events"
        elif events and repeat.event not in events:
            detail = f"{what} repeats on event [{repeat.event}], which /structure does not hold"
            detail += did_you_mean(repeat.event, events, brackets=True)
        elif repeat.form and events and repeat.form not in events[repeat.event].forms:
            detail = f"{what} repeats on event [{repeat.event}], which it is not designated for"
        elif repeat.form and repeat.event in whole:
            detail = (
                f"{what} repeats on event [{repeat.event}], which repeats as a whole; REDCap "
                "repeats an event or forms on it, not both"
            )
        seen.add((repeat.event, repeat.form))
        if detail:
            report(ErrorCode.STRUCTURE_REPEAT, pointer, detail=detail)


def _waves(instrument: Instrument, structure: Structure, report: Reporter) -> None:
    waves = instrument.waves
    if waves is None:
        return
    if waves.mode == "repeating":
        if waves.form and all(repeat.form != waves.form for repeat in structure.repeating):
            report(ErrorCode.WAVES_NOT_REPEATING, "/waves/form", form=waves.form)
        return
    events = {event.unique_name: event for event in structure.events}
    whole = {repeat.event for repeat in structure.repeating if not repeat.form}
    repeating = {(repeat.event, repeat.form) for repeat in structure.repeating if repeat.form}
    for unique, wave in unique_event_names(instrument).items():
        pointer = f"{wave.pointer}/event" if wave.event else f"{wave.pointer}/label"
        held = events.get(unique)
        if held is None:
            report(
                ErrorCode.WAVES_UNKNOWN_EVENT,
                pointer,
                name=wave.name,
                event=unique,
                where="/structure does not hold"
                + ("" if wave.event else f" (REDCap's name for label '{wave.label}' in arm {ARM})"),
                suggestion=did_you_mean(unique, events, brackets=True),
            )
            continue
        for i, form in enumerate(wave.forms):
            if form not in held.forms:
                report(
                    ErrorCode.WAVES_FORM_NOT_ON_EVENT,
                    f"{wave.pointer}/forms/{i}",
                    name=wave.name,
                    form=form,
                    event=unique,
                )
        what = ["it repeats as a whole"] if unique in whole else []
        what += [
            f"form '{form}' repeats"
            for form in wave.forms or held.forms
            if (unique, form) in repeating
        ]
        if what:
            report(
                ErrorCode.WAVES_EVENT_REPEATS,
                wave.pointer,
                name=wave.name,
                event=unique,
                what=" and ".join(what),
            )
