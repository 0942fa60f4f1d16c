"""The instruments qiscan ships: each loads clean and compiles, and each says what its source
document says (seed 000: the CME environmental scan, focus groups and transcript coding; seed 001:
the practice facilitators' readiness guide)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from instruments import Instrument, InstrumentError, load_instrument, load_shipped, shipped_names
from instruments.dictionary import compile_dictionary, import_dictionary, to_csv
from instruments.logic import evaluate, parse, truthy
from instruments.naming import checkbox_column
from instruments.waves import unique_event_names

EXPECTED = [
    "focus_group",
    "practice_readiness",
    "provider_scan",
    "qualitative_coding",
    "supporter_scan",
]
SEED_SCAN = "000_6987401f39c0a5dd.txt"
SEED_GUIDE = "001_3c070dc38886b040.txt"
LIKERT_CODES = ["1", "2", "3", "4", "5"]
BARRIERS = [
    "Access to health-system data",
    "Human or financial resources",
    "Organisational culture",
    "Expertise",
    "A time frame longer than a 12-month grant cycle",
    "Physician engagement",
    "Other",
]
MOORE_CODES = ["1", "2", "3a", "3b", "4", "5", "6", "7"]
ELEMENTS = ["leadership", "resources", "culture", "context"]


def shipped(name: str) -> Instrument:
    return load_shipped(name).unwrap()


def raw(name: str) -> dict:
    text = resources.files("instruments.definitions").joinpath(f"{name}.json").read_text()
    return json.loads(text)


def record(instrument: Instrument, **values: str) -> dict[str, str]:
    """A blank export row for the instrument (checkbox options as ``field___code`` columns),
    with ``values`` filled in."""
    row: dict[str, str] = {}
    for fld in instrument.fields:
        if fld.type == "checkbox":
            for code in fld.choice_codes():
                row[checkbox_column(fld.name, code)] = "0"
        else:
            row[fld.name] = ""
    for column, value in values.items():
        assert column in row, f"no column {column}"
        row[column] = value
    return row


def shown(instrument: Instrument, field: str, **values: str) -> bool:
    logic = instrument.field_map()[field].branching_logic
    assert logic, f"{field} has no branching logic"
    return truthy(evaluate(parse(logic), record(instrument, **values)))


# -- every shipped instrument ---------------------------------------------------------------------


def test_the_five_instruments_are_shipped():
    assert shipped_names() == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_loads_with_no_errors_and_no_warnings(name):
    result = load_shipped(name)
    assert [str(p) for p in result.problems] == []
    assert result.unwrap().id == name


@pytest.mark.parametrize("name", EXPECTED)
def test_compiles_and_survives_a_round_trip_through_a_dictionary(name):
    instrument = shipped(name)
    rows = compile_dictionary([instrument])
    assert rows[0]["field_name"] == "record_id"
    assert [row["field_name"] for row in rows] == [f.name for f in instrument.fields]
    imported = import_dictionary(to_csv(rows).encode("utf-8"), file=f"{name}.csv")
    assert imported.warnings == []
    assert compile_dictionary([load_instrument(imported.data).unwrap()]) == rows


@pytest.mark.parametrize("name", EXPECTED)
def test_metadata_record_id_and_domains(name):
    instrument = shipped(name)
    assert instrument.record_id == "record_id" == instrument.fields[0].name
    assert SEED_GUIDE in instrument.source.citation or SEED_SCAN in instrument.source.citation
    assert "qiscan" in instrument.source.licence_note
    for fld in instrument.fields[1:]:
        assert fld.domain, f"{fld.name} has no domain"


@pytest.mark.parametrize(
    ("name", "surveys"),
    [
        ("provider_scan", {"provider_scan"}),
        ("supporter_scan", {"supporter_scan"}),
        ("focus_group", {"participant"}),
        ("practice_readiness", set()),
        ("qualitative_coding", set()),
    ],
)
def test_forms_members_fill_in_are_surveys(name, surveys):
    assert {f.name for f in shipped(name).forms if f.survey} == surveys


# -- the environmental scans (seed 000) -----------------------------------------------------------


def test_provider_qi_involvement_has_exactly_the_three_reported_answers():
    fld = shipped("provider_scan").field_map()["qi_involvement"]
    assert fld.type == "radio" and fld.required
    labels = fld.choice_labels()
    assert list(labels) == ["1", "2", "3"]
    assert "begun or completed one or more QI projects" in labels["1"]
    assert "never engaged in a QI initiative" in labels["2"]
    assert "not relevant" in labels["3"]


def test_provider_barriers_are_the_seven_reported_barriers():
    fld = shipped("provider_scan").field_map()["qi_barriers"]
    assert fld.type == "checkbox"
    assert fld.choice_codes() == [str(code) for code in range(1, 8)]
    assert list(fld.choice_labels().values()) == BARRIERS


@pytest.mark.parametrize(
    ("involvement", "expected"),
    [
        ("", False),
        ("1", False),
        ("2", True),
        ("3", True),
    ],
)
def test_barriers_are_asked_only_of_providers_not_doing_qi(involvement, expected):
    instrument = shipped("provider_scan")
    assert shown(instrument, "qi_barriers", qi_involvement=involvement) is expected
    assert shown(instrument, "qi_projects_3y", qi_involvement=involvement) is (involvement == "1")


def test_other_barrier_text_follows_the_other_box():
    instrument = shipped("provider_scan")
    assert instrument.field_map()["qi_barriers_other"].branching_logic == "[qi_barriers(7)] = '1'"
    assert not shown(instrument, "qi_barriers_other", qi_barriers___1="1")
    assert shown(instrument, "qi_barriers_other", qi_barriers___7="1")


def test_project_count_is_a_non_negative_integer():
    validation = shipped("provider_scan").field_map()["qi_projects_3y"].validation
    assert validation is not None
    assert (validation.type, validation.min) == ("integer", "0")


def test_other_organisation_type_is_asked_only_for_other():
    instrument = shipped("provider_scan")
    assert instrument.grouping == ["org_type"]
    assert shown(instrument, "org_type_other", org_type="5")
    assert not shown(instrument, "org_type_other", org_type="1")


@pytest.mark.parametrize("name", ["provider_scan", "supporter_scan"])
def test_scans_cover_the_five_domains(name):
    instrument = shipped(name)
    assert [d.name for d in instrument.domains] == [
        "profile",
        "qi",
        "education",
        "outcomes",
        "moc",
        "patients",
        "comments",
    ]
    used = {f.domain for f in instrument.fields if f.domain}
    assert used == {d.name for d in instrument.domains}


@pytest.mark.parametrize("name", ["provider_scan", "supporter_scan"])
def test_outcome_levels_are_moores_expanded_framework(name):
    fields = shipped(name).field_map()
    levels = fields["outcome_levels"]
    assert levels.type == "checkbox" and levels.choice_codes() == MOORE_CODES
    assert levels.choice_labels()["3b"] == "Level 3b: procedural knowledge"
    assert fields["outcome_highest"].choice_codes()[:8] == MOORE_CODES


@pytest.mark.parametrize("name", ["provider_scan", "supporter_scan"])
def test_moc_details_only_when_moc_credit_is_given(name):
    instrument = shipped(name)
    for detail in ("moc_boards", "moc_parts"):
        assert shown(instrument, detail, moc_credit="1")
        assert not shown(instrument, detail, moc_credit="0")
    assert shown(instrument, "moc_plans", moc_credit="0")


@pytest.mark.parametrize("name", ["provider_scan", "supporter_scan"])
def test_patient_inclusion_has_an_exclusive_not_at_present(name):
    fld = shipped(name).field_map()["patient_roles"]
    assert fld.choice_labels()["0"] == "Not at present"
    assert "@NONEOFTHEABOVE='0'" in fld.annotation


SHARED = [
    "qi_involvement",
    "qi_projects_3y",
    "qi_barriers",
    "qi_barriers_other",
    "edu_formats",
    "edu_formats_other",
    "edu_alp_gap",
    "edu_alp_active",
    "edu_alp_feedback",
    "edu_alp_reflect",
    "edu_alp_spaced",
    "outcome_levels",
    "outcome_highest",
    "moc_credit",
    "moc_boards",
    "moc_boards_other",
    "moc_parts",
    "moc_plans",
    "patient_roles",
    "patient_roles_other",
    "patient_plans",
    "comments",
]


@pytest.mark.parametrize("name", SHARED)
def test_supporter_shares_field_names_types_and_codes_with_provider(name):
    provider = shipped("provider_scan").field_map()[name]
    supporter = shipped("supporter_scan").field_map()[name]
    assert (supporter.type, supporter.domain) == (provider.type, provider.domain)
    assert supporter.choice_codes() == provider.choice_codes()
    assert supporter.branching_logic == provider.branching_logic


def test_supporter_barrier_list_is_the_providers():
    provider = shipped("provider_scan").field_map()["qi_barriers"]
    supporter = shipped("supporter_scan").field_map()["qi_barriers"]
    assert supporter.choice_labels() == provider.choice_labels()


def test_supporter_qi_question_reproduces_the_77_percent():
    instrument = shipped("supporter_scan")
    labels = instrument.field_map()["qi_involvement"].choice_labels()
    assert "supported one or more QI projects" in labels["1"]
    assert "never supported" in labels["2"] and "not relevant" in labels["3"]
    assert instrument.grouping == ["supporter_type"]
    assert list(instrument.field_map()["supporter_type"].choice_labels().values()) == [
        "Pharmaceutical company",
        "Medical device company",
        "Foundation or non-profit organisation",
        "Government agency",
        "Other",
    ]


def test_the_scans_fit_no_common_project_because_they_share_names():
    with pytest.raises(InstrumentError, match="'qi_involvement' is used more than once"):
        compile_dictionary([shipped("provider_scan"), shipped("supporter_scan")])


# -- the readiness assessment (seed 001) ----------------------------------------------------------


def test_readiness_scales_are_willingness_and_the_four_elements():
    instrument = shipped("practice_readiness")
    assert [s.name for s in instrument.scales] == ["willingness_to_change", *ELEMENTS]
    assert [c.name for c in instrument.composites] == [
        "organisational_stability",
        "readiness_index",
    ]
    composites = {c.name: c.scales for c in instrument.composites}
    assert composites["organisational_stability"] == ELEMENTS
    assert composites["readiness_index"] == ["willingness_to_change", "organisational_stability"]


@pytest.mark.parametrize("scale", ["willingness_to_change", *ELEMENTS])
def test_each_scale_is_a_likert_matrix_with_a_reverse_keyed_item(scale):
    instrument = shipped("practice_readiness")
    found = next(s for s in instrument.scales if s.name == scale)
    fields = instrument.field_map()
    assert 3 <= len(found.items) <= 5
    assert 1 <= len(found.reverse) < len(found.items)
    assert set(found.reverse) <= set(found.items)
    groups = {fields[item].matrix.group for item in found.items}
    assert len(groups) == 1
    group_members = [f.name for f in instrument.fields if f.matrix and f.matrix.group in groups]
    assert group_members == found.items
    for item in found.items:
        assert fields[item].type == "radio" and fields[item].choice_codes() == LIKERT_CODES
    assert (found.method, found.min_answered.fraction, found.rescale) == ("mean", 0.5, "0-100")
    assert found.item_range == (1.0, 5.0)


def test_staff_too_stretched_is_reverse_keyed():
    instrument = shipped("practice_readiness")
    resources_scale = next(s for s in instrument.scales if s.name == "resources")
    assert "res_stretched" in resources_scale.reverse
    assert "too stretched" in instrument.field_map()["res_stretched"].label


def test_every_score_lands_in_its_own_read_only_number_field():
    instrument = shipped("practice_readiness")
    fields = instrument.field_map()
    targets = [s.score_field for s in instrument.all_scales()]
    assert len(targets) == len(set(targets)) == 7
    for name in targets:
        fld = fields[name]
        assert fld.type == "text" and fld.validation is not None
        assert fld.validation.type == "number"
        assert "@READONLY" in fld.annotation and fld.domain == "scores"


def test_readiness_bands_are_a_local_convention_covering_0_to_100():
    index = next(c for c in shipped("practice_readiness").composites if c.name == "readiness_index")
    bands = index.bands
    assert bands is not None and bands.convention == "local"
    assert "not a validated cut-off" in bands.description
    assert bands.bands[0].min == 0 and bands.bands[-1].max == 100
    for before, after in zip(bands.bands, bands.bands[1:], strict=False):
        assert after.min == before.max
    guidance = [b.guidance for b in bands.bands]
    assert guidance[0].startswith("Set the stage")
    assert guidance[1].startswith("Build trust and tailor the message")
    assert guidance[2].startswith("Maintain buy-in") and "early win" in guidance[2]


def test_readiness_bands_cannot_claim_to_be_validated():
    data = raw("practice_readiness")
    data["composites"][1]["bands"]["convention"] = "validated"
    with pytest.raises(InstrumentError, match="composites/1/bands/convention"):
        load_instrument(data, name="practice_readiness.json").unwrap()


def test_a_gap_between_readiness_bands_is_refused():
    data = raw("practice_readiness")
    data["composites"][1]["bands"]["bands"][1]["min"] = 40
    with pytest.raises(InstrumentError, match="bands leave a gap between 33.3 and 40"):
        load_instrument(data, name="practice_readiness.json").unwrap()


def test_waves_run_from_baseline_to_month_12_every_three_months():
    instrument = shipped("practice_readiness")
    waves = instrument.waves
    assert waves is not None and waves.mode == "events"
    assert [e.name for e in waves.events] == [
        "baseline",
        "month_3",
        "month_6",
        "month_9",
        "month_12",
    ]
    assert [e.month for e in waves.events] == [0, 3, 6, 9, 12]
    assert list(unique_event_names(instrument)) == [
        "baseline_arm_1",
        "month_3_arm_1",
        "month_6_arm_1",
        "month_9_arm_1",
        "month_12_arm_1",
    ]
    assert waves.events[0].forms == ["practice_profile", "readiness_assessment"]
    assert all(e.forms == ["readiness_assessment"] for e in waves.events[1:])


def test_readiness_unit_grouping_and_missing_codes():
    instrument = shipped("practice_readiness")
    assert instrument.kind == "assessment"
    assert instrument.unit is not None and instrument.unit.id_field == "practice_id"
    assert instrument.grouping == ["region", "practice_size", "system_affiliation"]
    fields = instrument.field_map()
    assert fields["region"].type == "dropdown"
    assert list(fields["system_affiliation"].choice_labels().values()) == [
        "Independent",
        "Part of a health system",
    ]
    assert fields["assessment_date"].validation.type == "date_ymd"
    assert fields["assessment_date"].form == "readiness_assessment"
    assert {(m.code, m.meaning) for m in instrument.missing_codes} == {
        ("NA", "not_applicable"),
        ("UNK", "dont_know"),
    }


# -- the focus groups and transcript coding (seed 000) -------------------------------------------


def test_focus_group_has_the_thirteen_discussion_questions_in_order():
    instrument = shipped("focus_group")
    summaries = [f for f in instrument.fields if f.name.endswith("_summary")]
    guides = [f for f in instrument.fields if f.name.endswith("_guide")]
    assert [f.name for f in summaries] == [f"q{n:02d}_summary" for n in range(1, 14)]
    assert all(f.type == "notes" for f in summaries)
    assert all(f.type == "descriptive" for f in guides) and len(guides) == 13
    for n, guide in enumerate(guides, start=1):
        assert guide.label.startswith(f"<b>{n}. ")
        assert instrument.field_map()[f"q{n:02d}_summary"].domain == guide.domain
    with_probes = [n for n, g in enumerate(guides, start=1) if "Probes:" in g.label]
    assert with_probes == [3, 5, 6, 7, 8, 10, 11]


def test_focus_group_questions_follow_the_four_broad_areas():
    instrument = shipped("focus_group")
    areas = [instrument.field_map()[f"q{n:02d}_summary"].domain for n in range(1, 14)]
    assert set(areas) == {"defining", "designing", "barriers", "facilitators"}
    assert areas[0] == "defining" and areas[6] == "barriers"


def test_focus_group_demographics_match_the_scan_codes():
    instrument = shipped("focus_group")
    fields = instrument.field_map()
    provider = shipped("provider_scan").field_map()["org_type"]
    assert fields["org_type"].choice_labels() == provider.choice_labels()
    assert {"role", "qie_years", "eligible_qie"} <= set(fields)
    assert {f.name for f in instrument.fields if f.form == "participant"} >= {"org_type", "role"}


def test_coding_is_one_record_per_excerpt_and_coder():
    instrument = shipped("qualitative_coding")
    assert instrument.kind == "coding"
    assert instrument.unit is not None and instrument.unit.id_field == "excerpt_id"
    assert instrument.grouping == ["coder"]
    fields = instrument.field_map()
    assert fields["coder"].type == "dropdown" and fields["coder"].choice_codes() == [
        "1",
        "2",
        "3",
        "4",
    ]
    assert fields["discussion_q"].choice_codes() == [str(n) for n in range(1, 14)]
    assert fields["focus_group"].choice_codes() == ["1", "2"]


def test_coding_themes_and_primary_theme_share_one_code_book():
    instrument = shipped("qualitative_coding")
    fields = instrument.field_map()
    themes = fields["themes"]
    assert themes.type == "checkbox" and 12 <= len(themes.choices) <= 16
    labels = list(themes.choice_labels().values())
    for theme in (
        "Champions",
        "Data barriers",
        "Workarounds and surrogate metrics",
        "Leadership change",
        "Timelines",
        "Lessons learned",
    ):
        assert theme in labels
    assert labels[-1] == "Other"
    assert fields["primary_theme"].type == "dropdown"
    assert fields["primary_theme"].choice_labels() == themes.choice_labels()
    other = themes.choices[-1].code
    assert shown(instrument, "theme_other", **{checkbox_column("themes", other): "1"})
    assert not shown(instrument, "theme_other", themes___1="1")
