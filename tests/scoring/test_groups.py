"""Per-group tables and the difference of two proportions (Newcombe 1998)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.groups import compare_option, difference_of_proportions, frequencies_by_group
from scoring.independence import CHI_SQUARE_YATES
from scoring.proportions import frequencies, wilson
from scoring.small_cells import suppress

CHOICES = [("1", "Yes"), ("2", "No")]


def test_newcombe_hybrid_score_matches_table_ii() -> None:
    # Newcombe 1998 (Stat Med 17:873-890) Table II, example (a): 56/70 - 48/80 = 0.2000,
    # method 10 (hybrid score) 0.0524 to 0.3339
    result = difference_of_proportions(56, 70, 48, 80)
    assert result.value == pytest.approx(0.2)
    assert round(result.ci_low, 4) == 0.0524
    assert round(result.ci_high, 4) == 0.3339
    assert result.method.startswith("newcombe")


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_equals_its_formula_from_two_wilson_intervals(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    # Newcombe 1998 method 10, d = p1 - p2:
    # L = d - sqrt((p1-l1)^2 + (u2-p2)^2), U = d + sqrt((u1-p1)^2 + (p2-l2)^2)
    a, b = wilson(*first), wilson(*second)
    d = a.value - b.value
    low = d - math.sqrt((a.value - a.ci_low) ** 2 + (b.ci_high - b.value) ** 2)
    high = d + math.sqrt((a.ci_high - a.value) ** 2 + (b.value - b.ci_low) ** 2)
    result = difference_of_proportions(*first, *second)
    assert result.ci_low == pytest.approx(low, abs=1e-9)
    assert result.ci_high == pytest.approx(high, abs=1e-9)


def test_an_empty_group_gives_nan_with_a_note() -> None:
    result = difference_of_proportions(3, 10, 0, 0)
    assert math.isnan(result.value) and math.isnan(result.ci_low)
    assert result.note == "a group has no respondents"


# --- per-group tables --------------------------------------------------------------------------


def providers_and_supporters() -> tuple[pd.Series, pd.Series, pd.Series]:
    """Newcombe's example (a) as survey rows: 56/70 providers and 48/80 supporters say yes.

    Five more providers were not asked (branching) and hold stale answers; three respondents
    have no group.
    """
    answers = ["1"] * 56 + ["2"] * 14 + ["1"] * 5 + ["1"] * 48 + ["2"] * 32 + ["1", "2", "1"]
    asked = [True] * 70 + [False] * 5 + [True] * 80 + [True] * 3
    group = ["provider"] * 75 + ["supporter"] * 80 + [None] * 3
    index = pd.RangeIndex(len(answers))
    return (
        pd.Series(answers, index=index),
        pd.Series(asked, index=index),
        pd.Series(group, index=index),
    )


def test_each_group_has_its_own_base_and_the_ungrouped_are_reported() -> None:
    answers, asked, group = providers_and_supporters()
    result = frequencies_by_group(answers, asked, group, CHOICES)
    assert list(result.tables) == ["provider", "supporter"]
    assert result.tables["provider"].denominator == 70
    assert result.tables["provider"].n_ignored_not_asked == 5
    assert result.tables["supporter"].denominator == 80
    assert list(result.counts.loc["1"]) == [56, 48]
    assert result.n_no_group == 3
    assert "3 respondent(s) asked had no group" in result.note


def test_the_group_test_is_chi_square_with_yates_like_r_prop_test() -> None:
    # R's prop.test(c(56, 48), c(70, 80)) and chisq.test on this 2x2 both apply Yates; checked
    # here against the corrected statistic written out.
    answers, asked, group = providers_and_supporters()
    result = frequencies_by_group(answers, asked, group, CHOICES)
    table = [[56, 48], [14, 32]]
    n, row, col = 150, [104, 46], [70, 80]
    yates = sum(
        (abs(table[i][j] - row[i] * col[j] / n) - 0.5) ** 2 / (row[i] * col[j] / n)
        for i in range(2)
        for j in range(2)
    )
    assert result.test.statistic == pytest.approx(yates)
    assert result.test.method == CHI_SQUARE_YATES


def test_compare_option_uses_the_table_bases() -> None:
    answers, asked, group = providers_and_supporters()
    result = frequencies_by_group(answers, asked, group, CHOICES)
    diff = compare_option(result.tables["provider"], result.tables["supporter"], "1")
    # Newcombe 1998 Table II (a) again, now from survey rows
    assert (round(diff.ci_low, 4), round(diff.ci_high, 4)) == (0.0524, 0.3339)
    pooled = compare_option(result.tables["provider"], result.tables["supporter"], ["1", "2"])
    assert pooled.value == 0.0


def test_the_long_table_stacks_groups_and_can_be_suppressed() -> None:
    answers, asked, group = providers_and_supporters()
    long = frequencies_by_group(answers, asked, group, CHOICES).long
    assert long[["group", "code", "count", "denominator"]].values.tolist() == [
        ["provider", "1", 56, 70],
        ["provider", "2", 14, 70],
        ["supporter", "1", 48, 80],
        ["supporter", "2", 32, 80],
    ]
    out = suppress(long, below=20).table
    assert out["count"].isna().tolist() == [False, True, False, False]
    assert out["denominator"].tolist() == [70, 70, 80, 80]


def test_categorical_groups_keep_their_order_and_an_empty_group_is_dropped_from_the_test() -> None:
    answers, asked, group = providers_and_supporters()
    ordered = group.astype(pd.CategoricalDtype(["supporter", "provider", "funder"]))
    result = frequencies_by_group(answers, asked, ordered, CHOICES)
    assert list(result.tables) == ["supporter", "provider", "funder"]
    assert result.tables["funder"].denominator == 0
    assert result.test.dropped_columns == ("funder",)


def test_compare_option_refuses_an_unknown_code() -> None:
    index = pd.RangeIndex(2)
    table = frequencies(pd.Series(["1", "2"], index=index), pd.Series(True, index=index), CHOICES)
    with pytest.raises(ValueError, match=r"codes \['9'\] are not rows"):
        compare_option(table, table, "9")


def test_nothing_to_group_is_refused() -> None:
    index = pd.RangeIndex(2)
    with pytest.raises(ValueError, match="groups has no values"):
        frequencies_by_group(
            pd.Series(["1", "2"], index=index),
            pd.Series(True, index=index),
            pd.Series([None, None], index=index),
            CHOICES,
        )


def test_groups_must_align() -> None:
    answers, asked, group = providers_and_supporters()
    with pytest.raises(ValueError, match="groups must have the same index"):
        frequencies_by_group(answers, asked, group.iloc[1:], CHOICES)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", None]), st.booleans(), st.sampled_from(["a", "b", None])
        ),
        max_size=40,
    )
)
def test_group_bases_add_up_to_the_grouped_base(
    rows: list[tuple[str | None, bool, str | None]],
) -> None:
    index = pd.RangeIndex(len(rows))
    answers = pd.Series([r[0] for r in rows], index=index, dtype=object)
    asked = pd.Series([r[1] for r in rows], index=index, dtype=bool)
    group = pd.Series([r[2] for r in rows], index=index, dtype=object)
    if group.isna().all():
        return  # nothing to group: refused, see test_nothing_to_group_is_refused
    result = frequencies_by_group(answers, asked, group, CHOICES)
    grouped = asked & group.notna()
    overall = frequencies(answers[grouped], asked[grouped], CHOICES)
    assert sum(t.denominator for t in result.tables.values()) == overall.denominator
    assert result.counts.sum(axis=1).tolist() == overall.table["count"].tolist()
