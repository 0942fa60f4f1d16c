"""A real project XML imported into a definition describes that project exactly: deployed to a
fresh localcap project it builds the same arms, events, form designations and repeating settings
that REDCap's own project creation from the XML gives, and planned against the XML's project it
changes nothing. The three exports are REDCap's (tests/fixtures/redcap-projects); the project
from the XML is made by localcap's ODM reader, as PyCap's integration tests make theirs."""

from __future__ import annotations

import json

import pytest
from redcap import Project

from instruments import load_instrument
from instruments.dictionary.odm_import import import_project_xml
from plugin.deploy import desired_project, make_plan
from plugin.deploy.apply import deploy, read_current, read_usage
from plugin.deploy.project import clean_arms, clean_events, clean_mappings, clean_repeating
from scoring.decode import decode
from tests.live import PROJECTS

NAMES = ["doctest_project", "test_simple_project", "test_long_project"]


def imported(name: str):
    data = import_project_xml(PROJECTS / f"{name}.xml").data
    return load_instrument(json.loads(json.dumps(data)), name=f"{name}.json").unwrap()


def shape(client) -> dict[str, list]:
    structure = client.structure()
    return {
        "arms": clean_arms(structure["arms"]),
        "events": clean_events(structure["events"]),
        "mappings": clean_mappings(structure["mappings"]),
        "repeating": sorted(clean_repeating(structure["repeating"]), key=str),
    }


@pytest.mark.parametrize("name", NAMES)
def test_the_imported_definition_deploys_the_projects_own_structure(live, name):
    from_xml = live.client(live.create(name))
    instrument = imported(name)
    fresh = live.client(live.create(title=name))
    deploy(fresh, [instrument])
    assert shape(fresh) == shape(from_xml)
    assert fresh.metadata() == from_xml.metadata()


@pytest.mark.parametrize("name", NAMES)
def test_the_imported_definition_plans_no_change_to_the_project_it_came_from(live, name):
    client = live.client(live.create(name))
    current = read_current(client)
    plan = make_plan(desired_project([imported(name)]), current, usage=read_usage(client, current))
    changes = [*plan.fields, *plan.forms, *plan.arms, *plan.events, *plan.mappings]
    changes += [*plan.repeating, *plan.settings]
    assert changes == []
    assert plan.data_loss == ()


def test_the_imported_waves_read_arm_1s_records_event_by_event(live):
    """The long project's two records, as REDCap's flat export gives them: record 1 is in arm 1
    (eight events, and an instance of the repeating baseline form), record 2 in arm 2."""
    rows = Project(live.server.url, live.create("test_long_project")).export_records()
    assert {row["redcap_event_name"] for row in rows if row["study_id"] == "2"} == {
        "enrollment_arm_2",
        "deadline_to_opt_ou_arm_2",
        "first_dose_arm_2",
        "first_visit_arm_2",
    }
    frame = decode(rows, imported("test_long_project")).frame
    assert list(frame["study_id"]) == ["1"] * 8
    assert list(frame["wave"]) == [
        "enrollment",
        "dose_1",
        "visit_1",
        "dose_2",
        "visit_2",
        "dose_3",
        "visit_3",
        "final_visit",
    ]
    # the XML's day offsets 0, 1, 3, 8, 10, 15, 17, 30 in REDCap's 30.44-day months
    assert list(frame["months"]) == [0.0, 0.03, 0.1, 0.26, 0.33, 0.49, 0.56, 0.99]
