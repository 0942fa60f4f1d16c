"""The cohort report's bands and groups as a board reads them: the heatmap shows the band the
scores table gives each practice at each wave, the counts add up, and every group's median is
scoring's, small groups withheld."""

from __future__ import annotations

import pandas as pd
import pytest

from instruments import load_shipped
from plugin.simulate import simulate
from reports.cohort import build_cohort
from reports.model import Heatmap, Provenance, Report, Suppressed, Table
from scoring.cohort_groups import group_medians, unit_groups
from scoring.decode import Responses, decode
from scoring.scale_stats import long_scores, scale_scores
from tests.scoring.redcap_export import export_frame

PROVENANCE = Provenance("test", (("practice_readiness", "1.0.0"),))
READINESS = load_shipped("practice_readiness").unwrap()
BANDS = ("Not yet ready", "Getting ready", "Ready to engage")
WAVES = ("Baseline", "Month 3", "Month 6", "Month 9", "Month 12")


@pytest.fixture(scope="module")
def responses() -> Responses:
    return decode(export_frame(READINESS, simulate(READINESS, seed=1, n=40)), READINESS)


@pytest.fixture(scope="module")
def report(responses: Responses) -> Report:
    return build_cohort(responses, provenance=PROVENANCE)


def heatmaps(report: Report) -> list[Heatmap]:
    return [b for s in report.sections for b in s.blocks if isinstance(b, Heatmap)]


def table(report: Report, name: str) -> Table:
    return next(t for t in report.tables() if t.name == name)


def scores_table(responses: Responses) -> pd.DataFrame:
    """Per practice and wave, the band of the readiness score, as scoring gives it."""
    scored = scale_scores(responses)
    frame = long_scores(responses, scored)[["unit", "wave_index"]]
    return frame.assign(band=scored.frame["readiness_index__band"].astype(object))


def test_every_heatmap_cell_is_the_band_in_the_scores_table(
    responses: Responses, report: Report
) -> None:
    (chart,) = heatmaps(report)
    assert chart.categories == BANDS and chart.x_labels == WAVES
    assert sorted(chart.y_labels) == sorted(pd.unique(responses.frame["practice_id"]))
    shown = {
        (unit, wave): cell
        for unit, row in zip(chart.y_labels, chart.cells, strict=True)
        for wave, cell in enumerate(row)
    }
    expected: dict[tuple[object, int], int | None] = {
        (unit, wave): None for unit in chart.y_labels for wave in range(len(WAVES))
    }
    for row in scores_table(responses).to_dict("records"):
        banded = None if pd.isna(row["band"]) else BANDS.index(str(row["band"]))
        expected[(row["unit"], int(row["wave_index"]))] = banded
    assert shown == expected
    assert sum(cell is None for cell in shown.values()) > 0  # skipped waves are not assessed


def test_practices_are_ordered_by_their_latest_band_highest_first(report: Report) -> None:
    (chart,) = heatmaps(report)
    latest = [next(c for c in reversed(row) if c is not None) for row in chart.cells]
    assert latest == sorted(latest, reverse=True)
    for band in set(latest):
        ids = [u for u, b in zip(chart.y_labels, latest, strict=True) if b == band]
        assert ids == sorted(ids)


def test_band_counts_are_integers_adding_up_to_the_practices_assessed(
    responses: Responses, report: Report
) -> None:
    counts = table(report, "bands readiness_index")
    assert [row["wave"] for row in counts.rows] == list(WAVES)
    bands = scores_table(responses)
    for wave, row in enumerate(counts.rows):
        cells = [row[f"band{k}"] for k in range(3)]
        assert all(isinstance(c, int) for c in cells) and isinstance(row["assessed"], int)
        assert sum(cells) == row["assessed"]
        at = bands.loc[bands["wave_index"] == wave, "band"]
        assert row["assessed"] == at.notna().sum()
        assert cells == [int((at == b).sum()) for b in BANDS]


def test_group_tables_hold_scorings_medians_and_withhold_small_groups(
    responses: Responses, report: Report
) -> None:
    scored = scale_scores(responses)
    data = long_scores(responses, scored)
    for field in ("region", "practice_size", "system_affiliation"):
        shown = table(report, f"by {field}")
        assert shown.rows[0]["group"] == "All practices"
        found = group_medians(
            data, "readiness_index", unit_groups(responses, data, field), wave_index=4
        )
        assert [r["group"] for r in shown.rows[1:]] == list(found["group"])
        assert sum(r["units"] for r in shown.rows[1:]) == shown.rows[0]["units"] == 40
        for row, expected in zip(shown.rows[1:], found.to_dict("records"), strict=True):
            assert (row["assessed"], row["pairs"]) == (expected["assessed"], expected["pairs"])
            if expected["assessed"] < 5:
                assert isinstance(row["median"], Suppressed) and row["median"].shown == "n<5"
                assert "fewer than 5 practices" in row["median"].reason
            else:
                assert row["median"] == pytest.approx(expected["median"])
    # the demo cohort has groups of fewer than 5 practices: at least one is withheld
    cells = [r["median"] for t in report.tables() if t.name.startswith("by ") for r in t.rows]
    assert any(isinstance(c, Suppressed) for c in cells)


def test_a_larger_minimum_withholds_more_groups(responses: Responses) -> None:
    strict = build_cohort(responses, provenance=PROVENANCE, min_cohort=15)
    rows = table(strict, "by region").rows
    assert all(isinstance(r["median"], Suppressed) == (int(str(r["assessed"])) < 15) for r in rows)
    with pytest.raises(ValueError, match="min_cohort must be at least 1"):
        build_cohort(responses, provenance=PROVENANCE, min_cohort=0)


def test_a_tall_cohort_is_mapped_in_pieces_of_at_most_40_practices() -> None:
    many = decode(export_frame(READINESS, simulate(READINESS, seed=2, n=90, waves=3)), READINESS)
    pieces = heatmaps(build_cohort(many, provenance=PROVENANCE))
    assert [len(p.y_labels) for p in pieces] == [30, 30, 30]
    assert pieces[0].title.endswith("(practices 1 to 30 of 90)")
    assert len({u for p in pieces for u in p.y_labels}) == 90
    assert all(p.x_labels == WAVES[:3] for p in pieces)
