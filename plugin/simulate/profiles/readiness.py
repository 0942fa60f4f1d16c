"""The practice readiness assessment, after seed document 001 (the practice facilitators'
quick-start guide).

A facilitator looks after several practices and keeps them across waves. The written feedback
follows the guide's advice to name strengths as well as opportunities: it mentions the
practice's strongest and weakest elements at that assessment. The engagement strategies chosen
follow the practice's overall readiness: setting the stage and building trust for practices
that are not ready, data feedback and maintaining buy-in for those that are.
"""

from __future__ import annotations

import math

import numpy as np

from instruments.model import Field
from instruments.naming import checkbox_column
from plugin.simulate import textbank
from plugin.simulate.options import SimulationOptions
from plugin.simulate.state import Columns, Custom, Fill, Generate, Profile

PRACTICES_PER_FACILITATOR = 8
STRENGTHS = {
    "willingness_to_change": "The team is motivated and sees QI as worth the effort.",
    "leadership": "Leaders set a clear direction for QI and make time for it.",
    "resources": "The practice has the staff time and data access to start a project.",
    "culture": "Staff feel able to speak up and the practice is open to trying new things.",
    "context": "Regular meetings and stable staffing make communication easy.",
}
OPPORTUNITIES = {
    "willingness_to_change": "Build shared motivation first and watch for change fatigue.",
    "leadership": "Engage the lead clinician so QI has visible support.",
    "resources": "Secure protected time and help with data before starting.",
    "culture": "Create safe ways for staff to raise ideas and concerns.",
    "context": "Set up a regular team meeting and plan for staff turnover.",
}
# Chance of each strategy (codes 1-6) for practices of low, middling and high readiness.
STRATEGY_RATES = np.array(
    [
        [0.8, 0.7, 0.5, 0.3, 0.1, 0.1],
        [0.3, 0.4, 0.6, 0.6, 0.4, 0.3],
        [0.1, 0.2, 0.3, 0.4, 0.8, 0.7],
    ]
)
READINESS_CUTS = (-0.5, 0.5)  # latent level separating low, middling and high readiness
NOTES = (
    "Practice manager will share the data request with the team.",
    "Follow-up visit booked for next month.",
    "Staff turnover since the last visit.",
    "Team chose a diabetes measure for the first cycle.",
    "Lead clinician attended for the first time.",
    "Busy season; kept the visit short.",
)


def profile(options: SimulationOptions) -> Profile:
    """The readiness assessment's proportions and rules: a practice keeps its facilitator, feedback
    names its strongest and weakest elements, and the strategies follow its readiness."""
    return Profile(
        choice_weights={
            "region": {"1": 0.2, "2": 0.2, "3": 0.2, "4": 0.2, "5": 0.2},
            "practice_size": {"1": 0.15, "2": 0.45, "3": 0.25, "4": 0.15},
            "system_affiliation": {"1": 0.45, "2": 0.55},
        },
        checkbox_rates={
            "comm_channels": {"1": 0.45, "2": 0.6, "3": 0.7, "4": 0.55, "5": 0.12, "6": 0.05},
            "participants": {"1": 0.8, "2": 0.45, "3": 0.85, "4": 0.6, "5": 0.3, "6": 0.05},
        },
        number_ranges={"practice_years": (2.0, 40.0)},
        answer_rates={"fb_strengths": 0.85, "fb_opportunities": 0.85, "fb_notes": 0.3},
        phrases={"fb_notes": NOTES},
        custom={
            "facilitator": Custom(_facilitators),
            "fb_strengths": Custom(_feedback(STRENGTHS, strongest=True)),
            "fb_opportunities": Custom(_feedback(OPPORTUNITIES, strongest=False)),
            "fb_strategies": Custom(_strategies),
        },
        unit_fields=("facilitator",),
    )


def _facilitators(fld: Field, fill: Fill) -> Columns:
    """A small pool of facilitators, each assigned whole practices (run once per unit)."""
    pool = textbank.person_names(
        fill.rng, max(1, math.ceil(fill.rows.count / PRACTICES_PER_FACILITATOR))
    )
    return {fld.name: pool[fill.rng.integers(0, len(pool), fill.rows.count)]}


def _element_levels(fill: Fill, bank: dict[str, str]) -> tuple[list[str], np.ndarray]:
    names = [name for name in fill.group_names if name in bank]
    columns = [fill.group_names.index(name) for name in names]
    return names, fill.rows.levels[:, columns]


def _feedback(bank: dict[str, str], *, strongest: bool) -> Generate:
    def make(fld: Field, fill: Fill) -> Columns:
        names, levels = _element_levels(fill, bank)
        if not names:
            return {fld.name: textbank.sentences(fill.rng, NOTES, fill.rows.count)}
        pick = np.argmax(levels, axis=1) if strongest else np.argmin(levels, axis=1)
        texts = np.asarray([bank[name] for name in names], dtype=object)
        return {fld.name: texts[pick]}

    return make


def _strategies(fld: Field, fill: Fill) -> Columns:
    codes = fld.choice_codes()
    level = fill.rows.levels.mean(axis=1) if fill.rows.levels.shape[1] else np.zeros(0)
    if len(level) != fill.rows.count:
        level = np.zeros(fill.rows.count)
    band = np.searchsorted(READINESS_CUTS, level)
    rates = STRATEGY_RATES[band][:, : len(codes)]
    if rates.shape[1] < len(codes):
        rates = np.pad(rates, ((0, 0), (0, len(codes) - rates.shape[1])), constant_values=0.2)
    ticked = fill.rng.random(rates.shape) < rates
    return {
        checkbox_column(fld.name, code): np.where(ticked[:, i], "1", "0").astype(object)
        for i, code in enumerate(codes)
    }
