"""REDCap's upload rules on names and layout: field and form names, uniqueness, the record id
first, forms contiguous, matrix groups."""

from __future__ import annotations

from instruments.checks.report import Reporter
from instruments.model import Field, Instrument, Matrix
from instruments.naming import (
    FIELD_NAME_MAX,
    FIELD_NAME_SOFT_MAX,
    FORM_NAME_MAX,
    FORM_NAME_SOFT_MAX,
    MATRIX_GROUP_MAX,
    NAME_PATTERN,
    RESERVED_FIELD_NAMES,
)
from instruments.problems import ErrorCode, Problem, did_you_mean


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    _form_names(instrument, report)
    _field_names(instrument, report)
    _record_id(instrument, report)
    _contiguous_forms(instrument, report)
    _matrix_groups(instrument, report)
    return report.found


def check_name(
    name: str,
    what: str,
    pointer: str,
    report: Reporter,
    *,
    limit: int,
    soft: int | None,
    field: str = "",
) -> None:
    """Report ``name`` (of a field, form or matrix group) when it breaks REDCap's name pattern
    or underscore rules, or is longer than ``limit`` (an error) or ``soft`` (a warning)."""
    if not NAME_PATTERN.match(name):
        report(ErrorCode.NAME_PATTERN, pointer, field, what=what, name=name)
    elif name.endswith("_") or "___" in name:
        report(ErrorCode.NAME_UNDERSCORES, pointer, field, what=what, name=name)
    if len(name) > limit:
        report(
            ErrorCode.NAME_TOO_LONG,
            pointer,
            field,
            what=what,
            name=name,
            length=len(name),
            limit=limit,
        )
    elif soft is not None and len(name) > soft:
        report(
            ErrorCode.NAME_LONG, pointer, field, what=what, name=name, length=len(name), limit=soft
        )


def _form_names(instrument: Instrument, report: Reporter) -> None:
    seen: dict[str, str] = {}
    for form in instrument.forms:
        pointer = f"{form.pointer}/name"
        check_name(form.name, "form", pointer, report, limit=FORM_NAME_MAX, soft=FORM_NAME_SOFT_MAX)
        if form.name in seen:
            report(
                ErrorCode.NAME_DUPLICATE,
                pointer,
                what="form",
                name=form.name,
                first=seen[form.name],
            )
        seen.setdefault(form.name, form.pointer)
    used = {f.form for f in instrument.fields}
    for form in instrument.forms:
        if form.name not in used:
            report(ErrorCode.FORM_EMPTY, form.pointer, form=form.name)


def _field_names(instrument: Instrument, report: Reporter) -> None:
    forms = instrument.form_map()
    implicit = {f"{name}_{suffix}": name for name in forms for suffix in ("complete", "timestamp")}
    seen: dict[str, str] = {}
    for fld in instrument.fields:
        pointer = f"{fld.pointer}/name"
        check_name(
            fld.name,
            "field",
            pointer,
            report,
            limit=FIELD_NAME_MAX,
            soft=FIELD_NAME_SOFT_MAX,
            field=fld.name,
        )
        if fld.name in RESERVED_FIELD_NAMES:
            report(ErrorCode.NAME_RESERVED, pointer, fld.name, name=fld.name)
        if fld.name in implicit:
            report(
                ErrorCode.NAME_CLASHES_FORM,
                pointer,
                fld.name,
                name=fld.name,
                form=implicit[fld.name],
            )
        if fld.name in seen:
            report(
                ErrorCode.NAME_DUPLICATE,
                pointer,
                fld.name,
                what="field",
                name=fld.name,
                first=seen[fld.name],
            )
        seen.setdefault(fld.name, fld.pointer)
        if fld.form and fld.form not in forms:
            report(
                ErrorCode.FORM_UNKNOWN,
                f"{fld.pointer}/form",
                fld.name,
                form=fld.form,
                suggestion=did_you_mean(fld.form, forms),
            )


def _record_id(instrument: Instrument, report: Reporter) -> None:
    first = instrument.fields[0]
    if first.name != instrument.record_id:
        report(
            ErrorCode.RECORD_ID_NOT_FIRST, "/record_id", name=instrument.record_id, first=first.name
        )
        return
    problems = [
        ("a type other than text", first.type != "text"),
        ("branching logic", bool(first.branching_logic)),
        ("a section header", bool(first.section_header)),
        ("a matrix group", first.matrix is not None),
    ]
    for what, present in problems:
        if present:
            report(ErrorCode.RECORD_ID_TYPE, first.pointer, first.name, what=what)


def _contiguous_forms(instrument: Instrument, report: Reporter) -> None:
    closed: set[str] = set()
    previous = ""
    for fld in instrument.fields:
        if fld.form != previous:
            if fld.form in closed:
                report(
                    ErrorCode.FORM_NOT_CONTIGUOUS,
                    f"{fld.pointer}/form",
                    fld.name,
                    form=fld.form,
                    other=previous,
                )
            if previous:
                closed.add(previous)
            previous = fld.form


def _matrix_groups(instrument: Instrument, report: Reporter) -> None:
    groups: dict[str, list[tuple[Field, Matrix]]] = {}
    closed: set[str] = set()
    previous = ""
    for fld in instrument.fields:
        group = fld.matrix.group if fld.matrix else ""
        if group != previous:
            if group and group in closed:
                report(
                    ErrorCode.MATRIX_NOT_CONTIGUOUS, f"{fld.pointer}/matrix", fld.name, group=group
                )
            if previous:
                closed.add(previous)
            previous = group
        if fld.matrix is not None and group:
            groups.setdefault(group, []).append((fld, fld.matrix))
    for group, members in groups.items():
        first, first_matrix = members[0]
        check_name(
            group,
            "matrix group",
            f"{first.pointer}/matrix/group",
            report,
            limit=MATRIX_GROUP_MAX,
            soft=None,
            field=first.name,
        )
        for fld, matrix in members:
            pointer = f"{fld.pointer}/matrix"
            if fld.type not in ("radio", "checkbox"):
                report(ErrorCode.MATRIX_FIELD_TYPE, pointer, fld.name, group=group, type=fld.type)
            differences = [
                ("field types", fld.type != first.type),
                ("choices", _choice_pairs(fld) != _choice_pairs(first)),
                ("ranking", matrix.ranking != first_matrix.ranking),
                ("forms", fld.form != first.form),
            ]
            for what, differs in differences:
                if differs:
                    report(
                        ErrorCode.MATRIX_MIXED,
                        pointer,
                        fld.name,
                        group=group,
                        what=what,
                        first=first.name,
                    )


def _choice_pairs(fld: Field) -> list[tuple[str, str | None]]:
    return [(c.code, c.label) for c in fld.choices]
