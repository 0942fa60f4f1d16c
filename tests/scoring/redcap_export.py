"""Turn the simulator's import rows into what REDCap's flat raw export holds.

Import rows carry only what was entered. An export has every column on every row, in export
order, with blank text for no value; a checkbox on a form the row's event holds is "0" per
option even when nothing was entered, on any other form blank; scores (not simulated) blank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from instruments.model import Instrument
from instruments.naming import checkbox_column, complete_field
from instruments.waves import unique_event_names

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"


def export_columns(instrument: Instrument) -> list[str]:
    columns = [instrument.record_id]
    waves = instrument.waves
    if waves is not None and waves.mode == "events":
        columns.append(EVENT)
    if waves is not None and waves.mode == "repeating":
        columns += [REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    for form in instrument.forms:
        for fld in instrument.fields_of(form.name):
            if fld.name == instrument.record_id or fld.type == "descriptive":
                continue
            if fld.type == "checkbox":
                columns += [checkbox_column(fld.name, c.code) for c in fld.choices]
            else:
                columns.append(fld.name)
        columns.append(complete_field(form.name))
    return columns


def _row_holds(instrument: Instrument, row: Mapping[str, str], form: str) -> bool:
    """Whether an export row shows ``form``'s fields (REDCap leaves the others blank)."""
    waves = instrument.waves
    if waves is None:
        return True
    if waves.mode == "repeating":
        return (row.get(REPEAT_INSTRUMENT, "") == waves.form) == (form == waves.form)
    event = unique_event_names(instrument)[row[EVENT]]
    return not event.forms or form in event.forms


def export_frame(instrument: Instrument, rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """The flat raw export of ``rows``: every column, strings only, "" for blank."""
    columns = export_columns(instrument)
    out: list[dict[str, str]] = []
    for row in rows:
        full = {column: str(row.get(column, "")) for column in columns}
        for fld in instrument.fields:
            if fld.type == "checkbox" and _row_holds(instrument, row, fld.form):
                for choice in fld.choices:
                    column = checkbox_column(fld.name, choice.code)
                    full[column] = full[column] or "0"
        out.append(full)
    return pd.DataFrame(out, columns=columns, dtype=object)
