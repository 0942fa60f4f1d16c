"""Comparing groups on a number or scale score, and on one option's share across groups.

Two tests per comparison, a test of means and a test of ranks, with an effect size each:

- two groups: Welch's two-sample t test (difference of means, Welch interval, Hedges' g) and
  the Mann-Whitney U test (rank-biserial correlation);
- three or more groups: Welch's one-way ANOVA (eta-squared) and the Kruskal-Wallis test
  (epsilon-squared).

Choices pinned here, because scipy's and R's defaults differ (measurement notes section 6): the
t test never assumes equal variances (R ``t.test``'s default, not scipy's); the Mann-Whitney
p-value follows R ``wilcox.test``'s default rule, exact when both groups have fewer than 50
values and there are no ties, otherwise the normal approximation with tie and continuity
correction (scipy's ``method="auto"`` differs: it goes exact below 8 and drops the correction
only when asked). Welch's ANOVA is statsmodels' ``anova_oneway(use_var="unequal")``, because
``scipy.stats.f_oneway(equal_var=False)`` needs scipy >= 1.15 and reports no degrees of freedom.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats
from statsmodels.stats.oneway import anova_oneway

from scoring.groups import ProportionDifference, difference_of_proportions, group_order
from scoring.independence import IndependenceTest, TestMethod, independence_test
from scoring.proportions import Proportion, check_confidence, wilson

WELCH_T = "Welch two-sample t test"
WELCH_ANOVA = "Welch one-way ANOVA"
MANN_WHITNEY_EXACT = "Mann-Whitney U test (exact)"
MANN_WHITNEY_NORMAL = "Mann-Whitney U test (normal approximation, tie and continuity corrected)"
KRUSKAL_WALLIS = "Kruskal-Wallis rank-sum test"
EXACT_BELOW = 50  # R wilcox.test: exact p-value when both groups have fewer values, and no ties

Values = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GroupTest:
    """One test comparing groups, as a note prints it.

    ``test`` is the printed name (e.g. ``WELCH_T``); ``statistic`` is ``statistic_name``'s value
    (t; U of the first group, R's W; F; H); ``df`` its degrees of freedom: () for none, (df,) for
    t and H, (numerator, denominator) for F. ``effect_name`` / ``effect_size``: the effect size.
    ``estimate_name`` / ``estimate`` with ``ci_low`` / ``ci_high`` at ``confidence``: the
    estimate and its interval where the test has one (NaN and "" otherwise). ``n``: values per
    group, in group order. NaN values come with the reason in ``note``.
    """

    test: str
    statistic_name: str
    statistic: float
    df: tuple[float, ...]
    p_value: float
    effect_name: str
    effect_size: float
    n: Mapping[str, int]
    estimate_name: str = ""
    estimate: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    confidence: float = 0.95
    note: str = ""


@dataclass(frozen=True)
class NumericComparison:
    """A number compared across groups: a test of means and a test of ranks.

    ``groups`` are the groups compared (those with at least one value, in group order), ``n``
    their numbers of values. ``n_missing`` counts respondents with a group but no value,
    ``n_no_group`` those without a group (with or without a value); ``empty_groups`` names
    groups (categories) with no values, left out of the tests.
    """

    groups: tuple[str, ...]
    n: Mapping[str, int]
    means_test: GroupTest
    rank_test: GroupTest
    n_missing: int = 0
    n_no_group: int = 0
    empty_groups: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tests(self) -> tuple[GroupTest, GroupTest]:
        """The test of means, then the rank test."""
        return (self.means_test, self.rank_test)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


@dataclass(frozen=True)
class ProportionsByGroup:
    """One option's share in each group: Wilson proportions, their test of independence, and
    with exactly two groups the Newcombe difference (first minus second)."""

    proportions: Mapping[str, Proportion]
    test: IndependenceTest
    difference: ProportionDifference | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def compare_numeric(
    values: pd.Series, groups: pd.Series, *, confidence: float = 0.95
) -> NumericComparison:
    """Compare a number or scale score across the groups of ``groups``.

    Two groups (first minus second, in group order):
    Welch t = (m1 - m2) / sqrt(s1^2/n1 + s2^2/n2), Welch-Satterthwaite df, and the interval
    (m1 - m2) -+ t_{(1+conf)/2, df} SE, by ``scipy.stats.ttest_ind(equal_var=False)`` and its
    ``confidence_interval``; effect size Hedges' g = J d with Cohen's d = (m1 - m2) / s_p over the
    pooled SD s_p = sqrt(((n1-1) s1^2 + (n2-1) s2^2) / m), m = n1 + n2 - 2, and the exact small-
    sample correction J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)) (Hedges 1981; R effectsize
    ``hedges_g``). g uses the pooled SD even though the test does not assume equal variances, as
    usual; with very unequal SDs read it with care.
    Mann-Whitney U of the first group (R's W) by ``scipy.stats.mannwhitneyu(alternative=
    "two-sided")`` with ``method="exact"`` when there are no ties and both groups have fewer than
    50 values, else ``method="asymptotic", use_continuity=True`` (tie-corrected variance), which
    is R ``wilcox.test(x ~ g)``'s default rule; effect size the rank-biserial correlation
    r = 2 U / (n1 n2) - 1 = P(X1 > X2) - P(X1 < X2) (Glass 1965; Kerby 2014), positive when the
    first group tends higher.
    Three or more groups: Welch's F (Welch 1951) with its two df, by statsmodels
    ``anova_oneway(use_var="unequal", welch_correction=True)`` (R ``oneway.test(var.equal =
    FALSE)``); effect size eta-squared = SS_between / SS_total (ordinary sums of squares, R
    ``summary(aov())``). Kruskal-Wallis H, tie-corrected, df = k - 1, by ``scipy.stats.kruskal``
    (R ``kruskal.test``); effect size epsilon-squared = H / (n - 1) (Tomczak & Tomczak 2014).
    Missing-data rule: NaN values and missing group labels are dropped and counted
    (``n_missing``, ``n_no_group``); groups with no values are left out, as R does with unused
    factor levels. Not computable, so NaN with the reason in the note, never an exception: fewer
    than two groups with values; a group with fewer than 2 values (Welch tests); no variation
    within any group (t) or within one group (Welch F weights groups by n / variance); all values
    equal (rank tests, where R also gives NA). Group order: the categories of a categorical
    ``groups``, otherwise sorted by label (as :func:`scoring.groups.frequencies_by_group`).
    Reference: Welch BL (1947) Biometrika 34:28-35; Welch BL (1951) Biometrika 38:330-336; Mann
    HB, Whitney DR (1947) Ann Math Stat 18:50-60; Kruskal WH, Wallis WA (1952) JASA 47:583-621;
    Hedges LV (1981) J Educ Stat 6:107-128; Kerby DS (2014) Compr Psychol 3:11.IT.3.1; Tomczak M,
    Tomczak E (2014) Trends Sport Sci 21:19-25.
    Raises ValueError for infinite values, misaligned series or group labels equal as text.
    """
    check_confidence(confidence)
    if not groups.index.equals(values.index):
        raise ValueError("groups must have the same index as the values (one row per respondent)")
    x = pd.to_numeric(values, errors="raise").astype(float)
    if np.isinf(x.to_numpy()).any():
        raise ValueError("values must be finite numbers or NaN, found infinity")
    no_group = groups.isna()
    n_missing = int((~no_group & x.isna()).sum())
    samples: dict[str, Values] = {}
    empty: list[str] = []
    for key in group_order(groups):
        member = ((groups == key) & x.notna()).fillna(False).astype(bool)
        label = str(key)
        if label in samples or label in empty:
            raise ValueError(f"group values must stay distinct as text, got '{label}' twice")
        if member.any():
            samples[label] = np.asarray(x[member], dtype=np.float64)
        else:
            empty.append(label)
    n = {label: int(sample.size) for label, sample in samples.items()}
    notes = []
    if n_missing:
        notes.append(f"{n_missing} respondent(s) with a group but no value left out")
    if int(no_group.sum()):
        notes.append(f"{int(no_group.sum())} respondent(s) without a group left out")
    if empty:
        notes.append(f"group(s) {empty} have no values and are left out")
    if len(samples) >= 3:
        means_test = _welch_anova(samples, confidence)
        rank_test = _kruskal_wallis(samples, confidence)
    else:
        means_test = _welch_t(samples, confidence)
        rank_test = _mann_whitney(samples, confidence)
    return NumericComparison(
        groups=tuple(samples),
        n=n,
        means_test=means_test,
        rank_test=rank_test,
        n_missing=n_missing,
        n_no_group=int(no_group.sum()),
        empty_groups=tuple(empty),
        notes=tuple(notes),
    )


def compare_proportions_by_group(
    counts: pd.Series,
    bases: pd.Series,
    *,
    confidence: float = 0.95,
    test: TestMethod = "auto",
    n_resamples: int = 9999,
    seed: int = 20240601,
) -> ProportionsByGroup:
    """One option's share (a check-all option ticked, a top-two box) compared across groups.

    ``counts`` and ``bases`` are indexed by group label, in the order to report: respondents who
    chose the option, and the base of its percentage in each group (for a check-all option,
    ``CheckAllTable.n_respondents``; for a single-choice code, ``FrequencyTable.denominator``).
    Formulas: each group's share with its Wilson interval (:func:`scoring.proportions.wilson`);
    the test of independence of chosen / not chosen by group,
    :func:`scoring.independence.independence_test` on the 2 x k table (chi-square, Yates for
    2 x 2, or Fisher when expected counts are small; ``test``, ``n_resamples``, ``seed`` are
    passed on); with exactly two groups also the difference first minus second with Newcombe's
    hybrid score interval (:func:`scoring.groups.difference_of_proportions`).
    Missing-data rule: the caller's bases (asked and answered, per group); a group with base 0
    has a NaN share and drops out of the test (its note says so).
    Reference: Wilson (1927); Newcombe RG (1998) Stat Med 17:873-890; R ``prop.test``,
    ``chisq.test``, ``fisher.test``.
    Raises ValueError for misaligned series, or counts that are not whole numbers between 0 and
    their base.
    """
    check_confidence(confidence)
    if counts.empty or not counts.index.equals(bases.index):
        raise ValueError("counts and bases must be non-empty and indexed by the same groups")
    chosen, base = _whole(counts, "counts"), _whole(bases, "bases")
    if (chosen > base).any():
        bad = [str(g) for g in counts.index[chosen > base]]
        raise ValueError(f"counts exceed their bases for group(s) {bad}")
    labels = [str(g) for g in counts.index]
    if len(set(labels)) != len(labels):
        raise ValueError(f"group labels must be distinct as text, got {labels}")
    proportions = {
        label: wilson(int(c), int(b), confidence)
        for label, c, b in zip(labels, chosen, base, strict=True)
    }
    table = pd.DataFrame([chosen, base - chosen], index=["chosen", "not chosen"], columns=labels)
    difference = None
    if len(labels) == 2:
        difference = difference_of_proportions(
            int(chosen[0]), int(base[0]), int(chosen[1]), int(base[1]), confidence=confidence
        )
    empty = [label for label, b in zip(labels, base, strict=True) if b == 0]
    notes = [f"group(s) {empty} have no respondents in the base"] if empty else []
    return ProportionsByGroup(
        proportions=proportions,
        test=independence_test(table, method=test, n_resamples=n_resamples, seed=seed),
        difference=difference,
        notes=tuple(notes),
    )


def _welch_t(samples: Mapping[str, Values], confidence: float) -> GroupTest:
    n = {label: int(s.size) for label, s in samples.items()}
    labels = list(samples)
    estimate_name = f"difference of means ({labels[0]} - {labels[1]})" if len(labels) == 2 else ""
    blank = _blank(WELCH_T, "t", "Hedges' g", n, confidence, estimate_name)
    why = _fewer_than_two_groups(labels) or _too_few(n, 2, "Welch's t test")
    if why:
        return _with_note(blank, why)
    first, second = samples[labels[0]], samples[labels[1]]
    spreads = [float(np.var(s, ddof=1)) for s in (first, second)]
    if max(spreads) == 0:
        return _with_note(blank, "no variation within either group: t is undefined")
    with warnings.catch_warnings():
        # scipy warns of "catastrophic cancellation" when a group is constant; its variance is
        # then exactly 0, which Welch's t handles (the other group carries the standard error).
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        result = stats.ttest_ind(first, second, equal_var=False)
        interval = result.confidence_interval(confidence_level=confidence)
    m = first.size + second.size - 2
    pooled = np.sqrt(((first.size - 1) * spreads[0] + (second.size - 1) * spreads[1]) / m)
    correction = np.exp(
        special.gammaln(m / 2) - np.log(np.sqrt(m / 2)) - special.gammaln((m - 1) / 2)
    )
    constant = [label for label, spread in zip(labels, spreads, strict=True) if spread == 0]
    return GroupTest(
        test=WELCH_T,
        statistic_name="t",
        statistic=float(result.statistic),
        df=(float(result.df),),
        p_value=float(result.pvalue),
        effect_name="Hedges' g",
        effect_size=float(correction * (first.mean() - second.mean()) / pooled),
        n=n,
        estimate_name=estimate_name,
        estimate=float(first.mean() - second.mean()),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        confidence=confidence,
        note=f"no variation within group(s) {constant}" if constant else "",
    )


def _mann_whitney(samples: Mapping[str, Values], confidence: float) -> GroupTest:
    n = {label: int(s.size) for label, s in samples.items()}
    labels = list(samples)
    blank = _blank(MANN_WHITNEY_NORMAL, "W", "rank-biserial r", n, confidence)
    why = _fewer_than_two_groups(labels)
    if why:
        return _with_note(blank, why)
    first, second = samples[labels[0]], samples[labels[1]]
    pooled = np.concatenate([first, second])
    ties = np.unique(pooled).size < pooled.size
    exact = not ties and max(first.size, second.size) < EXACT_BELOW
    if exact:
        result = stats.mannwhitneyu(first, second, alternative="two-sided", method="exact")
    else:
        result = stats.mannwhitneyu(
            first, second, alternative="two-sided", method="asymptotic", use_continuity=True
        )
    u = float(result.statistic)
    test = GroupTest(
        test=MANN_WHITNEY_EXACT if exact else MANN_WHITNEY_NORMAL,
        statistic_name="W",
        statistic=u,
        df=(),
        p_value=float(result.pvalue),
        effect_name="rank-biserial r",
        effect_size=2 * u / (first.size * second.size) - 1,
        n=n,
        confidence=confidence,
        note="ties: no exact p-value" if ties else "",
    )
    if np.unique(pooled).size == 1:
        # scipy returns p = 1 for 0/0; R gives NA, and there is nothing to rank.
        return _with_note(test, "all values are equal: no ranking to compare", p_value=np.nan)
    return test


def _welch_anova(samples: Mapping[str, Values], confidence: float) -> GroupTest:
    n = {label: int(s.size) for label, s in samples.items()}
    blank = _blank(WELCH_ANOVA, "F", "eta-squared", n, confidence)
    why = _too_few(n, 2, "Welch's ANOVA")
    constant = [label for label, s in samples.items() if s.size >= 2 and np.ptp(s) == 0]
    if why:
        return _with_note(blank, why)
    if constant:
        return _with_note(
            blank,
            f"no variation within group(s) {constant}: Welch's ANOVA weights each group by "
            "n / variance",
        )
    result = anova_oneway(list(samples.values()), use_var="unequal", welch_correction=True)
    return GroupTest(
        test=WELCH_ANOVA,
        statistic_name="F",
        statistic=float(result.statistic),
        df=(float(result.df_num), float(result.df_denom)),
        p_value=float(result.pvalue),
        effect_name="eta-squared",
        effect_size=_eta_squared(list(samples.values())),
        n=n,
        confidence=confidence,
    )


def _kruskal_wallis(samples: Mapping[str, Values], confidence: float) -> GroupTest:
    n = {label: int(s.size) for label, s in samples.items()}
    pooled = np.concatenate(list(samples.values()))
    blank = _blank(KRUSKAL_WALLIS, "H", "epsilon-squared", n, confidence)
    if np.unique(pooled).size == 1:
        return _with_note(blank, "all values are equal: no ranking to compare")
    result = stats.kruskal(*samples.values())
    ties = np.unique(pooled).size < pooled.size
    return GroupTest(
        test=KRUSKAL_WALLIS,
        statistic_name="H",
        statistic=float(result.statistic),
        df=(float(len(samples) - 1),),
        p_value=float(result.pvalue),
        effect_name="epsilon-squared",
        effect_size=float(result.statistic) / (pooled.size - 1),
        n=n,
        confidence=confidence,
        note="ties: H corrected for ties" if ties else "",
    )


def _eta_squared(samples: Sequence[Values]) -> float:
    pooled = np.concatenate(list(samples))
    total = float(((pooled - pooled.mean()) ** 2).sum())
    between = float(sum(s.size * (s.mean() - pooled.mean()) ** 2 for s in samples))
    return between / total if total > 0 else float("nan")


def _fewer_than_two_groups(labels: Sequence[str]) -> str:
    if len(labels) < 2:
        return f"fewer than two groups with values ({labels}): nothing to compare"
    return ""


def _too_few(n: Mapping[str, int], at_least: int, test: str) -> str:
    small = [f"'{label}' has {count}" for label, count in n.items() if count < at_least]
    if small:
        return f"{test} needs at least {at_least} values in each group; {', '.join(small)}"
    return ""


def _blank(
    test: str,
    statistic_name: str,
    effect_name: str,
    n: Mapping[str, int],
    confidence: float,
    estimate_name: str = "",
) -> GroupTest:
    """The test's result when it cannot be computed: every number NaN (the caller adds why)."""
    nan = float("nan")
    return GroupTest(
        test, statistic_name, nan, (), nan, effect_name, nan, n, estimate_name,
        confidence=confidence,
    )  # fmt: skip


def _with_note(test: GroupTest, note: str, *, p_value: float | None = None) -> GroupTest:
    if p_value is None:
        return replace(test, note=note)
    return replace(test, note=note, p_value=p_value)


def _whole(series: pd.Series, what: str) -> npt.NDArray[np.int64]:
    values = pd.to_numeric(series, errors="raise").to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError(f"{what} must be whole numbers >= 0 for every group")
    return values.astype(np.int64)
