"""A plan that loses data is refused, naming every destructive change and how much it costs."""

from __future__ import annotations

import pytest

from plugin.deploy import DeployRefused, FieldUsage, apply_steps, make_plan
from tests.deploy.helpers import ORG_TYPES, desired, drop, exported, field, scan


def destructive_plan():
    data = drop(scan(), "comments")
    field(data, "org_name")["type"] = "notes"  # text -> notes keeps the text
    field(data, "did_qi")["type"] = "truefalse"
    field(data, "org_type")["choices"] = ORG_TYPES[1:]
    usage = FieldUsage(
        fields={"comments": 1, "org_name": 40, "did_qi": 25, "org_type": 40},
        choices={"org_type": {"1": 31, "2": 6, "3": 3}},
    )
    return make_plan(desired(data), exported(desired(scan())), usage=usage)


REFUSAL = """\
Refusing to deploy: 3 changes would lose data that records hold:
  - field 'org_type' (form about) loses choices that records hold: \
'1' (Clinic) removed, 31 records hold it
  - field 'did_qi' (form opinions) changes type yesno -> truefalse: 25 records hold a value
  - field 'comments' (form opinions) is removed: 1 record holds a value
Change the instruments to keep this data, or export the records first and run again with \
--allow-data-loss."""


def test_the_refusal_lists_every_destructive_change_with_its_count():
    assert destructive_plan().refusal() == REFUSAL


def test_allowing_data_loss_lifts_the_refusal():
    assert destructive_plan().refusal(allow_data_loss=True) is None


def test_a_plan_that_loses_nothing_is_not_refused():
    data = scan()
    field(data, "org_name")["label"] = "Name"
    plan = make_plan(desired(data), exported(desired(scan())), usage=FieldUsage())
    assert plan.has_changes and plan.refusal() is None


def test_apply_steps_refuse_the_same_way():
    with pytest.raises(DeployRefused, match=r"(?s)Refusing to deploy: 3 changes.*31 records"):
        apply_steps(destructive_plan())
    steps = apply_steps(destructive_plan(), allow_data_loss=True)
    assert [step.content for step in steps] == ["metadata"]
