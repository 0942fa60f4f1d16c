"""Every validation rule: break the small valid instrument in one place, and check the problem's
code, its JSON pointer and the field it names."""

from __future__ import annotations

import pytest

from instruments import InstrumentError, load_instrument
from tests.instruments.helpers import LIKERT, base, check, field, only


def test_the_base_instrument_is_clean():
    result = check(base())
    assert result.problems == []
    assert result.unwrap().id == "mini"


# -- reading the file ---------------------------------------------------------------------------


def test_json_syntax_error_names_line_and_column():
    result = load_instrument('{"id": "x",\n "version": }', name="broken.json")
    problem = only(result, "json-syntax")
    assert "line 2" in problem.message and problem.file == "broken.json"
    assert result.instrument is None


def test_a_missing_file_is_reported_not_raised(tmp_path):
    result = load_instrument(tmp_path / "absent.json")
    problem = only(result, "file-unreadable")
    assert problem.file == "absent.json" and "No such file" in problem.message


def test_top_level_must_be_an_object():
    assert only(load_instrument("[1, 2]"), "json-syntax").message.endswith("not list")


def test_unknown_key_suggests_the_near_miss():
    data = base()
    field(data, "lead_note")["branching_logc"] = "[lead_1] = '1'"
    problem = only(check(data), "unknown-key")
    assert problem.pointer == "/fields/7/branching_logc"
    assert problem.field == "lead_note"
    assert "Did you mean 'branching_logic'?" in problem.message


def test_unknown_top_level_key():
    data = base()
    data["scale"] = []
    assert "Did you mean 'scales'?" in only(check(data), "unknown-key").message


def test_missing_required_key():
    data = base()
    del data["source"]["citation"]
    assert only(check(data), "missing-key").pointer == "/source/citation"


def test_bad_values_are_all_reported_in_one_pass():
    data = base()
    data["version"] = "1.0"
    field(data, "region")["type"] = "select_one"
    field(data, "lead_1")["required"] = "y"
    result = check(data)
    pointers = sorted(p.pointer for p in result.problems if p.code.code == "bad-value")
    assert pointers == ["/fields/2/type", "/fields/5/required", "/version"]
    with pytest.raises(InstrumentError, match=r"3 problem\(s\)"):
        result.unwrap()


def test_bands_can_only_be_a_local_convention():
    data = base()
    data["scales"][0]["bands"]["convention"] = "validated"
    assert only(check(data), "bad-value").pointer == "/scales/0/bands/convention"


def test_min_answered_takes_count_or_fraction_not_both():
    data = base()
    data["scales"][0]["min_answered"] = {"count": 1, "fraction": 0.5}
    assert only(check(data), "bad-value").pointer == "/scales/0/min_answered"


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Lead_1", "1lead", "lead-1", "lead 1", "_lead"])
def test_field_name_pattern(name):
    data = base()
    field(data, "lead_note")["name"] = name
    problem = only(check(data), "name-pattern")
    assert problem.pointer == "/fields/7/name" and problem.field == name


@pytest.mark.parametrize("name", ["lead_", "lead___x"])
def test_field_name_underscores(name):
    data = base()
    field(data, "lead_note")["name"] = name
    assert only(check(data), "name-underscores").pointer == "/fields/7/name"


def test_field_name_length_limit_and_warning():
    data = base()
    field(data, "lead_note")["name"] = "n" * 101
    assert only(check(data), "name-too-long").pointer == "/fields/7/name"
    data = base()
    field(data, "lead_note")["name"] = "n" * 27
    result = check(data)
    assert only(result, "name-long").severity == "warning" and result.ok


def test_reserved_field_name():
    data = base()
    field(data, "lead_note")["name"] = "redcap_event_name"
    assert only(check(data), "name-reserved").field == "redcap_event_name"


def test_duplicate_field_name_points_at_the_second():
    data = base()
    field(data, "lead_note")["name"] = "lead_1"
    problem = only(check(data), "name-duplicate")
    assert problem.pointer == "/fields/7/name" and "/fields/5" in problem.message


def test_field_cannot_take_a_form_status_name():
    data = base()
    field(data, "lead_note")["name"] = "profile_complete"
    assert only(check(data), "name-clashes-form").pointer == "/fields/7/name"


def test_form_name_rules():
    data = base()
    data["forms"][1]["name"] = "Leadership"
    for f in data["fields"][5:]:
        f["form"] = "Leadership"
    assert only(check(data), "name-pattern").pointer == "/forms/1/name"


def test_duplicate_form_name():
    data = base()
    data["forms"].append({"name": "profile", "label": "Again"})
    assert only(check(data), "name-duplicate").pointer == "/forms/2/name"


def test_unknown_form_suggests_a_declared_one():
    data = base()
    field(data, "lead_note")["form"] = "leadershp"
    result = check(data)
    problem = only(result, "form-unknown")
    assert problem.pointer == "/fields/7/form" and "Did you mean 'leadership'?" in problem.message


def test_field_without_form_needs_a_single_form():
    data = base()
    del field(data, "lead_note")["form"]
    assert only(check(data), "form-missing").pointer == "/fields/7"
    data = base()
    data["forms"] = data["forms"][:1]
    for f in data["fields"]:
        f.pop("form")
    assert check(data).ok


def test_empty_form():
    data = base()
    data["forms"].append({"name": "spare", "label": "Spare"})
    assert only(check(data), "form-empty").pointer == "/forms/2"


def test_forms_must_be_contiguous():
    data = base()
    data["fields"].append(
        {"name": "late", "form": "profile", "type": "text", "label": "Late", "domain": "profile"}
    )
    problem = only(check(data), "form-not-contiguous")
    assert problem.pointer == "/fields/10/form" and problem.field == "late"


def test_record_id_must_come_first():
    data = base()
    data["fields"][0], data["fields"][1] = data["fields"][1], data["fields"][0]
    problem = only(check(data), "record-id-not-first")
    assert problem.pointer == "/record_id" and "'practice_id'" in problem.message


def test_record_id_is_plain_text():
    data = base()
    data["fields"][0]["branching_logic"] = "[region] = '1'"
    assert only(check(data), "record-id-type").pointer == "/fields/0"


# -- choices ------------------------------------------------------------------------------------


def test_choice_field_needs_choices():
    data = base()
    field(data, "region")["choices"] = []
    assert only(check(data), "choices-missing").pointer == "/fields/2"


def test_text_field_takes_no_choices():
    data = base()
    field(data, "practice_id")["choices"] = [{"code": "1", "label": "x"}]
    assert only(check(data), "choices-not-allowed").pointer == "/fields/1/choices"


def test_duplicate_choice_code():
    data = base()
    field(data, "region")["choices"].append({"code": "2", "label": "East"})
    problem = only(check(data), "choice-code-duplicate")
    assert problem.pointer == "/fields/2/choices/2/code" and problem.field == "region"


@pytest.mark.parametrize("code", ["a b", "1,5", "é"])
def test_invalid_choice_code(code):
    data = base()
    field(data, "region")["choices"].append({"code": code, "label": "East"})
    assert only(check(data), "choice-code-invalid").pointer == "/fields/2/choices/2/code"


def test_checkbox_codes_that_export_to_the_same_column():
    data = base()
    field(data, "supports")["choices"] = [
        {"code": "1.5", "label": "a"},
        {"code": "1_5", "label": "b"},
    ]
    problem = only(check(data), "choice-column-clash")
    assert "supports___1_5" in problem.message


def test_duplicate_choice_label_is_a_warning():
    data = base()
    field(data, "region")["choices"].append({"code": "3", "label": "North"})
    result = check(data)
    assert only(result, "choice-label-duplicate").severity == "warning" and result.ok


def test_missing_code_cannot_be_a_choice_code():
    data = base()
    field(data, "region")["choices"].append({"code": "NA", "label": "Elsewhere"})
    assert only(check(data), "missing-code-clash").pointer == "/fields/2/choices/2/code"


def test_missing_code_rules():
    data = base()
    data["missing_codes"].append({"code": "NA", "label": "Again", "meaning": "other"})
    data["missing_codes"].append({"code": "n a", "label": "Bad", "meaning": "refused"})
    result = check(data)
    assert only(result, "missing-code-duplicate").pointer == "/missing_codes/1/code"
    assert only(result, "missing-code-invalid").pointer == "/missing_codes/2/code"


# -- validation types, min and max ----------------------------------------------------------------


def test_unknown_validation_type_suggests():
    data = base()
    field(data, "visit_date")["validation"] = {"type": "date_ynd"}
    problem = only(check(data), "validation-unknown")
    assert problem.pointer == "/fields/3/validation/type" and "'date_ymd'" in problem.message


def test_validation_type_must_fit_the_field_type():
    data = base()
    field(data, "region")["validation"] = {"type": "integer"}
    assert only(check(data), "validation-field-type").pointer == "/fields/2/validation/type"
    data = base()
    field(data, "region")["validation"] = {"type": "autocomplete"}
    assert check(data).ok


def test_bound_in_the_wrong_format():
    data = base()
    field(data, "visit_date")["validation"]["min"] = "01/02/2020"
    problem = only(check(data), "validation-bound-format")
    assert problem.pointer == "/fields/3/validation/min"


def test_min_above_max():
    data = base()
    field(data, "visit_date")["validation"]["max"] = "2019-12-31"
    assert only(check(data), "validation-min-above-max").pointer == "/fields/3/validation"


def test_bounds_need_an_ordered_type():
    data = base()
    field(data, "practice_id")["validation"] = {"type": "email", "min": "a"}
    assert only(check(data), "validation-bound-without-type").pointer == "/fields/1/validation"


def test_number_bounds_accept_json_numbers():
    data = base()
    field(data, "score_lead")["validation"] = {"type": "number", "min": 0, "max": 100.5}
    result = check(data)
    assert result.ok
    assert result.unwrap().field_map()["score_lead"].validation.max == "100.5"


def test_slider_bounds_are_integers():
    data = base()
    data["fields"].append(
        {
            "name": "mood",
            "form": "leadership",
            "type": "slider",
            "label": "Mood",
            "domain": "lead",
            "slider": {"labels": ["Low", "Mid", "High"], "min": "0", "max": "1.5"},
        }
    )
    assert only(check(data), "slider-bound").pointer == "/fields/10/slider/max"


def test_slider_settings_only_on_sliders():
    data = base()
    field(data, "practice_id")["slider"] = {"labels": ["a"]}
    assert only(check(data), "setting-not-allowed").pointer == "/fields/1/slider"


# -- calculations and logic -----------------------------------------------------------------------


def test_calc_needs_a_calculation_and_only_calc_has_one():
    data = base()
    field(data, "lead_total")["calculation"] = ""
    assert only(check(data), "calc-missing").pointer == "/fields/8"
    data = base()
    field(data, "practice_id")["calculation"] = "1"
    assert only(check(data), "calc-not-allowed").pointer == "/fields/1/calculation"


def test_unknown_field_in_branching_logic_matches_the_style_guide_message():
    data = base()
    field(data, "lead_note")["branching_logic"] = "[lead_tota] = '1'"
    problem = only(check(data), "logic-unknown-field")
    assert problem.pointer == "/fields/7/branching_logic" and problem.field == "lead_note"
    assert str(problem) == (
        "[mini.json /fields/7/branching_logic] field 'lead_note': unknown field [lead_tota] in "
        "branching logic. Did you mean [lead_total]? Reference a field that exists in the "
        "instrument. (logic-unknown-field)"
    )


def test_logic_syntax_error_gives_the_position():
    data = base()
    field(data, "lead_note")["branching_logic"] = "([lead_1] = '1'"
    problem = only(check(data), "logic-syntax")
    assert problem.pointer == "/fields/7/branching_logic" and "branching logic" in problem.message


def test_unknown_function_in_a_calculation():
    data = base()
    field(data, "lead_total")["calculation"] = "summ([lead_1], [lead_2])"
    problem = only(check(data), "logic-unknown-function")
    assert problem.pointer == "/fields/8/calculation" and "summ" in problem.message


def test_smart_variables_are_named():
    data = base()
    field(data, "lead_note")["branching_logic"] = "[current-instance] = '1'"
    assert "current-instance" in only(check(data), "logic-smart-variable").message


def test_checkbox_terms_need_a_checkbox_and_a_known_code():
    data = base()
    field(data, "lead_note")["branching_logic"] = "[supports(3)] = '1'"
    problem = only(check(data), "logic-unknown-code")
    assert "checkbox 'supports' has no option '3'" in problem.message
    data = base()
    field(data, "lead_note")["branching_logic"] = "[region(1)] = '1'"
    assert only(check(data), "logic-not-checkbox").pointer == "/fields/7/branching_logic"


def test_events_in_logic_must_be_waves():
    data = base()
    field(data, "lead_note")["branching_logic"] = "[baseline_arm_1][lead_1] = '1'"
    assert check(data).ok
    field(data, "lead_note")["branching_logic"] = "[baseline_arm_2][lead_1] = '1'"
    problem = only(check(data), "logic-unknown-event")
    assert "Did you mean [baseline_arm_1]?" in problem.message


def test_form_status_fields_may_be_referenced():
    data = base()
    field(data, "lead_note")["branching_logic"] = "[profile_complete] = '2'"
    assert check(data).ok


def test_text_functions_are_refused_in_calculations():
    data = base()
    field(data, "lead_total")["calculation"] = "if(contains([practice_id], 'x'), 1, 0)"
    assert only(check(data), "calc-text-function").pointer == "/fields/8/calculation"


def test_calc_cycle_is_reported_once():
    data = base()
    data["fields"].append(
        {
            "name": "calc_a",
            "form": "leadership",
            "type": "calc",
            "label": "A",
            "domain": "lead",
            "calculation": "[calc_b] + 1",
        }
    )
    data["fields"].append(
        {
            "name": "calc_b",
            "form": "leadership",
            "type": "calc",
            "label": "B",
            "domain": "lead",
            "calculation": "[calc_a] * 2",
        }
    )
    problem = only(check(data), "calc-cycle")
    assert problem.pointer == "/fields/10/calculation"
    assert "calc_a -> calc_b -> calc_a" in problem.message


def test_calc_using_itself_is_a_cycle():
    data = base()
    field(data, "lead_total")["calculation"] = "[lead_total] + 1"
    assert "lead_total -> lead_total" in only(check(data), "calc-cycle").message


# -- matrices -----------------------------------------------------------------------------------


def test_matrix_fields_share_type_and_choices():
    data = base()
    field(data, "lead_2")["choices"] = LIKERT[:4]
    problem = only(check(data), "matrix-mixed")
    assert problem.pointer == "/fields/6/matrix" and "choices" in problem.message


def test_matrix_only_radio_or_checkbox():
    data = base()
    field(data, "lead_note")["matrix"] = {"group": "note_grid"}
    assert only(check(data), "matrix-field-type").field == "lead_note"


def test_matrix_group_contiguous():
    data = base()
    field(data, "lead_total")["type"] = "radio"
    field(data, "lead_total").pop("calculation")
    field(data, "lead_total")["choices"] = LIKERT
    field(data, "lead_total")["matrix"] = {"group": "lead_grid"}
    assert only(check(data), "matrix-not-contiguous").pointer == "/fields/8/matrix"


def test_required_on_descriptive_is_a_warning():
    data = base()
    data["fields"].append(
        {
            "name": "intro",
            "form": "leadership",
            "type": "descriptive",
            "label": "Intro",
            "required": True,
        }
    )
    assert only(check(data), "required-ignored").severity == "warning"


# -- declarations -------------------------------------------------------------------------------


def test_unknown_domain_and_grouping_field():
    data = base()
    field(data, "lead_1")["domain"] = "leed"
    data["grouping"] = ["regoin"]
    result = check(data)
    assert "Did you mean 'lead'?" in only(result, "domain-unknown").message
    problem = only(result, "reference-unknown-field")
    assert problem.pointer == "/grouping/0" and "Did you mean 'region'?" in problem.message


def test_duplicate_domain():
    data = base()
    data["domains"].append({"name": "lead", "label": "Again"})
    assert only(check(data), "domain-duplicate").pointer == "/domains/2/name"


def test_unused_field_is_a_warning_not_an_error():
    data = base()
    field(data, "lead_note").pop("domain")
    result = check(data)
    problem = only(result, "field-unused")
    assert problem.pointer == "/fields/7" and result.ok and result.warnings == [problem]


# -- scales -------------------------------------------------------------------------------------


def test_scale_item_must_exist():
    data = base()
    data["scales"][0]["items"].append("lead_nte")
    problem = only(check(data), "scale-item-unknown")
    assert problem.pointer == "/scales/0/items/2" and "Did you mean 'lead_note'?" in problem.message


def test_scale_item_must_be_numerically_coded():
    data = base()
    data["scales"][0]["items"].append("practice_id")
    problem = only(check(data), "scale-item-not-numeric")
    assert problem.pointer == "/scales/0/items/2" and "text without" in problem.message
    data = base()
    field(data, "lead_1")["choices"] = [{**c, "code": f"c{c['code']}"} for c in LIKERT]
    field(data, "lead_2")["choices"] = field(data, "lead_1")["choices"]
    found = [p for p in check(data).problems if p.code.code == "scale-item-not-numeric"]
    assert [p.pointer for p in found] == ["/scales/0/items/0", "/scales/0/items/1"]
    assert "choice code is not a number" in found[0].message


def test_scale_needs_items_and_composite_needs_scales():
    data = base()
    data["scales"][0]["items"] = []
    data["scales"][0]["reverse"] = []
    data["composites"][0]["scales"] = []
    result = check(data)
    problems = [p for p in result.problems if p.code.code == "scale-empty"]
    assert [p.pointer for p in problems] == ["/scales/0/items", "/composites/0/scales"]


def test_duplicate_scale_item():
    data = base()
    data["scales"][0]["items"].append("lead_1")
    assert only(check(data), "scale-item-duplicate").pointer == "/scales/0/items/2"


def test_reverse_key_must_be_an_item():
    data = base()
    data["scales"][0]["reverse"] = ["lead_note"]
    assert only(check(data), "scale-reverse-not-item").pointer == "/scales/0/reverse/0"


def test_reverse_key_needs_a_known_range():
    data = base()
    data["fields"].append(
        {
            "name": "count_a",
            "form": "leadership",
            "type": "text",
            "label": "n",
            "domain": "lead",
            "validation": {"type": "integer"},
        }
    )
    data["scales"].append(
        {"name": "counts", "label": "Counts", "items": ["count_a"], "reverse": ["count_a"]}
    )
    problem = only(check(data), "scale-range-unknown")
    assert problem.pointer == "/scales/1" and "count_a" in problem.message
    data["scales"][1]["item_range"] = [0, 10]
    assert check(data).ok


def test_item_range_that_disagrees_with_codes_is_a_warning():
    data = base()
    data["scales"][0]["item_range"] = [1, 4]
    result = check(data)
    found = [p for p in result.problems if p.code.code == "scale-range-mismatch"]
    assert [p.pointer for p in found] == ["/scales/0/items/0", "/scales/0/items/1"]
    assert result.ok and "codes 1..5 outside item_range [1.0, 4.0]" in found[0].message


def test_min_answered_cannot_exceed_items():
    data = base()
    data["scales"][0]["min_answered"] = {"count": 3}
    assert only(check(data), "scale-min-answered").pointer == "/scales/0/min_answered"


def test_duplicate_scale_names_across_scales_and_composites():
    data = base()
    data["composites"][0]["name"] = "leadership"
    result = check(data)
    assert only(result, "scale-duplicate").pointer == "/composites/0/name"


def test_composite_parts_must_exist_and_not_cycle():
    data = base()
    data["composites"][0]["scales"] = ["leadershp"]
    assert "Did you mean 'leadership'?" in only(check(data), "scale-part-unknown").message
    data = base()
    data["composites"] = [
        {"name": "one", "label": "One", "scales": ["two"]},
        {"name": "two", "label": "Two", "scales": ["one", "leadership"]},
    ]
    assert "one -> two -> one" in only(check(data), "scale-cycle").message


def test_score_field_must_hold_a_number():
    data = base()
    data["scales"][0]["score_field"] = "lead_note"
    assert only(check(data), "score-field-type").pointer == "/scales/0/score_field"
    data["scales"][0]["score_field"] = "score_laed"
    assert "Did you mean 'score_lead'?" in only(check(data), "reference-unknown-field").message


def test_score_field_not_shared():
    data = base()
    data["composites"][0]["score_field"] = "score_lead"
    assert only(check(data), "score-field-shared").pointer == "/composites/0/score_field"


def test_bands_gap_overlap_order_and_coverage():
    data = base()
    bands = data["scales"][0]["bands"]["bands"]
    bands[1]["min"] = 60
    assert only(check(data), "bands-gap").pointer == "/scales/0/bands/bands/1"
    bands[1]["min"] = 40
    assert only(check(data), "bands-overlap").pointer == "/scales/0/bands/bands/1"
    bands[1]["min"] = 50
    bands[1]["max"] = 90
    problem = only(check(data), "bands-coverage")
    assert "0..100" in problem.message and problem.pointer == "/scales/0/bands"
    bands[1]["max"] = 40
    assert check(data).codes().count("bands-order") == 1


def test_bands_follow_the_unrescaled_range():
    data = base()
    del data["scales"][0]["rescale"]
    assert "score runs 1..5" in only(check(data), "bands-coverage").message


# -- waves --------------------------------------------------------------------------------------


def test_waves_in_time_order():
    data = base()
    data["waves"]["events"][1]["month"] = 0
    assert only(check(data), "waves-order").pointer == "/waves/events/1/month"


def test_wave_labels_give_unique_redcap_names():
    data = base()
    data["waves"]["events"][1]["label"] = "Baseline!"
    problem = only(check(data), "waves-event-duplicate")
    assert "baseline_arm_1" in problem.message and problem.pointer == "/waves/events/1/label"


def test_wave_label_limit():
    data = base()
    data["waves"]["events"][1]["label"] = "Follow-up assessment at six months"
    assert only(check(data), "waves-label-too-long").pointer == "/waves/events/1/label"


def test_wave_forms_must_exist():
    data = base()
    data["waves"]["events"][0]["forms"] = ["profil"]
    assert only(check(data), "form-unknown").pointer == "/waves/events/0/forms/0"


def test_repeating_waves_need_a_date_field_on_the_form():
    data = base()
    data["waves"] = {"mode": "repeating", "form": "leadership", "date_field": "visit_date"}
    problem = only(check(data), "waves-date-field")
    assert "is on form 'profile'" in problem.message
    data["waves"] = {"mode": "repeating", "form": "profile", "date_field": "practice_id"}
    assert "date validation" in only(check(data), "waves-date-field").message
    data["waves"] = {"mode": "repeating", "form": "profile", "date_field": "visit_date"}
    assert check(data).ok


def test_waves_mode_keys():
    data = base()
    data["waves"] = {
        "mode": "repeating",
        "form": "profile",
        "date_field": "visit_date",
        "events": [{"name": "b", "label": "B", "month": 0}],
    }
    assert only(check(data), "waves-events").pointer == "/waves"


# -- coding instruments -------------------------------------------------------------------------


def coding_instrument() -> dict:
    data = base()
    data["kind"] = "coding"
    data["coding"] = {"unit_field": "practice_id", "coder_field": "region", "codes": ["supports"]}
    return data


def test_coding_instrument_declares_what_coders_are_compared_on():
    assert check(coding_instrument()).ok
    data = coding_instrument()
    del data["coding"]
    assert only(check(data), "coding-missing").pointer == "/"


def test_coding_fields_exist_and_codes_are_categorical():
    data = coding_instrument()
    data["coding"]["coder_field"] = "regoin"
    data["coding"]["codes"].append("lead_note")
    result = check(data)
    assert only(result, "reference-unknown-field").pointer == "/coding/coder_field"
    assert only(result, "coding-not-categorical").pointer == "/coding/codes/1"


def test_logic_nested_too_deep_is_a_catalogued_problem_with_its_place():
    """Issue 12: about 150 nested parentheses raised RecursionError out of validation."""
    data = base()
    field(data, "lead_note")["branching_logic"] = "(" * 150 + "[lead_1] = '1'" + ")" * 150
    field(data, "lead_total")["calculation"] = " + ".join(["[lead_1]"] * 400)
    deep = [p for p in check(data).problems if p.code.code == "logic-too-deep"]
    assert [p.pointer for p in deep] == ["/fields/7/branching_logic", "/fields/8/calculation"]
    assert "more than 40 deep" in deep[0].message and "at character 41" in deep[0].message
