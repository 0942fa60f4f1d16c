"""The tidy statistics table end to end: decoded responses in, one long table out.

The proportions come from the seed documents (58% / 28% / 14% of providers have done QI /
never engaged / find QI not relevant), simulated and recovered with Wilson intervals; the
denominators follow who was asked.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from instruments import load_instrument, load_shipped
from plugin.simulate import simulate
from scoring.decode import decode
from scoring.field_stats import Options
from scoring.statistics import statistics_table
from scoring.tidy import TIDY_COLUMNS
from tests.instruments.helpers import base
from tests.scoring.redcap_export import export_frame

PROVIDERS = load_shipped("provider_scan").unwrap()
READINESS = load_shipped("practice_readiness").unwrap()


def table_of(instrument, n, seed=7, **options):
    rows = simulate(instrument, seed=seed, n=n)
    return statistics_table(decode(export_frame(instrument, rows), instrument), **options)


def pick(table: pd.DataFrame, field: str, statistic: str, **where: str) -> pd.Series:
    found = table[(table["field"] == field) & (table["statistic"] == statistic)]
    for column, value in where.items():
        found = found[found[column] == value]
    assert len(found) == 1, found
    return found.iloc[0]


def test_the_table_has_the_issues_columns_in_order() -> None:
    table = table_of(PROVIDERS, 50)
    assert tuple(table.columns) == TIDY_COLUMNS
    assert table["instrument"].eq("provider_scan").all()
    assert table["version"].eq(PROVIDERS.version).all()


def test_simulated_providers_reproduce_the_seed_proportions_with_wilson_intervals() -> None:
    # Seed document 001: 58% have begun or completed QI, 28% never engaged, 14% not relevant.
    table = table_of(PROVIDERS, 4000, seed=2017)
    for code, expected in (("1", 58.0), ("2", 28.0), ("3", 14.0)):
        row = pick(table, "qi_involvement", "percent", choice_code=code)
        count = pick(table, "qi_involvement", "count", choice_code=code)["value"]
        assert abs(row["value"] - expected) < 2.0, (code, row["value"])
        assert row["ci_low"] < expected < row["ci_high"]
        low, high = proportion_confint(count, row["n"], alpha=0.05, method="wilson")
        assert math.isclose(row["ci_low"], 100 * low) and math.isclose(row["ci_high"], 100 * high)
    assert pick(table, "qi_involvement", "denominator")["value"] == 4000


def test_a_follow_up_question_is_out_of_those_asked() -> None:
    table = table_of(PROVIDERS, 600)
    never = pick(table, "qi_involvement", "count", choice_code="2")["value"]
    not_relevant = pick(table, "qi_involvement", "count", choice_code="3")["value"]
    # qi_barriers is shown only when QI was never done or is not relevant.
    assert pick(table, "qi_barriers", "n_asked")["value"] == never + not_relevant
    respondents = pick(table, "qi_barriers", "n_respondents")["value"]
    assert pick(table, "qi_barriers", "percent_of_respondents", choice_code="1")["n"] == respondents


def test_by_group_tables_add_up_and_carry_a_named_test() -> None:
    table = table_of(PROVIDERS, 400, by="org_type")
    counts = table[(table["field"] == "qi_involvement") & (table["statistic"] == "count")]
    grouped = counts[counts["group_by"] == "org_type"]
    test = pick(table, "qi_involvement", "p_value", group_by="org_type")
    assert grouped["value"].sum() == test["n"]
    assert "chi-square" in test["note"] or "Fisher" in test["note"]
    assert set(grouped["group"]) == set(PROVIDERS.field_map()["org_type"].choice_labels().values())
    # The overall rows stay beside the groups', and the groups add up to them.
    overall = counts[counts["group_by"] == ""].set_index("choice_code")["value"]
    assert grouped.groupby("choice_code")["value"].sum().equals(overall)


def test_suppression_withholds_small_counts_and_says_why() -> None:
    table = table_of(PROVIDERS, 120, by="org_type", options=Options(suppress_below=5))
    blanked = table[table["note"].str.startswith("withheld")]
    assert not blanked.empty
    assert blanked["value"].isna().all()
    published = table[(table["statistic"] == "count")]["value"].dropna()
    assert not ((published > 0) & (published < 5)).any()  # a zero identifies no one


def test_a_withheld_count_cannot_be_worked_out_from_any_total_in_the_table() -> None:
    table = table_of(PROVIDERS, 120, by="org_type", options=Options(suppress_below=5))
    single = table[
        (table["statistic"] == "count") & table["field"].isin(["qi_involvement", "org_type"])
    ]
    for field, counts in single.groupby("field"):
        grid = counts.pivot_table(
            index="choice_code", columns="group", values="value", aggfunc="first", dropna=False
        )
        hidden = grid.isna()
        # Each column's base is published (its denominator), and the overall column is the
        # total of each option across the groups: no line may hold exactly one withheld cell.
        assert not (hidden.sum(axis=0) == 1).any(), (field, grid)
        assert not (hidden.drop(columns="").sum(axis=1) == 1).any(), (field, grid)


def test_waves_add_change_rows_for_every_scale() -> None:
    table = table_of(READINESS, 60, waves=True)
    for scale in READINESS.all_scales():
        change = pick(table, scale.name, "mean_change", wave="baseline to latest")
        assert change["ci_low"] < change["value"] < change["ci_high"]
        assert pick(table, scale.name, "slope_per_month", wave="all waves")["n"] > 60
    assert set(table["wave"]) >= {"baseline", "month_3", "month_12", "baseline to latest"}
    alpha = pick(table, "leadership", "cronbach_alpha", wave="baseline")
    assert 0 < alpha["value"] < 1 and alpha["ci_low"] < alpha["value"] < alpha["ci_high"]


def test_a_coding_instrument_gets_agreement_rows() -> None:
    coding = load_shipped("qualitative_coding").unwrap()
    table = table_of(coding, 30)
    overall = table[table["field"] == "overall"]
    assert set(overall["statistic"]) == {
        "percent_agreement",
        "pooled_kappa",
        "krippendorff_alpha_nominal",
    }
    assert 0 <= pick(table, "valence", "percent_agreement")["value"] <= 100


# A check-all question behind branching: whatever the export holds for respondents who were
# not shown it (REDCap exports 0 for every box), they never enter a denominator.
GATED = {
    "id": "gated",
    "version": "1.0.0",
    "title": "Gated",
    "kind": "survey",
    "respondent": "member",
    "source": {"citation": "Written for the tests."},
    "record_id": "record_id",
    "forms": [{"name": "scan", "label": "Scan", "survey": True}],
    "fields": [
        {"name": "record_id", "form": "scan", "type": "text", "label": "Record"},
        {
            "name": "done_qi",
            "form": "scan",
            "type": "yesno",
            "label": "Has your organisation done QI?",
        },
        {
            "name": "barriers",
            "form": "scan",
            "type": "checkbox",
            "label": "What got in the way?",
            "branching_logic": "[done_qi] = '0'",
            "choices": [
                {"code": "1", "label": "Data"},
                {"code": "2", "label": "Time"},
                {"code": "3", "label": "Money"},
            ],
        },
    ],
}
RESPONDENT = st.tuples(
    st.sampled_from(["1", "0", ""]),  # done_qi
    st.lists(st.sampled_from(["0", "1"]), min_size=3, max_size=3),  # the boxes as exported
    st.sampled_from(["2", "0", ""]),  # form status; "" = never saved, "0" = partial
)


@settings(max_examples=60, deadline=None)
@given(st.lists(RESPONDENT, min_size=1, max_size=40))
def test_a_checkbox_never_shown_never_enters_a_denominator(respondents) -> None:
    instrument = load_instrument(GATED).unwrap()
    rows = [
        {
            "record_id": str(i + 1),
            "done_qi": done,
            **{f"barriers___{code}": box for code, box in zip("123", boxes, strict=True)},
            "scan_complete": status,
        }
        for i, (done, boxes, status) in enumerate(respondents)
    ]
    table = statistics_table(decode(pd.DataFrame(rows, dtype=object), instrument))
    # A respondent started the form: completed it, or saved it partly answered. A partial
    # response counts for the questions it answered only.
    started = [
        status == "2" or (status == "0" and (done != "" or "1" in boxes))
        for done, boxes, status in respondents
    ]
    shown = [
        go and done == "0" and (status == "2" or "1" in boxes)
        for go, (done, boxes, status) in zip(started, respondents, strict=True)
    ]
    answered = [s and "1" in boxes for s, (_, boxes, _) in zip(shown, respondents, strict=True)]
    assert pick(table, "_response", "n_respondents")["value"] == sum(started)
    assert pick(table, "barriers", "n_asked")["value"] == sum(shown)
    if not any(shown):  # asked of nobody: its n_asked of 0 and nothing else
        assert set(table[table["field"] == "barriers"]["statistic"]) <= {"n_asked", "n_not_reached"}
        return
    assert pick(table, "barriers", "n_respondents")["value"] == sum(answered)
    ticks = np.array([[b == "1" for b in boxes] for _, boxes, _ in respondents])
    for position, code in enumerate("123"):
        expected = (
            int(ticks[np.array(answered, dtype=bool), position].sum()) if any(answered) else 0
        )
        assert pick(table, "barriers", "count", choice_code=code)["value"] == expected


def test_yes_no_items_get_mcnemar_across_waves() -> None:
    data = base()
    data["fields"].append(
        {"name": "has_team", "form": "leadership", "type": "yesno", "label": "A QI team?"}
    )
    instrument = load_instrument(data).unwrap()
    responses = decode(export_frame(instrument, simulate(instrument, seed=4, n=40)), instrument)
    table = statistics_table(responses, waves=True)
    change = pick(table, "has_team", "change_in_percent", wave="baseline to latest")
    frame = responses.frame
    wide = frame.pivot(index="record_id", columns="wave_index", values="has_team").astype(float)
    pairs = wide.dropna()
    assert change["n"] == len(pairs)
    assert math.isclose(change["value"], 100 * (pairs[1].mean() - pairs[0].mean()))
    assert "McNemar" in pick(table, "has_team", "mcnemar_p")["note"]


def test_a_question_not_asked_at_a_wave_has_no_rows_there() -> None:
    table = table_of(READINESS, 30, waves=True)
    # The practice profile is filled in once, at baseline: no rows of NaN at later waves.
    region = table[table["field"] == "region"]
    assert set(region["wave"]) == {"baseline"}
    later = table[(table["wave"] == "month_3") & (table["field"] == "comm_channels")]
    assert later.empty
    assert not table[table["wave"] == "month_3"].empty


def test_by_with_waves_gives_the_change_per_group_beside_the_overall() -> None:
    table = table_of(READINESS, 60, waves=True, by="practice_size")
    change = table[(table["statistic"] == "mean_change") & (table["field"] == "leadership")]
    overall = change[change["group_by"] == ""]
    grouped = change[change["group_by"] == "practice_size"]
    assert len(overall) == 1 and len(grouped) >= 2
    sizes = READINESS.field_map()["practice_size"].choice_labels().values()
    assert set(grouped["group"]) <= set(sizes)
    # Each group's pairs are its own practices: together they are the overall's.
    assert grouped["n"].sum() == overall["n"].iloc[0]
