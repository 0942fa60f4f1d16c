"""A production project gets the dictionary and a change report to apply in Draft Mode."""

from __future__ import annotations

import csv
import io

import pytest

from instruments import load_instrument
from instruments.dictionary import compile_dictionary, to_csv
from plugin.deploy import FieldUsage, draft_mode_package, make_plan
from tests.deploy.helpers import ORG_TYPES, desired, drop, exported, field, scan


def production_change():
    data = drop(scan(), "comments")
    field(data, "org_name")["label"] = "Name of the organisation"
    field(data, "org_type")["choices"] = [*ORG_TYPES, {"code": "4", "label": "Pharmacy"}]
    current = exported(desired(scan()), in_production=True)
    usage = FieldUsage(fields={"comments": 4})
    return data, make_plan(desired(data), current, usage=usage)


def test_the_dictionary_is_the_compiled_csv():
    data, plan = production_change()
    package = draft_mode_package(plan, desired(data))
    instrument = load_instrument(data, name="scan.json").unwrap()
    assert package.dictionary_csv == to_csv(compile_dictionary([instrument]))
    rows = list(csv.reader(io.StringIO(package.dictionary_csv)))
    assert [row[0] for row in rows[1:]] == [
        "record_id",
        "org_name",
        "org_type",
        "supports",
        "did_qi",
    ]
    assert sorted(package.files()) == ["change_report.md", "data_dictionary.csv"]


def test_the_report_lists_every_change_the_destructive_ones_first():
    data, plan = production_change()
    report = draft_mode_package(plan, desired(data)).report
    loss = "- field 'comments' (form opinions) is removed: 4 records hold a value"
    assert report.index("## Changes that lose data") < report.index(loss)
    assert report.index(loss) < report.index("## Changes per form and field")
    assert report.index("### Changed form `opinions`") < report.index("### Changed form `about`")
    assert "- **removed** `comments` (notes): `Comments`. **Loses data**" in report
    assert (
        "- **changed** `org_name` (text)\n"
        "  - `field_label`: `Organisation` → `Name of the organisation`"
    ) in report
    assert "  - `select_choices_or_calculations`: `+ 4, Pharmacy`" in report
    assert '2. In the Online Designer, click "Enter Draft Mode".' in report
    assert report.rstrip().endswith("Run `qiscan deploy` again: it should report no changes.")


def test_a_report_without_losses_says_so():
    data = scan()
    field(data, "org_name")["label"] = "Name"
    plan = make_plan(
        desired(data), exported(desired(scan()), in_production=True), usage=FieldUsage()
    )
    report = draft_mode_package(plan, desired(data)).report
    assert "None: no change removes or alters data that records hold." in report


def test_an_unchanged_production_project_gets_a_report_saying_so():
    project = desired(scan())
    plan = make_plan(project, exported(project, in_production=True), usage=FieldUsage())
    report = draft_mode_package(plan, project).report
    assert "No changes: the REDCap project already matches the instruments." in report
    assert "## How to apply" not in report


def test_a_package_for_other_instruments_than_the_plan_is_refused():
    _, plan = production_change()
    with pytest.raises(ValueError, match="plan was made for other instruments"):
        draft_mode_package(plan, desired(scan()))
