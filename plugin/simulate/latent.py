"""Latent traits behind ordinal answers, and how units move on them over time.

Items that measure one thing are answered from one latent level per respondent, so they
correlate as a real scale's items do. A *trait group* is a scale's items (with its reverse-keyed
items) or, failing a scale, the radio items of one matrix group. Each unit (a respondent, a
practice) has a level on every group: a shared general factor plus a group-specific part, so
that groups correlate at ``element_correlation``. On repeated assessments a unit's level
follows its trajectory: improving, flat or declining, linear in time with a little
occasion-to-occasion noise.

Answers come from the latent level through ordinal thresholds (a graded-response style model):
``y = level + noise`` for an ordinary item, ``y = -level + noise`` for a reverse-keyed one, and
the answer is the category ``y`` falls in among evenly spaced cut points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instruments.logic.values import parse_number
from instruments.model import Field, Instrument
from plugin.simulate.options import SimulationOptions

TRAJECTORIES = ("improving", "flat", "declining")
OCCASION_NOISE = 0.25  # a unit's level wobbles this much between assessments, in trait SDs
THRESHOLD_SPAN = 1.5  # outermost cut points at +-1.5 trait SDs
ORDINAL_TYPES = frozenset({"radio", "dropdown"})


@dataclass(frozen=True)
class TraitGroup:
    """Items answered from one latent level: a scale's ordinal items (with its reverse-keyed ones),
    or the radio items of a matrix group no scale covers."""

    name: str
    items: tuple[str, ...]
    reverse: frozenset[str]


@dataclass(frozen=True)
class UnitTraits:
    """Every unit's standing: trajectory, level at the first occasion and change per year."""

    trajectory: np.ndarray  # str per unit, one of TRAJECTORIES
    baseline: np.ndarray  # float (units, groups)
    slope: np.ndarray  # float (units, groups), change per 12 months

    def at(self, unit: np.ndarray, month: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Levels of the given units at the given months after their first occasion."""
        level = self.baseline[unit] + self.slope[unit] * (month[:, None] / 12.0)
        moved = month > 0
        noise = rng.normal(0.0, OCCASION_NOISE, level.shape)
        return level + noise * moved[:, None]


def is_ordinal(fld: Field) -> bool:
    """A single-choice field whose codes are all numbers, so its choices have an order."""
    codes = fld.choice_codes()
    return (
        fld.type in ORDINAL_TYPES
        and len(codes) >= 2
        and all(parse_number(code) is not None for code in codes)
    )


def trait_groups(instrument: Instrument) -> list[TraitGroup]:
    """Scales first (their items, reverse keys), then matrix groups no scale covers."""
    fields = instrument.field_map()
    groups: list[TraitGroup] = []
    taken: set[str] = set()
    for scale in instrument.scales:
        items = tuple(
            name
            for name in scale.items
            if name in fields and is_ordinal(fields[name]) and name not in taken
        )
        if items:
            groups.append(TraitGroup(scale.name, items, frozenset(scale.reverse) & set(items)))
            taken.update(items)
    matrices: dict[str, list[str]] = {}
    for fld in instrument.fields:
        if fld.matrix is not None and fld.name not in taken and is_ordinal(fld):
            matrices.setdefault(fld.matrix.group, []).append(fld.name)
    for group, members in matrices.items():
        groups.append(TraitGroup(f"matrix:{group}", tuple(members), frozenset()))
    return groups


def draw_units(
    count: int, groups: int, waves: bool, options: SimulationOptions, rng: np.random.Generator
) -> UnitTraits:
    """Latent levels for ``count`` units; trajectories only matter when there are ``waves``."""
    rho = options.element_correlation
    general = rng.normal(size=(count, 1))
    specific = rng.normal(size=(count, groups))
    baseline = np.sqrt(rho) * general + np.sqrt(1.0 - rho) * specific
    shares = [
        options.improving_share,
        1.0 - options.improving_share - options.declining_share,
        options.declining_share,
    ]
    kind = rng.choice(len(TRAJECTORIES), size=count, p=np.clip(shares, 0.0, 1.0))
    size = rng.uniform(0.6, 1.4, count)
    per_unit = np.select(
        [kind == 0, kind == 2],
        [options.annual_gain * size, -options.annual_loss * size],
        default=rng.normal(0.0, 0.1, count),
    )
    # Elements of one practice change together, though not in lockstep.
    per_group = per_unit[:, None] * rng.uniform(0.7, 1.3, (count, groups))
    if not waves:
        per_group = np.zeros_like(per_group)
    trajectory = np.asarray(TRAJECTORIES, dtype=object)[kind]
    return UnitTraits(trajectory, baseline, per_group)


def ordinal_answers(
    fld: Field, level: np.ndarray, reverse: bool, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """Codes of ``fld`` answered by respondents at latent ``level`` (one per row)."""
    codes = sorted(fld.choice_codes(), key=lambda code: parse_number(code) or 0.0)
    cuts = np.linspace(-THRESHOLD_SPAN, THRESHOLD_SPAN, len(codes) - 1)
    if len(codes) == 2:
        cuts = np.zeros(1)
    signed = -level if reverse else level
    position = np.searchsorted(cuts, signed + rng.normal(0.0, noise, level.shape))
    return np.asarray(codes, dtype=object)[position]
