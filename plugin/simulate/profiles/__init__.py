"""Realism profiles: what makes each instrument's simulated answers look like real ones.

Every instrument gets the structural rules its definition implies: the unit id and grouping
fields hold one value per unit across all its rows, and a coding instrument follows the coding
model. The shipped instruments add the proportions of their source documents (the CME scans),
or rules an analyst would expect (a practice keeps its facilitator; feedback names the
practice's strongest and weakest elements). The options' ``choice_weights`` come last and win.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from instruments import validation_types
from instruments.model import Field, Instrument
from plugin.simulate import textbank
from plugin.simulate.coding import coding_profile
from plugin.simulate.options import SimulationOptions
from plugin.simulate.profiles import cme_scans, focus_group, readiness, transcripts
from plugin.simulate.state import Columns, Custom, Fill, Profile

SHIPPED: dict[str, Callable[[SimulationOptions], Profile]] = {
    "provider_scan": cme_scans.provider_profile,
    "supporter_scan": cme_scans.supporter_profile,
    "practice_readiness": readiness.profile,
    "focus_group": focus_group.profile,
    "qualitative_coding": transcripts.profile,
}


def profile_for(instrument: Instrument, options: SimulationOptions, *, coding: bool) -> Profile:
    """The rules for ``instrument``: structural, then shipped, then the options' overrides."""
    found = unit_profile(instrument, coding=coding)
    if coding:
        found = found.merged(coding_profile(instrument, options.coders))
    shipped = SHIPPED.get(instrument.id)
    if shipped is not None:
        found = found.merged(shipped(options))
    if options.choice_weights:
        found = found.merged(Profile(choice_weights=dict(options.choice_weights)))
    return found


def unit_profile(instrument: Instrument, *, coding: bool) -> Profile:
    """Unit id and grouping fields, one value per unit (on a coding instrument the grouping
    field is the coder, which varies by row, so only the unit id is kept)."""
    unit = instrument.unit
    names = [] if unit is None else [unit.id_field]
    if not coding:
        names += instrument.grouping
    fields = instrument.field_map()
    custom: dict[str, Custom] = {}
    if unit is not None and unit.id_field in fields and not fields[unit.id_field].choice_codes():
        custom[unit.id_field] = Custom(_unit_id_maker(textbank.id_prefix(unit.label)))
    return Profile(custom=custom, unit_fields=tuple(n for n in names if n in fields))


def _unit_id_maker(prefix: str) -> Callable[[Field, Fill], Columns]:
    def make(fld: Field, fill: Fill) -> Columns:
        vtype = validation_types.lookup(fld.validation.type) if fld.validation else None
        if vtype is not None and vtype.family in ("integer", "number"):
            ids = (fill.rows.unit + 1).astype(str).astype(object)
        else:
            ids = textbank.unit_ids(prefix, fill.rows.count)[fill.rows.unit]
        return {fld.name: np.asarray(ids, dtype=object)}

    return make
