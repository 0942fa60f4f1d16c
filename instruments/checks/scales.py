"""Scales and composites: items exist and are numerically coded, reverse keys have a known range,
minimum-answered rules can be met, score fields are fit to hold a score, and interpretation bands
cover the score's whole range with no gap or overlap."""

from __future__ import annotations

import math

from instruments import validation_types
from instruments.checks.graph import cycles
from instruments.checks.report import Reporter
from instruments.model import Field, Instrument, MissingCode, Scale
from instruments.problems import ErrorCode, Problem, did_you_mean

EPSILON = 1e-9
Span = tuple[float, float]  # the lowest and highest value a score or item can take


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    fields = instrument.field_map()
    names: set[str] = set()
    for scale in instrument.all_scales():
        if scale.name in names:
            report(ErrorCode.SCALE_DUPLICATE, f"{scale.pointer}/name", name=scale.name)
        names.add(scale.name)
    ranges: dict[str, Span | None] = {}
    for scale in instrument.scales:
        ranges[scale.name] = _scale(scale, fields, instrument.missing_codes, report)
    parts = {c.name: c.scales for c in instrument.composites}
    for group in cycles({name: {p for p in uses if p in parts} for name, uses in parts.items()}):
        composite = next(c for c in instrument.composites if c.name == group[0])
        report(
            ErrorCode.SCALE_CYCLE,
            f"{composite.pointer}/scales",
            cycle=" -> ".join([*group, group[0]]),
        )
    for composite in instrument.composites:
        ranges[composite.name] = _composite(composite, names, ranges, report)
    for scale in instrument.all_scales():
        _bands(scale, ranges.get(scale.name), report)
    _score_fields(instrument, fields, report)
    return report.found


def item_range(fld: Field, missing: set[str]) -> Span | None:
    """The numeric range an item's answers can take, or None when it is not numerically coded."""
    if fld.type in ("yesno", "truefalse"):
        return (0.0, 1.0)
    if fld.type in ("radio", "dropdown"):
        try:
            codes = [float(c.code) for c in fld.choices if c.code not in missing]
        except ValueError:
            return None
        return (min(codes), max(codes)) if codes else None
    if fld.type == "slider":
        low = fld.slider.min if fld.slider and fld.slider.min else "0"
        high = fld.slider.max if fld.slider and fld.slider.max else "100"
        return (float(low), float(high))
    if fld.type == "text" and fld.validation is not None:
        vtype = validation_types.lookup(fld.validation.type)
        if vtype is None or vtype.family not in ("integer", "number"):
            return None
        bounds = [
            validation_types.parse_value(vtype, fld.validation.min),
            validation_types.parse_value(vtype, fld.validation.max),
        ]
        if isinstance(bounds[0], float) and isinstance(bounds[1], float):
            return (bounds[0], bounds[1])
        return (float("nan"), float("nan"))  # numeric, but the range is not declared
    return None


def _not_numeric_reason(fld: Field) -> str:
    if fld.type in ("radio", "dropdown"):
        return "a choice code is not a number"
    if fld.type == "text":
        return "text without integer or number validation"
    return f"a {fld.type} field"


def _scale(
    scale: Scale, fields: dict[str, Field], missing_codes: list[MissingCode], report: Reporter
) -> Span | None:
    """Check one scale and return the range its score can take (None when unknown)."""
    if not scale.items:
        report(ErrorCode.SCALE_EMPTY, f"{scale.pointer}/items", scale=scale.name, what="items")
        return None
    found, unknown_range = _items(scale, fields, {m.code for m in missing_codes}, report)
    for i, item in enumerate(scale.reverse):
        if item not in scale.items:
            report(
                ErrorCode.SCALE_REVERSE_NOT_ITEM,
                f"{scale.pointer}/reverse/{i}",
                scale=scale.name,
                item=item,
            )
    _min_answered(scale, len(scale.items), report)
    if scale.item_range is not None:
        span = scale.item_range
    elif found and not unknown_range:
        span = (min(s[0] for s in found), max(s[1] for s in found))
    else:
        span = None
    needs_range = [
        why
        for why, needed in (
            ("it has reverse-keyed items", bool(scale.reverse)),
            ("it is rescaled", scale.rescale is not None),
            ("it has bands", scale.bands is not None),
        )
        if needed
    ]
    if span is None and needs_range and (found or unknown_range):
        why = needs_range[0] + (
            f"; the range of {', '.join(unknown_range)} is not declared" if unknown_range else ""
        )
        report(ErrorCode.SCALE_RANGE_UNKNOWN, scale.pointer, scale=scale.name, why=why)
    if span is None:
        return None
    return _score_range(scale, span, len(scale.items))


def _items(
    scale: Scale, fields: dict[str, Field], missing: set[str], report: Reporter
) -> tuple[list[Span], list[str]]:
    """Check each item; return the ranges found and the items whose range is not declared."""
    found: list[Span] = []
    unknown_range: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(scale.items):
        pointer = f"{scale.pointer}/items/{i}"
        if item in seen:
            report(ErrorCode.SCALE_ITEM_DUPLICATE, pointer, scale=scale.name, item=item)
        seen.add(item)
        fld = fields.get(item)
        if fld is None:
            report(
                ErrorCode.SCALE_ITEM_UNKNOWN,
                pointer,
                scale=scale.name,
                item=item,
                suggestion=did_you_mean(item, fields),
            )
            continue
        span = item_range(fld, missing)
        if span is None:
            why = _not_numeric_reason(fld)
            report(
                ErrorCode.SCALE_ITEM_NOT_NUMERIC,
                pointer,
                item,
                scale=scale.name,
                item=item,
                why=why,
            )
        elif math.isnan(span[0]):
            unknown_range.append(item)
        else:
            found.append(span)
            declared = scale.item_range
            if declared and (span[0] < declared[0] or span[1] > declared[1]):
                report(
                    ErrorCode.SCALE_RANGE_MISMATCH,
                    pointer,
                    item,
                    scale=scale.name,
                    item=item,
                    low=_num(span[0]),
                    high=_num(span[1]),
                    range=list(declared),
                )
    return found, unknown_range


def _composite(
    composite: Scale, names: set[str], ranges: dict[str, Span | None], report: Reporter
) -> Span | None:
    if not composite.scales:
        report(
            ErrorCode.SCALE_EMPTY,
            f"{composite.pointer}/scales",
            scale=composite.name,
            what="scales",
        )
        return None
    spans: list[Span | None] = []
    for i, part in enumerate(composite.scales):
        if part not in names or part == composite.name:
            report(
                ErrorCode.SCALE_PART_UNKNOWN,
                f"{composite.pointer}/scales/{i}",
                scale=composite.name,
                part=part,
                suggestion=did_you_mean(part, names),
            )
        else:
            spans.append(ranges.get(part))
    _min_answered(composite, len(composite.scales), report)
    known = [span for span in spans if span is not None]
    if not spans or len(known) < len(spans):
        return None
    if composite.method == "mean":
        return _rescaled(composite, (min(s[0] for s in known), max(s[1] for s in known)))
    return _rescaled(composite, (sum(s[0] for s in known), sum(s[1] for s in known)))


def _score_range(scale: Scale, span: Span, n: int) -> Span:
    if scale.method != "mean":
        span = (span[0] * n, span[1] * n)
    return _rescaled(scale, span)


def _rescaled(scale: Scale, span: Span) -> Span:
    if scale.rescale == "0-100":
        return (0.0, 100.0)
    if scale.rescale == "0-1":
        return (0.0, 1.0)
    return span


def _min_answered(scale: Scale, count: int, report: Reporter) -> None:
    required = scale.min_answered.required(count)
    if count and required > count:
        report(
            ErrorCode.SCALE_MIN_ANSWERED,
            f"{scale.pointer}/min_answered",
            scale=scale.name,
            required=required,
            count=count,
        )


def _bands(scale: Scale, span: tuple[float, float] | None, report: Reporter) -> None:
    if scale.bands is None:
        return
    bands = scale.bands.bands
    for band in bands:
        if band.min >= band.max:
            report(
                ErrorCode.BANDS_ORDER,
                band.pointer,
                label=band.label,
                min=_num(band.min),
                max=_num(band.max),
            )
    for before, after in zip(bands, bands[1:], strict=False):
        if after.min > before.max + EPSILON:
            report(ErrorCode.BANDS_GAP, after.pointer, low=_num(before.max), high=_num(after.min))
        elif after.min < before.max - EPSILON:
            report(
                ErrorCode.BANDS_OVERLAP, after.pointer, low=_num(after.min), high=_num(before.max)
            )
    if span is not None and bands:
        low, high = bands[0].min, bands[-1].max
        if abs(low - span[0]) > EPSILON or abs(high - span[1]) > EPSILON:
            report(
                ErrorCode.BANDS_COVERAGE,
                scale.bands.pointer,
                low=_num(low),
                high=_num(high),
                min=_num(span[0]),
                max=_num(span[1]),
            )


def _score_fields(instrument: Instrument, fields: dict[str, Field], report: Reporter) -> None:
    owners: dict[str, str] = {}
    for scale in instrument.all_scales():
        name = scale.score_field
        if not name:
            continue
        pointer = f"{scale.pointer}/score_field"
        fld = fields.get(name)
        if fld is None:
            report(
                ErrorCode.REFERENCE_UNKNOWN_FIELD,
                pointer,
                what=f"scale '{scale.name}'",
                name=name,
                suggestion=did_you_mean(name, fields),
            )
            continue
        vtype = validation_types.lookup(fld.validation.type) if fld.validation else None
        if fld.type != "text" or vtype is None or vtype.family not in ("number", "integer"):
            report(ErrorCode.SCORE_FIELD_TYPE, pointer, name, name=name, scale=scale.name)
        if name in owners:
            report(
                ErrorCode.SCORE_FIELD_SHARED,
                pointer,
                name,
                name=name,
                scale=scale.name,
                other=owners[name],
            )
        owners.setdefault(name, scale.name)


def _num(value: float) -> str:
    return f"{value:g}"
