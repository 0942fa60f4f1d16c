"""asked and answer_state: who was shown each question (branching logic over the raw export,
form started by a respondent, form on the row's event), and what each cell then holds."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instruments import Instrument, load_instrument, load_shipped
from instruments.logic import evaluate, parse, truthy
from instruments.naming import complete_field
from plugin.simulate import simulate
from scoring.asked import ANSWER_STATES, answer_state, asked, logic_context
from scoring.decode import decode
from scoring.respondents import respondents
from tests.instruments.helpers import base
from tests.scoring.redcap_export import export_columns, export_frame
from tests.scoring.test_decode import VISITS, enrolment, visit, visit_rows

BASELINE, MONTH_6 = "baseline_arm_1", "month_6_arm_1"


def panel_data() -> dict[str, Any]:
    """The tests' mini instrument, with the profile form at baseline only, a checkbox shown
    only to low raters, a cross-event question and a question read off today's date."""
    data = base()
    data["waves"]["events"][0]["forms"] = ["profile", "leadership"]
    data["waves"]["events"][1]["forms"] = ["leadership"]
    recent = {
        "name": "visit_recent",
        "form": "profile",
        "type": "text",
        "label": "Notes on a recent visit",
        "domain": "profile",
        "branching_logic": "datediff([visit_date], 'today', 'd') <= 30",
    }
    after_profile = max(i for i, f in enumerate(data["fields"]) if f["form"] == "profile")
    data["fields"].insert(after_profile + 1, recent)
    data["fields"] += [
        {
            "name": "lead_help",
            "form": "leadership",
            "type": "checkbox",
            "label": "What would help?",
            "domain": "lead",
            "branching_logic": "[lead_2] >= 4",
            "choices": [{"code": "1", "label": "Time"}, {"code": "2", "label": "Money"}],
        },
        {
            "name": "lead_follow",
            "form": "leadership",
            "type": "text",
            "label": "Follow-up on a low baseline vision",
            "domain": "lead",
            "branching_logic": "[baseline_arm_1][lead_1] <= 2",
        },
    ]
    return data


@pytest.fixture(scope="module")
def panel() -> Instrument:
    return load_instrument(panel_data(), name="mini.json").unwrap()


def panel_rows(instrument: Instrument, *rows: dict[str, str]) -> pd.DataFrame:
    """Export rows: blank but for ``rows``; checkboxes of a designated form 0 unless set."""
    columns = export_columns(instrument)
    out = []
    for row in rows:
        boxes = ["lead_help___1", "lead_help___2"]
        if row["redcap_event_name"] == BASELINE:
            boxes += ["supports___1", "supports___2"]
        out.append({c: "" for c in columns} | {box: "0" for box in boxes} | row)
    return pd.DataFrame(out, columns=columns, dtype=object)


def saved(record: str, event: str, **values: str) -> dict[str, str]:
    row = {"record_id": record, "redcap_event_name": event, "leadership_complete": "2"}
    if event == BASELINE:
        row["profile_complete"] = "2"
    return row | values


def test_a_checkbox_hidden_by_branching_is_not_asked_though_exported_as_zeros(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_2="2"),  # hidden: every box exported "0"
        saved("2", BASELINE, lead_2="5"),  # shown, nothing ticked
        saved("3", BASELINE, lead_2="4", lead_help___2="1"),
    )
    responses = decode(rows, panel)
    assert (responses.raw["lead_help___1"] == "0").all()
    assert asked(responses)["lead_help"].tolist() == [False, True, True]
    assert answer_state(responses)["lead_help"].tolist() == ["not_asked", "blank", "answered"]


def test_a_form_never_started_is_not_asked(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_1="4"),
        saved("2", BASELINE, leadership_complete="", lead_2="5"),  # never saved
        # Saved as Incomplete with nothing in it, as an import of pre-filled keys leaves it.
        saved("3", BASELINE, leadership_complete="0"),
    )
    shown = asked(decode(rows, panel))
    assert shown["lead_1"].tolist() == [True, False, False]
    assert shown["lead_help"].tolist() == [False, False, False]  # [lead_2] >= 4 only for "2"
    assert shown["practice_id"].tolist() == [True, True, True]  # its own form was completed


def test_pre_filled_keys_alone_never_make_a_respondent(panel):
    rows = panel_rows(
        panel,
        # An invited practice: its keys written by the invitation, nothing answered.
        saved("1", BASELINE, practice_id="P1", region="1", profile_complete="0")
        | {"leadership_complete": ""},
        saved("2", BASELINE, practice_id="P2", region="2", visit_date="2025-01-02")
        | {"profile_complete": "0", "leadership_complete": ""},
    )
    states = answer_state(decode(rows, panel))
    assert states["region"].tolist() == ["not_asked", "answered"]
    assert states["visit_date"].tolist() == ["not_asked", "answered"]


def test_a_partial_response_counts_for_the_questions_it_answered(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_1="4", leadership_complete="0"),  # broke off after lead_1
        saved("2", BASELINE, lead_1="2", lead_2="3"),
    )
    responses = decode(rows, panel)
    states = answer_state(responses)
    assert states["lead_1"].tolist() == ["answered", "answered"]
    assert states["lead_2"].tolist() == ["not_reached", "answered"]
    assert asked(responses)["lead_2"].tolist() == [False, True]
    excluded = asked(responses, who=respondents(responses, partials="exclude"))
    assert excluded["lead_1"].tolist() == [False, True]


def test_a_form_not_on_the_rows_event_is_not_asked(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, practice_id="P1"),
        # A non-designated form's status is exported blank, but even a stray value is not asked.
        saved("1", MONTH_6, profile_complete="2"),
    )
    responses = decode(rows, panel)
    shown = asked(responses)
    assert shown["practice_id"].tolist() == [True, False]
    assert shown["lead_1"].tolist() == [True, True]
    states = answer_state(responses)
    # The key field is carried into month 6 for grouping, yet was not asked there.
    assert responses.frame["practice_id"].tolist() == ["P1", "P1"]
    assert states["practice_id"].tolist() == ["answered", "not_asked"]


def test_a_cross_event_reference_reads_the_same_records_baseline(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_1="1"),
        saved("2", BASELINE, lead_1="5"),
        saved("1", MONTH_6, lead_1="5"),
        saved("2", MONTH_6, lead_1="1"),
        saved("3", MONTH_6, lead_1="1"),  # no baseline row: reads blank
    )
    responses = decode(rows, panel)
    follow = asked(responses)["lead_follow"]
    keys = zip(responses.frame["record_id"], responses.frame["wave"], strict=True)
    by_row = dict(zip(keys, follow, strict=True))
    assert by_row == {
        ("1", "baseline"): True,
        ("1", "month_6"): True,
        ("2", "baseline"): False,
        ("2", "month_6"): False,
        ("3", "month_6"): False,
    }


def test_logic_reads_a_checkbox_of_another_form_on_the_same_row(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_1="2", supports___1="1"),
        saved("1", MONTH_6, lead_1="2"),  # supports is not on month 6: reads unticked
    )
    assert asked(decode(rows, panel))["lead_note"].tolist() == [True, False]


def test_today_fixes_the_clock_of_date_logic(panel):
    rows = panel_rows(panel, saved("1", BASELINE, visit_date="2025-03-01"))
    responses = decode(rows, panel)
    early = asked(responses, today=datetime.date(2025, 3, 20))["visit_recent"]
    late = asked(responses, today=datetime.date(2025, 6, 1))["visit_recent"]
    assert early.tolist() == [True] and late.tolist() == [False]


def test_answer_states_separate_missing_codes_invalid_values_and_blanks(panel):
    rows = panel_rows(
        panel,
        saved("1", BASELINE, lead_1="NA", lead_2="9", region="1"),
        saved("2", BASELINE, lead_1="3"),
    )
    responses = decode(rows, panel)
    states = answer_state(responses)
    assert states.loc[0, ["lead_1", "lead_2", "region"]].tolist() == [
        "missing_code",
        "invalid",
        "answered",
    ]
    assert states.loc[1, ["lead_1", "lead_2", "region"]].tolist() == [
        "answered",
        "blank",
        "blank",
    ]
    assert list(states.columns) == list(responses.missing.columns)
    assert list(states["lead_1"].cat.categories) == list(ANSWER_STATES)


def test_asked_has_a_bool_column_per_data_field(panel):
    responses = decode(panel_rows(panel, saved("1", BASELINE)), panel)
    shown = asked(responses)
    assert list(shown.columns) == list(responses.data_fields)
    assert "lead_help" in shown.columns and "lead_help___1" not in shown.columns
    assert all(dtype == np.dtype(bool) for dtype in shown.dtypes)
    assert shown.index.equals(responses.frame.index)


def test_readiness_profile_is_asked_at_baseline_only():
    instrument = load_shipped("practice_readiness").unwrap()
    responses = decode(export_frame(instrument, simulate(instrument, seed=8, n=20)), instrument)
    shown = asked(responses)
    baseline = (responses.frame["wave"] == "baseline").to_numpy()
    assert (shown["region"].to_numpy() == baseline).all()
    assert shown["comm_channels"].to_numpy()[~baseline].sum() == 0
    assert shown["will_motivated"].all()
    states = answer_state(responses)
    assert (states["will_motivated"] == "missing_code").sum() == (
        responses.missing["will_motivated"].notna().sum()
    )


# --- property: asked agrees with the scalar evaluator, row by row ------------------------

LOGIC_CELLS = st.sampled_from(["", "1", "2", "4", "5", "NA", "x", " 2 "])
BOXES = st.sampled_from(["0", "1", ""])
STATUS = st.sampled_from(["", "0", "2"])
ROW = st.fixed_dictionaries(
    {
        "record_id": st.sampled_from(["1", "2", "3"]),
        "redcap_event_name": st.sampled_from([BASELINE, MONTH_6]),
        "lead_1": LOGIC_CELLS,
        "lead_2": LOGIC_CELLS,
        "supports___1": BOXES,
        "visit_date": st.sampled_from(["", "2025-03-01", "2024-12-31", "bad"]),
        "profile_complete": STATUS,
        "leadership_complete": STATUS,
    }
)


def unique_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        seen.setdefault((row["record_id"], row["redcap_event_name"]), row)
    return list(seen.values())


@settings(max_examples=120, deadline=None)
@given(rows=st.lists(ROW, max_size=8).map(unique_rows))
def test_asked_equals_a_row_by_row_scalar_evaluation(panel, rows):
    instrument = panel
    today = datetime.date(2025, 3, 15)
    responses = decode(panel_rows(instrument, *rows), instrument)
    shown = asked(responses, today=today)
    context = logic_context(instrument, today)
    raw = responses.raw.to_dict(orient="records")
    forms_of = {e.name: e.forms for e in instrument.waves.events}
    for i, record in enumerate(raw):
        events = {
            other["redcap_event_name"]: other
            for other in raw
            if other["record_id"] == record["record_id"]
        }
        wave = responses.frame.loc[i, "wave"]
        for fld in instrument.fields[1:]:
            if fld.type == "descriptive":
                continue
            logic = fld.branching_logic
            by_logic = not logic or truthy(evaluate(parse(logic), record, context, events=events))
            on_event = fld.form in forms_of[wave]
            status = record[complete_field(fld.form)]
            started = status in ("1", "2") or (status == "0" and holds_answer(record, fld.form))
            reached = status != "0" or cell_held(record, fld)
            expected = by_logic and on_event and started and reached
            assert shown.loc[i, fld.name] == expected, (fld.name, record)


def holds_answer(record: dict[str, str], form: str) -> bool:
    """The oracle's own reading: a form holds an answer when a field of it other than the
    pre-filled keys (practice_id, region) has a value, a tick or a code."""
    keys = {"record_id", "practice_id", "region"}
    fields = [f for f in panel_data()["fields"] if f["form"] == form and f["name"] not in keys]
    return any(cell_held_name(record, f["name"], f["type"]) for f in fields)


def cell_held(record: dict[str, str], fld: Any) -> bool:
    return cell_held_name(record, fld.name, fld.type)


def cell_held_name(record: dict[str, str], name: str, kind: str) -> bool:
    if kind == "checkbox":
        return any(v == "1" for k, v in record.items() if k.startswith(f"{name}___"))
    return kind != "descriptive" and record.get(name, "").strip() != ""


def test_states_cover_every_cell_with_one_known_state(panel):
    rows = panel_rows(panel, saved("1", BASELINE, lead_1="5"), saved("1", MONTH_6))
    states = answer_state(decode(rows, panel))
    assert states.notna().all().all()
    assert set(np.unique(states.to_numpy(dtype=str))) <= set(ANSWER_STATES)


# --- repeating mode -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def visits() -> Instrument:
    data = copy.deepcopy(VISITS)
    data["fields"].append(
        {
            "name": "big_team_note",
            "form": "visit",
            "type": "notes",
            "label": "How does a large team share the work?",
            "branching_logic": "[staff] > 10",
        }
    )
    return load_instrument(data, name="visits.json").unwrap()


def test_repeating_logic_reads_the_records_base_row(visits):
    rows = visit_rows(
        visits,
        [
            enrolment("c1", "CL-1", "1", "12"),
            visit("c1", "1", "2025-01-01", "3"),
            visit("c1", "2", "2025-02-01", "3"),
            enrolment("c2", "CL-2", "1", "4"),
            visit("c2", "1", "2025-01-01", "3"),
        ],
    )
    shown = asked(decode(rows, visits))
    assert shown["big_team_note"].tolist() == [True, True, False]
    assert shown["score"].tolist() == [True, True, True]


def test_repeating_base_form_questions_count_once_per_record(visits):
    rows = visit_rows(
        visits,
        [
            enrolment("c1", "CL-1", "2", "12"),
            visit("c1", "1", "2025-05-01", "3"),
            visit("c1", "2", "2025-02-01", "4"),
        ],
    )
    responses = decode(rows, visits)
    states = answer_state(responses)
    # The first wave is instance 2, the earlier assessment.
    assert responses.frame["wave"].tolist() == ["2", "1"]
    assert states["region"].tolist() == ["answered", "not_asked"]
    assert responses.frame["region"].tolist() == ["2", "2"]  # carried all the same
