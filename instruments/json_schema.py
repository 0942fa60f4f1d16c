"""Publish the instrument format as a JSON Schema, generated from the marshmallow schemas so the
two can never disagree."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from instruments.schema import InstrumentSchema, Keyed

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def instrument_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the instrument format, built from the marshmallow
    schemas."""
    defs: dict[str, Any] = {}
    root = _object(InstrumentSchema(), defs)
    return {
        "$schema": DRAFT,
        "$id": "https://qiscan.invalid/schemas/instrument.json",
        "title": "qiscan instrument",
        "description": "One survey or assessment instrument; see instruments/README.md.",
        **root,
        "$defs": defs,
    }


def _object(schema: Schema, defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, fld in schema.fields.items():
        key = fld.data_key or name
        properties[key] = _property(fld, defs)
        if fld.required:
            required.append(key)
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _ref(schema: Schema, defs: dict[str, Any]) -> dict[str, Any]:
    name = type(schema).__name__.removesuffix("Schema")
    if name not in defs:
        defs[name] = {}  # reserve first: nested schemas may refer back
        defs[name] = _object(schema, defs)
    return {"$ref": f"#/$defs/{name}"}


def _property(fld: fields.Field, defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(fld, Keyed):
        out = {"type": "object", "additionalProperties": _property(fld.values, defs)}
        if fld.key_pattern is not None:
            out["propertyNames"] = {"pattern": fld.key_pattern.pattern}
    elif isinstance(fld, fields.Nested):
        out = _ref(fld.schema, defs)
        if fld.allow_none:
            out = {"anyOf": [out, {"type": "null"}]}
    elif isinstance(fld, fields.List):
        out = {"type": "array", "items": _property(fld.inner, defs)}
    elif isinstance(fld, fields.Tuple):
        items = [_property(f, defs) for f in fld.tuple_fields]
        out = {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
        }
    elif hasattr(fld, "json_schema"):
        out = dict(fld.json_schema)
    elif isinstance(fld, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(fld, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(fld, fields.Number):
        out = {"type": "number"}
    else:
        out = {"type": "string"}
    for rule in fld.validators:
        _constraint(rule, out)
    description = fld.metadata.get("description")
    if description:
        out["description"] = description
    return out


def _constraint(rule: Any, out: dict[str, Any]) -> None:
    if isinstance(rule, validate.OneOf):
        out["enum"] = list(rule.choices)
    elif isinstance(rule, validate.Regexp):
        out["pattern"] = rule.regex.pattern
    elif isinstance(rule, validate.Length):
        prefix = "Items" if out.get("type") == "array" else "Length"
        if rule.min is not None:
            out[f"min{prefix}"] = rule.min
        if rule.max is not None:
            out[f"max{prefix}"] = rule.max
    elif isinstance(rule, validate.Range):
        if rule.min is not None:
            out["exclusiveMinimum" if not rule.min_inclusive else "minimum"] = rule.min
        if rule.max is not None:
            out["exclusiveMaximum" if not rule.max_inclusive else "maximum"] = rule.max
