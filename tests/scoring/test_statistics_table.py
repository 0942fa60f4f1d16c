"""The statistics table analysts expect, on a small scan written out in full, against R.

Sixteen records: twelve complete responses, two partial ones (one stopped after its first
rating, one after its second) and two members invited with their organisation pre-filled who
never opened the survey. Every reference value was computed in R 4.2 on the same numbers; the
call is named beside it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instruments import load_instrument
from scoring.decode import decode
from scoring.questions import Options
from scoring.statistics import statistics_table

LIKERT = [{"code": str(i), "label": label} for i, label in enumerate("ABCDE", start=1)]
SCAN = {
    "id": "mini_scan",
    "version": "1.0.0",
    "title": "Mini scan",
    "kind": "survey",
    "respondent": "member organisation",
    "source": {"citation": "Written for the tests."},
    "record_id": "record_id",
    "grouping": ["org"],
    "forms": [{"name": "scan", "label": "Scan", "survey": True}],
    "fields": [
        {"name": "record_id", "type": "text", "label": "Record"},
        {
            "name": "org",
            "type": "radio",
            "label": "Organisation",
            "choices": [{"code": "1", "label": "Provider"}, {"code": "2", "label": "Supporter"}],
        },
        {
            "name": "rating_a",
            "type": "radio",
            "label": "Rating A",
            "matrix": {"group": "grid"},
            "choices": LIKERT,
        },
        {
            "name": "rating_b",
            "type": "radio",
            "label": "Rating B",
            "matrix": {"group": "grid"},
            "choices": LIKERT,
        },
        {
            "name": "topics",
            "type": "checkbox",
            "label": "Topics",
            "annotation": "@NONEOFTHEABOVE='0'",
            "choices": [
                {"code": "1", "label": "Data"},
                {"code": "2", "label": "Time"},
                {"code": "3", "label": "Money"},
                {"code": "0", "label": "None of these"},
            ],
        },
        {
            "name": "channels",
            "type": "checkbox",
            "label": "Channels",
            "choices": [{"code": "1", "label": "Email"}, {"code": "2", "label": "Phone"}],
        },
        {
            "name": "years",
            "type": "text",
            "label": "Years",
            "validation": {"type": "integer", "min": "0", "max": "100"},
        },
    ],
    "scales": [
        {
            "name": "engagement",
            "label": "Engagement",
            "items": ["rating_a", "rating_b"],
            "item_range": [1, 5],
            "min_answered": {"count": 2},
            "rescale": "0-100",
        }
    ],
}
ORG = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
RATING_A = [5, 4, 4, 3, 5, 2, 3, 2, 1, 3, 2, 4]
RATING_B = [4, 4, 5, 3, 5, 3, 2, 2, 2, 3, 1, 3]
TOPICS = ["12", "1", "0", "23", "1", "", "3", "13", "0", "2", "123", ""]
CHANNELS = ["1", "12", "", "2", "1", "", "", "1", "2", "1", "", "12"]
YEARS = [10, 12, 8, 5, 20, 15, 0, 0, 1, 0, 30, 0]


def row(record: int, **values: str) -> dict[str, str]:
    out = {"record_id": str(record), "scan_timestamp": "", "scan_complete": "0"}
    for name, codes in (("topics", "1230"), ("channels", "12")):
        for code in codes:
            out[f"{name}___{code}"] = "0"
    return out | values


def export() -> pd.DataFrame:
    rows = []
    for i in range(12):
        ticks = {f"topics___{c}": "1" for c in TOPICS[i]}
        ticks |= {f"channels___{c}": "1" for c in CHANNELS[i]}
        rows.append(
            row(
                i + 1,
                org=str(ORG[i]),
                rating_a=str(RATING_A[i]),
                rating_b=str(RATING_B[i]),
                years=str(YEARS[i]),
                scan_timestamp=f"2016-11-{i + 1:02d} 10:00:00",
                scan_complete="2",
                **ticks,
            )
        )
    rows.append(row(13, org="1", rating_a="5", scan_timestamp="[not completed]"))
    rows.append(row(14, org="2", rating_a="1", rating_b="2", scan_timestamp="[not completed]"))
    rows += [row(15, org="1"), row(16, org="2")]  # invited: the organisation pre-filled
    frame = pd.DataFrame(rows, dtype=object).fillna("")
    columns = ["record_id", "scan_timestamp", "org", "rating_a", "rating_b"]
    columns += [f"topics___{c}" for c in "1230"] + ["channels___1", "channels___2", "years"]
    return frame[[*columns, "scan_complete"]]


@pytest.fixture(scope="module")
def responses():
    instrument = load_instrument(SCAN).unwrap()
    return decode(export(), instrument)


@pytest.fixture(scope="module")
def table(responses) -> pd.DataFrame:
    return statistics_table(responses)


@pytest.fixture(scope="module")
def by_org(responses) -> pd.DataFrame:
    return statistics_table(responses, by="org")


def pick(table: pd.DataFrame, field: str, statistic: str, **where: str) -> pd.Series:
    where = {"group_by": "", "group": "", "choice_code": ""} | where
    found = table[(table["field"] == field) & (table["statistic"] == statistic)]
    for column, value in where.items():
        found = found[found[column] == value]
    assert len(found) == 1, (field, statistic, where, found)
    return found.iloc[0]


def value(table: pd.DataFrame, field: str, statistic: str, **where: str) -> float:
    return float(pick(table, field, statistic, **where)["value"])


def test_who_responded_invited_members_are_not_respondents(table) -> None:
    assert value(table, "_response", "n_records") == 16
    assert value(table, "_response", "n_respondents") == 14
    assert value(table, "_response", "n_complete") == 12
    assert value(table, "_response", "n_partial") == 2
    assert value(table, "_response", "n_not_started") == 2
    assert value(table, "_response", "rr1") == pytest.approx(100 * 12 / 16)  # AAPOR RR1
    assert value(table, "_response", "rr2") == pytest.approx(100 * 14 / 16)  # AAPOR RR2
    # The profile question's base is the respondents, not everyone with a pre-filled org.
    assert value(table, "org", "n_asked") == 14


def test_a_partial_response_counts_for_the_questions_it_answered(table) -> None:
    assert value(table, "rating_a", "n_asked") == 14
    assert value(table, "rating_b", "n_asked") == 13
    assert value(table, "rating_b", "n_not_reached") == 1
    assert value(table, "topics", "n_asked") == 12
    assert value(table, "topics", "n_not_reached") == 2
    excluded = statistics_table(
        decode(export(), load_instrument(SCAN).unwrap()), Options(partials="exclude")
    )
    assert value(excluded, "rating_a", "n_asked") == 12
    assert value(excluded, "_response", "n_respondents") == 12


def test_choice_rows_carry_their_code_and_label(table) -> None:
    percent = pick(table, "org", "percent", choice_code="2")
    assert percent["choice_label"] == "Supporter" and percent["label"] == "Organisation"
    assert not table["field"].str.contains("___").any()


def test_a_rating_has_median_top_two_box_and_mean_as_r_gives_them(table) -> None:
    # R: quantile(a, c(.5, .25, .75), type = 7) -> 3, 2, 4
    assert value(table, "rating_a", "median") == 3
    assert (value(table, "rating_a", "q1"), value(table, "rating_a", "q3")) == (2, 4)
    top = pick(table, "rating_a", "top2_percent")
    # R: prop.test(6, 14, correct = FALSE)$conf.int * 100 -> 21.3808, 67.40936
    assert top["value"] == pytest.approx(100 * 6 / 14)
    assert (top["ci_low"], top["ci_high"]) == pytest.approx((21.3808, 67.40936), abs=1e-4)
    mean = pick(table, "rating_a", "mean")
    # R: t.test(a)$estimate, $conf.int -> 3.142857, 2.330813, 3.954901
    assert mean["value"] == pytest.approx(3.142857, abs=1e-6)
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx((2.330813, 3.954901), abs=1e-6)


def test_none_of_the_above_is_an_answer_but_never_a_mention(table) -> None:
    assert value(table, "topics", "n_respondents") == 10  # ticked something, 'none' included
    assert value(table, "topics", "n_responses") == 13  # 5 + 4 + 4 mentions; 'none' is not one
    assert value(table, "topics", "count", choice_code="0") == 2
    none = table[(table["field"] == "topics") & (table["choice_code"] == "0")]
    assert "percent_of_responses" not in set(none["statistic"])
    assert value(table, "topics", "percent_of_responses", choice_code="1") == pytest.approx(
        100 * 5 / 13
    )


def test_ticking_nothing_without_a_none_option_gets_the_percent_of_those_asked(table) -> None:
    assert value(table, "channels", "n_respondents") == 8
    assert value(table, "channels", "n_answerable") == 12
    of_respondents = pick(table, "channels", "percent_of_respondents", choice_code="1")
    of_asked = pick(table, "channels", "percent_of_asked", choice_code="1")
    assert of_respondents["value"] == pytest.approx(75.0)
    assert of_asked["value"] == pytest.approx(50.0)
    # R: prop.test(6, 12, correct = FALSE)$conf.int * 100 -> 25.37816, 74.62184
    assert (of_asked["ci_low"], of_asked["ci_high"]) == pytest.approx((25.37816, 74.62184), 1e-5)
    # With a 'none' option, ticking nothing is a blank answer: no such rows.
    assert not (table["field"].eq("topics") & table["statistic"].eq("percent_of_asked")).any()


def test_an_interval_never_leaves_the_answers_range(by_org) -> None:
    mean = pick(by_org, "years", "mean", group_by="org", group="Supporter")
    # R: t.test(c(0, 0, 1, 0, 30, 0))$conf.int -> -7.607455, 17.94079; years run 0 to 100
    assert mean["value"] == pytest.approx(5.166667, abs=1e-6)
    assert mean["ci_low"] == 0 and mean["ci_high"] == pytest.approx(17.94079, abs=1e-5)
    assert "truncated to the range 0 to 100" in mean["note"]
    other = pick(by_org, "years", "mean", group_by="org", group="Provider")
    # R: t.test(c(10, 12, 8, 5, 20, 15))$conf.int -> 6.087195, 17.24614 (inside: unchanged)
    assert (other["ci_low"], other["ci_high"]) == pytest.approx((6.087195, 17.24614), abs=1e-5)


def test_by_keeps_the_overall_rows_beside_each_groups(table, by_org) -> None:
    overall = table.drop(columns="note").reset_index(drop=True)
    kept = by_org[by_org["group_by"] == ""].drop(columns="note").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, overall)
    assert value(by_org, "rating_a", "n_asked", group_by="org", group="Provider") == 7
    assert value(by_org, "_response", "n_respondents", group_by="org", group="Supporter") == 7


def test_numbers_and_ratings_are_compared_with_welch_and_rank_tests(by_org) -> None:
    welch = pick(by_org, "rating_a", "p_value", group_by="org")
    rank = pick(by_org, "rating_a", "rank_p_value", group_by="org")
    # R: t.test(a ~ org)$p.value -> 0.01523792; wilcox.test(a ~ org, exact = FALSE,
    # correct = TRUE)$p.value -> 0.02683337 (ties: the normal approximation)
    assert welch["value"] == pytest.approx(0.01523792, abs=1e-7) and "Welch" in welch["note"]
    assert rank["value"] == pytest.approx(0.02683337, abs=1e-7) and "Mann-Whitney" in rank["note"]
    difference = pick(by_org, "rating_a", "mean_difference", group_by="org")
    # R: t.test(a ~ org)$conf.int -> 0.3935248, 3.035047
    assert difference["value"] == pytest.approx(1.714286, abs=1e-6)
    assert (difference["ci_low"], difference["ci_high"]) == pytest.approx(
        (0.3935248, 3.035047), abs=1e-6
    )
    assert not math.isnan(value(by_org, "rating_a", "hedges_g", group_by="org"))


def test_check_all_options_are_compared_with_newcombes_interval(by_org) -> None:
    difference = pick(by_org, "topics", "difference", group_by="org", choice_code="1")
    # Providers 3 of 5, supporters 2 of 5 ticked 'Data'. R, Newcombe (1998) method 10 from
    # prop.test(x, 5, correct = FALSE)$conf.int: 20, -32.22347, 59.93445
    assert difference["value"] == pytest.approx(20.0)
    assert (difference["ci_low"], difference["ci_high"]) == pytest.approx(
        (-32.22347, 59.93445), abs=1e-4
    )
    assert pick(by_org, "topics", "p_value", group_by="org", choice_code="1")["n"] == 10


def test_scales_get_alpha_per_group_item_total_and_a_bounded_comparison(table, by_org) -> None:
    mean = pick(table, "engagement", "mean")
    # R: s <- ((a + b)/2 - 1)/4*100 over the 13 scored; t.test(s) -> 50, 31.49735, 68.50265
    assert mean["value"] == pytest.approx(50.0)
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx((31.49735, 68.50265), abs=1e-5)
    # R: psych::alpha(data.frame(a, b))$total$raw_alpha -> 0.8888889
    assert value(table, "engagement", "cronbach_alpha") == pytest.approx(0.8888889, abs=1e-7)
    # R: psych::alpha(...)$item.stats$r.drop -> 0.8040303 for both items
    r_drop = pick(table, "engagement", "item_total_r", choice_code="rating_a")
    assert r_drop["value"] == pytest.approx(0.8040303, abs=1e-7)
    assert r_drop["choice_label"] == "Rating A"
    # R: psych::alpha per organisation -> 0.8495575 (providers), 0.6909091 (supporters)
    assert value(
        by_org, "engagement", "cronbach_alpha", group_by="org", group="Provider"
    ) == pytest.approx(0.8495575, abs=1e-7)
    assert value(
        by_org, "engagement", "cronbach_alpha", group_by="org", group="Supporter"
    ) == pytest.approx(0.6909091, abs=1e-7)
    assert value(by_org, "engagement", "n_not_scored", group_by="org", group="Provider") == 1
    # R: t.test(s ~ org)$p.value -> 0.006923192; wilcox.test(s ~ org, exact = FALSE)
    # $p.value -> 0.01730607
    assert value(by_org, "engagement", "p_value", group_by="org") == pytest.approx(
        0.006923192, abs=1e-8
    )
    assert value(by_org, "engagement", "rank_p_value", group_by="org") == pytest.approx(
        0.01730607, abs=1e-7
    )


def test_the_family_of_tests_is_adjusted_when_asked(responses) -> None:
    adjusted = statistics_table(responses, Options(adjust="holm"), by="org")
    tests = adjusted[adjusted["statistic"] == "p_value"]
    holm = adjusted[adjusted["statistic"] == "p_adjusted"]
    assert len(holm) == len(tests.dropna(subset=["value"]))
    assert (holm["value"].to_numpy() >= tests.dropna(subset=["value"])["value"].to_numpy()).all()
    assert holm["note"].str.startswith("holm").all()
