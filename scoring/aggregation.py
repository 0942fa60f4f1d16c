"""Several staff answering for one practice: practice means, ICC(1)/ICC(2) and rwg(j).

Before a practice is described by the mean of its staff's scores, organisational researchers
check that the staff agree (rwg(j)) and that practices differ more than staff within them do
(ICC(1), ICC(2)) (Bliese 2000; ORIC: Shea et al. 2014). The functions take a long frame, one row
per respondent: a group (practice) column and score or item columns, NaN where not answered.
Rows without a group belong to no practice and are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

GroupSize = Literal["mean", "adjusted"]
NAN = math.nan


@dataclass(frozen=True)
class GroupMean:
    """A practice's mean score, NaN (``suppressed``) when fewer than ``min_n`` respondents."""

    group: Hashable
    value: float
    n: int
    sd: float
    ci_low: float
    ci_high: float
    suppressed: bool
    method: str
    note: str = ""


@dataclass(frozen=True)
class OneWayAnova:
    """Respondent scores by practice: mean squares, F test and the group size k used for ICC."""

    ms_between: float
    ms_within: float
    df_between: int
    df_within: int
    f: float
    p_value: float
    n: int
    n_groups: int
    k: float
    group_size: GroupSize


@dataclass(frozen=True)
class Icc:
    """One intraclass correlation, ICC(1) or ICC(2), with its confidence interval."""

    statistic: str  # "icc1" or "icc2"
    value: float
    ci_low: float
    ci_high: float
    n: int
    n_groups: int
    method: str
    note: str = ""


@dataclass(frozen=True)
class IccResult:
    """ICC(1) and ICC(2) of a score across groups, and the one-way ANOVA they come from (see
    :func:`icc_one_way`)."""

    icc1: Icc
    icc2: Icc
    anova: OneWayAnova
    note: str = ""


@dataclass(frozen=True)
class Rwg:
    """Within-practice agreement rwg(j) on J items of an A-point scale."""

    group: Hashable
    value: float
    n: int  # respondents who answered at least one item
    items: int  # J: items answered by two or more of them
    observed_variance: float  # mean of the J item variances, s^2
    expected_variance: float  # sigma_E^2 = (A^2 - 1) / 12
    truncated: bool
    method: str
    note: str = ""


def group_means(
    frame: pd.DataFrame,
    group: str,
    score: str,
    *,
    min_n: int = 3,
    confidence: float = 0.95,
) -> list[GroupMean]:
    """Mean score per practice with its SD (n - 1) and t interval, in sorted group order.

    Formula: mean +- t_{n-1, (1+confidence)/2} SD / sqrt(n) (quantile ``scipy.stats.t.ppf``).
    Missing data: respondents without a score are not counted in n. A practice with
    ``n < min_n`` is suppressed: value, SD and interval are NaN with the reason in ``note``
    (n is still given); with n = 1 there is no SD or interval.
    Reference: R ``t.test(x, conf.level = confidence)$conf.int`` per practice.
    """
    if min_n < 1:
        raise ValueError(f"min_n must be at least 1, got {min_n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    scores = _numeric(frame, group, [score])[score]
    by = scores.groupby(frame[group], sort=True)
    table = pd.DataFrame({"n": by.count(), "mean": by.mean(), "sd": by.std(ddof=1)})
    n = table["n"].to_numpy(dtype=int)
    spread = n >= 2
    low = np.full(len(n), NAN)
    high = np.full(len(n), NAN)
    if spread.any():
        sem = table["sd"].to_numpy(dtype=float)[spread] / np.sqrt(n[spread])
        mean = table["mean"].to_numpy(dtype=float)[spread]
        half = stats.t.ppf((1 + confidence) / 2, n[spread] - 1) * sem
        low[spread], high[spread] = mean - half, mean + half
    method = f"mean, SD (n - 1), {confidence:.0%} t interval"
    results = []
    for i, (key, row) in enumerate(table.iterrows()):
        count = int(n[i])
        if count < min_n:
            reason = "no scores" if count == 0 else f"suppressed: n = {count} is below {min_n}"
            results.append(GroupMean(key, NAN, count, NAN, NAN, NAN, True, method, reason))
            continue
        note = "" if count >= 2 else "one respondent: no SD or interval"
        sd = float(row["sd"]) if count >= 2 else NAN
        mean_value = float(row["mean"])
        results.append(
            GroupMean(
                key, mean_value, count, sd, float(low[i]), float(high[i]), False, method, note
            )
        )
    return results


def icc_one_way(
    frame: pd.DataFrame,
    group: str,
    score: str,
    *,
    group_size: GroupSize = "mean",
    confidence: float = 0.95,
) -> IccResult:
    """ICC(1) and ICC(2) from a one-way ANOVA of respondent scores by practice.

    Formula: ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW), the reliability of one respondent
    (Shrout & Fleiss's ICC(1,1)); ICC(2) = (MSB - MSW) / MSB = 1 - 1/F, the reliability of a
    practice mean (their ICC(1,k)). k is the group size: ``"mean"`` = N / J, as R
    ``multilevel::ICC1`` uses; ``"adjusted"`` = n0 = (N - sum n_j^2 / N) / (J - 1), the
    unequal-group size of ANOVA variance components (Searle, Casella & McCulloch 1992, ch. 3);
    both equal n for equal groups. Values are not truncated (ICC(1) may be negative).
    Interval (Shrout & Fleiss 1979): F_L = F / F_{1-a/2}(J-1, N-J), F_U = F F_{1-a/2}(N-J, J-1);
    ICC(1) in [(F_L - 1)/(F_L + k - 1), (F_U - 1)/(F_U + k - 1)], ICC(2) in
    [1 - 1/F_L, 1 - 1/F_U], exact for equal groups only (noted otherwise).
    Missing data: respondents without a score are dropped; every practice with a score counts,
    one-respondent practices adding to MSB only. F and p: ``scipy.stats.f.sf``.
    Reference: Shrout & Fleiss (1979) Psychol Bull 86:420-428; Bliese (2000) in Klein &
    Kozlowski (eds) Multilevel theory, research, and methods in organizations, 349-381.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    scores = _numeric(frame, group, [score])[score]
    keep = scores.notna() & frame[group].notna()
    values, groups = scores[keep].to_numpy(dtype=float), frame[group][keep]
    sizes = groups.value_counts().to_numpy(dtype=float)
    n, n_groups = len(values), len(sizes)
    anova, problem = _anova(values, groups, sizes, group_size)
    method = f"one-way ANOVA, k = {group_size} group size"
    if problem:
        empty = Icc("icc1", NAN, NAN, NAN, n, n_groups, method, problem)
        return IccResult(empty, replace(empty, statistic="icc2"), anova, problem)
    k, f = anova.k, anova.f
    icc1 = (anova.ms_between - anova.ms_within) / (anova.ms_between + (k - 1) * anova.ms_within)
    icc2 = 1 - 1 / f if anova.ms_between > 0 else NAN
    tail = 1 - (1 - confidence) / 2
    if math.isfinite(f):
        f_low = f / stats.f.ppf(tail, anova.df_between, anova.df_within)
        f_high = f * stats.f.ppf(tail, anova.df_within, anova.df_between)
        icc1_ci = ((f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1))
        icc2_ci = (1 - 1 / f_low, 1 - 1 / f_high) if f_low > 0 else (NAN, NAN)
    else:
        icc1_ci = icc2_ci = (NAN, NAN)
    unequal = "" if np.all(sizes == sizes[0]) else "unequal groups: the interval is approximate"
    notes = [unequal, "" if anova.ms_between > 0 else "no variance between practices: no ICC(2)"]
    note = "; ".join(filter(None, notes))
    low1, high1 = (float(x) for x in icc1_ci)
    low2, high2 = (float(x) for x in icc2_ci)
    return IccResult(
        Icc("icc1", float(icc1), low1, high1, n, n_groups, method, unequal),
        Icc("icc2", float(icc2), low2, high2, n, n_groups, method, note),
        anova,
    )


def rwg_j(frame: pd.DataFrame, group: str, items: Sequence[str], *, scale_points: int) -> list[Rwg]:
    """rwg(j) per practice on J items of an A-point response scale, in sorted group order.

    Formula (James, Demaree & Wolf 1984, uniform null): rwg(j) = J (1 - s^2/sE^2) /
    (J (1 - s^2/sE^2) + s^2/sE^2), s^2 the mean of the J observed item variances (n - 1), and
    sE^2 = (A^2 - 1) / 12 the variance of a uniform answer on A points (2.0 for 5 points).
    When s^2 > sE^2 the formula leaves [0, 1] (negative, or above 1 past J/(J-1)): such a
    practice gets rwg(j) = 0 with ``truncated`` set (James et al. 1984; LeBreton & Senter 2008
    recommend truncation). Missing data: each item's variance uses the practice's respondents
    who answered it; items answered by fewer than two are left out of J. A practice with fewer
    than two respondents, or no such item, gets NaN. Reference: James LR, Demaree RG, Wolf G
    (1984) J Appl Psychol 69:85-98; R ``multilevel::rwg.j(x, grpid, ranvar = (A^2 - 1)/12)``.
    """
    if scale_points < 2:
        raise ValueError(f"scale_points (A) must be at least 2, got {scale_points}")
    if not items:
        raise ValueError("rwg(j) needs at least one item column")
    data = _numeric(frame, group, list(items))
    by = data.groupby(frame[group], sort=True)
    variances = by.var(ddof=1)  # NaN where fewer than two answered the item
    respondents = data.notna().any(axis=1).groupby(frame[group], sort=True).sum()
    expected = (scale_points**2 - 1) / 12
    j = variances.notna().sum(axis=1).to_numpy(dtype=int)
    s2 = variances.mean(axis=1, skipna=True).to_numpy(dtype=float)
    ratio = s2 / expected
    agree = j * (1 - ratio)
    ok = (j > 0) & (respondents.to_numpy() >= 2)
    value = np.full(len(j), NAN)
    inside = ok & (ratio <= 1)
    value[inside] = agree[inside] / (agree[inside] + ratio[inside])
    truncated = ok & (ratio > 1)
    value[truncated] = 0.0
    method = f"rwg(j), uniform null on {scale_points} points (sE^2 = {expected:g})"
    results = []
    for i, key in enumerate(variances.index):
        note = ""
        if not ok[i]:
            note = "fewer than two respondents answered any item"
        elif truncated[i]:
            note = f"s^2 = {s2[i]:.3g} exceeds sE^2 = {expected:g}: truncated to 0"
        s2_i = float(s2[i]) if ok[i] else NAN
        count = int(respondents.iloc[i])
        rwg = Rwg(
            key, float(value[i]), count, int(j[i]), s2_i, expected, bool(truncated[i]), method
        )
        results.append(replace(rwg, note=note))
    return results


def _anova(
    values: np.ndarray, groups: pd.Series, sizes: np.ndarray, group_size: GroupSize
) -> tuple[OneWayAnova, str]:
    n, n_groups = len(values), len(sizes)
    if n_groups < 2:
        problem = f"{n_groups} practice(s) with scores: ICC needs at least two"
    elif n == n_groups:
        problem = "every practice has one respondent: no within-practice variance"
    else:
        problem = ""
    if group_size == "mean":
        k = n / n_groups if n_groups else NAN
    elif group_size == "adjusted":
        k = (n - (sizes**2).sum() / n) / (n_groups - 1) if n_groups > 1 else NAN
    else:
        raise ValueError(f"group_size must be 'mean' or 'adjusted', got {group_size!r}")
    if problem:
        dfs = (n_groups - 1, n - n_groups)
        return OneWayAnova(NAN, NAN, *dfs, NAN, NAN, n, n_groups, k, group_size), problem
    frame = pd.DataFrame({"value": values, "group": groups.to_numpy()})
    means = frame.groupby("group")["value"].transform("mean").to_numpy(dtype=float)
    ss_within = float(((values - means) ** 2).sum())
    ss_between = float(((means - values.mean()) ** 2).sum())
    df_between, df_within = n_groups - 1, n - n_groups
    msb, msw = ss_between / df_between, ss_within / df_within
    if msw == 0 and msb == 0:
        problem = "every score is the same: no variance"
        f, p = NAN, NAN
    elif msw == 0:
        f, p = math.inf, 0.0
    else:
        f = msb / msw
        p = float(stats.f.sf(f, df_between, df_within))
    anova = OneWayAnova(msb, msw, df_between, df_within, f, p, n, n_groups, float(k), group_size)
    return anova, problem


def _numeric(frame: pd.DataFrame, group: str, columns: list[str]) -> pd.DataFrame:
    missing = [c for c in (group, *columns) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the frame: {', '.join(missing)}")
    data = frame[columns].apply(pd.to_numeric, errors="coerce")
    bad = data.isna() & frame[columns].notna()
    if bad.to_numpy().any():
        where = [f"{c} row {i}" for c in columns for i in frame.index[bad[c]][:3]]
        raise ValueError(f"scores must be numeric; not a number at {', '.join(where)}")
    return data.astype(float)
