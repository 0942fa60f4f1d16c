"""Load an instrument: read the JSON, apply the closed schema, locate every node, store date
bounds as REDCap stores them, run the checks.

``load_instrument`` never raises for a bad instrument: it returns a ValidationResult holding every
problem found. Schema problems (wrong keys, wrong types) are reported all together; the semantic
checks run once the file has the right shape, since they need a complete model to reason about.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields

from instruments.checks import check_instrument
from instruments.date_bounds import store_bounds
from instruments.model import Instrument
from instruments.problems import (
    ErrorCode,
    Problem,
    ValidationResult,
    did_you_mean,
    pointer_token,
    problem,
)
from instruments.schema import InstrumentSchema


def load_instrument(
    source: str | Path | Mapping[str, Any], *, name: str | None = None
) -> ValidationResult:
    """Read an instrument from a path, JSON text or an already-parsed mapping, and check it.

    A string is JSON text when it starts with ``{`` or ``[``, and a path otherwise.
    """
    file = name or "<memory>"
    if isinstance(source, Path) or (isinstance(source, str) and source.lstrip()[:1] not in "{["):
        path = Path(source)
        file = name or path.name
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            detail = f"{path}: {exc.strerror}"
            return ValidationResult(
                None, [problem(ErrorCode.FILE_UNREADABLE, file=file, detail=detail)]
            )
        return _load_text(text, file)
    if isinstance(source, str):
        return _load_text(source, file)
    return _load_data(dict(source), file)


def _load_text(text: str, file: str) -> ValidationResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        detail = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        return ValidationResult(None, [problem(ErrorCode.JSON_SYNTAX, file=file, detail=detail)])
    if not isinstance(data, dict):
        detail = f"the top level must be an object, not {type(data).__name__}"
        return ValidationResult(None, [problem(ErrorCode.JSON_SYNTAX, file=file, detail=detail)])
    return _load_data(data, file)


def _load_data(data: dict[str, Any], file: str) -> ValidationResult:
    try:
        instrument: Instrument = InstrumentSchema().load(data)
    except ValidationError as exc:
        found = list(_schema_problems(exc.messages, InstrumentSchema(), "", data, file))
        return ValidationResult(None, found)
    instrument.read_from = file
    located = locate(instrument)
    rewritten = store_bounds(instrument)
    return ValidationResult(instrument, [*located, *rewritten, *check_instrument(instrument)])


def locate(instrument: Instrument) -> list[Problem]:
    """Give every node its JSON pointer, and each field its form when there is only one form."""
    problems = []
    for i, form in enumerate(instrument.forms):
        form.pointer = f"/forms/{i}"
    only_form = instrument.forms[0].name if len(instrument.forms) == 1 else ""
    for i, fld in enumerate(instrument.fields):
        fld.pointer = f"/fields/{i}"
        for j, choice in enumerate(fld.choices):
            choice.pointer = f"{fld.pointer}/choices/{j}"
        if fld.validation is not None:
            fld.validation.pointer = f"{fld.pointer}/validation"
        if not fld.form:
            if only_form:
                fld.form = only_form
            else:
                problems.append(
                    problem(
                        ErrorCode.FORM_MISSING,
                        file=instrument.read_from,
                        pointer=fld.pointer,
                        field=fld.name,
                        count=len(instrument.forms),
                    )
                )
    for i, domain in enumerate(instrument.domains):
        domain.pointer = f"/domains/{i}"
    for i, code in enumerate(instrument.missing_codes):
        code.pointer = f"/missing_codes/{i}"
    if instrument.unit is not None:
        instrument.unit.pointer = "/unit"
    if instrument.coding is not None:
        instrument.coding.pointer = "/coding"
    if instrument.waves is not None:
        instrument.waves.pointer = "/waves"
        for i, event in enumerate(instrument.waves.events):
            event.pointer = f"/waves/events/{i}"
    if instrument.structure is not None:
        structure = instrument.structure
        structure.pointer = "/structure"
        for i, arm in enumerate(structure.arms):
            arm.pointer = f"/structure/arms/{i}"
        for i, stated in enumerate(structure.events):
            stated.pointer = f"/structure/events/{i}"
        for i, repeat in enumerate(structure.repeating):
            repeat.pointer = f"/structure/repeating/{i}"
    for key, scales in (("scales", instrument.scales), ("composites", instrument.composites)):
        for i, scale in enumerate(scales):
            scale.pointer = f"/{key}/{i}"
            if scale.bands is not None:
                scale.bands.pointer = f"{scale.pointer}/bands"
                for j, band in enumerate(scale.bands.bands):
                    band.pointer = f"{scale.bands.pointer}/bands/{j}"
    return problems


def _schema_problems(messages: Any, schema: Schema | None, pointer: str, raw: Any, file: str):
    """Turn marshmallow's nested error dict into located problems, with did-you-mean on keys."""
    if isinstance(messages, list):
        for message in messages:
            yield _leaf_problem(str(message), pointer, raw, file, key=None, schema=None)
        return
    for key, sub in messages.items():
        if key == "_schema":
            yield from _schema_problems(sub, None, pointer, raw, file)
            continue
        child_pointer = f"{pointer}/{pointer_token(key)}"
        child_raw = _child(raw, key)
        declared = _declared(schema, key) if isinstance(key, str) else None
        if isinstance(sub, list):
            for message in sub:
                yield _leaf_problem(str(message), child_pointer, raw, file, key=key, schema=schema)
        elif isinstance(key, int):
            yield from _schema_problems(sub, schema, child_pointer, child_raw, file)
        else:
            yield from _schema_problems(
                sub, _inner_schema(declared), child_pointer, child_raw, file
            )


def _leaf_problem(message: str, pointer: str, parent: Any, file: str, *, key: Any, schema: Any):
    field_name = (
        parent.get("name", "") if isinstance(parent, dict) and "/fields/" in pointer else ""
    )
    if not isinstance(field_name, str):
        field_name = ""
    if message == "Unknown field." and isinstance(key, str):
        keys = [f.data_key or name for name, f in (schema.fields.items() if schema else [])]
        return problem(
            ErrorCode.UNKNOWN_KEY,
            file=file,
            pointer=pointer,
            field=field_name,
            key=key,
            suggestion=did_you_mean(key, keys),
        )
    if message == "Missing data for required field." and isinstance(key, str):
        return problem(ErrorCode.MISSING_KEY, file=file, pointer=pointer, field=field_name, key=key)
    detail = message.rstrip(".")
    if key is not None:
        detail = f"'{key}': {detail}"
    return problem(ErrorCode.BAD_VALUE, file=file, pointer=pointer, field=field_name, detail=detail)


def _declared(schema: Schema | None, key: str) -> fields.Field | None:
    if schema is None:
        return None
    for name, fld in schema.fields.items():
        if (fld.data_key or name) == key:
            return fld
    return None


def _inner_schema(fld: fields.Field | None) -> Schema | None:
    if isinstance(fld, fields.List):
        fld = fld.inner
    if isinstance(fld, fields.Nested):
        return fld.schema
    return None


def _child(raw: Any, key: Any) -> Any:
    if isinstance(raw, dict):
        return raw.get(key)
    if isinstance(raw, list) and isinstance(key, int) and key < len(raw):
        return raw[key]
    return None
