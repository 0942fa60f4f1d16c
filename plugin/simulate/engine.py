"""The simulation run: units, their rows slot by slot, answers field by field, then REDCap rows.

Order of work, which fixes the order of random draws and so makes a run reproducible:

1. the unit traits (latent levels, trajectories) and first-occasion dates;
2. the unit-level fields (unit id, grouping fields, a coded excerpt's own fields), once per unit;
3. for a coding instrument, each unit's true codes;
4. slot by slot (events in wave order), the rows that exist, then each field in dependency
   order: its answers, who was shown it (branching logic), nonresponse and missing-data codes;
   then each form's completion status, with the later questions of unfinished forms blank;
5. one pass of branching logic over all rows (cross-event references, unfinished forms), and
   the rows in REDCap's order: by record, event, repeat instance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instruments.model import Field, Instrument
from instruments.naming import complete_field
from plugin.simulate.answers import generic, is_other_specify
from plugin.simulate.coding import true_codes
from plugin.simulate.latent import draw_units, trait_groups
from plugin.simulate.layout import (
    EVENT_COLUMN,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    Layout,
    Slot,
    answerable_fields,
    field_columns,
    plan_layout,
)
from plugin.simulate.occasions import coding_rows, slot_rows, start_days
from plugin.simulate.options import SimulationOptions
from plugin.simulate.profiles import profile_for
from plugin.simulate.state import Columns, Fill, Rows
from plugin.simulate.visibility import Branching, Earlier

OTHER_SPECIFY_RATE = 0.9  # most who tick "Other" say what it is
UNVERIFIED_SHARE = 0.5  # of unfinished data-entry forms: saved whole but not yet verified


@dataclass(frozen=True)
class Simulation:
    """Simulated rows and the truth behind them.

    ``trajectories`` maps each record id of an instrument with waves to its unit's trajectory
    (``improving``, ``flat`` or ``declining``), so change over time can be checked against it.
    """

    rows: list[dict[str, str]]
    trajectories: dict[str, str]


@dataclass
class _Block:
    slot_index: int
    slot: Slot
    records: np.ndarray
    instances: np.ndarray
    values: Columns


def run_simulation(
    instrument: Instrument,
    *,
    seed: int,
    n: int,
    waves: int | None = None,
    options: SimulationOptions | None = None,
) -> Simulation:
    """Simulate ``n`` units (respondents, practices, excerpts) of ``instrument``; see
    :func:`plugin.simulate.simulate`."""
    options = options if options is not None else SimulationOptions()
    if n < 0:
        raise ValueError(f"n = {n}: the number of simulated units must be 0 or more")
    layout = plan_layout(instrument, waves, options.repeat_instances)
    coding = instrument.coding is not None and not layout.has_waves
    profile = profile_for(instrument, options, coding=coding)
    rng = np.random.default_rng(seed)
    groups = trait_groups(instrument)
    group_of = {
        item: (index, item in group.reverse)
        for index, group in enumerate(groups)
        for item in group.items
    }
    names = tuple(group.name for group in groups)
    branching = Branching(instrument, options.last_date)
    traits = draw_units(n, len(groups), layout.has_waves, options, rng)
    start = start_days(n, options, rng)

    def fill_for(rows: Rows, truth: Columns) -> Fill:
        return Fill(instrument, rows, {}, rng, options, profile, group_of, names, truth)

    units = fill_for(Rows.plain(n, start, traits.baseline), {})
    unit_values = _unit_values(instrument, units, branching)
    truth = true_codes(instrument, units) if coding else {}
    blocks: list[_Block] = []
    for index, slot in enumerate(layout.slots):
        if coding:
            rows = coding_rows(n, traits, options, rng)
            records = np.arange(rows.count) + 1
        else:
            rows = slot_rows(layout, slot, traits, start, options, rng)
            records = rows.unit + 1
        fill = fill_for(rows, truth)
        earlier = [
            Earlier(b.records.astype(str).astype(object), b.slot.event, b.values) for b in blocks
        ]
        _fill_slot(slot, fill, unit_values, records, branching, earlier)
        blocks.append(_Block(index, slot, records, rows.instance, fill.values))
    trajectories = (
        {str(i + 1): str(traits.trajectory[i]) for i in range(n)} if layout.has_waves else {}
    )
    return Simulation(_assemble(layout, blocks, branching), trajectories)


def _unit_values(instrument: Instrument, units: Fill, branching: Branching) -> Columns:
    """One value per unit for each unit-level field, before any branching or nonresponse."""
    wanted = set(units.profile.unit_fields)
    fields = [fld for fld in answerable_fields(instrument) if fld.name in wanted]
    depends = {name: custom.depends for name, custom in units.profile.custom.items()}
    for fld in branching.order(fields, depends):
        custom = units.profile.custom.get(fld.name)
        units.values.update(custom.make(fld, units) if custom else generic(fld, units))
    return dict(units.values)


def _fill_slot(
    slot: Slot,
    fill: Fill,
    unit_values: Columns,
    records: np.ndarray,
    branching: Branching,
    earlier: list[Earlier],
) -> None:
    instrument, profile = fill.instrument, fill.profile
    fields = [fld for form in slot.forms for fld in answerable_fields(instrument, form)]
    depends = {name: custom.depends for name, custom in profile.custom.items()}
    record_ids = records.astype(str).astype(object)
    fixed = set(profile.unit_fields)
    if instrument.coding is not None:
        fixed.add(instrument.coding.coder_field)
    for fld in branching.order(fields, depends):
        custom = profile.custom.get(fld.name)
        if fld.name in unit_values or any(c in unit_values for c in field_columns(fld)):
            made = {c: unit_values[c][fill.rows.unit] for c in field_columns(fld)}
        elif custom is not None:
            made = custom.make(fld, fill)
        else:
            made = generic(fld, fill)
        shown = branching.shown(fld.name, fill.values, record_ids, slot.event, earlier)
        fill.values.update(_respond(fld, made, shown, fill, fld.name in fixed))
    for form in slot.forms:
        movable = [f for f in answerable_fields(instrument, form) if f.name not in fixed]
        survey = instrument.form_map()[form].survey
        fill.values[complete_field(form)] = _finish_form(movable, survey, fill)


def answer_rate(fld: Field, fill: Fill) -> float:
    """Share of rows shown ``fld`` that answer it."""
    if fld.required:
        return 1.0
    given = fill.profile.answer_rates.get(fld.name)
    if given is not None:
        return given
    if fld.type == "notes":
        return fill.options.open_text_rate
    if is_other_specify(fld):
        return OTHER_SPECIFY_RATE
    return 1.0 - fill.options.item_nonresponse


def _respond(fld: Field, made: Columns, shown: np.ndarray, fill: Fill, fixed: bool) -> Columns:
    """Blank what is hidden or left unanswered; give some ordinal answers as missing codes."""
    count, rng, options = fill.rows.count, fill.rng, fill.options
    skipped = 0.0 if fixed else 1.0 - answer_rate(fld, fill)
    codes = [code.code for code in fill.instrument.missing_codes]
    coded_rate = options.missing_code_rate if codes and fld.name in fill.groups else 0.0
    draw = rng.random(count)
    picked = rng.integers(0, max(len(codes), 1), count)
    blank = ~shown | (draw < skipped)
    if fld.type == "checkbox":
        return {
            column: np.where(blank, "0", values).astype(object) for column, values in made.items()
        }
    values = np.where(blank, "", made[fld.name])
    if coded_rate:
        coded = ~blank & (draw < skipped + coded_rate)
        values = np.where(coded, np.asarray(codes, dtype=object)[picked], values)
    return {fld.name: values.astype(object)}


def _finish_form(fields: list[Field], survey: bool, fill: Fill) -> np.ndarray:
    """Each row's form status: "2" complete; an unfinished form is "0" (incomplete) with its
    later questions blank or, on a data-entry form, sometimes "1" (unverified) and whole.
    REDCap marks a partly answered survey "0", so survey forms are never "1"."""
    count, rng = fill.rows.count, fill.rng
    unfinished = rng.random(count) < fill.options.partial_form_rate
    unverified = unfinished & (rng.random(count) < UNVERIFIED_SHARE) & (not survey)
    incomplete = unfinished & ~unverified
    cut = rng.integers(len(fields) // 2, max(len(fields), 1), count)
    for position, fld in enumerate(fields):
        gone = incomplete & (position >= cut)
        for column in field_columns(fld):
            blank = "0" if fld.type == "checkbox" else ""
            fill.values[column] = np.where(gone, blank, fill.values[column]).astype(object)
    status = np.where(incomplete, "0", np.where(unverified, "1", "2"))
    return status.astype(object)


def _assemble(layout: Layout, blocks: list[_Block], branching: Branching) -> list[dict[str, str]]:
    total = sum(len(block.records) for block in blocks)
    keys = layout.key_columns()
    slot_columns = {
        index: [c for c in layout.columns(slot) if c not in keys]
        for index, slot in enumerate(layout.slots)
    }
    table: Columns = {}
    present: Columns = {}
    for columns in slot_columns.values():
        for column in columns:
            table.setdefault(column, np.full(total, "", dtype=object))
    for fld in answerable_fields(layout.instrument):
        present[fld.name] = np.zeros(total, dtype=bool)
    offset = 0
    for block in blocks:
        size = len(block.records)
        for column in slot_columns[block.slot_index]:
            table[column][offset : offset + size] = block.values[column]
        for form in block.slot.forms:
            for fld in answerable_fields(layout.instrument, form):
                present[fld.name][offset : offset + size] = True
        offset += size
    records = np.concatenate([block.records for block in blocks])
    instances = np.concatenate([block.instances for block in blocks])
    slots = np.concatenate([np.full(len(b.records), b.slot_index, dtype=np.int64) for b in blocks])
    events = np.concatenate([np.full(len(b.records), b.slot.event, dtype=object) for b in blocks])
    record_ids = records.astype(str).astype(object)
    branching.settle(table, record_ids, events, present)
    lists = {column: values.tolist() for column, values in table.items()}
    rows: list[dict[str, str]] = []
    for i in np.lexsort((instances, slots, records)).tolist():
        slot = layout.slots[int(slots[i])]
        row = {layout.instrument.record_id: record_ids[i]}
        if layout.longitudinal:
            row[EVENT_COLUMN] = slot.event
        if layout.repeats:
            row[REPEAT_INSTRUMENT] = slot.repeating
            row[REPEAT_INSTANCE] = str(instances[i]) if slot.repeating else ""
        for column in slot_columns[int(slots[i])]:
            row[column] = lists[column][i]
        rows.append(row)
    return rows
