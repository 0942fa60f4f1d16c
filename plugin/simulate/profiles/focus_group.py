"""The QIE focus groups (seed document 000): 18 of 26 interested members took part in one of
two online groups a week apart. Every participant met the inclusion criteria (an educational
provider with at least one QIE programme), the groups mixed hospitals, specialty associations
and education companies, and the participants were "a relatively seasoned group of QIE
practitioners"."""

from __future__ import annotations

from datetime import date

import numpy as np

from instruments.model import Field
from plugin.simulate.options import SimulationOptions
from plugin.simulate.profiles.discussion import AREAS, QUESTION_AREA
from plugin.simulate.state import Columns, Custom, Fill, Profile

GROUP_GAP_DAYS = 7
SUMMARY_RATE = 0.8  # in a text chat not everyone answers every question
MODERATOR_NOTES = (
    "Joined late; answered from question 3.",
    "Very engaged in the discussion of data barriers.",
    "Connection dropped briefly.",
    "Shared an example from a cardiology programme.",
)


def profile(options: SimulationOptions) -> Profile:
    """The focus groups' proportions: participants split between the groups, each group meeting on
    one day, and summaries and notes from the discussion's paraphrases."""
    summaries = {f"q{number:02d}_summary": AREAS[area] for number, area in QUESTION_AREA.items()}
    return Profile(
        choice_weights={
            "org_type": {"1": 0.1, "2": 0.3, "3": 0.25, "4": 0.3, "5": 0.05},
            "role": {"1": 0.35, "2": 0.2, "3": 0.15, "4": 0.1, "5": 0.1, "6": 0.05, "7": 0.05},
            "qie_programmes": {"1": 0.15, "2": 0.45, "3": 0.25, "4": 0.15},
        },
        yes_rates={"eligible_provider": 1.0, "eligible_qie": 1.0},
        number_ranges={"qie_years": (2.0, 20.0)},
        answer_rates={
            **{name: SUMMARY_RATE for name in summaries},
            "moderator_notes": 0.3,
        },
        phrases={
            **summaries,
            "moderator_notes": MODERATOR_NOTES,
            "org_type_other": ("Nursing association", "Quality improvement organisation"),
            "role_other": ("Grants manager", "Accreditation coordinator"),
        },
        custom={
            "fg_group": Custom(_groups),
            "fg_date": Custom(_session_dates, ("fg_group",)),
        },
    )


def _groups(fld: Field, fill: Fill) -> Columns:
    """Participants split evenly between the groups, in no particular order."""
    codes = np.asarray(fld.choice_codes(), dtype=object)
    seats = fill.rng.permutation(fill.rows.count) % max(len(codes), 1)
    return {fld.name: codes[seats]}


def _session_dates(fld: Field, fill: Fill) -> Columns:
    """Each group met on one day; the groups a week apart, inside the options' window."""
    first, last = fill.options.first_date.toordinal(), fill.options.last_date.toordinal()
    groups = fill.values.get("fg_group", np.full(fill.rows.count, "", dtype=object))
    group_field = fill.instrument.field_map().get("fg_group")
    offered = group_field.choice_codes() if group_field is not None else []
    codes = [code for code in offered if (groups == code).any()]
    span = GROUP_GAP_DAYS * max(len(codes) - 1, 0)
    start = int(fill.rng.integers(first, max(first, last - span) + 1))
    dates = np.full(fill.rows.count, "", dtype=object)
    for position, code in enumerate(codes):
        day = min(start + GROUP_GAP_DAYS * position, last)
        dates[groups == code] = date.fromordinal(day).isoformat()
    return {fld.name: dates}
