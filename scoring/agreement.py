"""Agreement between coders: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.

The statistics take a *ratings* frame (:mod:`scoring.ratings`: units x coders, built from a
coding instrument's records by :func:`scoring.ratings.wide_ratings`); Krippendorff's alpha is in
:mod:`scoring.krippendorff`. :func:`agreement_by_code` runs everything for each compared code.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from scoring.krippendorff import Level, coded_alpha, krippendorff_reading
from scoring.ratings import NAN, AgreementStatistic, Coded, check_records, encode

KappaWeights = Literal["unweighted", "linear", "quadratic"]
TOLERANCE = 1e-12  # chance agreement this close to 1 means a single category: kappa undefined


@dataclass(frozen=True)
class AgreementResult:
    """Agreement on one code field (or ``code == "overall"``): n_units rated by two or more."""

    code: str
    n_units: int
    n_coders: int
    percent: AgreementStatistic
    kappa: AgreementStatistic
    alpha: AgreementStatistic


def percent_agreement(ratings: pd.DataFrame) -> AgreementStatistic:
    """Share of agreeing coder pairs: sum_u sum_c C(n_uc, 2) / sum_u C(m_u, 2).

    n_uc is how many coders gave unit u code c and m_u how many rated u. Missing data: units
    rated by fewer than two coders are left out (``n_excluded``); pairs are pooled over units,
    so with two coders it is the share of units they agree on, and with m coders on every unit
    it equals Fleiss' P-bar. No interval (pairs within a unit are not independent).
    Reference: Fleiss (1971) Psychol Bull 76:378-382, the mean of P_i.
    """
    return _percent(encode(ratings))


def cohen_kappa(
    ratings: pd.DataFrame,
    weights: KappaWeights = "unweighted",
    categories: Sequence[Hashable] | None = None,
) -> AgreementStatistic:
    """Cohen's kappa for exactly two coders (the two columns), with its asymptotic SE and 95% CI.

    Formula: kappa = (p_o - p_e) / (1 - p_e), weighted: 1 - sum d_ij p_ij / sum d_ij p_i. p_.j,
    with disagreement weights d_ij = |i - j|/(k-1) ("linear", Cicchetti-Allison) or
    ((i - j)/(k-1))^2 ("quadratic", Fleiss-Cohen) on the categories' *positions* 0..k-1.
    Computed by ``statsmodels.stats.inter_rater.cohens_kappa(table, wt=...)``: SE from the
    large-sample variance of Fleiss, Cohen & Everitt (1969), CI kappa +- 1.96 SE.

    The k x k table spans the union of the categories either coder used on the units both
    rated, so it is square even when one coder never used a code; categories neither used are
    dropped, as R ``irr::kappa2`` does with plain vectors. Pass ``categories`` (e.g.
    ``Field.choice_codes()``) to keep every listed code as a row and column instead: unweighted
    kappa is unchanged, weighted kappa is not (the positions, hence the spacing, change).
    Missing data: only units rated by both coders (``n_excluded`` counts the others).
    Reference: Cohen (1960) Educ Psychol Meas 20:37-46; Cohen (1968) Psychol Bull 70:213-220;
    R ``irr::kappa2(weight = "unweighted" | "equal" | "squared")``.
    """
    if ratings.shape[1] != 2:
        raise ValueError(
            f"Cohen's kappa compares exactly two coders; the ratings have {ratings.shape[1]} "
            f"columns ({', '.join(map(str, ratings.columns))}). Use fleiss_kappa for more."
        )
    return _cohen(encode(ratings, categories), weights, keep_unused=categories is not None)


def fleiss_kappa(ratings: pd.DataFrame) -> AgreementStatistic:
    """Fleiss' kappa for m >= 2 ratings per unit (the coders may differ between units).

    Formula: kappa = (P-bar - P_e) / (1 - P_e), P_i = (sum_j n_ij^2 - m) / (m(m - 1)),
    P_e = sum_j p_j^2, computed by ``statsmodels.stats.inter_rater.fleiss_kappa(table,
    method="fleiss")`` on the ``aggregate_raters`` counts table. Missing data: m is the most
    common number of ratings per unit (the larger on a tie); units rated by another number of
    coders are left out and counted in the note. No SE (statsmodels gives none).
    Reference: Fleiss (1971) Psychol Bull 76:378-382; R ``irr::kappam.fleiss``.
    """
    if ratings.shape[1] < 2:
        raise ValueError("Fleiss' kappa needs at least two coder columns")
    return _fleiss(encode(ratings))


def landis_koch(kappa: float) -> str:
    """Landis & Koch (1977, Biometrics 33:159-174) label of a kappa.

    < 0 poor; 0-0.20 slight; 0.21-0.40 fair; 0.41-0.60 moderate; 0.61-0.80 substantial;
    0.81-1 almost perfect. A value on a boundary goes to the lower band (0.20 is slight,
    0.2001 fair): the bands read as (0.20, 0.40], ... at full precision. NaN gives "".
    """
    if math.isnan(kappa):
        return ""
    if kappa < 0:
        return "poor"
    for upper, label in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= upper:
            return label
    return "almost perfect"


def agreement_by_code(
    frame: pd.DataFrame,
    unit: str,
    coder: str,
    codes: Sequence[str],
    *,
    level: Level = "nominal",
    kappa_weights: KappaWeights = "unweighted",
    categories: Mapping[str, Sequence[Hashable]] | None = None,
) -> list[AgreementResult]:
    """Agreement for each code field of long coding records, then an ``"overall"`` row.

    Per code: percent agreement, Krippendorff's alpha at ``level``, and Cohen's kappa (weighted
    by ``kappa_weights``) when exactly two coders rated the code, Fleiss' kappa (unweighted)
    when three or more did. A checkbox code absent from the frame but exported as REDCap option
    columns ``<code>___<option>`` is compared option by option (0/1 each, one row per option).
    ``categories`` maps a code to its ordered choice codes (see :func:`cohen_kappa`).

    The overall row pools the code rows with equal weight, as De Vries et al. (2008, Field
    Methods 20:272-282) pool kappa: percent = mean p_o; kappa = (mean p_o - mean p_e) /
    (1 - mean p_e) over whichever kappa each code used; alpha = 1 - mean D_o / mean D_e. A
    code with no pairable units stays out (named in the note); the overall ``n`` is the sum of
    the codes' n (unit-code pairs).
    """
    if not codes:
        raise ValueError("no codes given: name the code fields to compare")
    fields = _expand_codes(frame, codes)
    check_records(frame, unit, coder, list(fields))
    chosen = categories or {}
    results = []
    for name, base in fields.items():
        order = chosen.get(name)
        if order is None and base != name:
            order = (0, 1)  # a REDCap checkbox option column: ticked or not
        coded = encode(frame.pivot(index=unit, columns=coder, values=name), order)
        results.append(_code_result(name, coded, level, kappa_weights, order is not None))
    return [*results, _overall(results)]


def _code_result(
    code: str, coded: Coded, level: Level, weights: KappaWeights, listed: bool
) -> AgreementResult:
    rated_coders = (coded.codes >= 0).any(axis=0)
    coded = Coded(coded.codes[:, rated_coders], coded.labels, coded.scores)
    n_coders = int(rated_coders.sum())
    percent = _percent(coded)
    if n_coders == 2:
        kappa = _cohen(coded, weights, keep_unused=listed)
    elif n_coders > 2:
        kappa = _fleiss(coded)
    else:
        kappa = AgreementStatistic("kappa", NAN, 0, note="fewer than two coders rated this code")
    return AgreementResult(code, percent.n, n_coders, percent, kappa, coded_alpha(coded, level))


def _percent(coded: Coded) -> AgreementStatistic:
    counts = coded.counts()
    m = counts.sum(axis=1)
    used = m >= 2
    excluded = int((m == 1).sum())
    if not used.any():
        note = "no unit was rated by two or more coders"
        return AgreementStatistic("percent_agreement", NAN, 0, excluded, note=note)
    agreeing = (counts[used] * (counts[used] - 1)).sum() / 2
    pairs = (m[used] * (m[used] - 1)).sum() / 2
    value = float(agreeing / pairs)
    method = "agreeing coder pairs / coder pairs, pooled over units"
    return AgreementStatistic(
        "percent_agreement", value, int(used.sum()), excluded, observed=value, method=method
    )


def _cohen(coded: Coded, weights: KappaWeights, keep_unused: bool) -> AgreementStatistic:
    name = "cohen_kappa" if weights == "unweighted" else f"cohen_kappa_{weights}"
    both = (coded.codes >= 0).all(axis=1)
    excluded = int(((coded.codes >= 0).any(axis=1) & ~both).sum())
    pairs = coded.codes[both]
    if len(pairs) == 0:
        note = "no unit was rated by both coders"
        return AgreementStatistic(name, NAN, 0, excluded, note=note)
    used = np.arange(coded.k) if keep_unused else np.unique(pairs)
    position = np.full(coded.k, -1)
    position[used] = np.arange(len(used))
    k = len(used)
    table = np.zeros((k, k))
    np.add.at(table, (position[pairs[:, 0]], position[pairs[:, 1]]), 1)
    p = table / table.sum()
    d = _kappa_disagreement(k, weights)
    observed = 1 - float((d * p).sum())
    expected = 1 - float((d * np.outer(p.sum(axis=1), p.sum(axis=0))).sum())
    n = len(pairs)
    spacing = "" if weights == "unweighted" else " weights on category positions"
    method = (
        f"Cohen's kappa ({weights}{spacing}), asymptotic SE and 95% CI:"
        " statsmodels.stats.inter_rater.cohens_kappa"
    )
    base = AgreementStatistic(
        name, NAN, n, excluded, observed=observed, expected=expected, method=method
    )
    if 1 - expected < TOLERANCE:
        note = "a single code on every jointly rated unit: chance agreement is 1, kappa undefined"
        return replace(base, note=note)
    wt = None if weights == "unweighted" else weights
    scores = None if weights == "unweighted" else np.arange(k, dtype=float)
    # A degenerate table makes KappaResults divide 0 by 0; that SE is reported as NaN below.
    with np.errstate(divide="ignore", invalid="ignore"):
        result = cohens_kappa(table, weights=scores, wt=wt)
    value = float(result.kappa)
    base = replace(base, value=value, reading=landis_koch(value))
    # A table where one coder used a single code has an asymptotic variance of zero, which
    # rounding leaves a hair above or below 0 (and the coders' order decides which): an SE of
    # 0, or of its root ~1e-8, would claim certainty the table cannot give.
    variance = float(result.var_kappa)
    if not math.isfinite(variance) or variance < TOLERANCE:
        return replace(base, note="the asymptotic variance is not available for this table")
    low, high = float(result.kappa_low), float(result.kappa_upp)
    return replace(base, se=float(result.std_kappa), ci_low=low, ci_high=high)


def _kappa_disagreement(k: int, weights: KappaWeights) -> np.ndarray:
    index = np.arange(k, dtype=float)
    gap = np.abs(index[:, None] - index[None, :]) / max(k - 1, 1)
    if weights == "unweighted":
        return (gap > 0).astype(float)
    return gap if weights == "linear" else gap**2


def _fleiss(coded: Coded) -> AgreementStatistic:
    m = (coded.codes >= 0).sum(axis=1)
    sizes, frequency = np.unique(m[m >= 2], return_counts=True)
    if len(sizes) == 0:
        note = "no unit was rated by two or more coders"
        return AgreementStatistic("fleiss_kappa", NAN, 0, int((m == 1).sum()), note=note)
    raters = int(sizes[frequency == frequency.max()].max())
    keep = m == raters
    excluded = int((m >= 1).sum() - keep.sum())
    # Missing ratings are -1, so after sorting a row its `raters` real codes come last.
    data = np.sort(coded.codes[keep], axis=1)[:, -raters:]
    table = aggregate_raters(data, n_cat=coded.k)[0].astype(float)
    p_cat = table.sum(axis=0) / table.sum()
    expected = float((p_cat**2).sum())
    observed = float((((table**2).sum(axis=1) - raters) / (raters * (raters - 1))).mean())
    note = f"{excluded} unit(s) not rated by exactly {raters} coders left out" if excluded else ""
    method = f"Fleiss' kappa, {raters} ratings per unit: statsmodels fleiss_kappa(method='fleiss')"
    n = int(keep.sum())
    base = AgreementStatistic("fleiss_kappa", NAN, n, excluded, observed=observed, note=note)
    base = replace(base, expected=expected, method=method)
    if 1 - expected < TOLERANCE:
        undefined = "every rating is the same code: chance agreement is 1, kappa is undefined"
        return replace(base, note="; ".join(filter(None, [note, undefined])))
    value = float(sm_fleiss_kappa(table, method="fleiss"))
    return replace(base, value=value, reading=landis_koch(value))


def _overall(results: list[AgreementResult]) -> AgreementResult:
    percent = _pooled(results, [r.percent for r in results], "percent_agreement")
    kappa = _pooled(results, [r.kappa for r in results], "pooled_kappa")
    alpha = _pooled(results, [r.alpha for r in results], results[0].alpha.statistic)
    coders = max(r.n_coders for r in results)
    return AgreementResult("overall", percent.n, coders, percent, kappa, alpha)


def _pooled(
    results: list[AgreementResult], stats: list[AgreementStatistic], kind: str
) -> AgreementStatistic:
    usable = [s.n > 0 and math.isfinite(s.observed) for s in stats]
    left_out = [r.code for r, ok in zip(results, usable, strict=True) if not ok]
    notes = [f"left out (no pairable units): {', '.join(left_out)}"] if left_out else []
    kept = [s for s, ok in zip(stats, usable, strict=True) if ok]
    if not kept:
        return AgreementStatistic(kind, NAN, 0, note="; ".join(notes or ["no codes"]))
    n = sum(s.n for s in kept)
    po = float(np.mean([s.observed for s in kept]))
    method = f"mean over {len(kept)} code(s), equal weights (De Vries et al. 2008)"
    if kind == "percent_agreement":
        return AgreementStatistic(kind, po, n, observed=po, method=method, note="; ".join(notes))
    pe = float(np.mean([s.expected for s in kept]))
    if kind == "pooled_kappa":
        value = (po - pe) / (1 - pe) if 1 - pe >= TOLERANCE else NAN
        reading = landis_koch(value)
    else:
        value = 1 - po / pe if pe > 0 else NAN
        reading = krippendorff_reading(value)
    if math.isnan(value):
        notes.append("no chance disagreement in any code: undefined")
    return AgreementStatistic(
        kind,
        value,
        n,
        observed=po,
        expected=pe,
        method=method,
        reading=reading,
        note="; ".join(notes),
    )


def _expand_codes(frame: pd.DataFrame, codes: Sequence[str]) -> dict[str, str]:
    """Column name -> code field; a checkbox code not in the frame becomes its option columns."""
    fields: dict[str, str] = {}
    for code in codes:
        options = [str(c) for c in frame.columns if str(c).startswith(f"{code}___")]
        for name in options if code not in frame.columns and options else [code]:
            fields[name] = code
    return fields
