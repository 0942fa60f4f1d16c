"""One unit's strengths and opportunities under one rule, and the answers behind a low score.

:func:`classify` files each element of a unit's feedback exactly once, from two facts the
reports already show: where the score sits against the cohort median (compared at the shown
precision, as :mod:`scoring.benchmark` does) and the element's reliable-change status since
baseline (:func:`scoring.paired.reliable_change`, Jacobson & Truax 1991). A change is named
only when it is reliable, so the feedback never calls a rise a strength that the change table
calls within the usual wobble, and an element is never both a strength and an opportunity.

:func:`lowest_items` picks the answers that pulled an element's score down: the items of the
scale with the lowest scored (reverse-keyed, as :func:`scoring.scales.keyed_items` keys them)
values at one response, among those under the scale's own mean there.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from instruments.model import Instrument, Scale
from scoring.scales import keyed_items

Kind = Literal["strength", "opportunity"]
Reason = Literal["rose", "fell", "above_median", "below_median"]
Status = Literal["improved", "unchanged", "declined", "not assessed"]


@dataclass(frozen=True)
class Finding:
    """Where one element is filed: ``kind`` and ``reason`` are None when it is neither."""

    kind: Kind | None
    reason: Reason | None


def classify(value: float, median: float, status: str, *, decimals: int = 0) -> Finding:
    """The one rule for a unit's element at its latest wave.

    1. A reliable fall since baseline (``status`` "declined") is an opportunity ("fell").
    2. A reliable rise (``status`` "improved") is a strength ("rose").
    3. Otherwise a score above the cohort median is a strength ("above_median"), one under it an
       opportunity ("below_median"), both compared rounded to ``decimals`` so a sentence never
       shows equal numbers as different; at the median it is neither.

    The practice's own reliable change comes first because the facilitators' guide reads the
    assessments as change over time; a change within the usual wobble ("unchanged") or not
    assessed (no threshold, no baseline) is never named. Missing data: a NaN value or median
    leaves only the change rule."""
    if status == "declined":
        return Finding("opportunity", "fell")
    if status == "improved":
        return Finding("strength", "rose")
    if math.isnan(value) or math.isnan(median):
        return Finding(None, None)
    margin = round(value, decimals) - round(median, decimals)
    if margin > 0:
        return Finding("strength", "above_median")
    if margin < 0:
        return Finding("opportunity", "below_median")
    return Finding(None, None)


@dataclass(frozen=True)
class Driver:
    """One answer behind a low score: the item, the code given, and its scored (keyed) value."""

    item: str
    answer: float  # the code as answered, before reverse keying
    keyed: float  # the value the scale scores
    reversed: bool


def lowest_items(
    items: pd.DataFrame,
    row: Hashable,
    scale: Scale,
    instrument: Instrument,
    *,
    count: int = 3,
) -> tuple[Driver, ...]:
    """The answers at ``row`` that pulled ``scale``'s score down, lowest first.

    Rule: the scale's answered items whose keyed value (``(min + max) - x`` for a reverse-keyed
    item, as the scale scores it) is under the mean of its answered keyed values (an answer
    under the mean is one that lowers a mean score), lowest first, ties in the scale's item
    order; at most ``count``. A row whose answers are all equal has none. Missing data:
    unanswered items are skipped. A composite has no items of its own: ValueError."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    names = list(scale.items)
    given = dict(zip(names, items.loc[[row], names].to_numpy(dtype=float)[0], strict=True))
    keyed = keyed_items(items.loc[[row]], scale, instrument).iloc[0]
    mean = float(keyed.mean())  # skips NaN: the mean of the answered items
    answered = [
        (float(value), position, name)
        for position, (name, value) in enumerate(keyed.items())
        if not math.isnan(value) and value < mean
    ]
    answered.sort(key=lambda entry: (entry[0], entry[1]))
    return tuple(
        Driver(str(name), float(given[str(name)]), value, name in scale.reverse)
        for value, _, name in answered[:count]
    )


def band_index(value: float, bounds: Sequence[tuple[float, float]]) -> int | None:
    """Which of the ordered bands ``bounds`` ((min, max) each, as an instrument declares them)
    holds ``value``: the last band whose min is at or under it, within the first min and the
    last max (a shared edge belongs to the band above, as :mod:`scoring.scales` bands a score).
    None for NaN or a value outside every band."""
    tolerance = 1e-9  # the instrument checks' tolerance for band edges
    if math.isnan(value) or not bounds:
        return None
    if not bounds[0][0] - tolerance <= value <= bounds[-1][1] + tolerance:
        return None
    found = [i for i, (low, _) in enumerate(bounds) if low <= value + tolerance]
    return found[-1] if found else None
