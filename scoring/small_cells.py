"""Small cells: flag and blank counts too small to publish, and the cells that would reveal them.

Organisational scans have small groups; a count of 1 or 2 in a table can identify a provider.
:func:`small_cells` and :func:`suppress` do *primary* suppression: each count below the threshold
is blanked with its percent and interval. That alone leaves a blanked count recoverable by
subtraction whenever a total is published (a base of 33 with published counts 19 and 10 gives
away the hidden 4). :func:`complementary_suppression` adds the *secondary* (complementary) step
for a count table and its published totals: it withholds further cells until no withheld count
can be worked out from the totals and the published cells (Hundepool et al. 2012, *Statistical
Disclosure Control*, Wiley, chapters 4 and 5: sensitivity rules and secondary cell suppression
for tabular data, and their application to frequency tables).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.linalg import null_space
from scipy.optimize import linprog

# Numerical tolerance for "this withheld cell has no room to move": the constraint matrices hold
# 0/1 entries and the counts are small whole numbers, so round-off sits far below it.
TOLERANCE = 1e-7

Cells = npt.NDArray[np.intp]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Suppressed:
    """A table with its small cells blanked, and how many were."""

    table: pd.DataFrame
    n_suppressed: int
    below: int
    column: str = "count"
    note: str = ""


@dataclass(frozen=True)
class Suppression:
    """Which cells of a count table to withhold, and why.

    ``mask``, ``primary`` and ``exposed`` are bool frames with the index and columns of the
    counts. ``mask``: withhold the cell (primary or complementary). ``primary``: the count itself
    is small. ``exposed``: withheld cells that the published totals give away whatever else is
    withheld (a published total over a single cell, or, with ``zeros=True``, a total of 0): only
    withholding that total protects them. ``totals`` names the totals assumed published.
    """

    mask: pd.DataFrame
    primary: pd.DataFrame
    exposed: pd.DataFrame
    below: int
    totals: tuple[str, ...]
    zeros: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complementary(self) -> pd.DataFrame:
        """Cells withheld only so that the primary ones cannot be worked out."""
        return self.mask & ~self.primary

    @property
    def n_primary(self) -> int:
        """How many cells are withheld for being small."""
        return int(self.primary.to_numpy().sum())

    @property
    def n_complementary(self) -> int:
        """How many more are withheld so that the small ones cannot be worked out."""
        return int(self.complementary.to_numpy().sum())

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def small_cells(counts: pd.Series, below: int, *, zeros: bool = True) -> pd.Series:
    """Flag every count below ``below`` (``zeros=False`` leaves zero counts unflagged).

    Rule: flagged = count < below (and count > 0 when ``zeros`` is False). Missing counts (already
    blanked) are not flagged. This is primary suppression only: see
    :func:`complementary_suppression` when totals are published. Reference: primary-suppression
    threshold rule (Hundepool et al. 2012, section 4.2).
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
    Secondary suppression is NOT applied here: blanked values may be recoverable from totals.
    To close that gap, compute the cells to withhold with :func:`complementary_suppression` on
    the count table and blank its ``mask``. The input table is not modified.
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


def complementary_suppression(
    counts: pd.DataFrame,
    below: int,
    *,
    row_totals: bool | Collection[Hashable] = False,
    column_totals: bool | Collection[Hashable] = True,
    grand_total: bool = False,
    zeros: bool = False,
    forced: pd.DataFrame | None = None,
) -> Suppression:
    """Cells of a count table to withhold so that no small count can be worked out.

    ``counts`` is a table of non-negative whole counts (rows e.g. answer options, columns e.g.
    groups; a frequency table is the one-column case, ``series.to_frame()``, with its column
    total, the base, published: the defaults). ``row_totals``, ``column_totals`` and
    ``grand_total`` say which totals the reader sees *anywhere* in the report (an "overall"
    table beside a by-group one publishes the row totals; all column totals together publish
    the grand total, which the algebra below finds by itself).

    Rules:

    1. Primary: a count below ``below`` is withheld; a zero only when ``zeros`` is True (default
       False: "nobody chose this" identifies no one; note that :func:`small_cells` and
       :func:`suppress` default to ``zeros=True``). A withheld cell's published total is not
       withheld here: a total below ``below`` (a group of 3) is a base the report prints, so all
       its nonzero counts are small and withheld, and complements are added in it like anywhere
       else; a note names such totals. If that base itself must not be seen, withhold it in the
       report and leave it out here.
    2. Complementary: a withheld count must not be recoverable from the published totals and
       published cells, i.e. over non-negative real values consistent with everything published,
       each withheld cell must be able to take more than one value. Every published total then
       holds no withheld cell or at least two. Checked with linear algebra: with A the published
       totals restricted to the withheld cells, and Z the withheld cells that every consistent
       table sets to 0 (found by linear programming, ``scipy.optimize.linprog``; only zero cells
       can be there), cell w is determined iff the unit vector e_w lies in the row space of
       [A; E_Z], i.e. iff row w of a null-space basis of [A; E_Z] (``scipy.linalg.null_space``)
       is zero.
    3. Choosing complements (greedy, deterministic, repeated until nothing changes): first, each
       published total holding exactly one withheld cell gets one more from its other cells;
       then each cell still determined by the algebra gets the first cell, among those sharing a
       total with it and then the rest, that frees it (or, if none does alone, the first one
       sharing a total). Candidates are ordered by: fewest totals left holding a single
       withheld cell (a cell whose other total already holds exactly one withheld cell closes
       both, the classic 2 x 2 rectangle), then a positive count before a zero (a withheld 0 in
       a total widens the range of the hidden count, but leaves its true value at the top of
       the range, so it protects less), then the smallest count (least information lost), then
       position (row by row).
    4. A withheld cell the published totals give away whatever is withheld (a published total
       over one cell; with ``zeros=True``, a published total of 0) cannot be protected by
       withholding cells: it is flagged in ``exposed`` with a note; withhold the total instead.

    What this does not do: it guarantees that no withheld count is *exactly* recoverable, not a
    minimum width of the range a reader can narrow it to (Hundepool's protection levels), and it
    does not use what a reader may know besides the table (e.g. that withheld counts are below
    ``below``). The greedy choice is not the optimal (fewest cells) pattern that an integer
    program would find. Missing-data rule: none here; the counts must be complete.
    Reference: Hundepool A, Domingo-Ferrer J, Franconi L, et al. (2012) *Statistical Disclosure
    Control*, Wiley, chapter 4 (threshold rule, secondary cell suppression and its audit by
    linear programming) and chapter 5 (frequency tables).
    ``row_totals`` and ``column_totals`` may name the rows and columns whose totals are
    published (the others' are not).
    ``forced`` (bool, the counts' shape) names cells the caller must withhold for reasons
    outside this table (e.g. a total withheld in another table that these cells add up to);
    they are protected like primary cells but not reported as primary.
    Raises ValueError for a non-positive ``below`` or counts that are not whole numbers >= 0.
    """
    if below < 1:
        raise ValueError(f"below must be a positive count, got {below}")
    values = _as_count_array(counts)
    flat = values.ravel()
    lines, names = _published_lines(counts, row_totals, column_totals, grand_total)
    primary = (flat < below) & (zeros | (flat > 0))
    must = primary
    if forced is not None:
        wanted = forced.reindex(index=counts.index, columns=counts.columns, fill_value=False)
        must = primary | wanted.to_numpy(dtype=bool).ravel()
    hidden = _protect(flat, must, lines)
    exposed = hidden & _determined(flat, hidden, lines)
    totals = tuple(
        name
        for name, wanted in (
            ("row totals", bool(row_totals)),
            ("column totals", bool(column_totals)),
            ("grand total", grand_total),
        )
        if wanted
    )

    def frame(flags: Flags) -> pd.DataFrame:
        return pd.DataFrame(flags.reshape(values.shape), index=counts.index, columns=counts.columns)

    notes = _notes(values, primary, hidden, exposed, lines, names, below, zeros, totals, counts)
    return Suppression(
        mask=frame(hidden),
        primary=frame(primary),
        exposed=frame(exposed),
        below=below,
        totals=totals,
        zeros=zeros,
        notes=notes,
    )


def _as_count_array(counts: pd.DataFrame) -> npt.NDArray[np.float64]:
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ValueError(
            "counts must be a non-empty DataFrame of counts (a Series: pass series.to_frame())"
        )
    try:
        values = counts.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"counts must be numbers: {error}") from None
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("counts must be whole numbers >= 0, without missing cells")
    return values


def _published_lines(
    counts: pd.DataFrame,
    rows: bool | Collection[Hashable],
    columns: bool | Collection[Hashable],
    grand: bool,
) -> tuple[list[Cells], list[str]]:
    """Each published total as the flat (row-major) positions of the cells it adds up."""
    r, c = counts.shape
    grid = np.arange(r * c).reshape(r, c)
    lines: list[Cells] = []
    names: list[str] = []
    shown = [
        i
        for i, label in enumerate(counts.index)
        if rows is True or (not isinstance(rows, bool) and label in rows)
    ]
    lines += [grid[i] for i in shown]
    names += [f"row '{counts.index[i]}'" for i in shown]
    published = [
        j
        for j, label in enumerate(counts.columns)
        if columns is True or (not isinstance(columns, bool) and label in columns)
    ]
    lines += [grid[:, j] for j in published]
    names += [f"column '{counts.columns[j]}'" for j in published]
    if grand:
        lines.append(grid.ravel())
        names.append("the grand total")
    return lines, names


def _protect(values: npt.NDArray[np.float64], primary: Flags, lines: list[Cells]) -> Flags:
    """Primary cells plus complements, by rules 2 and 3 of :func:`complementary_suppression`."""
    hidden = primary.copy()
    if not hidden.any():
        return hidden
    hopeless = _determined(values, np.ones_like(hidden), lines)
    while True:
        pick = _lone_total_complement(values, hidden, lines, hopeless)
        if pick is None:
            fixed = np.flatnonzero(_determined(values, hidden, lines) & ~hopeless)
            if fixed.size == 0:
                return hidden
            pick = _freeing_complement(values, hidden, lines, int(fixed[0]))
        hidden[pick] = True


def _lone_total_complement(
    values: npt.NDArray[np.float64], hidden: Flags, lines: list[Cells], hopeless: Flags
) -> int | None:
    for at, line in enumerate(lines):
        inside = line[hidden[line]]
        if inside.size == 1 and not hopeless[inside[0]]:
            # Not hopeless, so the total has other cells, all published.
            others = line[~hidden[line]]
            return min(
                (int(k) for k in others), key=lambda k: _cost(k, values, hidden, lines, skip=at)
            )
    return None


def _freeing_complement(
    values: npt.NDArray[np.float64], hidden: Flags, lines: list[Cells], cell: int
) -> int:
    near = {int(k) for line in lines if cell in line for k in line if not hidden[k]}
    far = {int(k) for k in np.flatnonzero(~hidden)} - near
    ordered = [
        k
        for group in (near, far)
        for k in sorted(group, key=lambda k: _cost(k, values, hidden, lines))
    ]
    for k in ordered:
        trial = hidden.copy()
        trial[k] = True
        if not _determined(values, trial, lines)[cell]:
            return k
    # Every published cell is a candidate and withholding all of them frees the cell (it is not
    # hopeless), so some cell is left to add.
    return ordered[0]


def _cost(
    cell: int, values: npt.NDArray[np.float64], hidden: Flags, lines: list[Cells], skip: int = -1
) -> tuple[int, bool, float, int]:
    lone_after = 0
    for at, line in enumerate(lines):
        if at == skip or cell not in line:
            continue
        already = int(hidden[line].sum())
        lone_after += 1 if already == 0 else -1 if already == 1 else 0
    return (lone_after, bool(values[cell] == 0), float(values[cell]), cell)


def _determined(values: npt.NDArray[np.float64], hidden: Flags, lines: list[Cells]) -> Flags:
    """Withheld cells whose value the published totals and cells fix (rule 2)."""
    fixed = np.zeros(values.size, dtype=bool)
    where = np.flatnonzero(hidden)
    sums = [line[hidden[line]] for line in lines]
    sums = [cells for cells in sums if cells.size]
    if not sums:
        return fixed
    column = {int(cell): k for k, cell in enumerate(where)}
    a = np.zeros((len(sums), where.size))
    for i, cells in enumerate(sums):
        a[i, [column[int(cell)] for cell in cells]] = 1.0
    b = a @ values[where]
    zero = _always_zero(a, b, values[where])
    basis = null_space(np.vstack([a, np.eye(where.size)[zero]]))
    fixed[where] = np.linalg.norm(basis, axis=1) <= TOLERANCE
    return fixed


def _always_zero(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> Flags:
    """Cells that are 0 in every y >= 0 with a y = b (the true y is one, so only its zeros).

    Each round maximises sum(min(y_i, 1)) over the cells still in doubt; a cell that comes out
    positive is not always zero; when none does, the rest are (the maximum is 0 only if each is 0
    in every solution).
    """
    zero = a[b == 0].sum(axis=0) > 0  # a total of zero over withheld cells: all of them are 0
    doubt = np.flatnonzero((y == 0) & ~zero)
    n = y.size
    while doubt.size:
        k = doubt.size
        # variables: y (n), then s (k) with s_i <= y_doubt(i), 0 <= s_i <= 1; maximise sum s
        a_ub = np.hstack([-np.eye(n)[doubt], np.eye(k)])
        result = linprog(
            c=np.concatenate([np.zeros(n), -np.ones(k)]),
            A_ub=a_ub,
            b_ub=np.zeros(k),
            A_eq=np.hstack([a, np.zeros((a.shape[0], k))]),
            b_eq=b,
            bounds=[(0.0, 0.0) if z else (0.0, None) for z in zero] + [(0.0, 1.0)] * k,
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"suppression check: linear program failed: {result.message}")
        positive = result.x[n:] > TOLERANCE
        if not positive.any():
            zero[doubt] = True
            break
        doubt = doubt[~positive]
    return zero


def _notes(
    values: npt.NDArray[np.float64],
    primary: Flags,
    hidden: Flags,
    exposed: Flags,
    lines: list[Cells],
    names: list[str],
    below: int,
    zeros: bool,
    totals: tuple[str, ...],
    counts: pd.DataFrame,
) -> tuple[str, ...]:
    notes: list[str] = []
    n_primary, n_more = int(primary.sum()), int((hidden & ~primary).sum())
    if n_primary:
        small = "count(s) below" if zeros else "nonzero count(s) below"
        text = f"{n_primary} {small} {below} withheld"
        if n_more:
            published = " and ".join(
                [", ".join(totals[:-1]), totals[-1]] if totals[:-1] else totals
            )
            text += f", and {n_more} more so that none can be worked out from the {published}"
        notes.append(text)
    flat = values.ravel()
    for line, name in zip(lines, names, strict=True):
        total = int(flat[line].sum())
        if total < below and (zeros or total > 0):
            which = "all its counts are" if zeros else "all its nonzero counts are"
            notes.append(
                f"{name} has total {total}, below {below}: {which} withheld, "
                "but the total itself is published"
            )
    if exposed.any():
        c = values.shape[1]
        cells = ", ".join(
            f"({counts.index[k // c]!r}, {counts.columns[k % c]!r})"
            for k in np.flatnonzero(exposed)
        )
        notes.append(
            f"{int(exposed.sum())} withheld count(s) can still be worked out from the published "
            f"totals whatever else is withheld: {cells}; withhold those totals too"
        )
    return tuple(notes)
