"""Tests of independence for cross-tables, Cramer's V, and p-value adjustment across questions.

Choices pinned here, because scipy's and R's defaults differ (measurement notes section 6):
Yates' continuity correction exactly when the table is 2x2 (R ``chisq.test``'s default);
Fisher's exact test instead of chi-square when more than 20 % of expected counts are below 5;
for a 2x2 table the odds ratio is the conditional MLE R ``fisher.test`` prints, not scipy's
sample odds ratio; for larger tables Fisher's p-value is a seeded Monte Carlo estimate (scipy has
no exact r x c enumeration), so it is reproducible for a given seed and says so.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from scipy.stats import contingency
from statsmodels.stats.multitest import multipletests

TestMethod = Literal["auto", "chi-square", "fisher"]
Adjustment = Literal["holm", "fdr_bh"]  # of p-values across a family of tests

CHI_SQUARE = "Pearson chi-square"
CHI_SQUARE_YATES = "Pearson chi-square with Yates continuity correction"
FISHER_EXACT = "Fisher exact (two-sided)"
FISHER_MONTE_CARLO = "Fisher Monte Carlo (two-sided)"


@dataclass(frozen=True)
class IndependenceTest:
    """The test chosen for a table, on the table left after dropping empty rows and columns.

    ``statistic`` and ``df`` are the chi-square's (NaN / None when Fisher was used);
    ``odds_ratio`` is the conditional MLE for 2x2 tables (NaN otherwise); ``expected`` the
    expected counts under independence; ``share_expected_small`` the share of them below
    ``min_expected``. ``n_resamples`` and ``seed`` are set when the p-value is a Monte Carlo one.
    ``p_is_bound`` is True when that Monte Carlo p-value sits at its floor 1/(B + 1) (no
    resampled table was as extreme as the observed one): ``p_value`` is then the floor, and the
    p-value is to be read, and shown, as "p < p_value", never as an estimate.
    """

    method: str
    p_value: float
    statistic: float
    df: int | None
    cramers_v: float
    n: int
    shape: tuple[int, int]
    share_expected_small: float
    expected: pd.DataFrame
    odds_ratio: float = float("nan")
    n_resamples: int | None = None
    seed: int | None = None
    p_is_bound: bool = False
    dropped_rows: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    min_expected: float = 5.0
    note: str = ""


@dataclass(frozen=True)
class AdjustedPValues:
    """Raw and adjusted p-values of a family of tests, keyed like the input."""

    p_values: pd.Series
    adjusted: pd.Series
    reject: pd.Series
    method: str
    alpha: float
    n_tests: int
    note: str = ""


def independence_test(
    table: pd.DataFrame | npt.ArrayLike,
    *,
    method: TestMethod = "auto",
    min_expected: float = 5.0,
    max_share_small: float = 0.2,
    n_resamples: int = 9999,
    seed: int = 20240601,
) -> IndependenceTest:
    """Chi-square or Fisher test of independence of the rows and columns of a count table.

    Rule (``method="auto"``): drop all-zero rows and columns; compute expected counts
    E_ij = r_i c_j / N; if more than ``max_share_small`` (20 %) of E_ij are below ``min_expected``
    (5) use Fisher's exact test, else Pearson's X^2 = sum (|O - E| - y)^2 / E with y = min(0.5,
    |O - E|) for a 2x2 table (Yates) and y = 0 otherwise, df = (r - 1)(c - 1), via
    ``scipy.stats.chi2_contingency(correction=<2x2>, lambda_=None)``. Fisher: 2x2 exact
    ``scipy.stats.fisher_exact(alternative="two-sided")``; r x c: ``fisher_exact`` with a seeded
    ``scipy.stats.MonteCarloMethod(rng=np.random.default_rng(seed), n_resamples=...)`` (tables
    with the same margins, p = (1 + tables with probability <= the observed one) / (B + 1); at
    its floor 1/(B + 1) it is a bound, ``p_is_bound``, noted "p < x"). Cramer's V =
    sqrt(X^2 / (N (min(r, c) - 1))) on the uncorrected X^2,
    ``scipy.stats.contingency.association(method="cramer", correction=False)``.
    Missing-data rule: the table is what it is; build it from asked respondents only. Fewer than
    two non-empty rows or columns give NaN with a note.
    Reference: R ``chisq.test`` (correct = TRUE only bites on 2x2), R ``fisher.test``; Cochran
    (1954) Biometrics 10:417-451 for the 20 % rule; Cramer (1946) *Mathematical Methods of
    Statistics*, 21.9.
    """
    frame = _as_count_frame(table)
    rows = frame.sum(axis=1) > 0
    cols = frame.sum(axis=0) > 0
    dropped_rows = tuple(str(r) for r in frame.index[~rows])
    dropped_cols = tuple(str(c) for c in frame.columns[~cols])
    frame = frame.loc[rows, cols]
    notes = []
    if dropped_rows or dropped_cols:
        notes.append(f"empty rows {list(dropped_rows)} and columns {list(dropped_cols)} dropped")
    observed = frame.to_numpy(dtype=np.int64)
    n = int(observed.sum())
    r, c = observed.shape
    if r < 2 or c < 2:
        notes.append("a test needs at least two non-empty rows and two non-empty columns")
        return _not_computable(n, (r, c), frame, dropped_rows, dropped_cols, min_expected, notes)

    expected = contingency.expected_freq(observed)
    share_small = float((expected < min_expected).mean())
    two_by_two = (r, c) == (2, 2)
    chi = stats.chi2_contingency(observed, correction=two_by_two, lambda_=None)
    v = float(contingency.association(observed, method="cramer", correction=False))
    odds = (
        float(contingency.odds_ratio(observed, kind="conditional").statistic)
        if two_by_two
        else float("nan")
    )
    use_fisher = method == "fisher" or (method == "auto" and share_small > max_share_small)
    base = IndependenceTest(
        method=CHI_SQUARE_YATES if two_by_two else CHI_SQUARE,
        p_value=float(chi.pvalue),
        statistic=float(chi.statistic),
        df=int(chi.dof),
        cramers_v=v,
        n=n,
        shape=(r, c),
        share_expected_small=share_small,
        expected=pd.DataFrame(expected, index=frame.index, columns=frame.columns),
        odds_ratio=odds,
        dropped_rows=dropped_rows,
        dropped_columns=dropped_cols,
        min_expected=min_expected,
    )
    if not use_fisher:
        return replace(base, note="; ".join(notes))
    if method == "auto":
        notes.append(
            f"{share_small:.0%} of expected counts below {min_expected:g}: Fisher instead of "
            "chi-square"
        )
    nan = float("nan")
    if two_by_two:
        p = float(stats.fisher_exact(observed, alternative="two-sided").pvalue)
        return replace(
            base, method=FISHER_EXACT, p_value=p, statistic=nan, df=None, note="; ".join(notes)
        )
    if not _fisher_takes_rxc():
        notes.append("this scipy cannot run Fisher's test on r x c tables (needs scipy >= 1.15)")
        return replace(
            base,
            method=FISHER_MONTE_CARLO,
            p_value=nan,
            statistic=nan,
            df=None,
            note="; ".join(notes),
        )
    if n_resamples * r * c <= n:
        # scipy 1.17 tells the observed table from a batch of resamples by comparing the array
        # size with N; a batch no larger than N would be scored as one table.
        n_resamples = n // (r * c) + 1
        notes.append(f"n_resamples raised to {n_resamples} for a table of {n} respondents")
    resampling = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
    # The same quirk returns a 1-element array when the table has more cells than N.
    p = float(np.ravel(stats.fisher_exact(observed, method=resampling).pvalue)[0])
    notes.append(f"Monte Carlo p-value from {n_resamples} tables, seed {seed}")
    # p = (1 + tables at least as extreme) / (B + 1), so with none the estimate is only a bound.
    floor = 1.0 / (n_resamples + 1)
    p_is_bound = p <= floor * (1.0 + 1e-9)
    if p_is_bound:
        notes.append(
            f"p < {_round_up(floor)}: no resampled table was as extreme as the observed one, "
            f"so the p-value is at its floor 1/({n_resamples} + 1)"
        )
    return replace(
        base,
        method=FISHER_MONTE_CARLO,
        p_value=p,
        statistic=nan,
        df=None,
        n_resamples=n_resamples,
        seed=seed,
        p_is_bound=p_is_bound,
        note="; ".join(notes),
    )


def adjust_p_values(
    p_values: pd.Series, method: Adjustment, *, alpha: float = 0.05
) -> AdjustedPValues:
    """Holm or Benjamini-Hochberg adjustment of a family of p-values (one per question).

    Formulas, with the m non-missing p-values sorted p_(1) <= ... <= p_(m):
    Holm: p~_(i) = max_{j<=i} min(1, (m - j + 1) p_(j)); BH: p~_(i) = min_{j>=i} min(1, m p_(j)/j).
    ``reject`` = adjusted <= alpha (Holm controls the family-wise error, BH the false discovery
    rate). Computed by ``statsmodels.stats.multitest.multipletests(method="holm"|"fdr_bh")``.
    Missing-data rule: NaN p-values (tests that could not be run) are left out of the family
    (m counts only the others) and stay NaN, with a note.
    Reference: Holm (1979) Scand J Stat 6:65-70; Benjamini & Hochberg (1995) JRSS B 57:289-300;
    R ``p.adjust(method = "holm" | "BH")``.
    """
    if method not in ("holm", "fdr_bh"):
        raise ValueError(f"method must be 'holm' or 'fdr_bh', got {method!r}")
    p = pd.to_numeric(p_values, errors="raise").astype(float)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    present = p.notna()
    adjusted = pd.Series(np.nan, index=p.index)
    reject = pd.Series(False, index=p.index)
    m = int(present.sum())
    if m:
        rej, adj, _, _ = multipletests(p[present].to_numpy(), alpha=alpha, method=method)
        adjusted[present] = adj
        reject[present] = rej
    missing = len(p) - m
    note = f"{missing} missing p-value(s) left out of the family" if missing else ""
    return AdjustedPValues(p, adjusted, reject, method, alpha, m, note)


def _as_count_frame(table: pd.DataFrame | npt.ArrayLike) -> pd.DataFrame:
    frame = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(np.asarray(table))
    if frame.ndim != 2 or frame.empty:
        raise ValueError("table must be a non-empty two-way table of counts")
    values = frame.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("table must hold non-negative whole counts, without missing cells")
    return frame.astype(np.int64)


def _not_computable(
    n: int,
    shape: tuple[int, int],
    frame: pd.DataFrame,
    dropped_rows: tuple[str, ...],
    dropped_cols: tuple[str, ...],
    min_expected: float,
    notes: list[str],
) -> IndependenceTest:
    nan = float("nan")
    return IndependenceTest(
        method="none",
        p_value=nan,
        statistic=nan,
        df=None,
        cramers_v=nan,
        n=n,
        shape=shape,
        share_expected_small=nan,
        expected=frame.astype(float) * nan,
        dropped_rows=dropped_rows,
        dropped_columns=dropped_cols,
        min_expected=min_expected,
        note="; ".join(notes),
    )


def _round_up(value: float, digits: int = 2) -> str:
    """``value`` to ``digits`` significant digits, rounded up, so "p < x" stays true."""
    step = 10.0 ** (math.floor(math.log10(value)) - digits + 1)
    return f"{math.ceil(value / step - 1e-9) * step:.{digits}g}"


def _fisher_takes_rxc() -> bool:
    return "method" in inspect.signature(stats.fisher_exact).parameters
