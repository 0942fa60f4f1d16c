"""Coders' ratings as the agreement statistics read them.

A *ratings* frame has one row per coded unit (a transcript excerpt), one column per coder, each
cell the code that coder gave the unit, missing where the coder did not rate it (NaN, None,
``pd.NA`` or REDCap's blank ``""``). :func:`wide_ratings` builds it from the layout of a coding
instrument (one record per unit and coder, :class:`instruments.model.Coding`).

Codes are matched by value, so ``"1"``, ``1`` and ``1.0`` are one code: when every code (and every
listed category) reads as a number the categories are numbers in numeric order (``"10"`` after
``"2"``); otherwise they are text in text order, unless ``categories`` gives the order.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NAN = math.nan


@dataclass(frozen=True)
class AgreementStatistic:
    """One agreement coefficient.

    ``n`` counts the units the value rests on and ``n_excluded`` the units with ratings that did
    not enter it. ``observed`` and ``expected`` are its two terms: observed and chance agreement
    (percent agreement, kappa) or observed and expected disagreement D_o, D_e (alpha); the
    overall row of :func:`agreement_by_code` pools them.
    """

    statistic: str
    value: float
    n: int
    n_excluded: int = 0
    se: float = NAN
    ci_low: float = NAN
    ci_high: float = NAN
    observed: float = NAN
    expected: float = NAN
    method: str = ""
    reading: str = ""
    note: str = ""


@dataclass(frozen=True)
class Coded:
    """Ratings as category indexes, units by coders, with the categories' labels and values."""

    codes: np.ndarray  # units x coders: category index, -1 where not rated
    labels: list[str]  # category labels, in category order
    scores: np.ndarray | None  # numeric value of each category; None for text codes

    @property
    def k(self) -> int:
        """The number of categories."""
        return len(self.labels)

    def counts(self) -> np.ndarray:
        """units x categories: how many coders gave each unit each category."""
        units, coders = self.codes.shape
        flat = self.codes.ravel()
        rows = np.repeat(np.arange(units), coders)[flat >= 0]
        cells = np.bincount(rows * self.k + flat[flat >= 0], minlength=units * self.k)
        return cells.reshape(units, self.k).astype(float)


def wide_ratings(frame: pd.DataFrame, unit: str, coder: str, value: str) -> pd.DataFrame:
    """Pivot long coding records (one row per unit and coder) to units x coders.

    Every problem is reported at once: a missing column, a record without a unit or coder id,
    and each (unit, coder) that has more than one record, by unit, coder and row label.
    """
    check_records(frame, unit, coder, [value])
    return frame.pivot(index=unit, columns=coder, values=value)


def encode(ratings: pd.DataFrame, categories: Sequence[Hashable] | None = None) -> Coded:
    """``ratings`` (units by coders, blank: not rated) as :class:`Coded`. Categories are numbers
    when every code is numeric, else text; in ``categories`` order when given (a code outside it
    is a ValueError), else sorted."""
    cells = pd.Series(ratings.to_numpy(dtype=object).ravel(), dtype=object)
    cells = cells.map(lambda v: v.strip() if isinstance(v, str) else v)
    present = (cells.notna() & (cells.astype(str) != "")).to_numpy()
    observed = cells[present]
    listed = pd.Series(list(categories) if categories is not None else [], dtype=object)
    pool = pd.concat([observed, listed], ignore_index=True)
    numbers = pd.to_numeric(pool, errors="coerce")
    numeric = bool(numbers.notna().all())
    keys = numbers.to_numpy(dtype=float) if numeric else pool.map(label_of).to_numpy(dtype=object)
    seen, wanted = keys[: len(observed)], keys[len(observed) :]
    if categories is None:
        order = np.unique(seen)
    else:
        if len(set(wanted)) != len(wanted):
            raise ValueError(f"categories repeat a code: {list(categories)}")
        unknown = sorted({label_of(v) for v in set(seen) - set(wanted)})
        if unknown:
            raise ValueError(
                f"codes {unknown} are not among the categories {list(categories)}; "
                "add them to categories or correct the data"
            )
        order = wanted
    codes = np.full(len(cells), -1)
    codes[present] = pd.Index(order).get_indexer(seen)
    labels = [label_of(v) for v in order]
    scores = np.asarray(order, dtype=float) if numeric else None
    return Coded(codes.reshape(ratings.shape), labels, scores)


def label_of(value: object) -> str:
    """A category's label: a whole number without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_records(frame: pd.DataFrame, unit: str, coder: str, values: Sequence[str]) -> None:
    """A ValueError naming the rows when a column is missing, a record has no unit or coder, or a
    coder codes a unit twice."""
    missing = [c for c in (unit, coder, *values) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the frame: {', '.join(missing)}")
    problems = []
    no_id = pd.Series(False, index=frame.index)
    for column in (unit, coder):
        no_id |= frame[column].isna() | (frame[column].astype(str).str.strip() == "")
    if no_id.any():
        rows = ", ".join(map(str, frame.index[no_id]))
        problems.append(f"rows {rows} have no {unit} or no {coder}")
    dup = frame[~no_id & frame.duplicated([unit, coder], keep=False)]
    for (unit_id, coder_id), group in dup.groupby([unit, coder], sort=True):
        rows = ", ".join(map(str, group.index))
        problems.append(f"{unit} {unit_id!r} coded by {coder} {coder_id!r} in rows {rows}")
    if problems:
        raise ValueError(
            "each coder may code a unit once; remove or merge the extra records: "
            + "; ".join(problems)
        )
