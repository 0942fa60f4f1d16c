"""Page 1 of the practice feedback and the group it is compared with: each element's row holds
scoring's numbers (the group's median and middle half at the same wave, the change and its
reliable-change mark as the change table shows them, the band its score is in), the group the
facilitator chose is named and falls back to the cohort when small, and nothing the report can
print grades the practice."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd
import pytest

from instruments.model import Instrument
from reports import practice_text
from reports.model import Report, Table, Text, TextList
from reports.practice import build_practice, build_practices
from reports.practice_text import FORBIDDEN
from scoring.benchmark import cohort_benchmarks
from scoring.decode import Responses
from scoring.field_stats import group_labels
from scoring.scale_stats import long_scores, scale_scores
from scoring.unit_findings import band_index
from tests.reports.test_practice import (
    PROVENANCE,
    readiness,  # noqa: F401 (a fixture)
    responses_of,
    rows_by_scale,
    section,
    table,
    texts,
    words_of,
)

GLANCE = "Your practice at a glance"
MARKS = {"Yes, a rise": "Yes: a rise", "Yes, a fall": "Yes: a fall", "No": "No: within"}
GRADING = re.compile(r"\b(" + "|".join(map(re.escape, FORBIDDEN)) + r")", re.IGNORECASE)


@pytest.fixture(scope="module")
def cohort(readiness: Instrument) -> Responses:  # noqa: F811
    return responses_of(readiness, 60, seed=4)


@pytest.fixture(scope="module")
def data(cohort: Responses) -> pd.DataFrame:
    return long_scores(cohort, scale_scores(cohort))


@pytest.fixture(scope="module")
def batches(cohort: Responses) -> dict[str | None, list[Report]]:
    """Every practice's report, compared with the cohort, its region and its size: built once."""
    return {
        by: build_practices(cohort, provenance=PROVENANCE, compare_by=by)
        for by in (None, "region", "practice_size")
    }


def latest_wave(data: pd.DataFrame, unit: str) -> int:
    return int(data.loc[data["unit"] == unit, "wave_index"].max())


def median_cells(bench: pd.DataFrame, unit: str) -> dict[str, str]:
    mine = bench.loc[bench["unit"] == unit].set_index("score")
    return {
        str(score): f"{line['cohort_median']:.0f} ({line['cohort_q1']:.0f}\u2060\u2013\u2060"
        f"{line['cohort_q3']:.0f})"
        for score, line in mine.iterrows()
    }


def test_each_elements_row_holds_scorings_numbers(cohort: Responses, data: pd.DataFrame) -> None:
    scored = scale_scores(cohort)
    names = [info.name for info in scored.scales]
    index = next(info for info in scored.scales if info.name == "readiness_index")
    thirds = [(b.min, b.max) for b in index.bands]
    for unit in ("PRA-001", "PRA-002", "PRA-007"):
        report = build_practice(cohort, unit, provenance=PROVENANCE)
        assert report.sections[0].title == GLANCE
        wave = latest_wave(data, unit)
        expected = median_cells(cohort_benchmarks(data, names, wave_index=wave), unit)
        glance, change = rows_by_scale(report, "glance"), rows_by_scale(report, "change")
        mine = data.loc[(data["unit"] == unit) & (data["wave_index"] == wave)].iloc[0]
        for info in scored.scales:
            row = glance[info.label]
            assert row["value"] == pytest.approx(mine[info.name])
            assert row["median"] == expected[info.name]
            moved = change[info.label]["change"]
            assert row["change"] == f"{moved:+.0f}".replace("-", "\u2212")
            marked = str(change[info.label]["marked"])
            if row["marked"] == "No threshold":
                assert marked == "No threshold for this score"
            else:
                assert marked.startswith(MARKS[str(row["marked"])])
            band = index.bands[band_index(float(mine[info.name]), thirds) or 0]
            assert row["band"] == band.label


def test_a_chosen_region_is_named_and_its_median_is_its_practices(
    cohort: Responses, data: pd.DataFrame, batches: dict[str | None, list[Report]]
) -> None:
    regions = group_labels(cohort, "region").astype("object")
    names = [info.name for info in scale_scores(cohort).scales]
    compared = 0
    for report in batches["region"]:
        unit = report.audience
        region = regions.loc[data.index[data["unit"] == unit]].dropna().iloc[0]
        group = f"practices in the {region} region"
        said = words_of(section(report, GLANCE))
        if "instead" in said:
            continue
        compared += 1
        assert f"Your practice is compared with {group}" in said
        wave = latest_wave(data, unit)
        units = set(data.loc[regions.reindex(data.index) == region, "unit"])
        members = data.loc[data["unit"].isin(units)]
        bench = cohort_benchmarks(members, names, wave_index=wave)
        expected = median_cells(bench, unit)
        shown = {row["scale"]: row["median"] for row in table(report, "glance").rows}
        labels = {info.name: info.label for info in scale_scores(cohort).scales}
        for name, cell in expected.items():
            if "nan" not in cell:
                assert shown[labels[name]] == cell
        peers = table(report, "cohort")  # the workbook's table behind page 1
        assert f"beside {group} assessed then" in peers.note
        feedback = " ".join(texts(report))
        assert f"median of {group}" in feedback
    assert compared >= 10


def test_a_group_too_small_falls_back_to_the_cohort_and_says_so(cohort: Responses) -> None:
    alone = build_practice(cohort, "PRA-001", provenance=PROVENANCE, compare_by="region")
    fallen = build_practice(
        cohort, "PRA-001", provenance=PROVENANCE, compare_by="region", min_cohort=30
    )
    said = words_of(section(fallen, GLANCE))
    assert re.search(r"There were only \d+ practices in the \w+ region at Month 12", said)
    assert "compared with all practices in the programme instead" in said
    cohort_wide = build_practice(cohort, "PRA-001", provenance=PROVENANCE, min_cohort=30)
    assert table(fallen, "glance").rows == table(cohort_wide, "glance").rows
    assert table(alone, "glance").rows != table(cohort_wide, "glance").rows


def test_size_groups_are_named_in_plain_words(batches: dict[str | None, list[Report]]) -> None:
    named = set()
    for report in batches["practice_size"]:
        said = words_of(section(report, GLANCE))
        named |= set(
            re.findall(r"compared with (practices of [\w ]+ clinicians|solo practices)", said)
        )
    assert named & {"practices of 2 to 5 clinicians", "practices of 6 to 10 clinicians"}


def test_an_unknown_grouping_field_is_refused_with_the_ones_that_work(cohort: Responses) -> None:
    with pytest.raises(ValueError, match=r"the fields that work are: region, practice_size"):
        build_practice(cohort, "PRA-001", provenance=PROVENANCE, compare_by="county")
    with pytest.raises(ValueError, match=r"cannot compare by 'county'"):
        build_practices(cohort, provenance=PROVENANCE, compare_by="county")


def phrases(value: object) -> list[str]:
    """Every string a constant of practice_text holds (mappings and tuples walked)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in phrases(key) + phrases(item)]
    if isinstance(value, tuple):
        return [p for item in value for p in phrases(item)]
    return []


def test_no_phrase_the_practice_report_can_print_grades_the_practice(
    batches: dict[str | None, list[Report]],
) -> None:
    constants = {
        name: value
        for name, value in vars(practice_text).items()
        if name.isupper() and name != "FORBIDDEN"
    }
    said = [p for value in constants.values() for p in phrases(value)]
    assert len(said) > 60 and "Maintain buy-in" in " ".join(said)
    assert [p for p in said if GRADING.search(p)] == []
    built: list[Report] = []
    for by in (None, "region", "practice_size"):
        built += batches[by][:15]
    for report in built:
        found = [w for w in texts(report) if GRADING.search(w)]
        assert found == [], f"{report.audience}: {found}"
    # the check can fail: it catches each kind of word it refuses
    for phrase in (
        "a poor score",
        "failing",
        "a weak element",
        "the worst",
        "lagging",
        "behind",
        "deficient",
        "low-performing practices",
        "bad",
    ):
        assert GRADING.search(phrase), phrase


def test_page_one_lists_the_guides_strategy_for_each_band_shown(
    batches: dict[str | None, list[Report]],
) -> None:
    for report in batches[None][:20]:
        glance = section(report, GLANCE)
        shown = {row["band"] for row in table(report, "glance").rows} - {None, "no score"}
        (strategies,) = [b for b in glance.blocks if isinstance(b, TextList)]
        assert {line.split(" (")[0] for line in strategies.items} == shown
        assert all("your" in line or "you" in line for line in strategies.items)
        (lead,) = [b for b in glance.blocks if isinstance(b, Text) and b.kind == "lead"]
        assert "What this means: " in lead.text
        assert [b.name for b in glance.blocks if isinstance(b, Table)] == ["glance"]
