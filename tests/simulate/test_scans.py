"""The CME environmental scans: the source's proportions by default, and the branching that
decides who is asked what."""

from __future__ import annotations

from collections import Counter

import pytest

from instruments.naming import checkbox_column
from plugin.simulate import SimulationOptions, simulate

# Seed document 000: 58% / 28% / 14% of providers (done QI / never / not relevant), 77% of
# supporters having supported QI.
PROVIDER_SHARES = {"1": 58.0, "2": 28.0, "3": 14.0}
SUPPORTED = 77.0


def shares(rows: list[dict[str, str]], field: str) -> dict[str, float]:
    answered = [row[field] for row in rows if row[field] != ""]
    counts = Counter(answered)
    return {code: 100.0 * count / len(answered) for code, count in counts.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_provider_qi_involvement_matches_the_source_within_two_and_a_half_points(shipped, seed):
    rows = simulate(shipped["provider_scan"], seed=seed, n=5000)
    found = shares(rows, "qi_involvement")
    for code, expected in PROVIDER_SHARES.items():
        assert found[code] == pytest.approx(expected, abs=2.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_supporters_have_supported_qi_in_77_percent_within_two_and_a_half_points(shipped, seed):
    rows = simulate(shipped["supporter_scan"], seed=seed, n=5000)
    assert shares(rows, "qi_involvement")["1"] == pytest.approx(SUPPORTED, abs=2.5)


def test_the_proportions_are_options(shipped):
    options = SimulationOptions(provider_qi_involvement=(0.2, 0.3, 0.5), supporter_qi_supported=0.4)
    providers = shares(
        simulate(shipped["provider_scan"], seed=4, n=5000, options=options), "qi_involvement"
    )
    supporters = shares(
        simulate(shipped["supporter_scan"], seed=4, n=5000, options=options), "qi_involvement"
    )
    assert providers["1"] == pytest.approx(20, abs=2.5)
    assert providers["3"] == pytest.approx(50, abs=2.5)
    assert supporters["1"] == pytest.approx(40, abs=2.5)


def test_choice_weights_override_any_single_choice_field(shipped):
    options = SimulationOptions(choice_weights={"org_type": {"4": 1.0}})
    rows = simulate(shipped["provider_scan"], seed=5, n=300, options=options)
    assert {row["org_type"] for row in rows} <= {"4", ""}


@pytest.mark.parametrize("name", ["provider_scan", "supporter_scan"])
def test_barriers_are_asked_only_of_organisations_without_qi(name, simulated, shipped):
    codes = shipped[name].field_map()["qi_barriers"].choice_codes()
    rows = simulated[name].rows
    asked = 0
    for row in rows:
        ticked = [row[checkbox_column("qi_barriers", code)] for code in codes]
        if row["qi_involvement"] in ("2", "3"):
            asked += "1" in ticked
        else:
            assert ticked == ["0"] * len(codes)
    assert asked > 0


@pytest.mark.parametrize(
    ("other", "trigger"),
    [
        ("qi_barriers_other", "qi_barriers___7"),
        ("edu_formats_other", "edu_formats___9"),
        ("moc_boards_other", "moc_boards___9"),
        ("patient_roles_other", "patient_roles___6"),
        ("org_type_other", None),
    ],
)
def test_other_text_is_blank_unless_its_trigger_is_ticked(simulated, other, trigger):
    rows = simulated["provider_scan"].rows
    for row in rows:
        triggered = row["org_type"] == "5" if trigger is None else row[trigger] == "1"
        if not triggered:
            assert row[other] == ""
    written = [row[other] for row in rows if row[other]]
    assert written, f"nobody wrote in {other}"


def test_projects_are_counted_only_by_organisations_doing_qi(simulated):
    for row in simulated["provider_scan"].rows:
        if row["qi_involvement"] != "1":
            assert row["qi_projects_3y"] == ""
        elif row["qi_projects_3y"]:
            assert int(row["qi_projects_3y"]) >= 0


def test_highest_outcome_level_is_the_highest_level_ticked(simulated, shipped):
    codes = [c for c in shipped["provider_scan"].field_map()["outcome_levels"].choice_codes()]
    for row in simulated["provider_scan"].rows:
        if row["outcome_highest"] == "" or row["provider_scan_complete"] != "2":
            continue
        ticked = [code for code in codes if row[checkbox_column("outcome_levels", code)] == "1"]
        assert row["outcome_highest"] == (ticked[-1] if ticked else "0")


def test_not_at_present_excludes_every_other_patient_role(simulated, shipped):
    codes = shipped["provider_scan"].field_map()["patient_roles"].choice_codes()
    none_ticked = 0
    for row in simulated["provider_scan"].rows:
        if row["patient_roles___0"] == "1":
            none_ticked += 1
            assert all(row[checkbox_column("patient_roles", c)] == "0" for c in codes if c != "0")
    assert none_ticked > 0


def test_choice_weights_that_weigh_no_code_are_refused(shipped):
    options = SimulationOptions(choice_weights={"org_type": {"9": 1.0}})
    with pytest.raises(ValueError, match=r"field 'org_type' give no weight to any of its codes"):
        simulate(shipped["provider_scan"], seed=5, n=10, options=options)
