"""REDCap's rules for imported rows, written out independently of the simulator, so the tests
check its output against the rules rather than against its own code."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from instruments import validation_types
from instruments.dictionary.structure import project_structure
from instruments.logic import Context, evaluate, parse, truthy
from instruments.logic.values import parse_number, text_of
from instruments.model import Field, Instrument
from instruments.naming import checkbox_column, complete_field

EVENT = "redcap_event_name"
REPEAT_FORM = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
WINDOW = (date(2025, 1, 1), date(2026, 12, 31))
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")
# REDCap's North American phone validation: (NXX) NXX-XXXX with N in 2-9.
PHONE = re.compile(r"^\([2-9]\d{2}\) [2-9]\d{2}-\d{4}$")


def scored_fields(instrument: Instrument) -> set[str]:
    return {s.score_field for s in instrument.all_scales() if s.score_field}


def kept(instrument: Instrument, fld: Field) -> bool:
    """A field REDCap's import takes from a respondent (not computed, not a score)."""
    return (
        fld.name != instrument.record_id
        and fld.type not in ("calc", "descriptive", "file", "sql")
        and fld.name not in scored_fields(instrument)
        and "@CALC" not in fld.annotation.upper()
    )


def forms_of_row(instrument: Instrument, row: dict[str, str]) -> list[str]:
    waves = instrument.waves
    if waves is not None and waves.mode == "events":
        mappings = project_structure([instrument]).mappings
        return [m["form"] for m in mappings if m["unique_event_name"] == row[EVENT]]
    if waves is not None and waves.mode == "repeating":
        if row[REPEAT_FORM]:
            return [row[REPEAT_FORM]]
        return [f.name for f in instrument.forms if f.name != waves.form]
    return [f.name for f in instrument.forms]


def expected_keys(instrument: Instrument, row: dict[str, str]) -> list[str]:
    keys = [instrument.record_id]
    waves = instrument.waves
    if waves is not None and waves.mode == "events":
        keys.append(EVENT)
    if waves is not None and waves.mode == "repeating":
        keys += [REPEAT_FORM, REPEAT_INSTANCE]
    for form in forms_of_row(instrument, row):
        for fld in instrument.fields_of(form):
            if not kept(instrument, fld):
                continue
            if fld.type == "checkbox":
                keys += [checkbox_column(fld.name, code) for code in fld.choice_codes()]
            else:
                keys.append(fld.name)
        keys.append(complete_field(form))
    return keys


def ordinal_items(instrument: Instrument) -> set[str]:
    items = {item for scale in instrument.scales for item in scale.items}
    items |= {f.name for f in instrument.fields if f.matrix is not None}
    return items


def value_problems(instrument: Instrument, row: dict[str, str]) -> list[str]:
    """Every value in ``row`` that REDCap would refuse or that breaks the instrument."""
    fields = instrument.field_map()
    checkbox_of = {
        checkbox_column(f.name, code): f
        for f in instrument.fields
        if f.type == "checkbox"
        for code in f.choice_codes()
    }
    completes = {complete_field(form.name) for form in instrument.forms}
    missing = {code.code for code in instrument.missing_codes}
    found = []
    for key, value in row.items():
        if not isinstance(value, str):
            found.append(f"{key}: {value!r} is not a string")
        elif key in completes:
            if value not in ("0", "1", "2"):
                found.append(f"{key}: form status {value!r}")
        elif key in checkbox_of:
            if value not in ("0", "1"):
                found.append(f"{key}: checkbox value {value!r}")
        elif key in fields and key != instrument.record_id and value != "":
            problem = field_problem(instrument, fields[key], value, missing)
            if problem:
                found.append(f"{key}: {problem}")
    return found


def field_problem(instrument: Instrument, fld: Field, value: str, missing: set[str]) -> str:
    if value in missing:
        return "" if fld.name in ordinal_items(instrument) else f"missing code {value!r}"
    if fld.type in ("radio", "dropdown", "yesno", "truefalse"):
        return "" if value in fld.choice_codes() else f"{value!r} is not a choice code"
    if fld.type == "slider":
        low = parse_number(fld.slider.min) if fld.slider and fld.slider.min else 0.0
        high = parse_number(fld.slider.max) if fld.slider and fld.slider.max else 100.0
        number = parse_number(value)
        ok = number is not None and number.is_integer() and low <= number <= high
        return "" if ok else f"slider value {value!r} outside {low}..{high}"
    if fld.validation is None:
        return "" if value.strip() and len(value) <= 300 else f"odd free text {value!r}"
    return validated_problem(fld, value)


def validated_problem(fld: Field, value: str) -> str:
    assert fld.validation is not None
    vtype = validation_types.lookup(fld.validation.type)
    assert vtype is not None
    parsed = validation_types.parse_value(vtype, value.replace(",", ".") if "," in value else value)
    if vtype.name == "email":
        return "" if EMAIL.match(value) else f"bad e-mail {value!r}"
    if vtype.name == "phone":
        return "" if PHONE.match(value) else f"bad phone {value!r}"
    if vtype.family == "text":
        return ""
    if parsed is None:
        return f"{value!r} is not a valid {vtype.name}"
    for bound, holds in (
        (fld.validation.min, lambda b: parsed >= b),
        (fld.validation.max, lambda b: parsed <= b),
    ):
        limit = validation_types.parse_value(vtype, bound) if bound else None
        if limit is not None and not holds(limit):
            return f"{value!r} outside the bound {bound}"
    if vtype.family == "date" and not (fld.validation.min or fld.validation.max):
        if not WINDOW[0] <= parsed <= WINDOW[1]:
            return f"{value!r} outside 2025-2026"
    return ""


def logic_context(instrument: Instrument) -> Context:
    return Context(
        missing_codes=frozenset(c.code for c in instrument.missing_codes),
        checkbox_fields=frozenset(f.name for f in instrument.fields if f.type == "checkbox"),
        today=date(2026, 12, 31),
        record_id=instrument.record_id,
    )


def hidden_but_answered(instrument: Instrument, rows: list[dict[str, str]]) -> list[str]:
    """Re-evaluate every field's branching logic row by row (scalar evaluator, every column of
    the instrument present, other events of the record passed in) and list hidden answers."""
    context = logic_context(instrument)
    logic = {f.name: parse(f.branching_logic) for f in instrument.fields if f.branching_logic}
    calcs = [(f.name, parse(f.calculation)) for f in instrument.fields if f.type == "calc"]
    columns = {instrument.record_id, EVENT}
    for fld in instrument.fields:
        columns.update(
            [checkbox_column(fld.name, c) for c in fld.choice_codes()]
            if fld.type == "checkbox"
            else [fld.name]
        )
    columns |= {complete_field(form.name) for form in instrument.forms}
    records = []
    for row in rows:
        record = dict.fromkeys(columns, "")
        record.update(row)
        for name, expression in calcs:
            record[name] = text_of(evaluate(expression, record, context))
        records.append(record)
    events: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for record in records:
        events[record[instrument.record_id]].setdefault(record[EVENT], record)
    fields = instrument.field_map()
    found = []
    for record in records:
        for name, expression in logic.items():
            fld = fields[name]
            keys = (
                [checkbox_column(name, c) for c in fld.choice_codes()]
                if fld.type == "checkbox"
                else [name]
            )
            if not all(key in record for key in keys):
                continue
            shown = truthy(
                evaluate(expression, record, context, events=events[record[instrument.record_id]])
            )
            blank = "0" if fld.type == "checkbox" else ""
            if not shown and any(record[key] != blank for key in keys):
                found.append(f"record {record[instrument.record_id]}: {name} answered but hidden")
    return found
