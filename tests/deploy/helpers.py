"""A small instrument written inline, and the project REDCap would export once it is deployed.

Each test copies the instrument, changes one thing, and plans the change against the export of
the original, with the record counts it needs written out in the test.
"""

from __future__ import annotations

import copy
from typing import Any

from instruments import load_instrument
from plugin.deploy import CurrentProject, DesiredProject, desired_project

ORG_TYPES = [
    {"code": "1", "label": "Clinic"},
    {"code": "2", "label": "Hospital"},
    {"code": "3", "label": "Other"},
]

SCAN: dict[str, Any] = {
    "id": "scan",
    "version": "1.0.0",
    "title": "Small scan",
    "kind": "survey",
    "respondent": "member organisations",
    "source": {"citation": "Written for the deploy tests."},
    "record_id": "record_id",
    "forms": [
        {"name": "about", "label": "About you", "survey": True},
        {"name": "opinions", "label": "Opinions"},
    ],
    "fields": [
        {"name": "record_id", "form": "about", "type": "text", "label": "Record ID"},
        {"name": "org_name", "form": "about", "type": "text", "label": "Organisation"},
        {
            "name": "org_type",
            "form": "about",
            "type": "radio",
            "label": "Type",
            "choices": ORG_TYPES,
        },
        {
            "name": "supports",
            "form": "about",
            "type": "checkbox",
            "label": "Support received",
            "choices": [{"code": "1", "label": "Grant"}, {"code": "2", "label": "Staff"}],
        },
        {"name": "did_qi", "form": "opinions", "type": "yesno", "label": "Done QI?"},
        {"name": "comments", "form": "opinions", "type": "notes", "label": "Comments"},
    ],
}

WAVES = {
    "mode": "events",
    "events": [
        {"name": "baseline", "label": "Baseline", "month": 0},
        {"name": "month_6", "label": "Month 6", "month": 6, "forms": ["opinions"]},
    ],
}


def scan(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SCAN)
    data.update(copy.deepcopy(changes))
    return data


def field(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in data["fields"] if f["name"] == name)


def drop(data: dict[str, Any], name: str) -> dict[str, Any]:
    data["fields"] = [f for f in data["fields"] if f["name"] != name]
    return data


def desired(data: dict[str, Any]) -> DesiredProject:
    return desired_project([load_instrument(data, name=f"{data['id']}.json").unwrap()])


def exported(project: DesiredProject, *, in_production: bool = False) -> CurrentProject:
    """What REDCap's API exports once ``project`` is deployed: JSON numbers as numbers, event
    ids, and (for a longitudinal project) offsets only when scheduling is on, as here."""
    structure = project.structure
    return CurrentProject(
        metadata=[dict(row) for row in project.metadata],
        arms=[dict(row) for row in structure.arms],
        events=[{**row, "event_id": 40 + i} for i, row in enumerate(structure.events, start=1)],
        mappings=[dict(row) for row in structure.mappings],
        repeating=[dict(row) for row in structure.repeating],
        in_production=in_production,
        missing_data_codes=structure.missing_data_codes,
    )
