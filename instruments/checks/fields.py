"""Per-field rules: choices, field type against validation type, min/max, sliders, calculations."""

from __future__ import annotations

from instruments import validation_types
from instruments.checks.report import Reporter
from instruments.model import Field, Instrument
from instruments.naming import CHOICE_CODE_PATTERN, checkbox_column
from instruments.problems import ErrorCode, Problem, did_you_mean
from instruments.validation_types import order_key

ALL_VALIDATIONS = [*validation_types.VALIDATION_TYPES, *validation_types.SPECIAL]


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    for fld in instrument.fields:
        _choices(fld, report)
        _validation(fld, report)
        _slider(fld, report)
        _calculation(fld, report)
        _misplaced(fld, report)
        if fld.required and fld.type == "descriptive":
            report(ErrorCode.REQUIRED_IGNORED, f"{fld.pointer}/required", fld.name, type=fld.type)
    return report.found


def _choices(fld: Field, report: Reporter) -> None:
    if fld.lists_choices and not fld.choices:
        report(ErrorCode.CHOICES_MISSING, fld.pointer, fld.name, type=fld.type)
        return
    if not fld.lists_choices and fld.choices:
        report(ErrorCode.CHOICES_NOT_ALLOWED, f"{fld.pointer}/choices", fld.name, type=fld.type)
        return
    codes: set[str] = set()
    labels: set[str] = set()
    columns: dict[str, str] = {}
    for choice in fld.choices:
        pointer = f"{choice.pointer}/code"
        if not CHOICE_CODE_PATTERN.match(choice.code):
            report(ErrorCode.CHOICE_CODE_INVALID, pointer, fld.name, code=choice.code)
        if choice.code in codes:
            report(ErrorCode.CHOICE_CODE_DUPLICATE, pointer, fld.name, code=choice.code)
        elif fld.type == "checkbox":
            column = checkbox_column(fld.name, choice.code)
            if column in columns:
                report(
                    ErrorCode.CHOICE_COLUMN_CLASH,
                    pointer,
                    fld.name,
                    code=choice.code,
                    other=columns[column],
                    column=column,
                )
            columns.setdefault(column, choice.code)
        codes.add(choice.code)
        if choice.shown in labels:
            report(
                ErrorCode.CHOICE_LABEL_DUPLICATE,
                f"{choice.pointer}/label",
                fld.name,
                label=choice.shown,
            )
        labels.add(choice.shown)


def _validation(fld: Field, report: Reporter) -> None:
    rule = fld.validation
    if rule is None:
        return
    pointer = f"{fld.pointer}/validation/type"
    special = validation_types.SPECIAL.get(rule.type)
    vtype = validation_types.lookup(rule.type)
    if special is None and vtype is None:
        report(
            ErrorCode.VALIDATION_UNKNOWN,
            pointer,
            fld.name,
            type=rule.type,
            suggestion=did_you_mean(rule.type, ALL_VALIDATIONS),
        )
        return
    allowed = ("text",) if vtype is not None else ()
    if special is not None:
        allowed = (*allowed, *special)
    if fld.type not in allowed:
        report(
            ErrorCode.VALIDATION_FIELD_TYPE, pointer, fld.name, validation=rule.type, type=fld.type
        )
        return
    if fld.type != "text" or vtype is None or not (rule.min or rule.max):
        return
    if not vtype.ordered:
        report(
            ErrorCode.VALIDATION_BOUND_WITHOUT_TYPE,
            f"{fld.pointer}/validation",
            fld.name,
            validation=rule.type,
        )
        return
    bounds = {}
    for bound, text in (("min", rule.min), ("max", rule.max)):
        if not text:
            continue
        value = validation_types.parse_value(vtype, text)
        if value is None:
            report(
                ErrorCode.VALIDATION_BOUND_FORMAT,
                f"{fld.pointer}/validation/{bound}",
                fld.name,
                bound=bound,
                value=text,
                validation=rule.type,
            )
        else:
            bounds[bound] = value
    if "min" in bounds and "max" in bounds and order_key(bounds["min"]) > order_key(bounds["max"]):
        report(
            ErrorCode.VALIDATION_MIN_ABOVE_MAX,
            f"{fld.pointer}/validation",
            fld.name,
            min=rule.min,
            max=rule.max,
        )


def _slider(fld: Field, report: Reporter) -> None:
    if fld.slider is None:
        return
    numbers = {}
    for bound in ("min", "max"):
        text = getattr(fld.slider, bound)
        if not text:
            continue
        try:
            numbers[bound] = int(text)
        except ValueError:
            report(
                ErrorCode.SLIDER_BOUND,
                f"{fld.pointer}/slider/{bound}",
                fld.name,
                bound=bound,
                value=text,
            )
    if "min" in numbers and "max" in numbers and numbers["min"] > numbers["max"]:
        report(
            ErrorCode.VALIDATION_MIN_ABOVE_MAX,
            f"{fld.pointer}/slider",
            fld.name,
            min=fld.slider.min,
            max=fld.slider.max,
        )


def _calculation(fld: Field, report: Reporter) -> None:
    if fld.type == "calc" and not fld.calculation.strip():
        report(ErrorCode.CALC_MISSING, fld.pointer, fld.name)
    elif fld.type != "calc" and fld.calculation:
        report(ErrorCode.CALC_NOT_ALLOWED, f"{fld.pointer}/calculation", fld.name, type=fld.type)


def _misplaced(fld: Field, report: Reporter) -> None:
    settings = (("slider", fld.slider is not None, "slider"), ("sql", bool(fld.sql), "sql"))
    for key, present, owner in settings:
        if present and fld.type != owner:
            report(
                ErrorCode.SETTING_NOT_ALLOWED,
                f"{fld.pointer}/{key}",
                fld.name,
                type=fld.type,
                key=key,
            )
