"""The semantic checks run on a loaded instrument. Each module owns one area of rules and
yields problems; ``check_instrument`` runs them all and returns every problem at once."""

from __future__ import annotations

from instruments.checks import (
    declarations,
    fields,
    layout,
    logic,
    scales,
    structure,
    translations,
    waves,
)
from instruments.model import Instrument
from instruments.problems import Problem


def check_instrument(instrument: Instrument) -> list[Problem]:
    """Every problem the semantic checks find, errors and warnings together; the instrument
    must have passed the schema (the loader runs the checks only then)."""
    found: list[Problem] = []
    for module in (
        layout,
        fields,
        logic,
        declarations,
        scales,
        waves,
        structure,
        translations,
    ):
        found.extend(module.check(instrument))
    return found
