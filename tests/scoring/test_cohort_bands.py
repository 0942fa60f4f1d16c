"""Each unit's band at each wave, and the counts per band per wave, as scoring bands each score."""

from __future__ import annotations

import pandas as pd
import pytest

from instruments import load_shipped
from plugin.simulate import simulate
from scoring.cohort_bands import OUTSIDE, band_counts, band_grid, latest_bands
from scoring.decode import decode
from scoring.scale_stats import long_scores, scale_scores
from scoring.scales import ScaleScores
from tests.scoring.redcap_export import export_frame

READINESS = load_shipped("practice_readiness").unwrap()
BANDS = ["Not yet ready", "Getting ready", "Ready to engage"]


@pytest.fixture(scope="module")
def scored() -> tuple[pd.DataFrame, ScaleScores]:
    responses = decode(export_frame(READINESS, simulate(READINESS, seed=7, n=30)), READINESS)
    found = scale_scores(responses)
    return long_scores(responses, found), found


def test_the_grid_holds_the_band_scoring_gave_each_unit_at_each_wave(
    scored: tuple[pd.DataFrame, ScaleScores],
) -> None:
    data, found = scored
    grid = band_grid(data, found, "readiness_index")
    assert list(grid.index) == list(pd.unique(data["unit"]))
    assert list(grid.columns) == sorted(pd.unique(data["wave_index"]))
    bands = found.frame["readiness_index__band"]
    checked = 0
    for index, row in zip(data.index, data.to_dict("records"), strict=True):
        cell = grid.loc[row["unit"], row["wave_index"]]
        if pd.isna(bands.loc[index]):
            assert pd.isna(cell)
        else:
            assert BANDS[int(cell)] == bands.loc[index]
            checked += 1
    assert checked > 100
    # a wave a unit skipped has no row, and no band
    assert int(grid.isna().sum().sum()) >= 30 * 5 - len(data)


def test_band_counts_add_up_to_the_units_assessed_at_each_wave(
    scored: tuple[pd.DataFrame, ScaleScores],
) -> None:
    data, found = scored
    counts = band_counts(data, found, "readiness_index")
    assert list(counts.columns) == ["assessed", *BANDS, OUTSIDE]
    assert (counts[[*BANDS, OUTSIDE]].sum(axis=1) == counts["assessed"]).all()
    for wave, row in counts.iterrows():
        at = data.loc[data["wave_index"] == wave, "readiness_index"]
        assert row["assessed"] == at.notna().sum()
        labels = found.frame.loc[at.index, "readiness_index__band"].value_counts()
        assert [row[b] for b in BANDS] == [int(labels.get(b, 0)) for b in BANDS]
    assert counts.dtypes.map(pd.api.types.is_integer_dtype).all()


def test_latest_band_is_each_units_last_banded_wave() -> None:
    grid = pd.DataFrame({0: [0, 2, pd.NA], 1: [1, pd.NA, pd.NA]}, index=["a", "b", "c"])
    found = latest_bands(grid.astype("Int64"))
    assert list(found[:2]) == [1, 2] and pd.isna(found["c"])


def test_a_scale_without_bands_is_refused(scored: tuple[pd.DataFrame, ScaleScores]) -> None:
    data, found = scored
    with pytest.raises(ValueError, match="scale 'leadership' declares no bands"):
        band_grid(data, found, "leadership")
