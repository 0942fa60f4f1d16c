"""Data-quality checks on a raw REDCap export, including what :func:`scoring.decode.decode`
would refuse or quietly set aside.

decode refuses an export holding two rows for one unit and wave, skips rows of events or
repeating forms the instrument does not declare, and lists values that fit no choice or type in
``invalid``; it does not check numbers against their validation range. A data manager needs all
of it listed by record and wave before trusting a statistic, so :func:`check_export` runs every
check in one pass on the export text, sets aside the rows decode cannot read (duplicates, rows
outside the instrument), decodes the rest and checks the decoded values. It also lists the
units :func:`scoring.units.check_units` sets aside from every unit-level result (two records
giving one unit id at a wave, rows without a unit id): decode reads them, so their values are
checked here like any other.

Every function is pure: frames in, frames out. Row numbers (``row``, ``rows``) are 0-based
positions in the export as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from instruments.model import Field, Instrument
from instruments.naming import checkbox_column, complete_field
from instruments.validation_types import lookup, parse_value
from instruments.waves import unique_event_names
from scoring.decode import Responses, decode
from scoring.respondents import designated_forms
from scoring.tidy import TidyRow, tidy_frame
from scoring.units import DUPLICATE_UNIT, NO_UNIT_ID, check_units
from scoring.values import value_kind
from scoring.wave_rows import (
    EVENT,
    REDCAP_PREFIX,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    Records,
    data_fields,
    export_texts,
    field_columns,
    required_columns,
)

ORPHAN_COLUMNS = ("row", "record", "event", "repeat_instrument", "instance", "kind", "reason")
DUPLICATE_COLUMNS = ("record", "event", "instance", "n_rows", "rows")
INVALID_COLUMNS = ("record", "wave", "field", "column", "raw", "kind", "reason")
RANGE_COLUMNS = ("record", "wave", "field", "raw", "min", "max", "reason")
STATUS_COLUMNS = (
    "form",
    "wave",
    "complete",
    "unverified",
    "incomplete",
    "not_saved",
    "not_a_status",
    "rows",
)
SKIPPED_COLUMNS = ("wave", "n_units", "records")
EMPTY_RECORD = "no data"


@dataclass(frozen=True, eq=False)
class ExportChecks:
    """Every check of one export (see :func:`check_export`); ``responses`` is the export
    decoded without the rows set aside (duplicates and rows outside the instrument)."""

    n_rows: int
    n_records: int
    absent_columns: tuple[str, ...]
    orphans: pd.DataFrame
    duplicates: pd.DataFrame
    invalid: pd.DataFrame
    out_of_range: pd.DataFrame
    missing_codes: pd.DataFrame
    form_status: pd.DataFrame
    skipped_waves: pd.DataFrame
    units: pd.DataFrame  # scoring.units.UNIT_PROBLEM_COLUMNS: units set aside, by wave
    responses: Responses

    def counts(self) -> dict[str, int]:
        """How many of each kind of problem were found."""
        orphan_kind = self.orphans["kind"]
        invalid_kind = self.invalid["kind"]
        units = self.units
        return {
            "absent_columns": len(self.absent_columns),
            "duplicate_keys": len(self.duplicates),
            "duplicate_rows": int(self.duplicates["n_rows"].sum()),
            "orphan_rows": int((orphan_kind != EMPTY_RECORD).sum()),
            "empty_records": int(self.orphans.loc[orphan_kind == EMPTY_RECORD, "record"].nunique()),
            "unknown_codes": int((invalid_kind == "unknown code").sum()),
            "wrong_type": int((invalid_kind == "wrong type").sum()),
            "bad_status": int((invalid_kind == "form status").sum()),
            "out_of_range": len(self.out_of_range),
            "missing_codes": int(self.missing_codes["total"].sum()),
            "incomplete_forms": int(self.form_status["incomplete"].sum()),
            "unverified_forms": int(self.form_status["unverified"].sum()),
            "skipped_waves": int(self.skipped_waves["n_units"].sum()),
            "duplicate_units": int(units.loc[units["kind"] == DUPLICATE_UNIT, "unit"].nunique()),
            "no_unit_id": len(
                {r for found in units.loc[units["kind"] == NO_UNIT_ID, "records"] for r in found}
            ),
        }


def check_export(records: Records, instrument: Instrument) -> ExportChecks:
    """Run every check on a flat raw export of ``instrument`` (strings, as REDCap exports).

    Order: columns the export lacks are reported and read as blank; rows outside the instrument
    (:func:`orphan_rows`) and every copy of a duplicated unit and wave (:func:`duplicate_rows`)
    are set aside, because no copy can be told to be the right one; the rest is decoded and its
    values and units checked (:func:`invalid_values`, :func:`out_of_range`,
    :func:`missing_code_counts`, :func:`form_status_counts`, :func:`scoring.units.check_units`).
    Skipped waves are read from every row inside the instrument, duplicates included, so a
    duplicated wave is not also reported as skipped.
    Raises ValueError when the export has no record-id column (nothing could be located).
    """
    texts = export_texts(records)
    if instrument.record_id not in texts.columns:
        raise ValueError(
            f"records for instrument '{instrument.id}' have no '{instrument.record_id}' column: "
            "without the record id no problem can be located; export the record-id field"
        )
    absent = tuple(c for c in required_columns(instrument) if c not in texts.columns)
    for column in absent:
        texts[column] = pd.Series("", index=texts.index, dtype=object)
    orphans = orphan_rows(texts, instrument)
    inside = texts.drop(index=list(orphans["row"]))
    duplicates = duplicate_rows(inside, instrument)
    repeated = [row for rows in duplicates["rows"] for row in rows]
    responses = decode(inside.drop(index=repeated), instrument)
    return ExportChecks(
        n_rows=len(texts),
        n_records=int(texts[instrument.record_id].nunique()),
        absent_columns=absent,
        orphans=orphans,
        duplicates=duplicates,
        invalid=invalid_values(responses),
        out_of_range=out_of_range(responses),
        missing_codes=missing_code_counts(responses),
        form_status=form_status_counts(responses),
        skipped_waves=skipped_waves(inside, instrument),
        units=check_units(responses).problems,
        responses=responses,
    )


def quality_table(checks: ExportChecks) -> pd.DataFrame:
    """The counts as a tidy table (:data:`scoring.tidy.TIDY_COLUMNS`), for CSV and JSON: one
    row per kind of problem (``field`` blank), then each field's missing-data codes
    (``n_missing_<code>``, as in the statistics table)."""
    instrument = checks.responses.instrument
    where = (instrument.id, instrument.version)
    rows = [TidyRow(*where, "", "", kind, count) for kind, count in checks.counts().items()]
    labels = {fld.name: fld.label for fld in instrument.fields}
    for found in checks.missing_codes.to_dict("records"):
        name = str(found["field"])
        rows += [
            TidyRow(*where, name, labels.get(name, ""), f"n_missing_{code.code}", found[code.code])
            for code in instrument.missing_codes
        ]
    return tidy_frame(rows)


def orphan_rows(texts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Rows no statistic reads: events or repeating forms the instrument does not declare,
    repeat instances that are not 1, 2, ..., and every row of a record holding no data.

    ``texts`` is export text (:func:`scoring.wave_rows.export_texts`). A row holds data when a
    field of the instrument or a form status is filled in; a checkbox's "0" is not data (REDCap
    writes it whether or not anything was entered). Columns: :data:`ORPHAN_COLUMNS`; ``kind`` is
    "undeclared event", "undeclared repeat", "bad instance" or "no data".
    """
    record, event, repeat, instance = _keys(texts, instrument)
    kind = np.full(len(texts), None, dtype=object)
    reason = np.full(len(texts), None, dtype=object)

    def flag(where: np.ndarray, what: str, why: list[str] | str) -> None:
        fresh = where & pd.isna(kind)
        kind[fresh] = what
        reason[fresh] = why if isinstance(why, str) else np.asarray(why, dtype=object)[fresh]

    waves = instrument.waves
    if waves is not None and waves.mode == "events":
        names = list(unique_event_names(instrument))
        listed = ", ".join(names)
        why = [f"event {e!r} is not one of the instrument's events ({listed})" for e in event]
        flag(~np.isin(event, names), "undeclared event", why)
    form = waves.form if waves is not None and waves.mode == "repeating" else ""
    why = [f"an instance of form {r!r}, which the instrument does not repeat" for r in repeat]
    flag((repeat != "") & (repeat != form), "undeclared repeat", why)
    flag(
        (repeat == "") & (instance != ""),
        "undeclared repeat",
        "an instance of a repeating event, which the instrument does not declare",
    )
    if form:
        number = pd.to_numeric(pd.Series(instance), errors="coerce").to_numpy(dtype=float)
        whole = np.isfinite(number) & (number >= 1) & (number == np.round(number))
        why = [f"repeat instance {i!r} is not 1, 2, ..." for i in instance]
        flag((repeat == form) & ~whole, "bad instance", why)
    holds = _holds_data(texts, instrument)
    inside = pd.isna(kind)
    with_data = set(record[inside & holds])
    flag(inside & ~np.isin(record, list(with_data)), EMPTY_RECORD, "the record holds no data")
    at = np.flatnonzero(pd.notna(kind))
    return pd.DataFrame(
        {
            "row": texts.index.to_numpy()[at].astype(np.int64),
            "record": record[at],
            "event": event[at],
            "repeat_instrument": repeat[at],
            "instance": instance[at],
            "kind": kind[at],
            "reason": reason[at],
        },
        columns=list(ORPHAN_COLUMNS),
    )


def duplicate_rows(texts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Units and waves that appear on more than one row (decode refuses them).

    The key is what decode reads a row by: the record, its event (events mode, or any project
    export with events when the instrument repeats a form), its repeating form and instance.
    Pass the rows inside the instrument (without :func:`orphan_rows`). Columns:
    :data:`DUPLICATE_COLUMNS`; ``rows`` holds the row labels of every copy.
    """
    record, event, repeat, instance = _keys(texts, instrument)
    waves = instrument.waves
    if waves is None or (waves.mode == "repeating" and EVENT not in texts.columns):
        event = np.full(len(texts), "", dtype=object)  # decode does not key on it
    keys = pd.DataFrame({"record": record, "event": event, "repeat": repeat, "instance": instance})
    keys["row"] = texts.index.to_numpy()
    repeated = keys[keys.duplicated(subset=["record", "event", "repeat", "instance"], keep=False)]
    found = [
        {
            "record": str(rec),
            "event": str(ev),
            "instance": str(inst),
            "n_rows": len(group),
            "rows": tuple(int(r) for r in group["row"]),
        }
        for (rec, ev, _, inst), group in repeated.groupby(
            ["record", "event", "repeat", "instance"], sort=False
        )
    ]
    return pd.DataFrame(found, columns=list(DUPLICATE_COLUMNS))


def skipped_waves(texts: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per wave, the units with a later wave but not this one (baseline included).

    A unit has a wave when the export holds a row for it: an event row (events mode) or an
    instance of the repeating form (repeating mode, instances numbered 1, 2, ...). Pass the
    rows inside the instrument. Columns: :data:`SKIPPED_COLUMNS`, only waves that some unit
    skipped, in wave order; ``records`` in export order. Without waves: no rows.
    """
    waves = instrument.waves
    record, event, repeat, instance = _keys(texts, instrument)
    empty = pd.DataFrame(columns=list(SKIPPED_COLUMNS))
    if waves is None:
        return empty
    if waves.mode == "events":
        names = [event.name for event in unique_event_names(instrument).values()]
        position = pd.Index(list(unique_event_names(instrument))).get_indexer(pd.Index(event))
        keep = position >= 0
    else:
        number = pd.to_numeric(pd.Series(instance), errors="coerce").to_numpy(dtype=float)
        keep = (repeat == waves.form) & np.isfinite(number) & (number >= 1)
        position = np.where(keep, number - 1, -1).astype(np.int64)
        names = [str(i + 1) for i in range(int(position.max(initial=-1)) + 1)]
    if not keep.any():
        return empty
    units = pd.Index(pd.unique(record[keep]))
    present = np.zeros((len(units), len(names)), dtype=bool)
    present[units.get_indexer(record[keep]), position[keep]] = True
    # A wave is skipped when some later wave is present: a right-to-left running "any".
    later = np.zeros_like(present)
    later[:, :-1] = np.logical_or.accumulate(present[:, ::-1], axis=1)[:, ::-1][:, 1:]
    skipped = later & ~present
    rows = [
        {
            "wave": names[j],
            "n_units": int(skipped[:, j].sum()),
            "records": tuple(str(r) for r in units[skipped[:, j]]),
        }
        for j in range(len(names))
        if skipped[:, j].any()
    ]
    return pd.DataFrame(rows, columns=list(SKIPPED_COLUMNS))


def invalid_values(responses: Responses) -> pd.DataFrame:
    """decode's ``invalid`` with a ``kind``: "unknown code" (a choice field's value that is no
    choice), "form status" (not 0, 1, 2 or blank) or "wrong type" (the rest: a text in a number
    field, a checkbox option other than 0/1). Columns: :data:`INVALID_COLUMNS`."""
    invalid = responses.invalid
    fields = responses.instrument.field_map()
    statuses = {complete_field(form.name) for form in responses.instrument.forms}
    choice = {name for name, fld in fields.items() if fld.single_choice}
    names = invalid["field"].astype(str)
    kind = np.where(
        names.isin(list(statuses)),
        "form status",
        np.where(names.isin(list(choice)), "unknown code", "wrong type"),
    )
    out = invalid.assign(kind=kind)
    return pd.DataFrame({c: out[c].astype(object) for c in INVALID_COLUMNS})


def out_of_range(responses: Responses) -> pd.DataFrame:
    """Values outside their field's validation min/max (a slider: its min/max, default 0..100).

    REDCap lets a data-entry user confirm an out-of-range value, and an import skips the check,
    so an export can hold them; decode keeps them as typed values. Checked for number, integer,
    date and datetime validations; a bound of 'today' or 'now' is not checked (it depends on the
    day of the check, and this module reads no clock). Columns: :data:`RANGE_COLUMNS`.
    """
    frame, raw = responses.frame, responses.raw
    found: list[dict[str, object]] = []
    for fld in data_fields(responses.instrument):
        bounds = _bounds(fld)
        if bounds is None:
            continue
        low, high, low_text, high_text = bounds
        values = frame[fld.name]
        below = (values < low).fillna(False).to_numpy(dtype=bool) if low is not None else None
        above = (values > high).fillna(False).to_numpy(dtype=bool) if high is not None else None
        for at in np.flatnonzero(_either(below, above, len(values))):
            under = below is not None and bool(below[at])
            text = str(raw[fld.name].iloc[at])
            found.append(
                {
                    "record": str(frame[responses.instrument.record_id].iloc[at]),
                    "wave": str(frame["wave"].iloc[at]),
                    "field": fld.name,
                    "raw": text,
                    "min": low_text,
                    "max": high_text,
                    "reason": f"{text!r} is below the minimum {low_text}"
                    if under
                    else f"{text!r} is above the maximum {high_text}",
                }
            )
    return pd.DataFrame(found, columns=list(RANGE_COLUMNS))


def missing_code_counts(responses: Responses) -> pd.DataFrame:
    """How often each missing-data code was given, per field: columns ``field``, one per code
    of the instrument (in its order), ``total``; only fields with at least one code."""
    codes = [code.code for code in responses.instrument.missing_codes]
    rows = []
    for name, column in responses.missing.items():
        counts = column.value_counts()
        total = int(counts.sum())
        if total:
            rows.append({"field": str(name), **{c: int(counts.get(c, 0)) for c in codes}})
            rows[-1]["total"] = total
    return pd.DataFrame(rows, columns=["field", *codes, "total"])


def form_status_counts(responses: Responses) -> pd.DataFrame:
    """Per form and wave, the rows whose form is Complete (2), Unverified (1), Incomplete (0),
    never saved (blank) or holds something else; only the rows of waves that hold the form
    (events mode: the form is designated for the event; repeating mode: base forms on the first
    wave). Columns: :data:`STATUS_COLUMNS`, forms in instrument order, waves in wave order."""
    instrument, frame, raw = responses.instrument, responses.frame, responses.raw
    holds = designated_forms(instrument, frame)
    order = frame.groupby("wave", sort=False)["wave_index"].min().sort_values(kind="stable")
    waves = frame["wave"].to_numpy(dtype=object)
    rows = []
    for form in instrument.forms:
        status = raw[complete_field(form.name)].to_numpy(dtype=object)
        for wave in order.index:
            mine = holds[form.name] & (waves == wave)
            if not mine.any():
                continue
            texts = status[mine]
            known = {code: int((texts == code).sum()) for code in ("2", "1", "0", "")}
            rows.append(
                {
                    "form": form.name,
                    "wave": str(wave),
                    "complete": known["2"],
                    "unverified": known["1"],
                    "incomplete": known["0"],
                    "not_saved": known[""],
                    "not_a_status": int(len(texts) - sum(known.values())),
                    "rows": int(len(texts)),
                }
            )
    return pd.DataFrame(rows, columns=list(STATUS_COLUMNS))


def _keys(
    texts: pd.DataFrame, instrument: Instrument
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Record, event, repeating form and instance text per row ("" where the column is absent)."""

    def column(name: str) -> np.ndarray:
        if name in texts.columns:
            return texts[name].to_numpy(dtype=object)
        return np.full(len(texts), "", dtype=object)

    return (
        column(instrument.record_id),
        column(EVENT),
        column(REPEAT_INSTRUMENT),
        column(REPEAT_INSTANCE),
    )


def _holds_data(texts: pd.DataFrame, instrument: Instrument) -> np.ndarray:
    ticks: set[str] = set()
    for fld in data_fields(instrument):
        if fld.type == "checkbox":
            ticks |= set(field_columns(fld))
            ticks |= {checkbox_column(fld.name, code.code) for code in instrument.missing_codes}
    columns = [
        c
        for c in texts.columns
        if c in set(required_columns(instrument)) | ticks
        and c != instrument.record_id
        and not c.startswith(REDCAP_PREFIX)
    ]
    holds = np.zeros(len(texts), dtype=bool)
    for name in columns:
        values = pd.Series(texts[name].to_numpy(dtype=object), dtype=object)
        filled = values == "1" if name in ticks else values.str.strip() != ""
        holds |= filled.to_numpy(dtype=bool)
    return holds


Bound = float | pd.Timestamp


def _bounds(fld: Field) -> tuple[Bound | None, Bound | None, str, str] | None:
    """The field's (min, max) as comparable values and as written; None when it has none."""
    if fld.type == "slider":
        low_text = fld.slider.min if fld.slider is not None and fld.slider.min else "0"
        high_text = fld.slider.max if fld.slider is not None and fld.slider.max else "100"
        return _number(low_text), _number(high_text), low_text, high_text
    kind = value_kind(fld)
    if fld.validation is None or kind not in ("integer", "number", "date", "datetime"):
        return None
    found = lookup(fld.validation.type)
    if found is None:
        return None

    def read(text: str) -> Bound | None:
        if not text.strip() or text.strip() in ("today", "now"):
            return None
        value = parse_value(found, text)
        if isinstance(value, float):
            return value
        if isinstance(value, date):  # a datetime is a date too
            return pd.Timestamp(value)
        return None

    low, high = read(fld.validation.min), read(fld.validation.max)
    if low is None and high is None:
        return None
    return low, high, fld.validation.min, fld.validation.max


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _either(below: np.ndarray | None, above: np.ndarray | None, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for part in (below, above):
        if part is not None:
            out |= part
    return out
