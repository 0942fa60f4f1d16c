"""A small valid instrument, written inline, that each rule test breaks in one place."""

from __future__ import annotations

import copy
from typing import Any

from instruments import load_instrument
from instruments.problems import Problem, ValidationResult

LIKERT = [
    {"code": str(i), "label": label}
    for i, label in enumerate(
        ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"], start=1
    )
]

BASE: dict[str, Any] = {
    "id": "mini",
    "version": "1.0.0",
    "title": "Mini readiness",
    "kind": "assessment",
    "respondent": "facilitator",
    "source": {"citation": "Written for the tests."},
    "record_id": "record_id",
    "unit": {"label": "practice", "id_field": "practice_id"},
    "grouping": ["region"],
    "domains": [{"name": "profile", "label": "Profile"}, {"name": "lead", "label": "Leadership"}],
    "missing_codes": [{"code": "NA", "label": "Not applicable", "meaning": "not_applicable"}],
    "waves": {
        "mode": "events",
        "events": [
            {"name": "baseline", "label": "Baseline", "month": 0},
            {"name": "month_6", "label": "Month 6", "month": 6},
        ],
    },
    "forms": [
        {"name": "profile", "label": "Profile"},
        {"name": "leadership", "label": "Leadership"},
    ],
    "fields": [
        {"name": "record_id", "form": "profile", "type": "text", "label": "Record ID"},
        {
            "name": "practice_id",
            "form": "profile",
            "type": "text",
            "label": "Practice",
            "domain": "profile",
        },
        {
            "name": "region",
            "form": "profile",
            "type": "dropdown",
            "label": "Region",
            "domain": "profile",
            "choices": [{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
        },
        {
            "name": "visit_date",
            "form": "profile",
            "type": "text",
            "label": "Date",
            "domain": "profile",
            "validation": {"type": "date_ymd", "min": "2020-01-01"},
        },
        {
            "name": "supports",
            "form": "profile",
            "type": "checkbox",
            "label": "Supports",
            "domain": "profile",
            "choices": [{"code": "1", "label": "Grant"}, {"code": "2", "label": "Staff"}],
        },
        {
            "name": "lead_1",
            "form": "leadership",
            "type": "radio",
            "label": "Vision",
            "domain": "lead",
            "matrix": {"group": "lead_grid"},
            "choices": LIKERT,
        },
        {
            "name": "lead_2",
            "form": "leadership",
            "type": "radio",
            "label": "Too busy",
            "domain": "lead",
            "matrix": {"group": "lead_grid"},
            "choices": LIKERT,
        },
        {
            "name": "lead_note",
            "form": "leadership",
            "type": "notes",
            "label": "Notes",
            "domain": "lead",
            "branching_logic": "[lead_1] <= 2 and [supports(1)] = '1'",
        },
        {
            "name": "lead_total",
            "form": "leadership",
            "type": "calc",
            "label": "Total",
            "domain": "lead",
            "calculation": "sum([lead_1], [lead_2])",
        },
        {
            "name": "score_lead",
            "form": "leadership",
            "type": "text",
            "label": "Score",
            "validation": {"type": "number"},
        },
    ],
    "scales": [
        {
            "name": "leadership",
            "label": "Leadership",
            "items": ["lead_1", "lead_2"],
            "reverse": ["lead_2"],
            "rescale": "0-100",
            "score_field": "score_lead",
            "bands": {
                "convention": "local",
                "description": "Halves, a local convention.",
                "bands": [
                    {"label": "Low", "min": 0, "max": 50},
                    {"label": "High", "min": 50, "max": 100},
                ],
            },
        }
    ],
    "composites": [{"name": "overall", "label": "Overall", "scales": ["leadership"]}],
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def field(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in data["fields"] if f["name"] == name)


def check(data: dict[str, Any]) -> ValidationResult:
    return load_instrument(data, name="mini.json")


def only(result: ValidationResult, code: str) -> Problem:
    """The single problem with ``code``; fails listing what was found otherwise."""
    found = [p for p in result.problems if p.code.code == code]
    assert len(found) == 1, f"expected one {code}, found: {[str(p) for p in result.problems]}"
    return found[0]
