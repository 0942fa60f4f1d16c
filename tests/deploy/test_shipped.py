"""Every shipped instrument plans cleanly against an empty project and against itself."""

from __future__ import annotations

import json

import pytest

from instruments import load_shipped, shipped_names
from plugin.deploy import (
    CurrentProject,
    FieldUsage,
    apply_steps,
    desired_project,
    make_plan,
    render_plan,
)
from tests.deploy.helpers import exported

SHIPPED = shipped_names()


def project_of(name):
    return desired_project([load_shipped(name).unwrap()])


@pytest.mark.parametrize("name", SHIPPED)
def test_against_an_empty_project_everything_is_added(name):
    project = project_of(name)
    plan = make_plan(project, CurrentProject(), usage=FieldUsage())
    assert [c.name for c in plan.fields] == [row["field_name"] for row in project.metadata]
    assert {c.kind for c in plan.fields} == {"added"}
    assert {f.kind for f in plan.forms} == {"added"}
    assert plan.data_loss == () and plan.refusal() is None
    steps = apply_steps(plan)
    assert ("metadata", "import") in [(s.content, s.action) for s in steps]
    assert f"fields: {len(project.metadata)} added" in render_plan(plan)
    json.dumps(plan.as_dict())


@pytest.mark.parametrize("name", SHIPPED)
def test_against_itself_nothing_changes(name):
    project = project_of(name)
    plan = make_plan(project, exported(project), usage=FieldUsage(records=50))
    assert not plan.has_changes and plan.manual == ()
    assert apply_steps(plan) == []
    assert "No changes" in render_plan(plan)
