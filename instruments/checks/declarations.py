"""What an instrument declares beyond the dictionary: domains, the unit and grouping keys,
missing-data codes, and the warning for fields no report or scale will ever use."""

from __future__ import annotations

from instruments.checks.report import Reporter
from instruments.model import Instrument
from instruments.naming import CHOICE_CODE_PATTERN
from instruments.problems import ErrorCode, Problem, did_you_mean


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    _domains(instrument, report)
    _keys(instrument, report)
    _missing_codes(instrument, report)
    _coding(instrument, report)
    _unused(instrument, report)
    return report.found


def _domains(instrument: Instrument, report: Reporter) -> None:
    declared: set[str] = set()
    for domain in instrument.domains:
        if domain.name in declared:
            report(ErrorCode.DOMAIN_DUPLICATE, f"{domain.pointer}/name", domain=domain.name)
        declared.add(domain.name)
    for fld in instrument.fields:
        if fld.domain and fld.domain not in declared:
            report(
                ErrorCode.DOMAIN_UNKNOWN,
                f"{fld.pointer}/domain",
                fld.name,
                domain=fld.domain,
                suggestion=did_you_mean(fld.domain, declared),
            )


def _keys(instrument: Instrument, report: Reporter) -> None:
    fields = instrument.field_map()

    def need(name: str, what: str, pointer: str) -> None:
        if name not in fields:
            report(
                ErrorCode.REFERENCE_UNKNOWN_FIELD,
                pointer,
                what=what,
                name=name,
                suggestion=did_you_mean(name, fields),
            )

    if instrument.unit is not None:
        need(instrument.unit.id_field, "the unit", "/unit/id_field")
    for i, name in enumerate(instrument.grouping):
        need(name, "grouping", f"/grouping/{i}")


def _missing_codes(instrument: Instrument, report: Reporter) -> None:
    seen: set[str] = set()
    for code in instrument.missing_codes:
        pointer = f"{code.pointer}/code"
        if not CHOICE_CODE_PATTERN.match(code.code):
            report(ErrorCode.MISSING_CODE_INVALID, pointer, code=code.code)
        if code.code in seen:
            report(ErrorCode.MISSING_CODE_DUPLICATE, pointer, code=code.code)
        seen.add(code.code)
    for fld in instrument.fields:
        for choice in fld.choices:
            if choice.code in seen:
                report(
                    ErrorCode.MISSING_CODE_CLASH,
                    f"{choice.pointer}/code",
                    fld.name,
                    code=choice.code,
                )


def _coding(instrument: Instrument, report: Reporter) -> None:
    coding = instrument.coding
    if coding is None:
        if instrument.kind == "coding":
            report(ErrorCode.CODING_MISSING, "/")
        return
    fields = instrument.field_map()
    keys = (("unit_field", coding.unit_field), ("coder_field", coding.coder_field))
    named = [(f"/coding/{key}", name) for key, name in keys]
    named += [(f"/coding/codes/{i}", name) for i, name in enumerate(coding.codes)]
    for pointer, name in named:
        if name not in fields:
            report(
                ErrorCode.REFERENCE_UNKNOWN_FIELD,
                pointer,
                what="coding",
                name=name,
                suggestion=did_you_mean(name, fields),
            )
        elif "/codes/" in pointer and not fields[name].categorical:
            report(
                ErrorCode.CODING_NOT_CATEGORICAL, pointer, name, name=name, type=fields[name].type
            )


def used_fields(instrument: Instrument) -> set[str]:
    """Fields some report, scale, key or wave will read."""
    used = {instrument.record_id, *instrument.grouping}
    if instrument.coding is not None:
        coding = instrument.coding
        used.update([coding.unit_field, coding.coder_field, *coding.codes])
    if instrument.unit is not None:
        used.add(instrument.unit.id_field)
    if instrument.waves is not None and instrument.waves.date_field:
        used.add(instrument.waves.date_field)
    for scale in instrument.all_scales():
        used.update(scale.items)
        if scale.score_field:
            used.add(scale.score_field)
    used.update(f.name for f in instrument.fields if f.domain or f.type == "descriptive")
    return used


def _unused(instrument: Instrument, report: Reporter) -> None:
    used = used_fields(instrument)
    for fld in instrument.fields:
        if fld.name not in used:
            report(ErrorCode.FIELD_UNUSED, fld.pointer, fld.name)
