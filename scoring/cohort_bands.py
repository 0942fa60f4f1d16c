"""Each unit's score band at each wave, and how many units fall in each band per wave.

The band of a score is the one :func:`scoring.scales.score` gives it (``<scale>__band``: a score
on a boundary goes to the higher band, the top band includes its maximum), so the cohort's map
of bands and the practice feedback's band agree on the same snapshot.

A unit is *assessed* on a scale at a wave when it has a score there: a wave it skipped, or an
assessment with too few answers for a score, leaves it not assessed at that wave. A score that
lies outside every band (possible only for a raw sum with missing items) is assessed but in no
band, counted apart as ``outside``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.scales import ScaleScores

OUTSIDE = "outside"


def _banded(data: pd.DataFrame, scored: ScaleScores, name: str) -> pd.DataFrame:
    """unit, wave_index, score and band code (0: lowest band; -1: outside every band) of the
    rows of ``data`` with a score on ``name``."""
    info = scored.info(name)
    if not info.bands:
        raise ValueError(f"scale '{name}' declares no bands, so no unit has a band on it")
    missing = [c for c in ("unit", "wave_index", name) if c not in data.columns]
    if missing:
        raise ValueError(f"the long frame lacks column(s) {', '.join(missing)}")
    bands = scored.frame[f"{name}__band"].reindex(data.index)
    codes = pd.Series(bands.cat.codes.to_numpy(dtype=np.int64), index=data.index)
    scored_rows = data[name].notna() & data["unit"].notna()
    return pd.DataFrame(
        {
            "unit": data.loc[scored_rows, "unit"].astype(object),
            "wave_index": data.loc[scored_rows, "wave_index"].astype(np.int64),
            "score": data.loc[scored_rows, name].astype(float),
            "band": codes[scored_rows],
        }
    )


def band_grid(data: pd.DataFrame, scored: ScaleScores, name: str) -> pd.DataFrame:
    """Units (rows, in the order first met in ``data``) by waves (columns: every wave index in
    ``data``, in order): the index of the unit's band on ``name`` in ``info.bands`` (lowest
    first), <NA> where the unit was not assessed at that wave or its score is outside every band.

    ``data`` is :func:`scoring.scale_stats.long_scores` of the responses ``scored`` was scored
    on (the same index). Raises ValueError when the scale has no bands."""
    rows = _banded(data, scored, name)
    units = pd.unique(data["unit"].dropna())
    waves = sorted(int(w) for w in pd.unique(data["wave_index"]))
    inside = rows[rows["band"] >= 0]
    grid = inside.pivot(index="unit", columns="wave_index", values="band")
    grid = grid.reindex(index=pd.Index(units, dtype=object), columns=waves)
    grid.columns.name = "wave_index"
    return grid.astype("Int64")


def band_counts(data: pd.DataFrame, scored: ScaleScores, name: str) -> pd.DataFrame:
    """Per wave (index: every wave index in ``data``, in order): ``assessed`` (units with a score
    on ``name``), one column per band label (lowest first) counting the units in it, and
    ``outside`` (scored but in no band), all integers; the band columns and ``outside`` sum to
    ``assessed``."""
    info = scored.info(name)
    rows = _banded(data, scored, name)
    waves = sorted(int(w) for w in pd.unique(data["wave_index"]))
    labels = [band.label for band in info.bands]
    if OUTSIDE in labels or "assessed" in labels:
        raise ValueError(f"scale '{name}': a band may not be named 'assessed' or '{OUTSIDE}'")
    counts = {
        wave: np.bincount(
            rows.loc[rows["wave_index"] == wave, "band"] + 1, minlength=len(labels) + 1
        )
        for wave in waves
    }
    # bincount's first slot holds code -1 (outside every band): move it last
    table = pd.DataFrame(
        [[*found[1:], found[0]] for found in counts.values()],
        index=pd.Index(waves, dtype=np.int64),
        columns=[*labels, OUTSIDE],
    )
    table.insert(0, "assessed", table.sum(axis=1))
    table.index.name = "wave_index"
    return table.astype(np.int64)


def latest_bands(grid: pd.DataFrame) -> pd.Series:
    """Each unit's band at its own latest wave with a band (<NA>: never in a band)."""
    return grid.apply(lambda row: row.dropna().iloc[-1] if row.notna().any() else pd.NA, axis=1)
