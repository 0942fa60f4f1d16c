"""The plan as people read it and as ``--json`` gives it."""

from __future__ import annotations

import copy
import json

from plugin.deploy import CurrentProject, FieldUsage, make_plan, render_plan
from tests.deploy.helpers import WAVES, desired, drop, exported, field, scan


def small_change():
    """One of everything: a field moved, added, relabelled with a held code removed, a field
    holding data removed, a new form, and a wave replaced by another."""
    before = scan(waves=copy.deepcopy(WAVES))
    after = scan(waves=copy.deepcopy(WAVES))
    after["waves"]["events"][1] = {
        "name": "month_12",
        "label": "Month 12",
        "month": 12,
        "forms": ["opinions"],
    }
    org_type = field(after, "org_type")
    org_type["label"] = "Type of organisation"
    org_type["choices"] = [
        {"code": "1", "label": "Clinic"},
        {"code": "2", "label": "Hospital"},
        {"code": "4", "label": "Pharmacy"},
    ]
    drop(after, "comments")
    after["fields"].insert(1, after["fields"].pop(3))
    after["fields"].insert(3, {"name": "city", "form": "about", "type": "text", "label": "City"})
    after["forms"].append({"name": "contact", "label": "Contact"})
    after["fields"].append(
        {
            "name": "email",
            "form": "contact",
            "type": "text",
            "label": "E-mail",
            "validation": {"type": "email"},
        }
    )
    usage = FieldUsage(
        fields={"comments": 12, "org_type": 30},
        choices={"org_type": {"1": 20, "2": 7, "3": 3}},
        events={"month_6_arm_1": 9},
    )
    return make_plan(desired(after), exported(desired(before)), usage=usage)


GOLDEN = """\
Deploy plan for scan (development project)

~ form about
    ~ supports (checkbox): moved, now after record_id
    + city (text) "City"
    ~ org_type (radio) [data loss: 3 records]
        field_label: "Type" -> "Type of organisation"
        select_choices_or_calculations: + 4, Pharmacy; - 3, Other
~ form opinions
    - comments (notes) "Comments" [data loss: 12 records]
+ form contact (1 field)
    + email (text) "E-mail"

events
    + month_12_arm_1 "Month 12" (arm 1, day 365)
    - month_6_arm_1 "Month 6" (arm 1, day 183) [data loss: 9 records]

form-event mappings
    + baseline_arm_1: contact
    + month_12_arm_1: opinions
    - month_6_arm_1: opinions

Data loss (refused unless --allow-data-loss):
    - field 'org_type' (form about) loses choices that records hold: '3' (Other) removed, \
3 records hold it
    - field 'comments' (form opinions) is removed: 12 records hold a value
    - event 'month_6_arm_1' is removed: 9 records hold data in it

Summary: fields: 2 added, 1 removed, 2 changed; forms: 1 added, 2 changed; \
events: 1 added, 1 removed; mappings: 2 added, 1 removed; 3 changes lose data
"""


def test_a_small_plan_renders_per_form_then_structure_then_losses():
    assert render_plan(small_change()) == GOLDEN


def test_identical_projects_render_no_changes():
    project = desired(scan())
    text = render_plan(make_plan(project, exported(project), usage=FieldUsage()))
    assert text == (
        "Deploy plan for scan (development project)\n"
        "\n"
        "No changes: the REDCap project already matches the instruments.\n"
    )


def test_a_production_plan_says_where_it_is_applied():
    project = desired(scan())
    current = exported(desired(drop(scan(), "comments")), in_production=True)
    text = render_plan(make_plan(project, current, usage=FieldUsage()))
    assert text.startswith(
        "Deploy plan for scan (production project: apply it in REDCap's Draft Mode)"
    )
    assert '    + comments (notes) "Comments"' in text


def test_surveys_of_a_fresh_project_are_listed_as_steps_by_hand():
    text = render_plan(make_plan(desired(scan()), CurrentProject(), usage=FieldUsage()))
    assert "By hand in REDCap (its API has no method for these):" in text
    assert "    - enable form 'about' as a survey" in text
    assert "'opinions' as a survey" not in text


def test_as_dict_is_plain_json_with_every_change():
    plan = small_change()
    data = json.loads(json.dumps(plan.as_dict()))
    assert data["has_changes"] is True and data["in_production"] is False
    assert data["counts"]["fields"] == {"added": 2, "removed": 1, "changed": 2}
    org_type = next(f for f in data["fields"] if f["name"] == "org_type")
    assert org_type["columns"][0] == {
        "column": "field_label",
        "old": "Type",
        "new": "Type of organisation",
    }
    assert [loss["records"] for loss in data["data_loss"]] == [3, 12, 9]
    assert data["data_loss"][0]["choices"] == [
        {"code": "3", "label": "Other", "records": 3, "fate": "removed"}
    ]
    assert [e["key"] for e in data["events"]] == ["month_12_arm_1", "month_6_arm_1"]


def test_a_field_moved_between_forms_shows_in_both():
    data = scan()
    field(data, "org_name")["form"] = "opinions"
    data["fields"].append(data["fields"].pop(1))
    plan = make_plan(desired(data), exported(desired(scan())), usage=FieldUsage())
    assert render_plan(plan) == (
        "Deploy plan for scan (development project)\n"
        "\n"
        "~ form about\n"
        "    ~ org_name: moved to form opinions\n"
        "~ form opinions\n"
        "    ~ org_name (text)\n"
        '        form_name: "about" -> "opinions"\n'
        "\n"
        "Summary: fields: 1 changed; forms: 2 changed\n"
    )
