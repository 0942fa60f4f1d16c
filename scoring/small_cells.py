"""Small cells: flag and blank counts too small to publish.

Organisational scans have small groups; a count of 1 or 2 in a table can identify a provider.
This module does *primary* suppression only: each count below the threshold is blanked with its
percent and interval. It does not do *secondary* (complementary) suppression, so a blanked count
can still be recovered from the row or column total and the other cells; a report that publishes
totals must add that step itself (Hundepool et al. 2012, *Statistical Disclosure Control*,
chapter 4).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Suppressed:
    """A table with its small cells blanked, and how many were."""

    table: pd.DataFrame
    n_suppressed: int
    below: int
    column: str = "count"
    note: str = ""


def small_cells(counts: pd.Series, below: int, *, zeros: bool = True) -> pd.Series:
    """Flag every count below ``below`` (``zeros=False`` leaves zero counts unflagged).

    Rule: flagged = count < below (and count > 0 when ``zeros`` is False). Missing counts (already
    blanked) are not flagged. Reference: primary-suppression threshold rule (Hundepool et al.
    2012, section 4.2).
    """
    if below < 1:
        raise ValueError(f"below must be a positive count, got {below}")
    values = pd.to_numeric(counts, errors="raise")
    flagged = (values < below).fillna(False).astype(bool)
    if not zeros:
        flagged &= (values != 0).fillna(False).astype(bool)
    return flagged


def suppress(
    table: pd.DataFrame,
    below: int,
    *,
    column: str = "count",
    zeros: bool = True,
    keep: Collection[str] = ("denominator",),
) -> Suppressed:
    """Blank the counts below ``below``, with every other number of the same row.

    Rule: in each row where ``table[column] < below`` (see :func:`small_cells`), the count becomes
    ``<NA>`` (nullable ``Int64``) and every other numeric, non-bool column of that row (percents,
    interval limits) becomes NaN, except the columns in ``keep`` (a row's base is not a small
    cell); labels, kinds and flags stay. Works on the long tables this
    package returns (``FrequencyTable.table``, ``CheckAllTable.table``, the grouped long table).
    Secondary suppression is NOT applied (see the module docstring): blanked values may be
    recoverable from totals. The input table is not modified.
    Reference: Hundepool et al. (2012) *Statistical Disclosure Control*, Wiley, chapter 4.
    """
    if column not in table.columns:
        raise ValueError(f"table has no '{column}' column; columns are {list(table.columns)}")
    flagged = small_cells(table[column], below, zeros=zeros)
    out = table.copy()
    out[column] = out[column].astype("Int64")
    out.loc[flagged, column] = pd.NA
    numeric = [
        c
        for c in out.columns
        if c != column
        and c not in keep
        and pd.api.types.is_numeric_dtype(out[c])
        and not pd.api.types.is_bool_dtype(out[c])
    ]
    for name in numeric:
        out[name] = out[name].astype(float)
        out.loc[flagged, name] = np.nan
    n = int(flagged.sum())
    note = (
        f"{n} count(s) below {below} suppressed; no secondary suppression, "
        "so totals may reveal them"
        if n
        else ""
    )
    return Suppressed(table=out, n_suppressed=n, below=below, column=column, note=note)
