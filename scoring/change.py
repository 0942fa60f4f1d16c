"""Change of the same units (practices) across waves: per-unit changes, and the pairs the cohort
tests in :mod:`scoring.paired` compare.

Input is a long frame with one row per unit and wave: a unit column, a 0-based wave index, and
one or more score columns (NaN = missing). Differences are always *after minus before*, so a
positive change is an increase. Cohort tests pair the units that have a value at both waves
compared; every result says how many pairs it used and how many units it dropped for lack of one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

ToWave = int | Literal["latest"]


def check_long_frame(data: pd.DataFrame, columns: Sequence[str], *, unit: str, wave: str) -> None:
    """Raise ValueError unless `data` has `unit`, `wave` and numeric `columns`, one row per unit
    and wave."""
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
    repeated = data.loc[data.duplicated([unit, wave], keep=False), unit].unique()
    if len(repeated):
        raise ValueError(
            f"units {list(repeated[:5])} have more than one row for a wave; "
            "aggregate to one row per unit and wave first."
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
    parts = []
    for score in scores:
        observed = data.loc[data[score].notna(), [unit, wave, score]]
        baseline = observed.loc[observed[wave] == 0].set_index(unit)[score]
        later = observed.loc[observed[wave] > 0].sort_values(wave).groupby(unit).last()
        part = pd.DataFrame(index=units)
        part["score"] = score
        part["baseline"] = baseline.reindex(units)
        part["latest_wave"] = later[wave].reindex(units).astype("Int64")
        part["latest"] = later[score].reindex(units)
        part["change"] = part["latest"] - part["baseline"]
        parts.append(part.reset_index())
    return pd.concat(parts, ignore_index=True)


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
        return self.after - self.before


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
