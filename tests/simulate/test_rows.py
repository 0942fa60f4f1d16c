"""Every shipped instrument's simulated rows are what REDCap's flat import takes: the right keys
for each row's event and form, valid values, branching logic honoured, unique record keys."""

from __future__ import annotations

from collections import Counter

import pytest

from instruments import shipped_names
from instruments.naming import checkbox_column
from tests.simulate.rules import (
    EVENT,
    REPEAT_INSTANCE,
    expected_keys,
    hidden_but_answered,
    value_problems,
)

NAMES = shipped_names()


@pytest.mark.parametrize("name", NAMES)
def test_every_row_has_exactly_the_keys_of_its_event_and_forms(name, shipped, simulated):
    instrument = shipped[name]
    rows = simulated[name].rows
    assert rows
    for row in rows:
        assert list(row) == expected_keys(instrument, row)


@pytest.mark.parametrize("name", NAMES)
def test_every_value_is_valid_for_its_field(name, shipped, simulated):
    instrument = shipped[name]
    problems = [p for row in simulated[name].rows for p in value_problems(instrument, row)]
    assert problems == []


@pytest.mark.parametrize("name", NAMES)
def test_branching_logic_holds_for_every_field_of_every_row(name, shipped, simulated):
    assert hidden_but_answered(shipped[name], simulated[name].rows) == []


@pytest.mark.parametrize("name", NAMES)
def test_record_keys_are_unique(name, shipped, simulated):
    instrument = shipped[name]
    keys = Counter(
        (row[instrument.record_id], row.get(EVENT, ""), row.get(REPEAT_INSTANCE, ""))
        for row in simulated[name].rows
    )
    assert max(keys.values()) == 1


@pytest.mark.parametrize("name", NAMES)
def test_computed_and_score_fields_are_left_to_redcap_and_scoring(name, shipped, simulated):
    instrument = shipped[name]
    left_out = {f.name for f in instrument.fields if f.type in ("calc", "descriptive", "file")}
    left_out |= {s.score_field for s in instrument.all_scales() if s.score_field}
    seen = {key for row in simulated[name].rows for key in row}
    assert not left_out & seen


@pytest.mark.parametrize("name", NAMES)
def test_record_id_comes_first_and_rows_are_in_record_order(name, shipped, simulated):
    instrument = shipped[name]
    rows = simulated[name].rows
    assert all(next(iter(row)) == instrument.record_id for row in rows)
    numbers = [int(row[instrument.record_id]) for row in rows]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("name", NAMES)
def test_most_forms_are_complete_and_some_are_not(name, shipped, simulated):
    instrument = shipped[name]
    statuses = Counter(
        row[f"{form.name}_complete"]
        for row in simulated[name].rows
        for form in instrument.forms
        if f"{form.name}_complete" in row
    )
    total = sum(statuses.values())
    assert statuses["2"] / total > 0.9
    assert statuses["0"] + statuses["1"] > 0


def test_survey_forms_are_never_marked_unverified(shipped, simulated):
    for name in ("provider_scan", "supporter_scan"):
        form = shipped[name].forms[0]
        assert form.survey
        assert all(row[f"{form.name}_complete"] != "1" for row in simulated[name].rows)


def test_a_hidden_checkbox_is_stored_as_every_option_unticked(shipped, simulated):
    instrument = shipped["provider_scan"]
    codes = instrument.field_map()["moc_boards"].choice_codes()
    hidden = [row for row in simulated["provider_scan"].rows if row["moc_credit"] != "1"]
    assert hidden
    for row in hidden:
        assert [row[checkbox_column("moc_boards", code)] for code in codes] == ["0"] * len(codes)
