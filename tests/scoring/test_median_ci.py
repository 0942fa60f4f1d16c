"""The median's distribution-free interval, against the same order statistics computed in R."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scoring.median_ci import median_ci, wave_median_intervals

TWELVE = [3.1, 4.5, 2.2, 8.0, 5.5, 6.1, 7.3, 1.9, 4.4, 5.0, 6.6, 3.9]
TWENTY = [52.5, 61.25, 47.5, 70, 55, 58.75, 66.25, 50, 63.75, 45]
TWENTY += [57.5, 60, 53.75, 68.75, 48.75, 62.5, 56.25, 71.25, 51.25, 59.375]


# R 4: f <- function(x, c) { n <- length(x); l <- qbinom((1 - c) / 2, n, 0.5);
#      s <- sort(x); c(median(x), s[l], s[n - l + 1]) }
@pytest.mark.parametrize(
    ("values", "confidence", "expected"),
    [
        (TWELVE, 0.95, (4.75, 3.1, 6.6)),  # R: f(TWELVE, 0.95)
        (TWELVE, 0.90, (4.75, 3.1, 6.6)),  # R: f(TWELVE, 0.90)
        (TWENTY, 0.95, (58.125, 52.5, 62.5)),  # R: f(TWENTY, 0.95)
        (TWENTY[:6], 0.95, (56.875, 47.5, 70.0)),  # R: f(TWENTY[1:6], 0.95)
    ],
)
def test_interval_is_the_order_statistics_r_gives(
    values: list[float], confidence: float, expected: tuple[float, float, float]
) -> None:
    found = median_ci(values, confidence=confidence)
    assert (found.median, found.low, found.high) == pytest.approx(expected)
    assert found.n == len(values) and found.note == ""


def test_five_values_are_too_few_for_a_95_percent_interval() -> None:
    # R: qbinom(0.025, 5, 0.5) is 0, so no order statistic bounds the interval
    found = median_ci([*TWENTY[:5], math.nan])
    assert found.median == 55.0 and found.n == 5
    assert math.isnan(found.low) and math.isnan(found.high)
    assert found.note == "5 values are too few for a 95% interval around a median"


def test_confidence_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        median_ci(TWELVE, confidence=95)


def test_wave_intervals_follow_the_wave_order() -> None:
    data = pd.DataFrame(
        {"wave_index": [1] * 12 + [0] * 20, "score": TWELVE + TWENTY},
    )
    table = wave_median_intervals(data, "score")
    assert list(table.index) == [0, 1]
    assert list(table["median"]) == pytest.approx([58.125, 4.75])
    assert list(table["low"]) == pytest.approx([52.5, 3.1])
    assert list(table["n"]) == [20, 12]
