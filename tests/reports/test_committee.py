"""The committee summary: every number is the scoring layer's, every base is stated, small
counts are withheld alike in tables and charts, and providers are compared with supporters."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from instruments import load_shipped
from plugin.simulate import SimulationOptions, simulate
from reports.committee import DENOMINATORS, build_committee
from reports.committee_family import compare_groups
from reports.committee_questions import make_group
from reports.committee_summary import group_tables
from reports.model import (
    Bar,
    BarChart,
    Facts,
    Provenance,
    Report,
    Suppressed,
    Table,
    Text,
    TextList,
)
from scoring.asked import asked
from scoring.checkall import check_all
from scoring.decode import Responses, decode
from scoring.describe import describe_numeric
from scoring.field_stats import Options
from scoring.groups import difference_of_proportions
from scoring.independence import independence_test
from scoring.proportions import frequencies
from scoring.respondents import respondents
from scoring.statistics import statistics_table
from tests.scoring.redcap_export import export_frame

PROVIDERS = load_shipped("provider_scan").unwrap()
SUPPORTERS = load_shipped("supporter_scan").unwrap()
PROVENANCE = Provenance(
    "0.1.0",
    (("provider_scan", "1.0.0"), ("supporter_scan", "1.0.0")),
    snapshot_id=12,
    pulled_at="2026-11-30 17:05:00",
)
HOSTILE = ("<script>alert('x')</script>", '=HYPERLINK("http://evil.example")')


def responses_of(instrument, n: int, seed: int, **options) -> Responses:
    rows = simulate(instrument, seed=seed, n=n, options=SimulationOptions(**options))
    return decode(export_frame(instrument, rows), instrument)


INVITED = 50  # members invited (their organisation type pre-filled) who never opened the survey


@pytest.fixture(scope="module")
def providers() -> Responses:
    rows = simulate(PROVIDERS, seed=2016, n=150)
    rows[0]["comments"], rows[1]["comments"] = HOSTILE
    rows += [
        {"record_id": str(151 + i), "org_type": "2", "provider_scan_complete": "0"}
        for i in range(INVITED)
    ]
    return decode(export_frame(PROVIDERS, rows), PROVIDERS)


@pytest.fixture(scope="module")
def supporters() -> Responses:
    return responses_of(SUPPORTERS, 90, 2017)


@pytest.fixture(scope="module")
def report(providers: Responses, supporters: Responses) -> Report:
    return build_committee(
        providers, supporters, provenance=PROVENANCE, field_period="October to December 2016"
    )


@pytest.fixture(scope="module")
def alone(providers: Responses) -> Report:
    """The providers' scan on its own: each question's own chart and table."""
    return build_committee(providers, None, provenance=PROVENANCE)


@pytest.fixture(scope="module")
def suppressed(providers: Responses, supporters: Responses) -> Report:
    return build_committee(providers, supporters, provenance=PROVENANCE, suppress_below=10)


def tables(report: Report) -> dict[str, Table]:
    return {table.name: table for table in report.tables()}


def section_of(report: Report, table_name: str):
    return next(
        s for s in report.sections if any(getattr(b, "name", "") == table_name for b in s.blocks)
    )


def column(table: Table, key: str) -> list:
    return [row[key] for row in table.rows]


def test_qi_involvement_percents_are_the_scoring_layers(alone, providers) -> None:
    table = tables(alone)["p qi_involvement"]
    expected = frequencies(
        providers.frame["qi_involvement"],
        asked(providers)["qi_involvement"],
        list(providers.labels("qi_involvement").items()),
        missing=providers.missing["qi_involvement"],
    ).table
    assert column(table, "option") == list(expected["label"])
    assert column(table, "n") == list(expected["count"])
    assert column(table, "percent") == pytest.approx(list(expected["percent"]))
    assert column(table, "ci_low") == pytest.approx(list(expected["percent_ci_low"]))
    assert column(table, "ci_high") == pytest.approx(list(expected["percent_ci_high"]))
    assert table.note.startswith("n = 150 asked this question (of 150 respondents)")
    chart = section_of(alone, table.name).blocks[0]  # the chart, its numbers beneath it
    assert isinstance(chart, BarChart)
    assert [bar.value for bar in chart.bars] == pytest.approx(list(expected["percent"]))
    assert [bar.low for bar in chart.bars] == pytest.approx(list(expected["percent_ci_low"]))


def test_a_follow_up_question_is_out_of_those_shown_and_says_why(alone, providers) -> None:
    table = tables(alone)["p qi_barriers"]
    shown = int(asked(providers)["qi_barriers"].sum())
    assert 0 < shown < 150
    assert table.note.startswith(f"n = {shown} asked this question (of 150 respondents)")
    assert "Shown only to respondents who answered" in table.note
    assert "'We have never engaged in a QI initiative' or 'QI is not relevant" in table.note


def test_check_all_is_percent_of_respondents_with_responses_beside(alone, providers) -> None:
    table = tables(alone)["p patient_roles"]
    codes = PROVIDERS.field_map()["patient_roles"].choice_codes()
    ticks = providers.frame[[f"patient_roles___{c}" for c in codes]].set_axis(codes, axis=1)
    expected = check_all(
        ticks.fillna(False).astype(bool),
        list(providers.labels("patient_roles").items()),
        asked=asked(providers)["patient_roles"],
        none_code="0",
    )
    # Most often ticked first; 'Not at present' (none of these) stays last.
    ranked = pd.concat(
        [
            expected.table.drop(index="0").sort_values(
                "percent_of_respondents", ascending=False, kind="stable"
            ),
            expected.table.loc[["0"]],
        ]
    )
    assert column(table, "option") == list(ranked["label"])
    assert column(table, "percent") == pytest.approx(list(ranked["percent_of_respondents"]))
    assert column(table, "percent")[:-1] == sorted(column(table, "percent")[:-1], reverse=True)
    of_responses = column(table, "of_responses")
    assert of_responses[:-1] == pytest.approx(list(ranked["percent_of_responses"])[:-1])
    assert of_responses[-1] is None  # 'Not at present' is no response
    assert f"% is of the {expected.n_respondents} who ticked at least one option" in table.note
    assert f"of the {expected.n_responses} options ticked" in table.note
    # One definition of a mention: the statistics table counts the same ones ('none' is none).
    tidy = alone.tidy
    stats = tidy[
        (tidy["instrument"] == "provider_scan")
        & (tidy["field"] == "patient_roles")
        & (tidy["group_by"] == "")
    ].set_index("statistic")
    assert stats.loc["n_responses", "value"] == expected.n_responses
    assert stats.loc["n_respondents", "value"] == expected.n_respondents


def test_a_number_is_summarised_by_n_mean_sd_median_and_iqr(report, providers) -> None:
    (row,) = tables(report)["p qi_projects_3y"].rows
    summary = describe_numeric(
        providers.frame["qi_projects_3y"], asked(providers)["qi_projects_3y"]
    )
    assert row["n"] == summary.n
    for key in ("mean", "sd", "median", "q1", "q3", "iqr"):
        assert row[key] == pytest.approx(getattr(summary, key))


def test_a_question_shown_to_no_one_says_so() -> None:
    nobody = responses_of(PROVIDERS, 40, 5, provider_qi_involvement=(0.0, 0.5, 0.5))
    report = build_committee(nobody, None, provenance=PROVENANCE)
    assert "p qi_projects_3y" not in tables(report)
    section = next(s for s in report.sections if s.title.startswith("How many QI projects"))
    (block,) = section.blocks
    assert isinstance(block, Text)
    assert block.text.startswith("No provider was shown this question.")


def test_a_shared_question_is_one_chart_and_one_table_for_both_groups(
    report, providers, supporters
) -> None:
    table = tables(report)["qi_involvement"]
    section = section_of(report, "qi_involvement")
    worded, chart = section.blocks[:2]  # the supporters' own wording first, then the chart
    assert isinstance(worded, Text) and worded.text.startswith("Supporters were asked: 'Which")
    assert isinstance(chart, BarChart) and chart.series == ("Providers", "Supporters")
    assert "p qi_involvement" not in tables(report) and "s qi_involvement" not in tables(report)
    for responses, key, series in ((providers, "a", 0), (supporters, "b", 1)):
        expected = frequencies(
            responses.frame["qi_involvement"],
            asked(responses)["qi_involvement"],
            list(responses.labels("qi_involvement").items()),
            missing=responses.missing["qi_involvement"],
        ).table
        assert column(table, f"{key}_n") == list(expected["count"])
        assert column(table, f"{key}_percent") == pytest.approx(list(expected["percent"]))
        bars = [bar for bar in chart.bars if bar.series == series]
        assert [bar.value for bar in bars] == pytest.approx(list(expected["percent"]))
        assert [bar.high for bar in bars] == pytest.approx(list(expected["percent_ci_high"]))
        intervals = [
            f"{low:.1f}\u2013{high:.1f}"
            for low, high in zip(
                expected["percent_ci_low"], expected["percent_ci_high"], strict=True
            )
        ]
        assert column(table, f"{key}_ci") == intervals
    # Both bars of an option sit together, labelled once, in the providers' order.
    assert [bar.label for bar in chart.bars[::2]] == column(table, "option")


def test_shared_questions_are_compared_with_a_named_test(report) -> None:
    found = tables(report)
    assert "vs qi_involvement" not in found  # the shared table above has the counts
    counts = pd.DataFrame(
        {"p": column(found["qi_involvement"], "a_n"), "s": column(found["qi_involvement"], "b_n")}
    )
    expected = independence_test(counts)
    (test,) = found["test qi_involvement"].rows
    assert test["test"] == expected.method
    assert "chi-square" in str(test["test"]) or "Fisher" in str(test["test"])
    assert test["p_value"] == pytest.approx(expected.p_value)
    assert test["n"] == 240


def test_the_reading_of_each_test_agrees_with_the_summarys_holm_adjusted_family(
    report, providers, supporters
) -> None:
    groups = [
        make_group("Providers", "provider", "p", providers),
        make_group("Supporters", "supporter", "s", supporters),
    ]
    compared = compare_groups(groups, group_tables(groups, Options(), report.tidy))
    assert len(compared) >= 8  # qi_involvement, moc_credit, moc_plans, the grid's five, ...
    raw = pd.Series({name: c.p_value for name, c in compared.items()})
    holm = multipletests(raw.to_numpy(), method="holm")[1]  # statsmodels, as R p.adjust
    assert [c.p_adjusted for c in compared.values()] == pytest.approx(list(holm))
    for name in ("qi_involvement", "moc_credit", "moc_plans"):
        section = section_of(report, name)
        (reading,) = [b.text for b in section.blocks if isinstance(b, Text) and "Reading" in b.text]
        test = next(t for t in section.blocks if isinstance(t, Table) and t.name == f"test {name}")
        assert test.workbook_only and test.rows[0]["test"] in reading  # the test, in words
        p = compared[name].p_adjusted
        assert (f"p = {p:.3f}" if p >= 0.001 else "p = <0.001") in reading
        said_alike = "answered alike" in reading
        assert said_alike == (p > 0.05), reading


def test_a_yes_no_question_adds_the_difference_with_newcombes_interval(report) -> None:
    found = tables(report)
    shared = found["moc_credit"]
    assert shared.rows[0]["option"] == "Yes"
    n_first, n_second = column(shared, "a_n"), column(shared, "b_n")
    expected = difference_of_proportions(n_first[0], sum(n_first), n_second[0], sum(n_second))
    (test,) = found["test moc_credit"].rows
    assert test["difference"] == pytest.approx(100 * expected.value)
    assert (test["diff_low"], test["diff_high"]) == pytest.approx(
        (100 * expected.ci_low, 100 * expected.ci_high)
    )
    assert "Newcombe" in found["test moc_credit"].note
    said = " ".join(b.text for b in section_of(report, "moc_credit").blocks if isinstance(b, Text))
    low, high = 100 * expected.ci_low, 100 * expected.ci_high
    assert (
        f"the difference in 'Yes' is {100 * expected.value:+.1f} points (95% CI {low:+.1f} to "
        f"{high:+.1f})" in said
    )


def test_only_shared_single_choice_questions_are_compared(report) -> None:
    compared = {name.split(" ", 1)[1] for name in tables(report) if name.startswith("test ")}
    assert "qi_grant_months" not in compared  # the supporters' survey alone asks it
    assert "qi_barriers" not in compared  # check-all
    assert {"qi_involvement", "moc_credit", "moc_plans"} <= compared
    grid = tables(report)["grid edu_alp_grid"]  # the grid's items: one table, a test per row
    assert all(isinstance(p, float) and 0 <= p <= 1 for p in column(grid, "p"))


def test_the_report_withholds_the_cells_the_statistics_table_withholds(suppressed) -> None:
    tidy = suppressed.tidy
    compared = 0
    instruments = {"p": "provider_scan", "s": "supporter_scan"}
    for table in suppressed.tables():
        prefix, _, field = table.name.partition(" ")
        if not table.rows or "option" not in table.rows[0]:
            continue
        if prefix in instruments and "n" in table.rows[0]:
            parts = [(instruments[prefix], field, "n")]
        elif not field and "a_n" in table.rows[0]:  # a shared question: both groups' columns
            parts = [("provider_scan", prefix, "a_n"), ("supporter_scan", prefix, "b_n")]
        else:
            continue
        for instrument, name, key in parts:
            counts = tidy[
                (tidy["instrument"] == instrument)
                & (tidy["field"] == name)
                & (tidy["statistic"] == "count")
                & (tidy["group_by"] == "")
            ]
            in_report = [isinstance(row[key], Suppressed) for row in table.rows]
            by_label = dict(zip(counts["choice_label"], counts["value"].isna(), strict=True))
            by_code = dict(zip(counts["choice_code"], counts["value"].isna(), strict=True))
            if key == "n":
                labels = [row["option"] for row in table.rows]
                assert in_report == [by_label[label] for label in labels], table.name
            else:
                assert sorted(in_report) == sorted(by_code.values()), table.name
            compared += 1
    assert compared > 10


def test_suppression_is_identical_in_tables_and_charts(suppressed) -> None:
    withheld = 0
    for section in suppressed.sections:
        for chart, table in zip(section.blocks, section.blocks[1:], strict=False):
            if not (isinstance(table, Table) and isinstance(chart, BarChart)):
                continue
            keys = ("a", "b") if chart.series else ("",)
            bars = iter(chart.bars)
            for row in table.rows:
                for key in keys:
                    bar = next(bars)
                    n, percent = (f"{key}_n", f"{key}_percent") if key else ("n", "percent")
                    small = isinstance(row[n], Suppressed)
                    assert isinstance(bar, Bar) and (bar.suppressed is not None) == small
                    if small:
                        withheld += 1
                        assert isinstance(row[percent], Suppressed)
                        assert math.isnan(bar.value) and bar.suppressed.shown == "withheld"
                    else:
                        assert int(row[n]) >= 10 or row[n] == 0  # a zero identifies no one
                        assert bar.value == pytest.approx(row[percent])
    assert withheld > 0
    for table in suppressed.tables():
        for key in ("n", "a_n", "b_n"):
            shown = [row[key] for row in table.rows if key in row]
            assert all(isinstance(v, Suppressed) or v >= 10 or v == 0 for v in shown), table.name
            if table.name.startswith("test ") or table.name.startswith("grid "):
                continue
            hidden = [isinstance(v, Suppressed) for v in shown]
            assert sum(hidden) != 1, f"{table.name}: a lone withheld count gives itself away"


def test_open_text_is_listed_whole_once_per_distinct_answer(report, providers) -> None:
    lists = [b for s in report.sections for b in s.blocks if isinstance(b, TextList)]
    comments = next(b for b in lists if b.title.startswith("Providers: Is there anything"))
    typed = [str(t) for t in providers.frame["comments"].dropna() if str(t).strip()]
    distinct = {" ".join(t.split()).casefold() for t in typed}
    assert len(comments.items) == len(distinct) < len(typed)
    assert set(HOSTILE) <= set(comments.items)  # given once each: listed whole, as typed
    repeated = [item for item in comments.items if item.endswith(" respondents)")]
    assert repeated and comments.items[: len(repeated)] == tuple(repeated)  # most frequent first
    assert f"{len(typed)} of the " in comments.note and "different answers" in comments.note
    assert not any(b.title.startswith("Providers: Response ID") for b in lists)


def test_the_dictionaries_go_to_the_workbook_only(report) -> None:
    section = next(s for s in report.sections if s.title == "Data dictionaries")
    text, *dictionaries = section.blocks
    assert isinstance(text, Text) and "'dictionary provider_scan'" in text.text
    assert all(isinstance(t, Table) and t.workbook_only for t in dictionaries)
    found = {table.name: table for table in dictionaries if isinstance(table, Table)}
    for instrument in (PROVIDERS, SUPPORTERS):
        table = found[f"dictionary {instrument.id}"]
        assert column(table, "field") == [f.name for f in instrument.fields]
    barriers = next(
        r for r in found["dictionary provider_scan"].rows if r["field"] == "qi_barriers"
    )
    assert barriers["branching"] == "[qi_involvement] = '2' or [qi_involvement] = '3'"
    assert str(barriers["choices"]).startswith("1, Access to health-system data | ")


def test_the_methods_box(report, providers) -> None:
    facts = next(s for s in report.sections if s.title == "Methods").blocks[0]
    assert isinstance(facts, Facts)
    items = dict(facts.items)
    assert "provider_scan, version 1.0.0" in items["Providers' survey"]
    assert items["Field period"] == "October to December 2016"
    counts = respondents(providers).counts()
    assert counts["records"] == 150 + INVITED and counts["respondents"] == 150
    assert counts["partial"] > 0  # the simulator breaks some responses off
    line = items["Providers: invited and responding"]
    assert line.startswith("200 records (invited or opened a link); 150 respondents: ")
    assert f"{counts['complete']} complete and {counts['partial']} partial" in line
    assert f"{INVITED} never started" in line
    rr1, rr2 = counts["complete"] / 200, 150 / 200  # AAPOR RR1 = I / cases, RR2 = (I + P) / cases
    assert f"RR1 {rr1:.1%}, RR2 {rr2:.1%}" in line
    assert "RR1 " in items["Supporters: invited and responding"]
    assert "pre-filled values do not count" in items["Who is a respondent"]
    assert items["Data pulled from REDCap"] == "2026-11-30 17:05:00 (snapshot 12)"
    assert items["Percentages"] == DENOMINATORS
    assert "Providers and supporters are compared" in items["Intervals and tests"]


def test_the_respondent_profile_shows_organisation_types(report, supporters) -> None:
    section = next(s for s in report.sections if s.title == "Respondent profile")
    kinds = [type(b) for b in section.blocks]
    assert kinds == [BarChart, Table, BarChart, Table]
    table = tables(report)["s supporter_type"]
    expected = supporters.frame["supporter_type"].value_counts().sort_index()
    assert column(table, "n") == list(expected)


def test_the_tidy_table_is_the_statistics_table(report, providers, supporters) -> None:
    expected = pd.concat([statistics_table(providers), statistics_table(supporters)])
    assert len(report.tidy) == len(expected)
    assert set(report.tidy["instrument"]) == {"provider_scan", "supporter_scan"}
    given = statistics_table(providers, Options(suppress_below=5))
    mine = build_committee(providers, None, provenance=PROVENANCE, tidy=given)
    assert mine.tidy is given


def test_table_names_are_unique_sheet_names(report) -> None:
    names = [t.name for t in report.tables()]
    assert len(names) == len(set(names))
    assert all(len(name) <= 31 for name in names)


def test_providers_alone_have_no_comparison() -> None:
    alone = build_committee(responses_of(PROVIDERS, 30, 3), None, provenance=PROVENANCE)
    assert not [t for t in alone.tables() if t.name.startswith(("vs ", "test ", "s "))]
    assert alone.kind == "committee"


def test_an_instrument_with_waves_is_refused() -> None:
    readiness = load_shipped("practice_readiness").unwrap()
    practices = decode(export_frame(readiness, simulate(readiness, seed=1, n=3)), readiness)
    with pytest.raises(ValueError, match="has waves"):
        build_committee(practices, None, provenance=PROVENANCE)


def test_a_field_marked_as_identifier_is_never_listed() -> None:
    marked = copy.deepcopy(PROVIDERS)
    marked.field_map()["comments"].identifier = True
    rows = simulate(marked, seed=4, n=30)
    report = build_committee(
        decode(export_frame(marked, rows), marked), None, provenance=PROVENANCE
    )
    lists = [b for s in report.sections for b in s.blocks if isinstance(b, TextList)]
    assert not [b for b in lists if "anything else" in b.title]
    assert any(b.title.startswith("Providers: Other") for b in lists)


def test_a_question_answered_by_fewer_than_the_threshold_is_withheld_whole() -> None:
    few = build_committee(responses_of(PROVIDERS, 30, 3), None, provenance=PROVENANCE,
                          suppress_below=40)  # fmt: skip
    assert "p qi_involvement" not in tables(few)
    section = next(s for s in few.sections if s.title.startswith("Which statement best"))
    texts = [b.text for b in section.blocks if isinstance(b, Text)]
    assert "Providers: fewer than 40 answered this question, so its answers are withheld." in texts
    tidy = few.tidy
    rows = tidy[(tidy["field"] == "qi_involvement") & (tidy["group_by"] == "")]
    assert rows["value"].isna().all(), "the statistics table withholds the same question whole"
