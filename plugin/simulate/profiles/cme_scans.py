"""The CME environmental scans (providers and supporters), after seed document 000.

The source reports QI involvement (58% / 28% / 14% of providers, 77% of supporters) and names
the barriers (data access, resources, culture, expertise, a time frame beyond a 12-month grant
cycle, physician engagement); those figures are the defaults. The other proportions are
assumptions chosen to look like a membership survey of CE organisations: most use live and
online formats, outcome measurement thins out at the higher levels of Moore's framework, and
few include patients yet.
"""

from __future__ import annotations

import numpy as np

from instruments.model import Field
from instruments.naming import checkbox_column
from plugin.simulate.options import SimulationOptions
from plugin.simulate.state import Columns, Custom, Fill, Profile

SHARED_CHECKBOXES = {
    "qi_barriers": {"1": 0.45, "2": 0.6, "3": 0.3, "4": 0.4, "5": 0.3, "6": 0.35, "7": 0.08},
    "edu_formats": {
        "1": 0.85,
        "2": 0.75,
        "3": 0.65,
        "4": 0.45,
        "5": 0.3,
        "6": 0.35,
        "7": 0.15,
        "8": 0.25,
        "9": 0.05,
    },
    # Moore, Green and Gallis's levels: nearly everyone counts participants, few measure health.
    "outcome_levels": {
        "1": 0.92,
        "2": 0.88,
        "3a": 0.7,
        "3b": 0.5,
        "4": 0.45,
        "5": 0.3,
        "6": 0.15,
        "7": 0.05,
    },
    "moc_boards": {
        "1": 0.6,
        "2": 0.3,
        "3": 0.2,
        "4": 0.1,
        "5": 0.1,
        "6": 0.08,
        "7": 0.4,
        "8": 0.2,
        "9": 0.05,
    },
    "moc_parts": {"2": 0.85, "4": 0.5},
    "patient_roles": {"1": 0.2, "2": 0.3, "3": 0.15, "4": 0.1, "5": 0.2, "6": 0.04, "0": 0.0},
}
SHARED_CHOICES = {
    "moc_plans": {"1": 0.3, "2": 0.4, "3": 0.3},
    "patient_plans": {"1": 0.2, "2": 0.45, "3": 0.35},
}
OTHER_TEXT = {
    "org_type_other": (
        "Nursing association",
        "Regional CME consortium",
        "Pharmacy education provider",
        "State medical society",
    ),
    "supporter_type_other": ("Insurer", "Hospital foundation", "Professional society foundation"),
    "qi_barriers_other": (
        "No partner health system",
        "Unclear return on investment",
        "Competing priorities",
        "Data-sharing agreements take too long",
    ),
    "edu_formats_other": ("Podcasts", "Mobile microlearning", "Journal clubs"),
    "moc_boards_other": ("American Osteopathic Association", "Nursing certification board"),
    "patient_roles_other": ("Patient advisory council", "Caregivers join panel discussions"),
}
COMMENTS = (
    "QI education needs partners with access to health-system data.",
    "Grant cycles of 12 months are too short for meaningful QI.",
    "We are exploring MOC Part IV credit for our QI activities.",
    "Measuring outcomes beyond knowledge remains difficult for us.",
    "Patient involvement is something we want to grow.",
    "Physician engagement is the hardest part of QI projects.",
)


def provider_profile(options: SimulationOptions) -> Profile:
    """The provider scan's proportions; the shares of QI involvement from
    ``options.provider_qi_involvement``."""
    involvement = options.provider_qi_involvement
    return _scan(
        {
            "org_type": {"1": 0.15, "2": 0.35, "3": 0.25, "4": 0.2, "5": 0.05},
            "qi_involvement": {"1": involvement[0], "2": involvement[1], "3": involvement[2]},
        }
    )


def supporter_profile(options: SimulationOptions) -> Profile:
    """The supporter scan's proportions; the share that has supported QI from
    ``options.supporter_qi_supported``, the rest split 2:1 between "never" and "not relevant"."""
    supported = options.supporter_qi_supported
    rest = 1.0 - supported
    return _scan(
        {
            "supporter_type": {"1": 0.45, "2": 0.2, "3": 0.2, "4": 0.1, "5": 0.05},
            "qi_involvement": {"1": supported, "2": rest * 2 / 3, "3": rest / 3},
            "qi_grant_months": {"1": 0.45, "2": 0.2, "3": 0.2, "4": 0.08, "5": 0.07},
        }
    )


def _scan(choices: dict[str, dict[str, float]]) -> Profile:
    return Profile(
        choice_weights={**SHARED_CHOICES, **choices},
        checkbox_rates=SHARED_CHECKBOXES,
        yes_rates={"moc_credit": 0.55},
        number_ranges={"qi_projects_3y": (1.0, 12.0)},
        answer_rates={"comments": 0.25},
        phrases={**OTHER_TEXT, "comments": COMMENTS},
        custom={"outcome_highest": Custom(_highest_level, ("outcome_levels",))},
    )


def _highest_level(fld: Field, fill: Fill) -> Columns:
    """The highest outcome level ticked, or "0" (none routinely): the two questions agree."""
    codes = [code for code in fld.choice_codes() if code != "0"]
    highest = np.full(fill.rows.count, "0" if "0" in fld.choice_codes() else "", dtype=object)
    for code in codes:  # in the framework's order, so a later level overwrites an earlier one
        column = checkbox_column("outcome_levels", code)
        if column in fill.values:
            highest = np.where(fill.values[column] == "1", code, highest)
    return {fld.name: highest.astype(object)}
