"""Decode REDCap's flat raw export into typed responses, one row per unit and wave.

    from scoring.decode import decode

    responses = decode(records, instrument)
    responses.frame        # typed values, one row per unit and wave
    responses.missing      # the missing-data code given in each cell, or None
    responses.invalid      # every raw value that did not fit its field's declared type
    responses.raw          # the export text behind each row of frame

Typing follows each field's declared type only (see :func:`scoring.values.value_kind`); what
was shown to whom is :mod:`scoring.asked`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from instruments.model import Field, Instrument, MissingCode
from instruments.naming import checkbox_column, complete_field
from scoring.values import read_checkbox_option, read_column
from scoring.wave_rows import (
    Records,
    WaveRows,
    data_fields,
    export_texts,
    field_columns,
    wave_rows,
)

ROW_COLUMNS = ("wave", "wave_index", "months")
INVALID_COLUMNS = ("row", "record", "wave", "field", "column", "raw", "reason")
Problems = list[tuple[str, str, np.ndarray]]  # field, export column, reason (or None) per row


@dataclass(frozen=True, eq=False)
class Responses:
    """An instrument's responses, decoded (see :func:`decode`).

    ``frame``, ``missing`` and ``raw`` share one RangeIndex, ordered by record (as first met
    in the export) then wave. ``invalid`` has one row per rejected raw value, ``row`` being
    that index. ``records_without_waves`` lists records of a repeating-mode instrument that
    have a base row but no instance of the wave form (so no row in ``frame``).
    """

    frame: pd.DataFrame
    missing: pd.DataFrame
    invalid: pd.DataFrame
    raw: pd.DataFrame
    instrument: Instrument
    records_without_waves: tuple[str, ...] = field(default=())

    @property
    def data_fields(self) -> tuple[str, ...]:
        """The answer-holding fields, in instrument order (the columns of ``missing``)."""
        return tuple(str(name) for name in self.missing.columns)

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The unit's id field and the grouping keys, carried to every wave of a record."""
        return tuple(key_fields(self.instrument))

    def labels(self, name: str) -> dict[str, str]:
        """Code -> label of a choice field (radio, dropdown, checkbox, yes/no, true/false), in
        choice order."""
        fld = self.instrument.field_map().get(name)
        if fld is None:
            raise ValueError(f"labels: instrument '{self.instrument.id}' has no field '{name}'")
        if fld.type not in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
            raise ValueError(f"labels: field '{name}' is {fld.type}, which has no choices")
        return fld.choice_labels()

    def missing_codes(self) -> dict[str, MissingCode]:
        """The instrument's missing-data codes by code: each with its label and meaning."""
        return {code.code: code for code in self.instrument.missing_codes}

    def missing_meanings(self) -> pd.DataFrame:
        """``missing`` with each code replaced by its meaning (``not_applicable``,
        ``dont_know``, ...), None elsewhere."""
        meanings = {code.code: code.meaning for code in self.instrument.missing_codes}
        mapped = {
            name: column.map(meanings).astype(object).where(column.notna(), None)
            for name, column in self.missing.items()
        }
        return pd.DataFrame(mapped, index=self.missing.index, dtype=object)


def key_fields(instrument: Instrument) -> list[str]:
    """The unit's id field, then the grouping keys; the record id itself is never a key."""
    keys = [instrument.unit.id_field] if instrument.unit is not None else []
    keys += instrument.grouping
    return [k for i, k in enumerate(keys) if k != instrument.record_id and k not in keys[:i]]


def decode(records: Records, instrument: Instrument) -> Responses:
    """Type REDCap's flat raw export of ``instrument`` by each field's declared type.

    Rows: one per unit and wave (:mod:`scoring.wave_rows`). Columns of ``frame``: the record id,
    ``wave`` (the wave's name; the instance number in repeating mode; "" without waves),
    ``wave_index`` (0-based order of the wave within the record), ``months`` (the event's
    declared month, or months since the record's first assessment date; NaN when unknown),
    the key fields (unit id, grouping keys) carried from the wave where they were recorded to
    every wave of the record where they are blank, then every data field by its declared type
    (:func:`scoring.values.value_kind`): choices as Categorical of the codes in choice order,
    numbers float64, dates and datetimes datetime64[us], times timedelta64[us], text string,
    each checkbox option a nullable boolean ``field___code`` (NA where the export cell is
    blank), and each ``<form>_complete`` as nullable Int8 after its form's fields (NA: the form
    was never saved).

    Missing-data rule: a raw value equal to one of ``instrument.missing_codes`` (for a
    checkbox, a "1" in its ``field___<code>`` column, as REDCap exports it) is recorded in
    ``missing`` and typed NA. A value that fits neither is listed in ``invalid`` with its
    reason and typed NA; nothing is dropped silently.

    Raises ValueError when the export lacks a column of the instrument, holds two rows for one
    unit and wave, or numbers repeat instances other than 1, 2, ...

    Reference: REDCap's API "Export Records" (``type=flat``, ``rawOrLabel=raw``): column order,
    checkbox columns, repeat columns and form status as REDCap 15 exports them.
    """
    taken = {instrument.record_id, *ROW_COLUMNS} & {f.name for f in data_fields(instrument)}
    if taken:
        raise ValueError(
            f"instrument '{instrument.id}': field(s) {', '.join(sorted(taken))} clash with "
            f"decode's own columns {', '.join(ROW_COLUMNS)}; rename the field"
        )
    return _assemble(instrument, wave_rows(instrument, export_texts(records)))


def _assemble(instrument: Instrument, rows: WaveRows) -> Responses:
    raw, index = rows.raw, rows.raw.index
    codes = frozenset(code.code for code in instrument.missing_codes)
    record = raw[instrument.record_id].to_numpy(dtype=object)
    typed: dict[str, pd.Series] = {}
    missing: dict[str, np.ndarray] = {}
    problems: Problems = []
    for fld in data_fields(instrument):
        if fld.type == "checkbox":
            missing[fld.name] = _checkbox(fld, instrument, raw, typed, problems)
            continue
        reading = read_column(fld, raw[fld.name].to_numpy(dtype=object), codes, index)
        typed[fld.name] = reading.values
        missing[fld.name] = reading.missing
        problems.append((fld.name, fld.name, reading.reasons))
    for form in instrument.forms:
        name = complete_field(form.name)
        typed[name], reasons = _form_status(raw[name].to_numpy(dtype=object), index)
        problems.append((name, name, reasons))
    _carry_keys(instrument, raw, typed, record)
    frame = pd.DataFrame(
        {
            instrument.record_id: pd.Series(record, index=index, dtype="string"),
            "wave": pd.Series(rows.wave, index=index, dtype="string"),
            "wave_index": pd.Series(rows.wave_index, index=index, dtype=np.int64),
            "months": pd.Series(rows.months, index=index, dtype=np.float64),
            **{name: typed[name] for name in _frame_order(instrument)},
        },
        index=index,
    )
    return Responses(
        frame=frame,
        missing=pd.DataFrame(missing, index=index, dtype=object),
        invalid=_invalid_frame(problems, raw, record, rows.wave),
        raw=raw,
        instrument=instrument,
        records_without_waves=rows.records_without_waves,
    )


def _checkbox(
    fld: Field,
    instrument: Instrument,
    raw: pd.DataFrame,
    typed: dict[str, pd.Series],
    problems: Problems,
) -> np.ndarray:
    """Type each option of a checkbox; return its missing code per row (from REDCap's extra
    ``field___<missing code>`` columns, the first ticked one in the instrument's order)."""
    for column in field_columns(fld):
        ticked, unticked, reasons = read_checkbox_option(raw[column].to_numpy(dtype=object))
        values = pd.array(ticked, dtype="boolean")
        values[~ticked & ~unticked] = pd.NA
        typed[column] = pd.Series(values, index=raw.index)
        problems.append((fld.name, column, reasons))
    coded = np.full(len(raw), None, dtype=object)
    for code in reversed(instrument.missing_codes):
        column = checkbox_column(fld.name, code.code)
        if column in raw.columns:
            ticked, _, reasons = read_checkbox_option(raw[column].to_numpy(dtype=object))
            coded[ticked] = code.code
            problems.append((fld.name, column, reasons))
    return coded


def _form_status(texts: np.ndarray, index: pd.Index) -> tuple[pd.Series, np.ndarray]:
    """REDCap's form status: 0 Incomplete, 1 Unverified, 2 Complete; blank: never saved."""
    known = np.isin(texts, ["0", "1", "2"])
    numbers = np.zeros(len(texts), dtype=np.int8)
    numbers[known] = texts[known].astype(np.int8)
    status = pd.array(numbers, dtype="Int8")
    status[~known] = pd.NA
    reasons = np.full(len(texts), None, dtype=object)
    odd = ~known & np.asarray(texts != "", dtype=bool)
    reasons[odd] = [f"{t!r} is not a form status (0, 1, 2 or blank)" for t in texts[odd]]
    return pd.Series(status, index=index), reasons


def _carry_keys(
    instrument: Instrument, raw: pd.DataFrame, typed: dict[str, pd.Series], record: np.ndarray
) -> None:
    """Fill a key's blank cells from the record's nearest earlier wave, else its next one.

    Rows are already ordered by record then wave, so a grouped fill runs in wave order."""
    fields = instrument.field_map()
    groups = pd.factorize(record)[0]
    for name in key_fields(instrument):
        for column in field_columns(fields[name]):
            values = typed[column]
            blank = raw[column].to_numpy(dtype=object) == ""
            if not blank.any():
                continue
            earlier = values.groupby(groups, sort=False).ffill()
            later = values.groupby(groups, sort=False).bfill()
            nearest = earlier.where(earlier.notna(), later)
            typed[column] = values.where(~blank, nearest)


def _frame_order(instrument: Instrument) -> list[str]:
    """Key fields first, then each form's fields with its form status after them."""
    keys = key_fields(instrument)
    fields = instrument.field_map()
    names = [column for name in keys for column in field_columns(fields[name])]
    for form in instrument.forms:
        for fld in data_fields(instrument):
            if fld.form == form.name and fld.name not in keys:
                names += field_columns(fld)
        names.append(complete_field(form.name))
    return names


def _invalid_frame(
    problems: Problems, raw: pd.DataFrame, record: np.ndarray, wave: np.ndarray
) -> pd.DataFrame:
    """One row per rejected raw value: where it is, what it was and why."""
    parts: list[dict[str, np.ndarray]] = []
    for name, column, reasons in problems:
        at = np.flatnonzero(pd.notna(reasons))
        if len(at):
            parts.append(
                {
                    "row": raw.index.to_numpy()[at],
                    "record": record[at],
                    "wave": wave[at],
                    "field": np.full(len(at), name, dtype=object),
                    "column": np.full(len(at), column, dtype=object),
                    "raw": raw[column].to_numpy(dtype=object)[at],
                    "reason": reasons[at],
                }
            )
    columns = {
        key: pd.Series(
            np.concatenate([part[key] for part in parts]) if parts else [],
            dtype=np.int64 if key == "row" else "string",
        )
        for key in INVALID_COLUMNS
    }
    frame = pd.DataFrame(columns)
    return frame.sort_values("row", kind="stable").reset_index(drop=True)
