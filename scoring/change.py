"""Change of the same units (practices) across waves: per-unit changes, and the pairs the cohort
tests in :mod:`scoring.paired` compare.

Input is a long frame with one row per unit and wave: a unit column, a 0-based wave index, and
one or more score columns (NaN = missing). Differences are always *after minus before*, so a
positive change is an increase. Cohort tests pair the units that have a value at both waves
compared; every result says how many pairs it used and how many units it dropped for lack of one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from scoring.units import unit_ids

ToWave = int | Literal["latest"]

# Changes are compared to 10 significant digits of the largest score in the pairs (see
# `PairedValues.rounded_differences`): far finer than any scale's real steps, far coarser than
# the float noise left by means and rescaling (about 1e-14 of the score).
SIGNIFICANT_DIGITS = 10


def check_long_frame(data: pd.DataFrame, columns: Sequence[str], *, unit: str, wave: str) -> None:
    """Raise ValueError unless `data` has `unit`, `wave` and numeric `columns`, one row per unit
    and wave.

    Unit ids are compared as :func:`scoring.units.unit_ids` compares them, after trimming
    whitespace: a unit id " P01\t" is P01, so it and "P01" at one wave are two rows of one unit.
    :func:`scoring.units.check_units` sets such units aside, naming their records, before a
    frame of responses gets here."""
    missing = [name for name in (unit, wave, *columns) if name not in data.columns]
    if missing:
        raise ValueError(
            f"column(s) {missing} not in the frame; it has {list(data.columns)}. "
            "Pass the column names of your frame."
        )
    for name in (wave, *columns):
        if not pd.api.types.is_numeric_dtype(data[name]):
            raise ValueError(
                f"column {name!r} must be numeric (NaN for missing), not {data[name].dtype}"
            )
    keys = pd.DataFrame({"unit": unit_ids(data[unit]), "wave": data[wave].to_numpy()})
    repeated = keys.duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        units = list(dict.fromkeys(keys.loc[repeated, "unit"]))
        rows = list(data.index[repeated][:10])
        raise ValueError(
            f"units {units[:5]} have more than one row for a wave (rows {rows}; unit ids are "
            "compared after trimming whitespace): give each unit one row per wave, e.g. with "
            "scoring.units.check_units, which sets such units aside and names their records."
        )


def wave_table(
    data: pd.DataFrame, score: str, *, unit: str = "unit", wave: str = "wave_index"
) -> pd.DataFrame:
    """Units x waves table of one score (every unit of the frame is a row, NaN where missing)."""
    check_long_frame(data, [score], unit=unit, wave=wave)
    table = data.pivot(index=unit, columns=wave, values=score)
    return table.sort_index(axis=1).astype(float)


def unit_changes(
    data: pd.DataFrame, scores: Sequence[str], *, unit: str = "unit", wave: str = "wave_index"
) -> pd.DataFrame:
    """Per unit and score: baseline (wave 0), the unit's latest observed wave, and the change.

    Formula: change = latest - baseline, where latest is the value at the highest wave index > 0
    at which that score is not missing. Missing data: a unit without a baseline value, or with no
    later value, has change NaN (and latest_wave <NA> when there is no later value).
    Columns: unit, score, baseline, latest_wave, latest, change.
    """
    check_long_frame(data, scores, unit=unit, wave=wave)
    units = pd.Index(data[unit].unique(), name=unit)
    # One pass for every score (a practice's report asks for one practice's few rows, many
    # times): each unit's baseline row, and its last value and wave per score, taken from the
    # wave-ordered later rows by a groupby that skips missing values.
    baseline = data.loc[data[wave] == 0].set_index(unit)
    later = data.loc[data[wave] > 0].sort_values(wave)
    values = pd.DataFrame({i: later[score] for i, score in enumerate(scores)}, index=later.index)
    waves = pd.DataFrame({f"wave_{i}": later[wave].where(values[i].notna()) for i in values})
    latest = pd.concat([values, waves], axis=1).groupby(later[unit]).last()
    baselines, latest_waves, latests, changes = [], [], [], []
    for i, score in enumerate(scores):
        base = baseline[score].reindex(units)
        last = latest[i].reindex(units)
        baselines.append(base)
        latest_waves.append(latest[f"wave_{i}"].reindex(units).astype("Int64"))
        latests.append(last)
        changes.append(last - base)
    every = np.tile(np.arange(len(units)), len(scores))
    table = {
        unit: units.take(every),
        "score": np.repeat(np.array(scores), len(units)),
        "baseline": pd.concat(baselines, ignore_index=True),
        "latest_wave": pd.concat(latest_waves, ignore_index=True),
        "latest": pd.concat(latests, ignore_index=True),
        "change": pd.concat(changes, ignore_index=True),
    }
    return pd.DataFrame(table)


def wave_changes(
    data: pd.DataFrame, scores: Sequence[str], *, unit: str = "unit", wave: str = "wave_index"
) -> pd.DataFrame:
    """Per unit and score, the change from each wave k - 1 to wave k.

    Formula: change = value(k) - value(k - 1) for consecutive wave indices. Missing data: a
    missing value at either wave gives NaN; a skipped wave is not bridged (wave 0 -> 2 is not a
    wave-to-wave change). Columns: unit, score, from_wave, to_wave, before, after, change.
    """
    parts = []
    for score in scores:
        table = wave_table(data, score, unit=unit, wave=wave)
        if table.shape[1] < 2:
            continue
        waves = range(int(table.columns.min()), int(table.columns.max()) + 1)
        table = table.reindex(columns=list(waves))
        before = table.iloc[:, :-1]
        after = table.iloc[:, 1:]
        before.columns = after.columns
        frame = pd.DataFrame(
            {
                "before": before.stack(future_stack=True),
                "after": after.stack(future_stack=True),
            }
        )
        frame.index = frame.index.set_names([unit, "to_wave"])
        frame = frame.reset_index()
        frame.insert(1, "score", score)
        frame.insert(2, "from_wave", frame["to_wave"] - 1)
        frame["change"] = frame["after"] - frame["before"]
        parts.append(frame)
    columns = [unit, "score", "from_wave", "to_wave", "before", "after", "change"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def score_decimals(*values: np.ndarray) -> int | None:
    """Decimals that keep SIGNIFICANT_DIGITS significant digits of the largest finite |value|:
    SIGNIFICANT_DIGITS - 1 - floor(log10 max |value|). None when every value is 0 or missing,
    or the scores are so small or large that 10**decimals would overflow."""
    scores = np.abs(np.concatenate([np.asarray(v, dtype=float) for v in values]))
    scores = scores[np.isfinite(scores)]
    largest = float(scores.max()) if len(scores) else 0.0
    if largest == 0.0:
        return None
    decimals = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(largest))
    return decimals if abs(decimals) <= 300 else None


@dataclass(frozen=True, eq=False)
class PairedValues:
    """The units with a value at both waves compared, and how many units were left out."""

    score: str
    from_wave: int
    to_wave: ToWave
    units: tuple[Hashable, ...]
    before: np.ndarray
    after: np.ndarray
    units_dropped: int

    @property
    def n_pairs(self) -> int:
        return len(self.units)

    @property
    def differences(self) -> np.ndarray:
        """after - before, as computed in floating point."""
        return self.after - self.before

    @property
    def rounded_differences(self) -> np.ndarray:
        """after - before rounded to the precision of the scores, for ranking and testing.

        Rule: with M = max |score| over both waves of the pairs, each change is rounded to
        SIGNIFICANT_DIGITS - 1 - floor(log10 M) decimals, i.e. to 10 significant digits of the
        largest score (7 decimals when it is 100, 9 when it is 5). Scale scores are means and
        rescaled means, so two units whose items moved by the same amount can differ in the
        last bits (75 - 41.666666666666664 is 33.333333333333336, 50 - 16.666666666666668 is
        33.33333333333333); unrounded, such changes would not tie in a signed-rank test, would
        not count as zero, and would not count as constant in a t test. Rounding after
        subtracting, relative to the scores rather than to each change, also sends a change
        that is pure noise (1e-14) to exactly 0. A real difference between two changes below
        1e-10 of the largest score is assumed not to exist. Compare R: wilcox.test(...,
        digits.rank = 7) rounds each change for ranking only, not for the zero test.
        """
        d = self.differences
        decimals = score_decimals(self.before, self.after)
        if decimals is None:
            return d
        return np.round(d, decimals) + 0.0  # + 0.0 turns a rounded -0.0 into 0.0


def paired_values(
    data: pd.DataFrame,
    score: str,
    *,
    from_wave: int = 0,
    to_wave: ToWave = "latest",
    unit: str = "unit",
    wave: str = "wave_index",
) -> PairedValues:
    """Pair each unit's value at `from_wave` with its value at `to_wave`.

    `to_wave="latest"` pairs each unit with its own latest observed wave after `from_wave`.
    Missing data: units without a value at both waves are dropped; units_dropped counts every
    unit of the frame that is not in a pair.
    """
    check_long_frame(data, [score], unit=unit, wave=wave)
    if to_wave != "latest" and to_wave <= from_wave:
        raise ValueError(f"to_wave ({to_wave}) must be after from_wave ({from_wave})")
    observed = data.loc[data[score].notna(), [unit, wave, score]]
    before = observed.loc[observed[wave] == from_wave].set_index(unit)[score]
    if to_wave == "latest":
        later = observed.loc[observed[wave] > from_wave].sort_values(wave)
        after = later.groupby(unit)[score].last()
    else:
        after = observed.loc[observed[wave] == to_wave].set_index(unit)[score]
    pairs = pd.concat({"before": before, "after": after}, axis=1, join="inner").sort_index()
    return PairedValues(
        score=score,
        from_wave=from_wave,
        to_wave=to_wave,
        units=tuple(pairs.index),
        before=pairs["before"].to_numpy(dtype=float),
        after=pairs["after"].to_numpy(dtype=float),
        units_dropped=int(data[unit].nunique()) - len(pairs),
    )
