"""Agreement between coders, against published examples and plainly written formulas."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring.agreement import (
    agreement_by_code,
    cohen_kappa,
    fleiss_kappa,
    landis_koch,
    percent_agreement,
)
from scoring.krippendorff import krippendorff_alpha, krippendorff_reading
from scoring.ratings import wide_ratings

NA = np.nan

# Krippendorff K (2011) "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (A-D) x 12 units with missing values; as a units x coders frame.
KRIPPENDORFF_2011 = pd.DataFrame(
    {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
        "C": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
    }
)

# Wikipedia "Krippendorff's alpha", section "A computational example": 3 coders x 15 units.
WIKIPEDIA_ALPHA = pd.DataFrame(
    {
        "A": [NA, NA, NA, NA, NA, 3, 4, 1, 2, 1, 1, 3, 3, NA, 3],
        "B": [1, NA, 2, 1, 3, 3, 4, 3, NA, NA, NA, NA, NA, NA, NA],
        "C": [NA, NA, 2, 1, 3, 4, 4, NA, 2, 1, 1, 3, 3, NA, 4],
    }
)

# Wikipedia "Fleiss' kappa", worked example: 10 subjects, 14 raters, counts per category 1-5.
WIKIPEDIA_FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss (1971) Psychol Bull 76:378-382, Table 1: 30 patients, 6 psychiatrists each, counts for
# depression, personality disorder, schizophrenia, neurosis, other (as transcribed in
# JonasMoss/quadagree data_raw/fleiss1971.csv; the same data as R irr's `diagnoses`).
FLEISS_1971_COUNTS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]  # fmt: skip


def ratings_from_counts(counts: list[list[int]]) -> pd.DataFrame:
    """A units x raters frame whose rating counts per category (1, 2, ...) are ``counts``."""
    return pd.DataFrame([np.repeat(np.arange(1, len(row) + 1), row) for row in counts])


def two_coders(table: list[list[int]]) -> pd.DataFrame:
    """Two coders' ratings whose cross-table (rows: coder a, columns: coder b) is ``table``."""
    pairs = [(i, j) for i, row in enumerate(table) for j, count in enumerate(row)
             for _ in range(count)]  # fmt: skip
    return pd.DataFrame(pairs, columns=["a", "b"])


# ---- published values --------------------------------------------------------------------------


def test_fleiss_kappa_wikipedia_worked_example() -> None:
    # Wikipedia "Fleiss' kappa": P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210
    result = fleiss_kappa(ratings_from_counts(WIKIPEDIA_FLEISS_COUNTS))
    assert round(result.observed, 3) == 0.378
    assert round(result.expected, 3) == 0.213
    assert round(result.value, 3) == 0.210
    assert (result.n, result.n_excluded, result.reading) == (10, 0, "fair")


def test_percent_agreement_is_fleiss_p_bar_with_equal_raters() -> None:
    # Wikipedia "Fleiss' kappa": P-bar = 0.378 is the mean share of agreeing rater pairs
    assert round(percent_agreement(ratings_from_counts(WIKIPEDIA_FLEISS_COUNTS)).value, 3) == 0.378


def test_fleiss_kappa_fleiss_1971() -> None:
    # Fleiss (1971) p. 381: kappa = .430; R irr::kappam.fleiss(diagnoses)$value = 0.43
    result = fleiss_kappa(ratings_from_counts(FLEISS_1971_COUNTS))
    assert round(result.value, 3) == 0.430
    assert result.n == 30


@pytest.mark.parametrize(
    ("level", "published"),
    # Krippendorff (2011): alpha nominal .743, ordinal .815, interval .849, ratio .797
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example(level: str, published: float) -> None:
    result = krippendorff_alpha(KRIPPENDORFF_2011, level)  # type: ignore[arg-type]
    assert round(result.value, 3) == published
    # unit 12 has a single value: not pairable
    assert (result.n, result.n_excluded) == (11, 1)


def test_krippendorff_2011_nominal_exact() -> None:
    # Krippendorff (2011): D_o = 8/40 = 0.2 and the coincidence margins 9, 13, 10, 5, 3 (n = 40)
    # give D_e = (40^2 - (81 + 169 + 100 + 25 + 9)) / (40 * 39) and alpha = 113/152
    result = krippendorff_alpha(KRIPPENDORFF_2011)
    assert result.observed == pytest.approx(8 / 40)
    assert result.expected == pytest.approx((1600 - 384) / (40 * 39))
    assert result.value == pytest.approx(113 / 152)
    assert result.reading == "tentative"


def test_krippendorff_wikipedia_example() -> None:
    # Wikipedia "Krippendorff's alpha", computational example: nominal 0.691, interval 0.811
    assert round(krippendorff_alpha(WIKIPEDIA_ALPHA).value, 3) == 0.691
    assert round(krippendorff_alpha(WIKIPEDIA_ALPHA, "interval").value, 3) == 0.811


def test_cohen_kappa_wikipedia_example() -> None:
    # Wikipedia "Cohen's kappa", simple example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10,
    # no/no 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4
    ratings = two_coders([[20, 5], [10, 15]])
    result = cohen_kappa(ratings)
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.value == pytest.approx(0.4)
    assert result.reading == "fair"


# ---- Cohen's kappa by the direct formulas ------------------------------------------------------

ORDINAL_TABLE = [[11, 3, 1, 0], [2, 9, 4, 1], [1, 3, 8, 2], [0, 1, 2, 6]]


def direct_kappa(table: list[list[int]], weight: str) -> float:
    """1 - sum w_ij o_ij / sum w_ij e_ij with disagreement weights on positions 0..k-1."""
    k = len(table)
    total = sum(map(sum, table))
    rows = [sum(table[i]) / total for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) / total for j in range(k)]
    observed = expected = 0.0
    for i in range(k):
        for j in range(k):
            w = {"unweighted": float(i != j), "linear": abs(i - j) / (k - 1),
                 "quadratic": ((i - j) / (k - 1)) ** 2}[weight]  # fmt: skip
            observed += w * table[i][j] / total
            expected += w * rows[i] * cols[j]
    return 1 - observed / expected


@pytest.mark.parametrize("weight", ["unweighted", "linear", "quadratic"])
def test_cohen_kappa_against_direct_formula(weight: str) -> None:
    result = cohen_kappa(two_coders(ORDINAL_TABLE), weight)  # type: ignore[arg-type]
    assert result.value == pytest.approx(direct_kappa(ORDINAL_TABLE, weight))
    assert result.ci_low < result.value < result.ci_high


def test_unweighted_kappa_is_po_minus_pe() -> None:
    table = np.array(ORDINAL_TABLE, dtype=float)
    p = table / table.sum()
    po = np.trace(p)
    pe = (p.sum(axis=1) * p.sum(axis=0)).sum()
    assert cohen_kappa(two_coders(ORDINAL_TABLE)).value == pytest.approx((po - pe) / (1 - pe))


def test_linear_and_quadratic_weights_differ() -> None:
    linear = cohen_kappa(two_coders(ORDINAL_TABLE), "linear").value
    quadratic = cohen_kappa(two_coders(ORDINAL_TABLE), "quadratic").value
    assert linear != pytest.approx(quadratic)


def test_cohen_kappa_se_fleiss_cohen_everitt() -> None:
    # Fleiss, Cohen & Everitt (1969) large-sample variance of unweighted kappa:
    # [sum_i p_ii (1 - (p_i. + p_.i)(1 - k))^2 + (1 - k)^2 sum_{i!=j} p_ij (p_.i + p_j.)^2
    #  - (k - p_e (1 - k))^2] / (n (1 - p_e)^2)
    table = np.array(ORDINAL_TABLE, dtype=float)
    n = table.sum()
    p = table / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    pe = (row * col).sum()
    kappa = (np.trace(p) - pe) / (1 - pe)
    a = sum(p[i, i] * (1 - (row[i] + col[i]) * (1 - kappa)) ** 2 for i in range(4))
    b = (1 - kappa) ** 2 * sum(
        p[i, j] * (col[i] + row[j]) ** 2 for i in range(4) for j in range(4) if i != j
    )
    c = (kappa - pe * (1 - kappa)) ** 2
    se = math.sqrt((a + b - c) / (n * (1 - pe) ** 2))
    result = cohen_kappa(two_coders(ORDINAL_TABLE))
    assert result.se == pytest.approx(se)
    assert result.ci_low == pytest.approx(kappa - 1.959964 * se, abs=1e-6)
    assert result.ci_high == pytest.approx(kappa + 1.959964 * se, abs=1e-6)


def test_cohen_table_is_the_union_of_both_coders_categories() -> None:
    # coder b never uses code 3: the table is still 3 x 3 (a uses it)
    ratings = pd.DataFrame({"a": [1, 2, 3, 3, 1, 2], "b": [1, 2, 2, 1, 1, 2]})
    table = [[2, 0, 0], [0, 2, 0], [1, 1, 0]]
    for weight in ("unweighted", "linear"):
        expected = direct_kappa(table, weight)
        assert cohen_kappa(ratings, weight).value == pytest.approx(expected)


def test_codes_only_on_units_rated_once_stay_out_of_the_table() -> None:
    # code 2 appears only on a unit coder b did not rate: the table is over codes 1, 3, 4
    ratings = pd.DataFrame({"a": [1, 3, 4, 4, 1, 3, 2], "b": [1, 3, 3, 1, 1, 3, NA]})
    table = [[2, 0, 0], [0, 2, 0], [1, 1, 0]]
    result = cohen_kappa(ratings, "linear")
    assert result.value == pytest.approx(direct_kappa(table, "linear"))
    assert (result.n, result.n_excluded) == (6, 1)


def test_listed_categories_keep_unused_codes() -> None:
    ratings = pd.DataFrame({"a": [1, 2, 4, 4, 1, 2], "b": [1, 2, 2, 4, 1, 4]})
    used_only = [[2, 0, 0], [0, 1, 1], [0, 1, 1]]  # codes 1, 2, 4
    all_listed = [[2, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]  # codes 1, 2, 3, 4
    plain = cohen_kappa(ratings, "linear")
    listed = cohen_kappa(ratings, "linear", categories=["1", "2", "3", "4"])
    assert plain.value == pytest.approx(direct_kappa(used_only, "linear"))
    assert listed.value == pytest.approx(direct_kappa(all_listed, "linear"))
    assert plain.value != pytest.approx(listed.value)
    # unweighted kappa does not depend on empty categories
    unweighted = cohen_kappa(ratings, categories=[1, 2, 3, 4]).value
    assert unweighted == pytest.approx(cohen_kappa(ratings).value)


def test_numeric_text_codes_are_ordered_as_numbers() -> None:
    text = pd.DataFrame({"a": ["1", "2", "10", "10", "2"], "b": ["2", "2", "10", "2", "1"]})
    numbers = text.astype(int)
    for weight in ("linear", "quadratic"):
        expected = cohen_kappa(numbers, weight).value
        assert cohen_kappa(text, weight).value == pytest.approx(expected)
    # ordered 1 < 2 < 10: the table over positions 0, 1, 2
    table = [[0, 1, 0], [1, 1, 0], [0, 1, 1]]
    assert cohen_kappa(text, "linear").value == pytest.approx(direct_kappa(table, "linear"))


# ---- brute-force definitions for random data ---------------------------------------------------


def brute_alpha(ratings: pd.DataFrame, level: str) -> float:
    """Krippendorff's alpha by enumerating value pairs (Krippendorff 2011, section A)."""
    units = [[v for v in row if not pd.isna(v)] for row in ratings.itertuples(index=False)]
    units = [u for u in units if len(u) >= 2]
    pooled = [v for u in units for v in u]
    n = len(pooled)
    ranks = sorted(set(pooled))
    freq = {c: pooled.count(c) for c in ranks}

    def delta(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return ((c - k) / (c + k)) ** 2 if c + k else 0.0
        lo, hi = sorted((ranks.index(c), ranks.index(k)))
        return (sum(freq[g] for g in ranks[lo : hi + 1]) - (freq[c] + freq[k]) / 2) ** 2

    observed = (
        sum(
            delta(u[i], u[j]) / (len(u) - 1)
            for u in units
            for i, j in itertools.permutations(range(len(u)), 2)
        )
        / n
    )
    expected = sum(delta(pooled[a], pooled[b]) for a, b in itertools.permutations(range(n), 2)) / (
        n * (n - 1)
    )
    return 1 - observed / expected


def brute_fleiss(ratings: pd.DataFrame) -> float:
    """Fleiss (1971) equations, for units all rated by the same number of raters."""
    rows = [[v for v in row if not pd.isna(v)] for row in ratings.itertuples(index=False)]
    m = len(rows[0])
    categories = sorted({v for row in rows for v in row})
    p_i = [(sum(row.count(c) ** 2 for c in categories) - m) / (m * (m - 1)) for row in rows]
    p_j = [sum(row.count(c) for row in rows) / (len(rows) * m) for c in categories]
    p_bar, p_e = sum(p_i) / len(rows), sum(p * p for p in p_j)
    return (p_bar - p_e) / (1 - p_e)


def brute_percent(ratings: pd.DataFrame) -> float:
    agree = pairs = 0
    for row in ratings.itertuples(index=False):
        values = [v for v in row if not pd.isna(v)]
        for a, b in itertools.combinations(values, 2):
            pairs += 1
            agree += a == b
    return agree / pairs


@st.composite
def rating_frames(draw: st.DrawFn, coders: int | None = None, missing: bool = True) -> pd.DataFrame:
    n_coders = coders or draw(st.integers(2, 4))
    n_units = draw(st.integers(2, 10))
    value = st.sampled_from([1.0, 2.0, 3.0, 5.0])
    cell = st.one_of(st.just(NA), value) if missing else value
    rows = draw(st.lists(st.lists(cell, min_size=n_coders, max_size=n_coders),
                         min_size=n_units, max_size=n_units))  # fmt: skip
    return pd.DataFrame(rows, columns=[f"c{i}" for i in range(n_coders)], dtype=float)


def pooled_values(ratings: pd.DataFrame) -> list[float]:
    units = [[v for v in row if not pd.isna(v)] for row in ratings.itertuples(index=False)]
    return [v for u in units if len(u) >= 2 for v in u]


@settings(max_examples=60, deadline=None)
@given(rating_frames(), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_matches_pair_enumeration(ratings: pd.DataFrame, level: str) -> None:
    result = krippendorff_alpha(ratings, level)  # type: ignore[arg-type]
    if len(set(pooled_values(ratings))) < 2:
        assert math.isnan(result.value)
        assert result.note
    else:
        assert result.value == pytest.approx(brute_alpha(ratings, level))


@settings(max_examples=60, deadline=None)
@given(rating_frames(missing=False))
def test_fleiss_and_percent_match_their_equations(ratings: pd.DataFrame) -> None:
    percent = percent_agreement(ratings)
    assert percent.value == pytest.approx(brute_percent(ratings))
    result = fleiss_kappa(ratings)
    if ratings.stack().nunique() < 2:
        assert math.isnan(result.value)
        assert "chance agreement is 1" in result.note
    else:
        assert result.value == pytest.approx(brute_fleiss(ratings))
        assert result.observed == pytest.approx(percent.value)


# ---- properties --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(rating_frames(coders=2), st.sampled_from(["unweighted", "linear", "quadratic"]))
@example(pd.DataFrame({"c0": [1.0, 2.0, 3.0], "c1": [5.0, 5.0, 5.0]}), "linear")
@example(pd.DataFrame({"c0": [3.0, 3.0, 3.0, 3.0], "c1": [1.0, 2.0, 2.0, 5.0]}), "linear")
def test_cohen_kappa_is_symmetric_in_the_coders(ratings: pd.DataFrame, weight: str) -> None:
    forward = cohen_kappa(ratings, weight)  # type: ignore[arg-type]
    backward = cohen_kappa(ratings[["c1", "c0"]], weight)  # type: ignore[arg-type]
    assert forward.n == backward.n
    if math.isnan(forward.value):
        assert math.isnan(backward.value)
    else:
        assert backward.value == pytest.approx(forward.value)
        assert backward.se == pytest.approx(forward.se, nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=12), st.integers(2, 4))
def test_perfect_agreement_gives_one(codes: list[str], n_coders: int) -> None:
    ratings = pd.DataFrame({f"c{i}": codes for i in range(n_coders)})
    assert percent_agreement(ratings).value == 1.0
    kappa = cohen_kappa(ratings) if n_coders == 2 else fleiss_kappa(ratings)
    alpha = krippendorff_alpha(ratings)
    if len(set(codes)) > 1:
        assert kappa.value == pytest.approx(1.0)
        assert alpha.value == pytest.approx(1.0)
        assert alpha.reading == "reliable"
    else:
        assert math.isnan(kappa.value) and math.isnan(alpha.value)


RELABEL = {1.0: "z", 2.0: "x", 3.0: "y", 5.0: "w"}


@settings(max_examples=60, deadline=None)
@given(rating_frames())
def test_nominal_statistics_ignore_the_labels(ratings: pd.DataFrame) -> None:
    relabelled = ratings.apply(lambda column: column.map(RELABEL))
    for statistic in (krippendorff_alpha, percent_agreement, fleiss_kappa):
        before, after = statistic(ratings), statistic(relabelled)
        assert after.value == pytest.approx(before.value, nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(rating_frames())
def test_ordinal_alpha_depends_on_order_only_and_interval_on_differences(
    ratings: pd.DataFrame,
) -> None:
    ordinal = krippendorff_alpha(ratings, "ordinal").value
    assert krippendorff_alpha(ratings**3, "ordinal").value == pytest.approx(ordinal, nan_ok=True)
    interval = krippendorff_alpha(ratings, "interval").value
    shifted = krippendorff_alpha(ratings * -2 + 7, "interval").value
    assert shifted == pytest.approx(interval, nan_ok=True)


# ---- edge cases and misuse ---------------------------------------------------------------------


def test_single_category_gives_nan_with_reason() -> None:
    ratings = pd.DataFrame({"a": ["1", "1", "1"], "b": ["1", "1", "1"]})
    result = cohen_kappa(ratings)
    assert math.isnan(result.value) and "chance agreement is 1" in result.note
    assert percent_agreement(ratings).value == 1.0
    alpha = krippendorff_alpha(ratings)
    assert math.isnan(alpha.value) and "no expected disagreement" in alpha.note


def test_no_jointly_rated_unit() -> None:
    ratings = pd.DataFrame({"a": [1, NA, 2], "b": [NA, 2, NA]})
    result = cohen_kappa(ratings)
    assert math.isnan(result.value) and result.note == "no unit was rated by both coders"
    assert (result.n, result.n_excluded) == (0, 3)
    assert "nothing is pairable" in krippendorff_alpha(ratings).note
    assert math.isnan(percent_agreement(ratings).value)


def test_disjoint_codes_give_zero_kappa_without_warnings() -> None:
    # coder a always 1, coder b always 2: p_o = p_e = 0, kappa = 0; the SE under H0 is 0/0
    result = cohen_kappa(pd.DataFrame({"a": [1, 1, 1], "b": [2, 2, 2]}))
    assert result.value == 0.0


def test_blank_strings_are_missing() -> None:
    ratings = pd.DataFrame({"a": ["1", "2", "", "1"], "b": ["1", "2", "2", None]})
    result = cohen_kappa(ratings)
    assert (result.n, result.n_excluded, result.value) == (2, 2, 1.0)


def test_fleiss_leaves_out_units_with_another_number_of_ratings() -> None:
    base = ratings_from_counts(WIKIPEDIA_FLEISS_COUNTS)
    extra = pd.DataFrame([[1, 2] + [NA] * 12, [3] + [NA] * 13])
    result = fleiss_kappa(pd.concat([base, extra], ignore_index=True))
    assert round(result.value, 3) == 0.210
    assert (result.n, result.n_excluded) == (10, 2)
    assert result.note == "2 unit(s) not rated by exactly 14 coders left out"


def test_cohen_needs_two_columns() -> None:
    with pytest.raises(ValueError, match="exactly two coders; the ratings have 3 columns"):
        cohen_kappa(pd.DataFrame({"a": [1], "b": [1], "c": [1]}))


def test_interval_alpha_needs_numbers() -> None:
    with pytest.raises(ValueError, match="interval alpha needs numeric codes"):
        krippendorff_alpha(pd.DataFrame({"a": ["x", "y"], "b": ["x", "x"]}), "interval")


def test_codes_outside_the_categories_are_an_error() -> None:
    with pytest.raises(ValueError, match=r"codes \['7'\] are not among the categories"):
        cohen_kappa(pd.DataFrame({"a": [1, 7], "b": [1, 1]}), categories=["1", "2"])


@pytest.mark.parametrize(
    ("kappa", "reading"),
    # Landis & Koch (1977) bands; a boundary value belongs to the lower band
    [(-0.01, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.4, "fair"),
     (0.41, "moderate"), (0.6, "moderate"), (0.61, "substantial"), (0.8, "substantial"),
     (0.81, "almost perfect"), (1.0, "almost perfect"), (NA, "")],
)  # fmt: skip
def test_landis_koch(kappa: float, reading: str) -> None:
    assert landis_koch(kappa) == reading


@pytest.mark.parametrize(
    ("alpha", "reading"),
    # Krippendorff (2004) p. 241: >= .800 reliable, .667-.800 tentative
    [(0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"),
     (0.6669, "not reliable"), (-0.2, "not reliable"), (NA, "")],
)  # fmt: skip
def test_krippendorff_reading(alpha: float, reading: str) -> None:
    assert krippendorff_reading(alpha) == reading


# ---- long records and agreement_by_code --------------------------------------------------------


def coding_records(coders: Mapping[str, Mapping[str, Sequence[object]]]) -> pd.DataFrame:
    """Records (excerpt_id, coder, code fields...) from {coder: {field: values per excerpt}}."""
    frames = []
    for coder, fields in coders.items():
        n = len(next(iter(fields.values())))
        frames.append(pd.DataFrame({"excerpt_id": [f"E{i}" for i in range(n)],
                                    "coder": coder, **fields}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


PRIMARY = {"1": ["1", "2", "2", "3", "1", "4"], "2": ["1", "2", "3", "3", "1", "2"]}
VALENCE = {"1": ["1", "1", "2", "2", "3", "4"], "2": ["1", "2", "2", "2", "3", "4"]}


def test_wide_ratings_pivots_units_by_coders() -> None:
    records = coding_records({c: {"valence": VALENCE[c]} for c in VALENCE})
    wide = wide_ratings(records, "excerpt_id", "coder", "valence")
    assert list(wide.columns) == ["1", "2"]
    assert list(wide.loc["E1"]) == ["1", "2"]


def test_wide_ratings_reports_every_duplicate() -> None:
    records = pd.DataFrame(
        {"excerpt_id": ["E1", "E1", "E2", "E2", "E3"], "coder": ["2", "2", "1", "1", "1"],
         "valence": ["1", "2", "1", "1", "3"]}
    )  # fmt: skip
    with pytest.raises(ValueError, match="each coder may code a unit once") as error:
        wide_ratings(records, "excerpt_id", "coder", "valence")
    assert "excerpt_id 'E1' coded by coder '2' in rows 0, 1" in str(error.value)
    assert "excerpt_id 'E2' coded by coder '1' in rows 2, 3" in str(error.value)


def test_wide_ratings_reports_missing_ids_and_columns() -> None:
    records = pd.DataFrame({"excerpt_id": ["E1", ""], "coder": ["1", "2"], "valence": [1, 2]})
    with pytest.raises(ValueError, match="rows 1 have no excerpt_id or no coder"):
        wide_ratings(records, "excerpt_id", "coder", "valence")
    with pytest.raises(ValueError, match="columns not in the frame: themes"):
        wide_ratings(records, "excerpt_id", "coder", "themes")


def test_agreement_by_code_two_coders_uses_cohen_and_pools() -> None:
    records = coding_records(
        {c: {"primary_theme": PRIMARY[c], "valence": VALENCE[c]} for c in ("1", "2")}
    )
    results = agreement_by_code(records, "excerpt_id", "coder", ["primary_theme", "valence"])
    assert [r.code for r in results] == ["primary_theme", "valence", "overall"]
    primary, valence, overall = results
    assert primary.kappa.statistic == "cohen_kappa" and primary.n_coders == 2
    # p_o and p_e of each code, by hand, then De Vries et al. (2008) pooled kappa
    terms = []
    for codes in (PRIMARY, VALENCE):
        a, b = codes["1"], codes["2"]
        po = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
        pe = sum(a.count(c) * b.count(c) for c in set(a) | set(b)) / len(a) ** 2
        terms.append((po, pe))
    assert primary.kappa.value == pytest.approx((terms[0][0] - terms[0][1]) / (1 - terms[0][1]))
    po = (terms[0][0] + terms[1][0]) / 2
    pe = (terms[0][1] + terms[1][1]) / 2
    assert overall.kappa.value == pytest.approx((po - pe) / (1 - pe))
    assert overall.percent.value == pytest.approx(po)
    do = (primary.alpha.observed + valence.alpha.observed) / 2
    de = (primary.alpha.expected + valence.alpha.expected) / 2
    assert overall.alpha.value == pytest.approx(1 - do / de)
    assert overall.kappa.n == 12


def test_agreement_by_code_three_coders_uses_fleiss() -> None:
    codes: dict[str, list[object]] = {
        "1": ["1", "2", "2", "3"],
        "2": ["1", "2", "3", "3"],
        "3": ["1", "2", "2", NA],
    }
    records = coding_records({c: {"valence": codes[c]} for c in codes})
    result = agreement_by_code(records, "excerpt_id", "coder", ["valence"])[0]
    assert result.kappa.statistic == "fleiss_kappa"
    assert (result.kappa.n, result.kappa.n_excluded) == (3, 1)
    complete = pd.DataFrame(codes).iloc[:3]
    assert result.kappa.value == pytest.approx(brute_fleiss(complete.astype(float)))
    assert result.alpha.value == pytest.approx(brute_alpha(pd.DataFrame(codes).astype(float),
                                                           "nominal"))  # fmt: skip


def test_agreement_by_code_compares_checkbox_options() -> None:
    records = coding_records(
        {"1": {"themes___1": [1, 0, 1, 0], "themes___2": [0, 0, 0, 0], "valence": [1, 2, 1, 2]},
         "2": {"themes___1": [1, 0, 0, 0], "themes___2": [0, 0, 0, 0], "valence": [1, 2, 2, 2]}}
    )  # fmt: skip
    results = agreement_by_code(records, "excerpt_id", "coder", ["themes", "valence"])
    assert [r.code for r in results] == ["themes___1", "themes___2", "valence", "overall"]
    # nobody ticked theme 2: full agreement, kappa undefined, yet it enters the pooled kappa
    assert results[1].percent.value == 1.0 and math.isnan(results[1].kappa.value)
    assert results[-1].kappa.observed == pytest.approx((0.75 + 1.0 + 0.75) / 3)


def test_agreement_by_code_names_missing_columns() -> None:
    records = coding_records({c: {"valence": VALENCE[c]} for c in VALENCE})
    with pytest.raises(ValueError, match="columns not in the frame: primary_theme"):
        agreement_by_code(records, "excerpt_id", "coder", ["valence", "primary_theme"])
