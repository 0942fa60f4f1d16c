"""Branching logic and calculations: they parse, name only fields (and checkbox codes, and events)
that exist, use no function REDCap forbids there, and calculated fields form no cycle."""

from __future__ import annotations

from instruments.checks.graph import cycles
from instruments.checks.report import Reporter
from instruments.logic import Expression, LogicError, parse
from instruments.model import Instrument
from instruments.naming import complete_field
from instruments.problems import ErrorCode, Problem, did_you_mean
from instruments.waves import event_names

KIND_CODES = {
    "syntax": ErrorCode.LOGIC_SYNTAX,
    "arity": ErrorCode.LOGIC_SYNTAX,
    "unknown_function": ErrorCode.LOGIC_UNKNOWN_FUNCTION,
    "smart_variable": ErrorCode.LOGIC_SMART_VARIABLE,
    "nesting": ErrorCode.LOGIC_TOO_DEEP,
}
# REDCap refuses these in calc fields: they return text, which a calc field cannot hold.
TEXT_ONLY_FUNCTIONS = frozenset({"contains", "not_contain", "starts_with", "ends_with"})


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    fields = instrument.field_map()
    known = set(fields) | {complete_field(form.name) for form in instrument.forms}
    events = set(event_names(instrument))
    calc_uses: dict[str, set[str]] = {}
    for fld in instrument.fields:
        places = [("branching_logic", "branching logic", fld.branching_logic)]
        if fld.type == "calc":
            places.append(("calculation", "calculation", fld.calculation))
        for key, where, text in places:
            if not text.strip():
                continue
            pointer = f"{fld.pointer}/{key}"
            try:
                expression = parse(text)
            except LogicError as exc:
                report(KIND_CODES[exc.kind], pointer, fld.name, where=where, detail=exc.message)
                continue
            _references(instrument, expression, where, pointer, fld.name, known, events, report)
            if key == "calculation":
                for function in sorted(expression.functions() & TEXT_ONLY_FUNCTIONS):
                    report(ErrorCode.CALC_TEXT_FUNCTION, pointer, fld.name, function=function)
                calc_uses[fld.name] = {
                    name
                    for name in expression.fields()
                    if name in fields and fields[name].type == "calc"
                }
    for cycle in cycles(calc_uses):
        first = fields[cycle[0]]
        report(
            ErrorCode.CALC_CYCLE,
            f"{first.pointer}/calculation",
            first.name,
            cycle=" -> ".join(cycle + [cycle[0]]),
        )
    return report.found


def _references(
    instrument: Instrument,
    expression: Expression,
    where: str,
    pointer: str,
    owner: str,
    known: set[str],
    events: set[str],
    report: Reporter,
) -> None:
    fields = instrument.field_map()
    for ref in expression.references():
        if ref.event is not None and ref.event not in events:
            report(
                ErrorCode.LOGIC_UNKNOWN_EVENT,
                pointer,
                owner,
                event=ref.event,
                where=where,
                suggestion=did_you_mean(ref.event, events, brackets=True),
            )
        if ref.field not in known:
            report(
                ErrorCode.LOGIC_UNKNOWN_FIELD,
                pointer,
                owner,
                name=ref.field,
                where=where,
                suggestion=did_you_mean(ref.field, known, brackets=True).removeprefix("."),
            )
            continue
        if ref.code is None:
            continue
        target = fields.get(ref.field)
        if target is None or target.type != "checkbox":
            report(
                ErrorCode.LOGIC_NOT_CHECKBOX,
                pointer,
                owner,
                name=ref.field,
                code=ref.code,
                where=where,
            )
        elif ref.code not in target.choice_codes():
            report(
                ErrorCode.LOGIC_UNKNOWN_CODE,
                pointer,
                owner,
                name=ref.field,
                code=ref.code,
                where=where,
                suggestion=did_you_mean(ref.code, target.choice_codes()),
            )
