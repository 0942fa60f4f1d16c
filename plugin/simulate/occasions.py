"""Which rows exist and when they happen: waves a unit attends or skips, repeat instances,
assessment dates, and the (excerpt, coder) pairs of a coding instrument."""

from __future__ import annotations

import numpy as np

from instruments.dictionary.structure import DAYS_PER_MONTH
from plugin.simulate.latent import UnitTraits
from plugin.simulate.layout import Layout, Slot
from plugin.simulate.options import SimulationOptions
from plugin.simulate.state import Rows

DATE_JITTER_DAYS = 7  # a follow-up visit lands within a week of its scheduled day
CODER_SESSION_DAYS = 14  # a coder works through the excerpts over about two weeks


def start_days(count: int, options: SimulationOptions, rng: np.random.Generator) -> np.ndarray:
    """Each unit's first occasion, spread over the enrolment period."""
    first = options.first_date.toordinal()
    last = min(first + options.enrolment_days, options.last_date.toordinal())
    return rng.integers(first, last + 1, count)


def slot_rows(
    layout: Layout,
    slot: Slot,
    traits: UnitTraits,
    start: np.ndarray,
    options: SimulationOptions,
    rng: np.random.Generator,
) -> Rows:
    """The rows of one slot for every unit that has them."""
    count = len(start)
    if slot.repeating:
        unit, instance, month = _instances(count, layout.instances, options, rng)
    else:
        unit = np.arange(count)
        if slot.follow_up:
            unit = unit[rng.random(count) >= options.skipped_wave_rate]
        instance = np.zeros(len(unit), dtype=np.int64)
        month = np.full(len(unit), slot.month)
    scheduled = start[unit] + np.rint(month * DAYS_PER_MONTH).astype(np.int64)
    jitter = rng.integers(-DATE_JITTER_DAYS, DATE_JITTER_DAYS + 1, len(unit)) * (month > 0)
    return Rows(
        unit=unit,
        instance=instance,
        month=month,
        day=scheduled + jitter,
        levels=traits.at(unit, month, rng),
        coder=np.zeros(len(unit), dtype=np.int64),
        follows=np.ones(len(unit), dtype=bool),
        dated=layout.has_waves,
    )


def _instances(
    count: int, instances: int, options: SimulationOptions, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat instances per unit: a missed assessment leaves a longer gap, and the instances
    that did happen are numbered 1, 2, ... with no hole, as REDCap numbers them."""
    planned = np.tile(np.arange(instances), count)
    owner = np.repeat(np.arange(count), instances)
    held = (planned == 0) | (rng.random(len(planned)) >= options.skipped_wave_rate)
    owner, planned = owner[held], planned[held]
    first_of_unit = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    run_start = np.maximum.accumulate(np.where(first_of_unit, np.arange(len(owner)), 0))
    number = np.arange(len(owner)) - run_start + 1
    return owner, number.astype(np.int64), planned * options.repeat_interval_months


def coding_rows(
    excerpts: int, traits: UnitTraits, options: SimulationOptions, rng: np.random.Generator
) -> Rows:
    """One row per (excerpt, coder), every coder coding every excerpt."""
    coders = options.coders
    unit = np.repeat(np.arange(excerpts), coders)
    coder = np.tile(np.arange(coders), excerpts)
    first = options.first_date.toordinal()
    last = options.last_date.toordinal()
    session = rng.integers(first, max(first, last - CODER_SESSION_DAYS) + 1, coders)
    day = np.minimum(session[coder] + rng.integers(0, CODER_SESSION_DAYS + 1, len(unit)), last)
    return Rows(
        unit=unit,
        instance=np.zeros(len(unit), dtype=np.int64),
        month=np.zeros(len(unit)),
        day=day,
        levels=traits.baseline[unit],
        coder=coder,
        follows=rng.random(len(unit)) < options.coder_agreement,
        dated=True,
    )
