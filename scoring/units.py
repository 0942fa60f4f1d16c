"""Which unit (a practice) each response row belongs to, and the rows no unit-level result can
use, set aside by name.

    check = check_units(responses)
    check.responses   # the rows every unit-level result reads
    check.problems    # what was set aside, by unit, wave and record

A unit is known by its unit id: the value of the instrument's unit id field (``practice_id``),
or the record id when the instrument declares no unit (as
:func:`scoring.scale_stats.long_scores` reads it). Unit ids are compared after trimming
leading and trailing whitespace (spaces, tabs, line breaks): a unit id " P01\\t" is P01, because
REDCap keeps a text field as it was typed or imported and a stray tab is invisible on screen.

Change, benchmarks and the practice and cohort reports read one row per unit and wave
(:func:`scoring.change.check_long_frame`). Two things break that, and :func:`check_units` sets
their rows aside rather than let them stop every other unit's results:

* a **duplicate unit**: two or more records give the same unit id at one wave (a second
  baseline record for an existing practice, or ids that differ only by whitespace). No one can
  tell which record holds that unit's answers, so every row of that unit id, at every wave and
  in each of its records, is set aside: the rule of the data-quality report's duplicate rows
  (:mod:`scoring.quality`), one level up;
* **no unit id**: a row whose unit id is blank belongs to no unit.

Every other unit is kept whole. Records of one unit id at different waves only are one unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from instruments.model import Instrument
from scoring.decode import Responses
from scoring.tidy import TidyRow, tidy_frame

ProblemKind = Literal["duplicate unit", "no unit id"]
DUPLICATE_UNIT: ProblemKind = "duplicate unit"
NO_UNIT_ID: ProblemKind = "no unit id"
UNIT_PROBLEM_COLUMNS = ("kind", "unit", "wave", "wave_index", "records", "typed", "reason")
STATISTIC: dict[str, str] = {DUPLICATE_UNIT: "duplicate_unit", NO_UNIT_ID: "no_unit_id"}
WHY: dict[str, str] = {
    DUPLICATE_UNIT: "no one can tell which record holds the {unit}'s answers, so all of them "
    "are left out of every {unit} and cohort result (scores, change, benchmarks, feedback). "
    "Correct the {unit} id in REDCap so that each {unit} has one record, and pull again.",
    NO_UNIT_ID: "it belongs to no {unit}, so it is left out of every {unit} and cohort result "
    "(scores, change, benchmarks, feedback). Enter the {unit} id in REDCap and pull again.",
}


@dataclass(frozen=True, eq=False)
class UnitCheck:
    """The responses without the rows set aside (unit ids trimmed, a fresh RangeIndex) and one
    row of ``problems`` (:data:`UNIT_PROBLEM_COLUMNS`) per kind, unit and wave set aside."""

    responses: Responses
    problems: pd.DataFrame
    unit_label: str

    @property
    def units(self) -> tuple[str, ...]:
        """The duplicate units set aside, in record order."""
        duplicate = self.problems.loc[self.problems["kind"] == DUPLICATE_UNIT, "unit"]
        return tuple(str(unit) for unit in dict.fromkeys(duplicate))

    @property
    def records(self) -> tuple[str, ...]:
        """Every record set aside, in record order."""
        return tuple(dict.fromkeys(r for records in self.problems["records"] for r in records))

    def unit_of(self, name: object) -> str | None:
        """The unit id set aside that ``name`` (a unit id, trimmed, or a record id) refers to:
        "" for a record without one, None when ``name`` was not set aside."""
        mine = self._problems_of(name)
        return None if mine.empty else str(mine["unit"].iloc[0])

    def explain(self, name: object) -> str | None:
        """Why the unit or record ``name`` (trimmed, as unit ids are) was set aside, in one
        message naming its records and waves and saying how to fix it; None when it was not."""
        mine = self._problems_of(name)
        if mine.empty:
            return None
        kind = str(mine["kind"].iloc[0])
        found = []
        for _, rows in mine.groupby("records", sort=False):
            unit, records = str(rows["unit"].iloc[0]), rows["records"].iloc[0]
            typed = [v for t in rows["typed"] for v in t]
            found.append(
                _reason(kind, self.unit_label, unit, records, list(rows["wave"]))
                + _typed(kind, unit, typed)
            )
        return f"{'; '.join(found)}: {WHY[kind].format(unit=self.unit_label)}"

    def messages(self) -> list[str]:
        """One message per row of ``problems``: what was found there, why it is set aside and
        how to fix it."""
        return [
            f"{p['reason']}: {WHY[p['kind']].format(unit=self.unit_label)}"
            for p in self.problems.to_dict("records")
        ]

    def _problems_of(self, name: object) -> pd.DataFrame:
        """The problem rows of the duplicate unit ``name``, else of the record ``name`` (with
        every row of that record's duplicate unit)."""
        key = unit_ids(np.array([name], dtype=object))[0]
        problems = self.problems
        duplicate = problems["kind"] == DUPLICATE_UNIT
        if key is None:
            return problems.iloc[:0]
        mine = problems[duplicate & (problems["unit"] == key)]
        if mine.empty:
            holds = problems["records"].map(lambda records: str(key) in records)
            mine = problems[holds.to_numpy(dtype=bool)]
            if len(mine) and mine["kind"].iloc[0] == DUPLICATE_UNIT:
                mine = problems[duplicate & (problems["unit"] == mine["unit"].iloc[0])]
        return mine

    def tidy(self) -> pd.DataFrame:
        """The problems as tidy rows (:data:`scoring.tidy.TIDY_COLUMNS`): statistic
        ``duplicate_unit`` or ``no_unit_id``, value the number of records, grouped by the unit
        id field (``group`` the unit id), the wave, and the reason as the note."""
        instrument = self.responses.instrument
        column = unit_field(instrument, self.responses.frame)
        label = instrument.field_map()[column].label if column in instrument.field_map() else ""
        rows = [
            TidyRow(
                instrument.id,
                instrument.version,
                column,
                label,
                STATISTIC[problem["kind"]],
                float(len(problem["records"])),
                group_by=column,
                group=str(problem["unit"]),
                wave=str(problem["wave"]),
                note=message,
            )
            for problem, message in zip(
                self.problems.to_dict("records"), self.messages(), strict=True
            )
        ]
        return tidy_frame(rows)


def unit_field(instrument: Instrument, frame: pd.DataFrame) -> str:
    """The column holding the unit id: the unit id field, else the record id."""
    found = instrument.unit.id_field if instrument.unit is not None else None
    return found if found is not None and found in frame.columns else instrument.record_id


def unit_ids(values: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Unit ids as they are compared: text trimmed of leading and trailing whitespace; None for
    a blank or missing id; any other value (a number) as it is."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    trimmed = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    blank = trimmed.isna().to_numpy(dtype=bool) | (trimmed == "").to_numpy(dtype=bool)
    out = trimmed.to_numpy(dtype=object, copy=True)
    out[blank] = None
    return out


def check_units(responses: Responses) -> UnitCheck:
    """Set aside every row of a duplicate unit and every row without a unit id (see the
    module docstring); the rest keeps its order, with unit ids trimmed."""
    instrument, frame = responses.instrument, responses.frame
    column = unit_field(instrument, frame)
    label = instrument.unit.label if instrument.unit is not None else "unit"
    ids = unit_ids(frame[column].to_numpy(dtype=object))
    keys = pd.DataFrame(
        {
            "unit": ids,
            "record": frame[instrument.record_id].astype(object).to_numpy(),
            "wave": frame["wave"].astype(object).to_numpy(),
            "wave_index": frame["wave_index"].to_numpy(dtype=np.int64),
            "raw": frame[column].astype(object).to_numpy(),
        }
    )
    blank = pd.isna(ids)
    named = keys[~blank]
    clash = named[named.duplicated(["unit", "wave_index"], keep=False)]
    duplicates = set(clash["unit"])
    groups = [(DUPLICATE_UNIT, g) for _, g in clash.groupby(["unit", "wave_index"], sort=False)]
    groups += [(NO_UNIT_ID, g) for _, g in keys[blank].groupby("wave_index", sort=False)]
    groups.sort(key=lambda found: int(found[1].index[0]))  # in record order, as exported
    problems = [_problem(kind, group, label) for kind, group in groups]
    table = pd.DataFrame(problems, columns=list(UNIT_PROBLEM_COLUMNS))
    keep = ~blank & ~pd.Series(ids, dtype=object).isin(duplicates).to_numpy(dtype=bool)
    return UnitCheck(_kept(responses, keep, column), table, label)


def _problem(kind: ProblemKind, group: pd.DataFrame, label: str) -> dict[str, object]:
    records = tuple(str(r) for r in group["record"])
    unit = "" if kind == NO_UNIT_ID else str(group["unit"].iloc[0])
    wave = str(group["wave"].iloc[0])
    typed = [str(v) for v in group["raw"]]
    reason = _reason(kind, label, unit, records, [wave]) + _typed(kind, unit, typed)
    return {
        "kind": kind,
        "unit": unit,
        "wave": wave,
        "wave_index": int(group["wave_index"].iloc[0]),
        "records": records,
        "typed": tuple(typed),
        "reason": reason,
    }


def _reason(kind: str, label: str, unit: str, records: tuple[str, ...], waves: list[str]) -> str:
    """E.g. "records 1 and 7 both give practice id 'P01' at wave baseline"."""
    named = f"record {records[0]}" if len(records) == 1 else f"records {_listing(list(records))}"
    shown = [wave for wave in waves if wave]
    at = f" at wave{'s' if len(shown) > 1 else ''} {_listing(shown)}" if shown else ""
    if kind == NO_UNIT_ID:
        return f"{named} {'gives' if len(records) == 1 else 'give'} no {label} id{at}"
    return f"{named} {'both' if len(records) == 2 else 'all'} give {label} id {unit!r}{at}"


def _typed(kind: str, unit: str, typed: list[str]) -> str:
    """The ids as typed, when whitespace is what made them look different."""
    if kind != DUPLICATE_UNIT or all(v == unit for v in typed):
        return ""
    return f" (typed {', '.join(repr(v) for v in dict.fromkeys(typed))})"


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _kept(responses: Responses, keep: np.ndarray, column: str) -> Responses:
    """``responses`` with only the rows ``keep`` marks, renumbered 0, 1, ..., unit ids trimmed."""
    at = np.flatnonzero(keep)
    frame = responses.frame.iloc[at].reset_index(drop=True)
    if column != responses.instrument.record_id and pd.api.types.is_string_dtype(frame[column]):
        frame[column] = frame[column].str.strip()
    old = responses.frame.index[at]
    invalid = responses.invalid
    kept_invalid = invalid[invalid["row"].isin(old)].copy()
    kept_invalid["row"] = pd.Index(old).get_indexer(kept_invalid["row"]).astype(np.int64)
    return Responses(
        frame=frame,
        missing=responses.missing.iloc[at].reset_index(drop=True),
        invalid=kept_invalid.reset_index(drop=True),
        raw=responses.raw.iloc[at].reset_index(drop=True),
        instrument=responses.instrument,
        records_without_waves=responses.records_without_waves,
    )
