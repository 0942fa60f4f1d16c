"""Wave structure: events with unique REDCap names in time order and known forms, or a repeating
form with a date field that says when each assessment happened."""

from __future__ import annotations

from instruments import validation_types
from instruments.checks.report import Reporter
from instruments.model import Instrument
from instruments.naming import EVENT_LABEL_MAX, unique_event_name
from instruments.problems import ErrorCode, Problem, did_you_mean
from instruments.waves import ARM


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    waves = instrument.waves
    if waves is None:
        return []
    if waves.mode == "events":
        _events(instrument, report)
    else:
        _repeating(instrument, report)
    return report.found


def _events(instrument: Instrument, report: Reporter) -> None:
    waves = instrument.waves
    assert waves is not None  # checked by the caller; narrows the type
    if not waves.events or waves.form or waves.date_field:
        report(
            ErrorCode.WAVES_EVENTS,
            "/waves",
            detail="events mode needs a list of events and takes no 'form' or 'date_field'",
        )
    forms = instrument.form_map()
    names: set[str] = set()
    uniques: set[str] = set()
    previous = None
    for event in waves.events:
        if event.name in names:
            report(
                ErrorCode.WAVES_EVENT_DUPLICATE,
                f"{event.pointer}/name",
                what="name",
                name=event.name,
            )
        names.add(event.name)
        if len(event.label) > EVENT_LABEL_MAX:
            report(
                ErrorCode.WAVES_LABEL_TOO_LONG,
                f"{event.pointer}/label",
                label=event.label,
                length=len(event.label),
            )
        plain = event.event or unique_event_name(event.label, ARM)
        if plain in uniques:
            report(
                ErrorCode.WAVES_EVENT_DUPLICATE,
                f"{event.pointer}/label",
                what="REDCap event name",
                name=plain,
            )
        uniques.add(plain)
        if previous is not None and event.month <= previous.month:
            report(
                ErrorCode.WAVES_ORDER,
                f"{event.pointer}/month",
                name=event.name,
                month=f"{event.month:g}",
                previous=f"{previous.month:g}",
            )
        previous = event
        report.unknown_forms(f"{event.pointer}/forms", event.forms, forms)


def _repeating(instrument: Instrument, report: Reporter) -> None:
    waves = instrument.waves
    assert waves is not None  # checked by the caller; narrows the type
    if waves.events or not waves.form or not waves.date_field:
        report(
            ErrorCode.WAVES_EVENTS,
            "/waves",
            detail="repeating mode needs 'form' and 'date_field' and takes no events",
        )
    forms = instrument.form_map()
    if waves.form and waves.form not in forms:
        report(
            ErrorCode.FORM_UNKNOWN,
            "/waves/form",
            form=waves.form,
            suggestion=did_you_mean(waves.form, forms),
        )
    if not waves.date_field:
        return
    fld = instrument.field_map().get(waves.date_field)
    why = ""
    if fld is None:
        why = "does not exist" + did_you_mean(waves.date_field, instrument.field_map())
    elif fld.form != waves.form:
        why = f"is on form '{fld.form}', not on the repeating form '{waves.form}'"
    else:
        vtype = validation_types.lookup(fld.validation.type) if fld.validation else None
        if fld.type != "text" or vtype is None or vtype.family not in ("date", "datetime"):
            why = "is not a text field with date validation"
    if why:
        report(ErrorCode.WAVES_DATE_FIELD, "/waves/date_field", name=waves.date_field, why=why)
