"""The dictionary part of a plan: fields and forms added, removed, changed and moved, and which of
those changes lose data that records hold."""

from __future__ import annotations

from dataclasses import replace

from instruments.dictionary import API_COLUMNS
from plugin.deploy import ColumnChange, CurrentProject, FieldUsage, make_plan
from tests.deploy.helpers import ORG_TYPES, desired, drop, exported, field, scan

NO_RECORDS = FieldUsage()


def plan_of(data, before=None, usage=NO_RECORDS):
    current = exported(desired(before if before is not None else scan()))
    return make_plan(desired(data), current, usage=usage)


def by_name(plan):
    return {change.name: change for change in plan.fields}


def test_a_fresh_project_gets_every_field_and_form():
    project = desired(scan())
    plan = make_plan(project, CurrentProject(), usage=NO_RECORDS)
    assert [c.name for c in plan.fields] == [row["field_name"] for row in project.metadata]
    assert {c.kind for c in plan.fields} == {"added"}
    assert [(f.name, f.kind, f.fields) for f in plan.forms] == [
        ("about", "added", 4),
        ("opinions", "added", 2),
    ]
    assert plan.data_loss == () and plan.has_changes


def test_the_same_instruments_plan_nothing():
    plan = plan_of(scan())
    assert not plan.has_changes
    assert plan.fields == () and plan.forms == () and plan.data_loss == ()


def test_an_added_field_is_added_in_its_form_and_moves_nothing():
    data = scan()
    data["fields"].insert(2, {"name": "city", "form": "about", "type": "text", "label": "City"})
    plan = plan_of(data)
    assert [(c.name, c.kind, c.form) for c in plan.fields] == [("city", "added", "about")]
    (form,) = plan.forms
    assert (form.name, form.kind, form.reordered, form.moved) == ("about", "changed", (), False)


def test_a_removed_field_without_data_is_not_data_loss():
    plan = plan_of(drop(scan(), "comments"), usage=FieldUsage(fields={"org_name": 9}))
    (change,) = plan.fields
    assert (change.name, change.kind, change.form, change.field_type) == (
        "comments",
        "removed",
        "opinions",
        "notes",
    )
    assert plan.data_loss == () and plan.refusal() is None


def test_a_removed_field_holding_data_is_data_loss_with_its_count():
    plan = plan_of(drop(scan(), "comments"), usage=FieldUsage(fields={"comments": 12}))
    (loss,) = plan.data_loss
    assert (loss.kind, loss.subject, loss.form, loss.records) == (
        "field_removed",
        "comments",
        "opinions",
        12,
    )
    assert loss.describe() == (
        "field 'comments' (form opinions) is removed: 12 records hold a value"
    )


def test_a_changed_label_names_the_column_old_and_new():
    data = scan()
    field(data, "org_name")["label"] = "Name of the organisation"
    plan = plan_of(data, usage=FieldUsage(fields={"org_name": 30}))
    (change,) = plan.fields
    assert change.kind == "changed" and not change.moved
    assert change.columns == (
        ColumnChange("field_label", "Organisation", "Name of the organisation"),
    )
    assert plan.data_loss == ()


def test_a_changed_type_loses_the_values_records_hold():
    data = scan()
    field(data, "comments")["type"] = "yesno"
    plan = plan_of(data, usage=FieldUsage(fields={"comments": 7}))
    (change,) = plan.fields
    assert change.column("field_type") == ColumnChange("field_type", "notes", "yesno")
    (loss,) = plan.data_loss
    assert (loss.kind, loss.subject, loss.records, loss.detail) == (
        "field_type",
        "comments",
        7,
        "notes -> yesno",
    )


def test_a_changed_type_without_data_loses_nothing():
    data = scan()
    field(data, "comments")["type"] = "yesno"
    assert plan_of(data).data_loss == ()


def test_radio_to_dropdown_keeps_the_codes_records_hold():
    data = scan()
    field(data, "org_type")["type"] = "dropdown"
    plan = plan_of(data, usage=FieldUsage(fields={"org_type": 20}))
    assert [c.column for c in plan.fields[0].columns] == ["field_type"]
    assert plan.data_loss == ()


def test_a_removed_choice_code_that_records_hold_is_counted():
    data = scan()
    field(data, "org_type")["choices"] = ORG_TYPES[:2]
    usage = FieldUsage(fields={"org_type": 20}, choices={"org_type": {"1": 12, "2": 5, "3": 3}})
    (loss,) = plan_of(data, usage=usage).data_loss
    assert (loss.kind, loss.subject, loss.records) == ("choices", "org_type", 3)
    assert [(c.code, c.label, c.records, c.fate) for c in loss.choices] == [
        ("3", "Other", 3, "removed")
    ]


def test_a_removed_choice_code_nobody_chose_is_not_data_loss():
    data = scan()
    field(data, "org_type")["choices"] = ORG_TYPES[:2]
    usage = FieldUsage(fields={"org_type": 17}, choices={"org_type": {"1": 12, "2": 5}})
    plan = plan_of(data, usage=usage)
    assert plan.fields[0].columns[0].column == "select_choices_or_calculations"
    assert plan.data_loss == ()


def test_recoding_a_held_code_is_data_loss_and_says_the_new_code():
    data = scan()
    field(data, "org_type")["choices"] = [*ORG_TYPES[:2], {"code": "9", "label": "Other"}]
    usage = FieldUsage(fields={"org_type": 4}, choices={"org_type": {"3": 4}})
    (loss,) = plan_of(data, usage=usage).data_loss
    assert loss.choices[0].fate == "recoded as '9'"


def test_shifted_choices_change_what_held_codes_mean():
    # The bidmc.org example of a critical issue: a choice inserted by relabelling the codes.
    data = scan()
    field(data, "org_type")["choices"] = [
        {"code": "1", "label": "Clinic"},
        {"code": "2", "label": "Pharmacy"},
        {"code": "3", "label": "Hospital"},
        {"code": "4", "label": "Other"},
    ]
    usage = FieldUsage(fields={"org_type": 9}, choices={"org_type": {"1": 2, "2": 6, "3": 1}})
    (loss,) = plan_of(data, usage=usage).data_loss
    assert [(c.code, c.records) for c in loss.choices] == [("2", 6), ("3", 1)]
    assert loss.choices[0].fate == "would read 'Pharmacy' ('Hospital' is now code '3')"
    assert loss.records == 7


def test_relabelling_a_held_code_is_a_warning_not_a_loss():
    data = scan()
    field(data, "org_type")["choices"] = [
        {"code": "1", "label": "Primary-care clinic"},
        *ORG_TYPES[1:],
    ]
    usage = FieldUsage(fields={"org_type": 5}, choices={"org_type": {"1": 5}})
    plan = plan_of(data, usage=usage)
    assert plan.data_loss == ()
    assert plan.warnings == (
        "field 'org_type': choice '1' is relabelled 'Clinic' -> 'Primary-care clinic'; "
        "5 records hold it, and its code stays",
    )


def test_a_checkbox_loss_is_capped_at_the_records_holding_the_field():
    data = scan()
    field(data, "supports")["choices"] = [{"code": "9", "label": "Other"}]
    usage = FieldUsage(fields={"supports": 5}, choices={"supports": {"1": 4, "2": 3}})
    (loss,) = plan_of(data, usage=usage).data_loss
    assert loss.records == 5
    assert [c.records for c in loss.choices] == [4, 3]


def test_reordered_fields_count_as_changes_and_only_the_mover_moves():
    data = scan()
    fields = data["fields"]
    fields.insert(1, fields.pop(3))  # supports now right after record_id
    plan = plan_of(data)
    assert [(c.name, c.kind, c.moved, c.after, c.columns) for c in plan.fields] == [
        ("supports", "changed", True, "record_id", ())
    ]
    (form,) = plan.forms
    assert form.reordered == ("supports",)


def test_a_field_moved_to_another_form_changes_its_form_name():
    data = scan()
    field(data, "org_name")["form"] = "opinions"
    data["fields"].append(data["fields"].pop(1))
    plan = plan_of(data)
    (change,) = plan.fields
    assert change.form == "opinions"
    assert change.columns == (ColumnChange("form_name", "about", "opinions"),)
    forms = {f.name: f for f in plan.forms}
    assert forms["about"].fields_out == ("org_name",)
    assert forms["opinions"].fields_in == ("org_name",)


def test_swapped_forms_move_the_form_not_its_fields():
    data = scan()
    data["fields"] = [data["fields"][0], *data["fields"][4:], *data["fields"][1:4]]
    for name in ("did_qi", "comments"):
        field(data, name)["form"] = "opinions"
    field(data, "record_id")["form"] = "opinions"
    for name in ("org_name", "org_type", "supports"):
        field(data, name)["form"] = "about"
    data["forms"].reverse()
    plan = plan_of(data)
    changed = by_name(plan)
    assert changed["record_id"].column("form_name") == ColumnChange(
        "form_name", "about", "opinions"
    )
    assert not any(c.moved for c in plan.fields)
    assert [(f.name, f.moved, f.after) for f in plan.forms] == [
        ("opinions", True, ""),
        ("about", False, "opinions"),
    ]


def test_what_redcap_stores_differently_is_not_a_change():
    project = desired(scan())
    current = exported(project)
    org_type = next(r for r in current.metadata if r["field_name"] == "org_type")
    org_type["select_choices_or_calculations"] = "1,Clinic|2,Hospital|3,Other"
    org_type["required_field"] = ""
    current.metadata.append({**current.metadata[-1], "field_name": "opinions_complete"})
    assert not make_plan(project, current, usage=NO_RECORDS).has_changes


def test_a_slider_with_blank_alignment_matches_redcaps_rv():
    data = scan()
    data["fields"].append(
        {
            "name": "mood",
            "form": "opinions",
            "type": "slider",
            "label": "Mood",
            "slider": {"labels": ["Low", "", "High"]},
        }
    )
    project = desired(data)
    current = exported(project)
    current.metadata[-1]["custom_alignment"] = "RV"
    assert not make_plan(project, current, usage=NO_RECORDS).has_changes


def test_every_column_change_is_reported_with_raw_text():
    data = scan()
    comments = field(data, "comments")
    comments.update(note="Optional", annotation="@HIDDEN-SURVEY", required=True)
    (change,) = plan_of(data).fields
    assert [c.column for c in change.columns] == [
        "field_note",
        "required_field",
        "field_annotation",
    ]
    assert all(c.column in API_COLUMNS for c in change.columns)
    assert change.column("required_field") == ColumnChange("required_field", "", "y")


def test_new_validation_on_held_values_is_a_warning():
    data = scan()
    field(data, "org_name")["validation"] = {"type": "integer"}
    plan = plan_of(data, usage=FieldUsage(fields={"org_name": 11}))
    assert plan.data_loss == ()
    assert plan.warnings == (
        "field 'org_name': validation '' -> 'integer'; 11 records hold values that REDCap "
        "keeps without checking them again",
    )


def test_a_new_first_field_warns_that_the_record_id_changes():
    data = scan(record_id="org_name")
    data["fields"].insert(0, data["fields"].pop(1))
    plan = plan_of(data)
    assert any(
        w.startswith("the record-ID field changes from 'record_id' to 'org_name'")
        for w in plan.warnings
    )


def test_missing_data_codes_are_a_step_by_hand_when_redcap_has_others():
    codes = [{"code": "NA", "label": "Not applicable", "meaning": "not_applicable"}]
    project = desired(scan(missing_codes=codes))
    current = exported(project)
    assert make_plan(project, current, usage=NO_RECORDS).manual == ()
    unknown = make_plan(project, replace(current, missing_data_codes=None), usage=NO_RECORDS)
    assert unknown.manual == ()
    other = make_plan(
        project, replace(current, missing_data_codes="-99, Missing"), usage=NO_RECORDS
    )
    assert other.manual == (
        "set the missing data codes to 'NA, Not applicable' (Project Setup > Additional "
        "customizations > Missing Data Codes)",
    )
    assert not other.has_changes
