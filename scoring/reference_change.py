"""This scan's share of an option against the share an earlier scan published.

An earlier scan usually publishes its percents without their base, so the reference is read as
a fixed value p0: the change is p - p0 in percentage points, its interval is the current
share's Wilson interval less p0, and the exact binomial test asks whether this scan's count is
consistent with p0 (scipy ``binomtest``, two-sided; R ``binom.test(x, n, p = p0)``). A base
for the reference would narrow nothing here and widen the interval; without it the interval
states only this scan's uncertainty, and the report says so.

Missing-data rule: the base is the question's denominator (those who answered, as in its
table); an option the reference does not give is not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scipy.stats import binomtest

from scoring.proportions import FrequencyTable, wilson


@dataclass(frozen=True)
class ReferenceChange:
    """One option: this scan's share against the reference, in percent and points."""

    code: str
    label: str
    reference: float
    count: int
    n: int
    current: float
    change: float
    ci_low: float  # of the change
    ci_high: float
    p_value: float  # exact binomial test of count/n against the reference


def reference_changes(
    table: FrequencyTable, reference: Mapping[str, float], confidence: float = 0.95
) -> list[ReferenceChange]:
    """Each option ``reference`` gives, in the table's order; [] when nobody answered."""
    n = int(table.denominator)
    if n == 0:
        return []
    found: list[ReferenceChange] = []
    for code, row in table.table.iterrows():
        if str(code) not in reference:
            continue
        p0 = float(reference[str(code)])
        count = int(row["count"])
        share = wilson(count, n, confidence)
        p_value = float(binomtest(count, n, p0 / 100).pvalue)
        found.append(
            ReferenceChange(
                str(code),
                str(row["label"]),
                p0,
                count,
                n,
                100 * share.value,
                100 * share.value - p0,
                100 * share.ci_low - p0,
                100 * share.ci_high - p0,
                p_value,
            )
        )
    return found
