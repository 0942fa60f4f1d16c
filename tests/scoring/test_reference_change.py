"""This scan against an earlier scan's published shares: the change, its interval and the exact
binomial test, checked against R."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.proportions import frequencies
from scoring.reference_change import reference_changes

# 150 providers: 90 have done QI, 38 never, 22 not relevant; the 2017 scan published 58/28/14%.
ANSWERS = pd.Series(["1"] * 90 + ["2"] * 38 + ["3"] * 22)
CHOICES = [("1", "Done QI"), ("2", "Never"), ("3", "Not relevant")]
# R 4.2: binom.test(x, 150, p = p0)$p.value and prop.test(x, 150, correct = FALSE)$conf.int
# * 100 - p0 (the Wilson interval, less the fixed reference):
#   x = 90, p0 = 58: p 0.6793311211, -5.9950841511 to 9.4956792637
#   x = 38, p0 = 28: p 0.5246251851, -8.9508772709 to 4.8494093264
#   x = 22, p0 = 14: p 0.8137290769, -4.1105627874 to 7.2084600561
R_VALUES = {
    "1": (0.6793311211, -5.9950841511, 9.4956792637),
    "2": (0.5246251851, -8.9508772709, 4.8494093264),
    "3": (0.8137290769, -4.1105627874, 7.2084600561),
}


def table():
    return frequencies(ANSWERS, pd.Series(True, index=ANSWERS.index), CHOICES)


def test_change_interval_and_test_match_r() -> None:
    found = reference_changes(table(), {"1": 58, "2": 28, "3": 14})
    assert [c.code for c in found] == ["1", "2", "3"]
    for change in found:
        p, low, high = R_VALUES[change.code]
        assert change.p_value == pytest.approx(p, abs=1e-9)
        assert (change.ci_low, change.ci_high) == pytest.approx((low, high), abs=1e-6)
        assert change.change == pytest.approx(change.current - change.reference)
    assert found[0].current == pytest.approx(60.0) and found[0].n == 150 and found[0].count == 90


def test_only_the_options_the_reference_gives_are_compared() -> None:
    found = reference_changes(table(), {"1": 77})
    assert [(c.code, c.reference) for c in found] == [("1", 77.0)]


def test_nobody_answered_gives_nothing_to_compare() -> None:
    empty = frequencies(ANSWERS, pd.Series(False, index=ANSWERS.index), CHOICES)
    assert reference_changes(empty, {"1": 58}) == []
