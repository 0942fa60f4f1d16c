"""Paired cohort tests of change between two waves: paired t, Wilcoxon signed-rank, reliable
change (Jacobson & Truax) and McNemar for yes/no items.

Pairs come from :func:`scoring.change.paired_values`: the units with a value at both waves
compared. Differences are *after minus before*; every result says how many pairs it used and how
many units it dropped for lack of one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from scoring.change import ToWave, paired_values, score_decimals

ReliabilitySource = Literal["test_retest", "cronbach_alpha", "icc2"]

# Jacobson & Truax (1991): |RCI| > 1.96 is a reliable change at the 5 % level.
RCI_CRITICAL = 1.96


@dataclass(frozen=True)
class PairedTTest:
    """A score's mean change between two waves (see :func:`paired_t`)."""

    score: str
    from_wave: int
    to_wave: ToWave
    n_pairs: int
    units_dropped: int
    mean_before: float
    mean_after: float
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    statistic: float
    df: float
    p_value: float
    cohen_dz: float
    method: str
    note: str = ""


def paired_t(
    data: pd.DataFrame,
    score: str,
    *,
    from_wave: int = 0,
    to_wave: ToWave = "latest",
    confidence: float = 0.95,
    unit: str = "unit",
    wave: str = "wave_index",
) -> PairedTTest:
    """Paired t-test of the mean change, with Cohen's dz.

    Formula: d = after - before, rounded to the precision of the scores (10 significant digits
    of the largest score, see `PairedValues.rounded_differences`); t = mean(d) / (sd(d) /
    sqrt(n)), df = n - 1; CI = mean(d) +- t_{df} sd(d)/sqrt(n); dz = mean(d) / sd(d) (sd with
    ddof = 1; Lakens 2013, Front Psychol 4:863). Missing data: complete pairs only (see
    `paired_values`). Reference: scipy.stats.ttest_rel, R t.test(after, before, paired = TRUE).
    Undefined cases: fewer than 2 pairs, or differences that are constant (every unit changed
    by the same amount, up to float noise): t, p, CI and dz are NaN with a note, and the mean
    change is still reported. With constant differences sd(d) = 0, so t would be infinite (or
    0/0 when nothing changed); R's t.test stops with "data are essentially constant".
    """
    pairs = paired_values(data, score, from_wave=from_wave, to_wave=to_wave, unit=unit, wave=wave)
    d = pairs.rounded_differences
    n = pairs.n_pairs
    nan = math.nan
    t, df, p_value, low, high, dz, note = nan, nan, nan, nan, nan, nan, ""
    if n < 2:
        note = f"needs at least 2 pairs, has {n}"
    elif np.all(d == d[0]):
        df = float(n - 1)
        note = (
            f"differences are constant (every unit changed by {d[0]:.10g}): sd of changes is 0, "
            "no t test"
        )
    else:
        # ttest_rel(after, before) is the one-sample t test of after - before: given the
        # rounded changes and zeros, it tests exactly the changes it is documented to.
        result = stats.ttest_rel(d, np.zeros_like(d), alternative="two-sided")
        interval = result.confidence_interval(confidence_level=confidence)
        t, df, p_value = float(result.statistic), float(result.df), float(result.pvalue)
        low, high = float(interval.low), float(interval.high)
        dz = float(d.mean()) / float(d.std(ddof=1))
    return PairedTTest(
        score=score,
        from_wave=from_wave,
        to_wave=to_wave,
        n_pairs=n,
        units_dropped=pairs.units_dropped,
        mean_before=float(pairs.before.mean()) if n else nan,
        mean_after=float(pairs.after.mean()) if n else nan,
        estimate=float(d.mean()) if n else nan,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        statistic=t,
        df=df,
        p_value=p_value,
        cohen_dz=dz,
        method=(
            "paired t-test (scipy.stats.ttest_rel, on the changes at the scores' precision), "
            "two-sided; Cohen's dz = mean(d)/sd(d)"
        ),
        note=note,
    )


@dataclass(frozen=True)
class SignedRankTest:
    """A score's median change between two waves, by signed ranks (see :func:`signed_rank`)."""

    score: str
    from_wave: int
    to_wave: ToWave
    n_pairs: int
    units_dropped: int
    n_zero: int
    n_ranked: int
    median_difference: float
    statistic: float
    t_minus: float
    p_value: float
    rank_biserial: float
    method: str
    note: str = ""


def signed_rank(
    data: pd.DataFrame,
    score: str,
    *,
    from_wave: int = 0,
    to_wave: ToWave = "latest",
    unit: str = "unit",
    wave: str = "wave_index",
) -> SignedRankTest:
    """Wilcoxon signed-rank test of the changes, reporting T+ as R does, with the rank-biserial r.

    Formula: d = after - before, rounded to the precision of the scores (10 significant digits
    of the largest score, see `PairedValues.rounded_differences`), so that changes equal on the
    scale tie and a change of float noise is zero; zero differences are dropped
    (zero_method='wilcox', as R); the |d| are ranked (mid-ranks for ties); statistic = T+ = sum
    of ranks of positive d (R's V), t_minus = T-; matched-pairs rank-biserial r = (T+ - T-) /
    (T+ + T-) (Kerby 2014, Compr Psychol 3:11.IT.3.1).
    p-value: exact null distribution when n_pairs <= 50 and there are no ties or zeros, otherwise
    the normal approximation with tie and continuity correction (R wilcox.test's default
    correct = TRUE; R itself goes exact only below n = 50). Missing data: complete pairs only.
    Reference: scipy.stats.wilcoxon; R wilcox.test(after, before, paired = TRUE, digits.rank = 7)
    (with R's default digits.rank = Inf, float noise in scale scores breaks ties).
    """
    pairs = paired_values(data, score, from_wave=from_wave, to_wave=to_wave, unit=unit, wave=wave)
    d = pairs.rounded_differences
    nonzero = d[d != 0]
    ranks = stats.rankdata(np.abs(nonzero), method="average")
    t_plus = float(ranks[nonzero > 0].sum())
    t_minus = float(ranks[nonzero < 0].sum())
    n_zero = int((d == 0).sum())
    exact = pairs.n_pairs <= 50 and n_zero == 0 and len(np.unique(np.abs(nonzero))) == len(nonzero)
    scipy_method: Literal["exact", "asymptotic"] = "exact" if exact else "asymptotic"
    method = (
        f"Wilcoxon signed-rank (scipy.stats.wilcoxon, zero_method='wilcox', method='{scipy_method}'"
        + (")" if exact else ", correction=True: normal approximation, tie-corrected)")
    )
    p_value, note = math.nan, f"{n_zero} zero change(s) dropped before ranking" if n_zero else ""
    if len(nonzero) == 0:
        note = ("no pairs" if pairs.n_pairs == 0 else "every change is zero") + ": nothing to rank"
    else:
        result = stats.wilcoxon(
            d,
            zero_method="wilcox",
            correction=not exact,
            alternative="two-sided",
            method=scipy_method,
        )
        p_value = float(result.pvalue)
    ranked = t_plus + t_minus
    return SignedRankTest(
        score=score,
        from_wave=from_wave,
        to_wave=to_wave,
        n_pairs=pairs.n_pairs,
        units_dropped=pairs.units_dropped,
        n_zero=n_zero,
        n_ranked=len(nonzero),
        median_difference=float(np.median(d)) if len(d) else math.nan,
        statistic=t_plus if ranked else math.nan,
        t_minus=t_minus if ranked else math.nan,
        p_value=p_value,
        rank_biserial=(t_plus - t_minus) / ranked if ranked else math.nan,
        method=method,
        note=note,
    )


@dataclass(frozen=True)
class ReliableChange:
    """How many units improved, stayed or declined beyond the Jacobson-Truax threshold between
    two waves (see :func:`reliable_change`)."""

    score: str
    from_wave: int
    to_wave: ToWave
    n_pairs: int
    units_dropped: int
    reliability: float
    reliability_source: ReliabilitySource
    sd_baseline: float
    sd_source: str
    sem: float
    s_diff: float
    threshold: float
    n_improved: int
    n_unchanged: int
    n_declined: int
    higher_is_better: bool
    method: str
    note: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


def reliable_change(
    data: pd.DataFrame,
    score: str,
    *,
    reliability: float,
    reliability_source: ReliabilitySource,
    sd_baseline: float | None = None,
    higher_is_better: bool = True,
    from_wave: int = 0,
    to_wave: ToWave = "latest",
    unit: str = "unit",
    wave: str = "wave_index",
) -> ReliableChange:
    """Count units improved / unchanged / declined beyond the Jacobson-Truax threshold.

    Formula (Jacobson & Truax 1991, J Consult Clin Psychol 59:12-19): SEM = SD_baseline *
    sqrt(1 - r_xx); S_diff = sqrt(2) * SEM; RCI = d / S_diff; threshold = 1.96 * S_diff. A unit
    improved if its change is beyond the threshold in the better direction (|RCI| > 1.96), declined
    if beyond it in the other, else unchanged. SD_baseline is `sd_baseline` when given, otherwise
    the sample SD (ddof = 1) of the paired units' baseline values. The changes and the baseline
    values are taken at the precision of the scores (10 significant digits of the largest, see
    `PairedValues.rounded_differences`), so float noise is no change and no spread. r_xx is the
    reliability supplied (test-retest when available, otherwise alpha; ICC(2) for practice
    means), named in the result.
    Missing data: complete pairs only. `table` lists unit, before, after, change, rci, status.
    """
    if not 0.0 <= reliability < 1.0:
        raise ValueError(f"reliability must be in [0, 1), got {reliability}")
    if sd_baseline is not None and not sd_baseline > 0:
        raise ValueError(f"sd_baseline must be positive, got {sd_baseline}")
    pairs = paired_values(data, score, from_wave=from_wave, to_wave=to_wave, unit=unit, wave=wave)
    if sd_baseline is None:
        # At the scores' precision, so that a baseline equal up to float noise has SD 0.
        decimals = score_decimals(pairs.before, pairs.after)
        before = pairs.before if decimals is None else np.round(pairs.before, decimals)
        sd = float(before.std(ddof=1)) if pairs.n_pairs >= 2 else math.nan
        sd_source = f"SD (ddof=1) of the {pairs.n_pairs} paired units at wave {from_wave}"
    else:
        sd, sd_source = float(sd_baseline), "given"
    sem = sd * math.sqrt(1.0 - reliability)
    s_diff = math.sqrt(2.0) * sem
    d = pairs.rounded_differences
    note = ""
    if not s_diff > 0:
        note = (
            f"baseline SD needs at least 2 pairs, has {pairs.n_pairs}"
            if math.isnan(sd)
            else "baseline SD is 0: no threshold"
        )
        rci = np.full(len(d), math.nan)
        status = np.full(len(d), "not assessed", dtype=object)
    else:
        rci = d / s_diff
        better = rci if higher_is_better else -rci
        status = np.select(
            [better > RCI_CRITICAL, better < -RCI_CRITICAL], ["improved", "declined"], "unchanged"
        ).astype(object)
    table = pd.DataFrame({unit: list(pairs.units), "before": pairs.before, "after": pairs.after})
    table["change"], table["rci"], table["status"] = d, rci, status
    return ReliableChange(
        score=score,
        from_wave=from_wave,
        to_wave=to_wave,
        n_pairs=pairs.n_pairs,
        units_dropped=pairs.units_dropped,
        reliability=reliability,
        reliability_source=reliability_source,
        sd_baseline=sd,
        sd_source=sd_source,
        sem=sem,
        s_diff=s_diff,
        threshold=RCI_CRITICAL * s_diff,
        n_improved=int((status == "improved").sum()),
        n_unchanged=int((status == "unchanged").sum()),
        n_declined=int((status == "declined").sum()),
        higher_is_better=higher_is_better,
        method="Jacobson-Truax reliable change index, |RCI| > 1.96",
        note=note,
        table=table,
    )


@dataclass(frozen=True)
class McNemarChange:
    """A yes/no item's change between two waves, from the discordant pairs (see
    :func:`mcnemar_change`)."""

    item: str
    from_wave: int
    to_wave: ToWave
    n_pairs: int
    units_dropped: int
    both_yes: int
    yes_to_no: int
    no_to_yes: int
    both_no: int
    proportion_before: float
    proportion_after: float
    estimate: float
    statistic: float
    p_value: float
    method: str
    note: str = ""


def mcnemar_change(
    data: pd.DataFrame,
    item: str,
    *,
    from_wave: int = 0,
    to_wave: ToWave = "latest",
    unit: str = "unit",
    wave: str = "wave_index",
) -> McNemarChange:
    """McNemar's test for a yes/no (0/1) item measured on the same units at two waves.

    Formula: b = yes -> no, c = no -> yes; estimate = p_after - p_before = (c - b) / n. When
    b + c < 25 the exact binomial test (statistic = min(b, c), p = min(1, 2 P[X <= min(b, c)]),
    X ~ Bin(b + c, 1/2)); otherwise chi2 = (|b - c| - 1)^2 / (b + c) on 1 df (continuity-corrected,
    R mcnemar.test's default). NaN with a note when b + c = 0. Missing data: complete pairs only.
    Reference: statsmodels.stats.contingency_tables.mcnemar; McNemar (1947), Psychometrika 12:153.
    """
    pairs = paired_values(data, item, from_wave=from_wave, to_wave=to_wave, unit=unit, wave=wave)
    values = np.concatenate([pairs.before, pairs.after])
    if not np.isin(values, [0.0, 1.0]).all():
        raise ValueError(
            f"item {item!r} must hold 0/1 (NaN for missing), found {np.unique(values)}"
        )
    before, after = pairs.before == 1, pairs.after == 1
    a, b = int((before & after).sum()), int((before & ~after).sum())
    c, d = int((~before & after).sum()), int((~before & ~after).sum())
    n = pairs.n_pairs
    exact = b + c < 25
    method = (
        "McNemar exact binomial test (statsmodels mcnemar, exact=True)"
        if exact
        else "McNemar chi-square, continuity-corrected "
        "(statsmodels mcnemar, exact=False, correction=True)"
    )
    if b + c == 0:
        statistic, p_value = math.nan, math.nan
        note = "no unit changed its answer: the test has no discordant pairs" if n else "no pairs"
    else:
        result = mcnemar(np.array([[a, b], [c, d]]), exact=exact, correction=True)
        statistic, p_value, note = float(result.statistic), float(result.pvalue), ""
    return McNemarChange(
        item=item,
        from_wave=from_wave,
        to_wave=to_wave,
        n_pairs=n,
        units_dropped=pairs.units_dropped,
        both_yes=a,
        yes_to_no=b,
        no_to_yes=c,
        both_no=d,
        proportion_before=(a + b) / n if n else math.nan,
        proportion_after=(a + c) / n if n else math.nan,
        estimate=(c - b) / n if n else math.nan,
        statistic=statistic,
        p_value=p_value,
        method=method,
        note=note,
    )
