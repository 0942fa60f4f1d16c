"""The coding model: several coders code every unit (excerpt), following its true codes or not.

Each unit has one true code set, drawn once: a value for every field the instrument's
``coding.codes`` compares. On each (unit, coder) row the coder records the true set with
probability ``coder_agreement`` (``Rows.follows``) and otherwise codes the excerpt their own way,
drawn from the same distributions, so agreement beyond chance grows with the parameter and
Cohen's or Fleiss' kappa has something to measure. Fields describing the unit itself (its id and
the fields of its domain) are the same on every coder's row.
"""

from __future__ import annotations

import numpy as np

from instruments.model import Field, Instrument
from instruments.naming import checkbox_column
from plugin.simulate.answers import generic
from plugin.simulate.layout import answerable_fields, field_columns
from plugin.simulate.state import Columns, Custom, Fill, Profile


def coding_profile(instrument: Instrument, coders: int) -> Profile:
    """Rules for the coder field and the compared code fields, and the shared unit fields."""
    coding = instrument.coding
    if coding is None:
        return Profile()
    fields = instrument.field_map()
    coder_field = fields.get(coding.coder_field)
    if coder_field is not None and coder_field.choice_codes():
        available = len(coder_field.choice_codes())
        if coders > available:
            raise ValueError(
                f"coders = {coders}: field '{coder_field.name}' of '{instrument.id}' offers "
                f"only {available} coders"
            )
    custom = {coding.coder_field: Custom(_coder_answers)}
    for name in coding.codes:
        custom[name] = Custom(_coded_answers, tuple(_companions(instrument, fields[name])))
    return Profile(custom=custom, unit_fields=tuple(shared_fields(instrument)))


def shared_fields(instrument: Instrument) -> list[str]:
    """The unit's own fields: the unit field and the fields in its domain (or, with no domain,
    the fields before the coder field)."""
    coding = instrument.coding
    assert coding is not None  # callers check; narrows the type
    fields = answerable_fields(instrument)
    names = [f.name for f in fields]
    unit = instrument.field_map().get(coding.unit_field)
    coded = {coding.coder_field, *coding.codes}
    if unit is not None and unit.domain:
        shared = [f.name for f in fields if f.domain == unit.domain]
    elif coding.coder_field in names:
        shared = names[: names.index(coding.coder_field)]
    else:
        shared = []
    return [name for name in dict.fromkeys([coding.unit_field, *shared]) if name not in coded]


def true_codes(instrument: Instrument, units: Fill) -> Columns:
    """Each unit's true code set, one value per unit for every column of the code fields."""
    coding = instrument.coding
    if coding is None:
        return {}
    fields = instrument.field_map()
    for fld in instrument.fields:
        if fld.name in coding.codes:
            units.values.update(_own_codes(fld, units))
    return {
        column: units.values[column]
        for name in coding.codes
        for column in field_columns(fields[name])
    }


def _coder_answers(fld: Field, fill: Fill) -> Columns:
    codes = fld.choice_codes()
    if codes:
        return {fld.name: np.asarray(codes, dtype=object)[fill.rows.coder]}
    labels = np.asarray([f"Coder {i + 1}" for i in range(fill.options.coders)], dtype=object)
    return {fld.name: labels[fill.rows.coder]}


def _coded_answers(fld: Field, fill: Fill) -> Columns:
    own = _own_codes(fld, fill)
    follows = fill.rows.follows
    return {
        column: np.where(follows, fill.truth[column][fill.rows.unit], values)
        for column, values in own.items()
    }


def _companions(instrument: Instrument, fld: Field) -> list[str]:
    """Checkbox code fields offering every choice of single-choice ``fld`` (a primary theme
    among the themes ticked)."""
    if fld.type not in ("radio", "dropdown") or instrument.coding is None:
        return []
    fields = instrument.field_map()
    codes = set(fld.choice_codes())
    return [
        name
        for name in instrument.coding.codes
        if fields[name].type == "checkbox" and codes <= set(fields[name].choice_codes())
    ]


def _own_codes(fld: Field, fill: Fill) -> Columns:
    """A coder's own codes; a single choice with a checkbox companion picks among those ticked,
    so a primary theme is always one of the coder's themes."""
    made = generic(fld, fill)
    companions = _companions(fill.instrument, fld)
    codes = fld.choice_codes()
    columns = [checkbox_column(companions[0], code) for code in codes] if companions else []
    if not columns or any(column not in fill.values for column in columns):
        return made
    ticked = np.column_stack([fill.values[column] == "1" for column in columns])
    keys = fill.rng.random(ticked.shape) * ticked
    chosen = np.asarray(codes, dtype=object)[np.argmax(keys, axis=1)]
    return {fld.name: np.where(ticked.any(axis=1), chosen, made[fld.name])}
