"""From REDCap's flat export to one row per unit and wave, with the wave's name, order and month.

The three layouts an instrument can have (instruments.waves, instruments.dictionary.structure):

* **events**: one export row per record and event; each of the instrument's events is a wave
  (REDCap's unique event name ``<label>_arm_1`` maps back to the wave), in the instrument's
  wave order, at the month the wave declares;
* **repeating**: the wave form repeats; each instance is a wave, the record's base row (its
  non-repeating forms) carried onto every instance, ordered by assessment date then instance,
  ``months`` counted from the record's first assessment date (REDCap's 30.44-day month);
* **no waves**: one row per record.

Rows that belong to other instruments of a shared project (events the instrument does not
declare, instances of forms it does not repeat) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from instruments.dictionary.structure import DAYS_PER_MONTH
from instruments.logic.vector import column_texts
from instruments.model import Field, Instrument, Waves
from instruments.naming import checkbox_column, complete_field, survey_timestamp
from instruments.waves import unique_event_names
from scoring.values import read_column

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
REDCAP_PREFIX = "redcap_"

Records = pd.DataFrame | Sequence[Mapping[str, object]]


@dataclass(frozen=True, eq=False)
class WaveRows:
    """The unit-by-wave rows: their raw export text (RangeIndex, ordered by record then wave)
    and, per row, the wave's name, 0-based order and months."""

    raw: pd.DataFrame
    wave: np.ndarray
    wave_index: np.ndarray
    months: np.ndarray
    records_without_waves: tuple[str, ...]


def data_fields(instrument: Instrument) -> list[Field]:
    """The fields that hold answers: all but the record id and descriptive text."""
    return [
        f for f in instrument.fields if f.name != instrument.record_id and f.type != "descriptive"
    ]


def field_columns(field: Field) -> list[str]:
    """The export columns of a field: ``field___code`` per option for a checkbox."""
    if field.type == "checkbox":
        return [checkbox_column(field.name, choice.code) for choice in field.choices]
    return [field.name]


def export_texts(records: Records) -> pd.DataFrame:
    """The export as an object frame of str, ``""`` for blank (None, NaN), other values via str.

    Dicts are read as objects, so a JSON integer stays ``"3"``; a frame is taken as it is (read
    CSV with ``dtype=str, keep_default_na=False``: a float column reads ``"3.0"``, which an
    integer or choice field then reports as invalid)."""
    frame = (
        records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records), dtype=object)
    )
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise ValueError(f"records: columns appear more than once: {', '.join(map(str, repeated))}")
    texts = {str(name): column_texts(frame[name]) for name in frame.columns}
    return pd.DataFrame(texts, index=pd.RangeIndex(len(frame)), dtype=object)


def required_columns(instrument: Instrument) -> list[str]:
    """Columns a full export of the instrument always has."""
    columns = [instrument.record_id]
    mode = instrument.waves.mode if instrument.waves is not None else None
    if mode == "events":
        columns.append(EVENT)
    if mode == "repeating":
        columns += [REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    for fld in data_fields(instrument):
        columns += field_columns(fld)
    columns += [complete_field(form.name) for form in instrument.forms]
    return columns


def instrument_columns(instrument: Instrument, texts: pd.DataFrame) -> list[str]:
    """The export columns decoding keeps: REDCap's own and the instrument's, in export order.

    A checkbox's missing-data codes come in extra ``field___code`` columns, present only
    when a code was given, so they are kept when present; so are the survey forms'
    ``<form>_timestamp`` columns, present when the export asked for survey fields."""
    wanted = set(required_columns(instrument))
    wanted |= {survey_timestamp(form.name) for form in instrument.forms if form.survey}
    for fld in data_fields(instrument):
        if fld.type == "checkbox":
            wanted |= {checkbox_column(fld.name, m.code) for m in instrument.missing_codes}
    return [c for c in texts.columns if c in wanted or c.startswith(REDCAP_PREFIX)]


def check_columns(instrument: Instrument, texts: pd.DataFrame) -> None:
    """Raise ValueError naming every column of :func:`required_columns` the export lacks."""
    absent = [c for c in required_columns(instrument) if c not in texts.columns]
    if absent:
        raise ValueError(
            f"records for instrument '{instrument.id}' lack column(s) {', '.join(absent)}: "
            "decode reads a full flat REDCap export (every field, form status and, for waves, "
            "the event or repeat columns)"
        )


def wave_rows(instrument: Instrument, texts: pd.DataFrame) -> WaveRows:
    """Select, merge and order the export rows of ``instrument`` (see the module docstring)."""
    check_columns(instrument, texts)
    record_rank = pd.factorize(texts[instrument.record_id].to_numpy(dtype=object))[0]
    texts = texts.assign(_rank=record_rank)
    waves = instrument.waves
    without: tuple[str, ...] = ()
    if waves is not None and waves.mode == "events":
        rows, wave, position, months = _events(instrument, texts)
    elif waves is not None and waves.mode == "repeating":
        rows, wave, position, months, without = _repeating(instrument, waves, texts)
    else:
        rows = _other_instruments_dropped(texts, "")
        _refuse_duplicates(rows, [instrument.record_id], "record", "an instrument without waves")
        wave = np.full(len(rows), "", dtype=object)
        position = np.zeros(len(rows), dtype=np.int64)
        months = np.full(len(rows), np.nan)
    order = np.lexsort((position, rows["_rank"].to_numpy()))
    raw = rows.iloc[order][instrument_columns(instrument, texts)].reset_index(drop=True)
    return WaveRows(raw, wave[order], position[order], months[order], without)


def _other_instruments_dropped(texts: pd.DataFrame, form: str) -> pd.DataFrame:
    if REPEAT_INSTRUMENT not in texts.columns:
        return texts
    return texts[texts[REPEAT_INSTRUMENT].to_numpy(dtype=object) == form]


def _events(
    instrument: Instrument, texts: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    waves = unique_event_names(instrument)
    rows = _other_instruments_dropped(texts, "")
    position = pd.Index(list(waves), dtype=object).get_indexer(pd.Index(rows[EVENT], dtype=object))
    rows = rows[position >= 0]
    position = position[position >= 0].astype(np.int64)
    _refuse_duplicates(rows, [instrument.record_id, EVENT], "record and event", "events mode")
    events = list(waves.values())
    wave = np.array([event.name for event in events], dtype=object)[position]
    months = np.array([event.month for event in events], dtype=np.float64)[position]
    return rows, wave, position, months


def _repeating(
    instrument: Instrument, waves: Waves, texts: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    form, record_id = waves.form, instrument.record_id
    keys = [record_id] + ([EVENT] if EVENT in texts.columns else [])
    repeat = texts[REPEAT_INSTRUMENT].to_numpy(dtype=object)
    base = texts[(repeat == "") & (texts[REPEAT_INSTANCE].to_numpy(dtype=object) == "")]
    _refuse_duplicates(base, keys, "record", "the base (non-repeating) row")
    instances = texts[repeat == form]
    instance = pd.to_numeric(instances[REPEAT_INSTANCE], errors="coerce").to_numpy(np.float64)
    bad = ~(np.isfinite(instance) & (instance >= 1) & (instance == np.round(instance)))
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"records: row {instances.index[at]} of repeating form '{form}' has "
            f"{REPEAT_INSTANCE} {instances[REPEAT_INSTANCE].iloc[at]!r}; REDCap numbers "
            "instances 1, 2, ..."
        )
    _refuse_duplicates(
        instances, [*keys, REPEAT_INSTANCE], "record and instance", f"repeating form '{form}'"
    )
    own = {c for fld in instrument.fields_of(form) for c in field_columns(fld)}
    own |= {complete_field(form), survey_timestamp(form)}
    carried = [c for c in instrument_columns(instrument, texts) if c not in own and c not in keys]
    carried = [c for c in carried if not c.startswith(REDCAP_PREFIX)]
    merged = instances.drop(columns=carried).merge(
        base[[*keys, *carried]], on=keys, how="left", validate="many_to_one"
    )
    merged.index = instances.index
    if carried:
        merged[carried] = merged[carried].fillna("")
    dates = read_column(
        instrument.field_map()[waves.date_field],
        merged[waves.date_field].to_numpy(dtype=object),
        frozenset(m.code for m in instrument.missing_codes),
        merged.index,
    ).values.to_numpy(dtype="datetime64[us]")
    rank = merged["_rank"].to_numpy()
    undated = np.isnat(dates)
    stamp = np.where(undated, np.datetime64(0, "us"), dates).astype(np.int64)
    order = np.lexsort((np.arange(len(merged)), instance, stamp, undated, rank))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = pd.Series(rank[order]).groupby(rank[order]).cumcount().to_numpy()
    stamps = pd.Series(dates)
    first = stamps.groupby(rank).transform("min")
    days = (stamps - first).dt.total_seconds() / 86_400.0
    months = (days / DAYS_PER_MONTH).to_numpy(dtype=np.float64)
    wave = instance.astype(np.int64).astype(str).astype(object)
    assessed = set(merged[record_id])
    without = tuple(r for r in base[record_id].drop_duplicates() if r not in assessed)
    return merged, wave, position, months, without


def _refuse_duplicates(rows: pd.DataFrame, keys: list[str], what: str, where: str) -> None:
    repeated = rows.duplicated(subset=keys, keep=False).to_numpy(dtype=bool)
    if repeated.any():
        first = rows[repeated].iloc[0]
        count = int((rows[keys] == first[keys]).all(axis=1).sum())
        named = ", ".join(f"{key} {first[key]!r}" for key in keys)
        raise ValueError(
            f"records: {named} appears in {count} rows; {where} reads one row per "
            f"{what} (filter the export to the instrument's own events and forms)"
        )
