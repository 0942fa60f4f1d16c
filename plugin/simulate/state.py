"""What an answer generator sees: the rows being filled, the answers so far, and the profile of
the instrument (the proportions and rules that make its answers realistic)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from instruments.model import Field, Instrument
from plugin.simulate.options import SimulationOptions

Columns = dict[str, np.ndarray]


@dataclass
class Rows:
    """The rows of one slot: whose they are and when, before any answer is given."""

    unit: np.ndarray  # int: index of the unit (record, or coded excerpt) each row belongs to
    instance: np.ndarray  # int: repeat instance, 0 on rows that do not repeat
    month: np.ndarray  # float: months after the unit's first occasion
    day: np.ndarray  # int: the occasion's date as a proleptic Gregorian ordinal
    levels: np.ndarray  # float (rows, trait groups): latent levels at this occasion
    coder: np.ndarray  # int: coder index on a coding instrument's rows, else 0
    follows: np.ndarray  # bool: the coder records the unit's true codes (coding only)
    dated: bool  # the rows are occasions (waves, coding sessions) whose dates mean something

    @property
    def count(self) -> int:
        return len(self.unit)

    @classmethod
    def plain(cls, count: int, day: np.ndarray, levels: np.ndarray) -> Rows:
        """One row per unit at a single occasion whose date means nothing: no repeat instance, no
        coder."""
        zeros = np.zeros(count, dtype=np.int64)
        return cls(
            unit=np.arange(count),
            instance=zeros,
            month=np.zeros(count),
            day=day,
            levels=levels,
            coder=zeros,
            follows=np.ones(count, dtype=bool),
            dated=False,
        )


Generate = Callable[[Field, "Fill"], Columns]


@dataclass(frozen=True)
class Custom:
    """An instrument-specific answer rule, run at the field's place after the fields it reads."""

    make: Generate
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """Realistic proportions for one instrument's fields; fields not named get generic answers.

    ``answer_rates`` is the share of shown rows that answer an optional field (text boxes,
    notes); ``number_ranges`` the plausible range of a numeric text field within its validation.
    ``unit_fields`` are fields that hold one value per unit across all its rows.
    """

    choice_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    checkbox_rates: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    yes_rates: Mapping[str, float] = field(default_factory=dict)
    number_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    answer_rates: Mapping[str, float] = field(default_factory=dict)
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    custom: Mapping[str, Custom] = field(default_factory=dict)
    unit_fields: tuple[str, ...] = ()

    def merged(self, other: Profile) -> Profile:
        """This profile with ``other``'s entries taking precedence."""
        return Profile(
            {**self.choice_weights, **other.choice_weights},
            {**self.checkbox_rates, **other.checkbox_rates},
            {**self.yes_rates, **other.yes_rates},
            {**self.number_ranges, **other.number_ranges},
            {**self.answer_rates, **other.answer_rates},
            {**self.phrases, **other.phrases},
            {**self.custom, **other.custom},
            tuple(dict.fromkeys(self.unit_fields + other.unit_fields)),
        )


@dataclass
class Fill:
    """Everything a generator may read while one slot's rows are filled."""

    instrument: Instrument
    rows: Rows
    values: Columns  # the slot's columns answered so far (unit-level values included)
    rng: np.random.Generator
    options: SimulationOptions
    profile: Profile
    groups: Mapping[str, tuple[int, bool]]  # ordinal item -> (trait group index, reverse-keyed)
    group_names: tuple[str, ...] = ()
    truth: Columns = field(default_factory=dict)  # coding: each unit's true codes, per column
