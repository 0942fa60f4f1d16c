"""A score by group of units (region, practice size, ...): how many were assessed at a wave,
their median with its distribution-free interval, and their median change since baseline.

A unit's group is the first value its rows give for the grouping field (the key fields are
carried to every wave by :func:`scoring.decode.decode`, so a unit has one); a unit without one is
in the group ``NOT_RECORDED``. Groups come in the field's choice order, that group last.

A group whose median (change) would rest on fewer than ``min_units`` units is withheld: its
value and interval are NaN, ``withheld`` is True and ``note`` says why, so that a region of
two practices is not compared on noise (the same rule as :mod:`scoring.benchmark`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scoring.decode import Responses
from scoring.field_stats import group_labels
from scoring.median_ci import CONFIDENCE, median_ci

NOT_RECORDED = "Not recorded"
COLUMNS = (
    "group",
    "units",
    "assessed",
    "median",
    "low",
    "high",
    "pairs",
    "change",
    "change_low",
    "change_high",
    "withheld",
    "note",
)


def unit_groups(responses: Responses, data: pd.DataFrame, by: str) -> pd.Series:
    """Each unit's group on the field ``by`` (index: the units of ``data``, first met first), as a
    Categorical of the field's labels in choice order, ``NOT_RECORDED`` last when used.

    ``data`` is :func:`scoring.scale_stats.long_scores` of ``responses`` (the same index)."""
    labels = group_labels(responses, by).reindex(data.index)
    frame = pd.DataFrame({"unit": data["unit"], "group": labels.astype(object)})
    frame = frame[frame["unit"].notna()]
    first = frame.dropna(subset=["group"]).groupby("unit", sort=False)["group"].first()
    units = pd.Index(pd.unique(frame["unit"]), dtype=object)
    found = first.reindex(units)
    order = list(labels.cat.categories) if isinstance(labels.dtype, pd.CategoricalDtype) else []
    order += [str(g) for g in pd.unique(found.dropna()) if g not in order]
    if found.isna().any():
        order.append(NOT_RECORDED)
    named = found.astype(object).where(found.notna(), NOT_RECORDED)
    return pd.Series(pd.Categorical(named, categories=order), index=units, name=by)


def latest_wave(data: pd.DataFrame, score: str) -> int | None:
    """The last wave index at which any unit has a score on ``score`` (None: no scores)."""
    waves = data.loc[data[score].notna(), "wave_index"]
    return int(waves.max()) if len(waves) else None


def group_medians(
    data: pd.DataFrame,
    score: str,
    groups: pd.Series,
    *,
    wave_index: int,
    min_units: int = 5,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per group of ``groups`` (unit -> group, a Categorical: every category gets a row, in
    order): ``units`` in the group, ``assessed`` (units with a score at ``wave_index``), the
    ``median`` of those scores with its interval (``low``, ``high``), ``pairs`` (units with a
    score at baseline, wave index 0, and at ``wave_index``) and the median of their changes
    (``change`` = score at ``wave_index`` minus score at baseline) with its interval
    (``change_low``, ``change_high``), ``withheld`` and ``note``.

    Formula: medians and intervals by :func:`scoring.median_ci.median_ci` (the sample median,
    numpy's, which is R's ``median``; the exact order-statistic interval of Conover 1999, 3.2),
    on the scores and on the within-unit changes. Missing data: a unit without a score at a
    wave is not assessed there; a change needs both scores. A median on fewer than
    ``min_units`` units is withheld (NaN, ``withheld`` True, the reason in ``note``); an
    interval on too few units for the coverage is NaN with median_ci's reason.
    Reference: R ``median(x)``; the intervals as in :func:`scoring.median_ci.median_ci`.
    """
    if min_units < 1:
        raise ValueError(f"min_units must be at least 1, got {min_units}")
    for column in ("unit", "wave_index", score):
        if column not in data.columns:
            raise ValueError(f"the long frame lacks column {column!r}")
    at = _scores_at(data, score, wave_index)
    base = _scores_at(data, score, 0)
    change = (at - base).dropna()
    categories = (
        list(groups.cat.categories)
        if isinstance(groups.dtype, pd.CategoricalDtype)
        else list(pd.unique(groups.dropna()))
    )
    rows = []
    for group in categories:
        members = groups.index[groups.astype(object) == group]
        rows.append(
            _row(
                str(group),
                len(members),
                at.reindex(members).dropna(),
                change.reindex(members).dropna(),
                min_units,
                confidence,
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _scores_at(data: pd.DataFrame, score: str, wave_index: int) -> pd.Series:
    """unit -> score at the wave (units without one left out)."""
    rows = data.loc[(data["wave_index"] == wave_index) & data[score].notna() & data["unit"].notna()]
    if rows["unit"].duplicated().any():
        raise ValueError(f"a unit has two rows at wave index {wave_index}: one per unit and wave")
    return pd.Series(rows[score].to_numpy(dtype=float), index=pd.Index(rows["unit"], dtype=object))


def _row(
    group: str,
    units: int,
    scores: pd.Series,
    changes: pd.Series,
    min_units: int,
    confidence: float,
) -> dict[str, object]:
    notes = []
    level = median_ci(scores.to_numpy(), confidence=confidence)
    moved = median_ci(changes.to_numpy(), confidence=confidence)
    median, low, high = level.median, level.low, level.high
    change, change_low, change_high = moved.median, moved.low, moved.high
    withheld = False
    if len(scores) < min_units:
        withheld = True
        median = low = high = math.nan
        notes.append(f"{len(scores)} assessed, below the minimum of {min_units}")
    elif level.note:
        notes.append(f"median interval: {level.note}")
    if len(changes) < min_units:
        withheld = True
        change = change_low = change_high = math.nan
        notes.append(f"{len(changes)} with a baseline and a latest score, below {min_units}")
    elif moved.note:
        notes.append(f"change interval: {moved.note}")
    return {
        "group": group,
        "units": int(units),
        "assessed": int(len(scores)),
        "median": float(median),
        "low": float(low),
        "high": float(high),
        "pairs": int(len(changes)),
        "change": float(change),
        "change_low": float(change_low),
        "change_high": float(change_high),
        "withheld": bool(withheld),
        "note": "; ".join(notes),
    }


def all_units(data: pd.DataFrame, label: str) -> pd.Series:
    """Every unit of ``data`` in one group named ``label`` (the cohort's row)."""
    units = pd.Index(pd.unique(data["unit"].dropna()), dtype=object)
    return pd.Series(pd.Categorical(np.repeat(label, len(units)), categories=[label]), index=units)
