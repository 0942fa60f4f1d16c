"""Who responded: the one definition of a respondent, a partial response and a response rate.

Every output (the statistics table, each report, the service's results, ``qiscan invite
--status``) counts respondents through this module, so they agree on the same snapshot.

A record responded to a form (on a wave) when the form was started by the respondent:

* a survey response exists: the form's survey timestamp, exported with ``exportSurveyFields``,
  is a completion time (complete) or ``[not completed]`` (partial: a break-off, or a response
  saved to return to later);
* otherwise the data were entered by staff (or imported), and the form's status says so:
  Complete (2) or Unverified (1) is a complete form; Incomplete (0) is a partial one when the
  form holds an answer other than the pre-filled keys, and not started when it holds only them.

Pre-filled values never make a respondent: ``qiscan invite`` writes each member's record with
their organisation type (a grouping key), which REDCap marks Incomplete like any saved form, so a
member invited who never opened the survey is invited, not a respondent. The keys are the unit's
id field and the grouping fields (:func:`scoring.decode.key_fields`).

A row (a unit on a wave) is complete when every form it started is complete, partial when one
is partial, and not started when it started none of the forms its wave holds.

Response rates follow AAPOR: every record of the snapshot is a case (an invited member, or a
record made by someone who opened a public link); a complete row is an interview (I), a partial
one a partial interview (P), a row never started a non-contact (NC).

Simulated data are marked by their record ids, which begin with :data:`SIMULATED_PREFIX`
(``qiscan simulate`` writes no other records), so every output can say how many respondents
are simulated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from instruments.model import Field, Instrument
from instruments.naming import checkbox_column, complete_field, survey_timestamp
from instruments.waves import unique_event_names, wave_forms
from scoring.decode import Responses, key_fields
from scoring.rates import ResponseRates, response_rates
from scoring.wave_rows import data_fields, field_columns

FormState = Literal["not started", "partial", "complete"]
FORM_STATES: tuple[FormState, ...] = get_args(FormState)
STATE_DTYPE = pd.CategoricalDtype(pd.Index(list(FORM_STATES)))
Partials = Literal["include", "exclude"]
NOT_COMPLETED = "[not completed]"
DISPOSITION = {"complete": "I", "partial": "P", "not started": "NC"}
SIMULATED_PREFIX = "SIM-"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True, eq=False)
class Respondents:
    """Each row's response to each form, and the row's response as a whole.

    ``forms``: one Categorical column of :data:`FORM_STATES` per form (``frame``'s index; a form
    the row's wave does not hold is "not started"). ``state``: the row's state. ``partials``:
    whether partial responses count as respondents (for the questions they answered).
    ``survey_fields``: whether the export carried survey timestamps; without them a survey form
    is read by its form status alone.
    """

    forms: pd.DataFrame
    state: pd.Series
    simulated: pd.Series  # bool per row: the record is simulated (see :func:`simulated`)
    partials: Partials = "include"
    survey_fields: bool = True

    @property
    def counted(self) -> list[str]:
        """The states that count: complete, and partial unless partials are excluded."""
        return ["complete", "partial"] if self.partials == "include" else ["complete"]

    @property
    def respondent(self) -> pd.Series:
        """Rows that count as respondents (:attr:`counted`)."""
        return self.state.isin(self.counted)

    def started(self, form: str) -> pd.Series:
        """Rows whose ``form`` counts (:attr:`counted`)."""
        return self.forms[form].isin(self.counted)

    def counts(self) -> dict[str, int]:
        """Rows per state, and ``respondents`` as :attr:`respondent` counts them."""
        found: dict[str, int] = {state: int((self.state == state).sum()) for state in FORM_STATES}
        return {
            "records": len(self.state),
            "respondents": int(self.respondent.sum()),
            **found,
            "simulated": int((self.simulated & self.respondent).sum()),
        }

    def part(self, index: pd.Index) -> Respondents:
        """The same, for the rows ``index`` only (a wave, a group)."""
        return Respondents(
            self.forms.loc[index],
            self.state.loc[index],
            self.simulated.loc[index],
            self.partials,
            self.survey_fields,
        )

    def dispositions(self) -> pd.Series:
        """AAPOR final dispositions per row: complete I, partial P, not started NC."""
        return self.state.astype(object).map(DISPOSITION)

    def rates(self) -> ResponseRates:
        """AAPOR RR1 and RR2 over every row (see the module docstring)."""
        return response_rates(self.dispositions())

    @property
    def note(self) -> str:
        """How respondents were counted, for a table's note or a report's methods."""
        if self.partials == "include":
            rule = "partial responses included for the questions they answered"
        else:
            rule = "partial responses excluded"
        if not self.survey_fields:
            rule += "; no survey timestamps in the data, so forms are read by their status"
        return f"a respondent started the form (pre-filled values do not count); {rule}"


def respondents(responses: Responses, *, partials: Partials = "include") -> Respondents:
    """Who responded to each form on each row, and to the row (see the module docstring).

    Missing-data rule: a missing-data code is an answer the respondent gave, so it counts as
    holding an answer; a blank or unknown form status with no survey response is not started.
    Reference: REDCap's export (``exportSurveyFields``: ``<form>_timestamp`` is the completion
    time or "[not completed]"; ``exportBlankForGrayFormStatus``: a form never saved is blank);
    AAPOR (2023) *Standard Definitions*, interviews, partials and break-offs.
    """
    if partials not in ("include", "exclude"):
        raise ValueError(f"partials must be 'include' or 'exclude', got {partials!r}")
    instrument, raw = responses.instrument, responses.raw
    designated = designated_forms(instrument, responses.frame)
    stamped = [form.name for form in instrument.forms if form.survey]
    survey_fields = bool(stamped) and all(survey_timestamp(f) in raw.columns for f in stamped)
    codes = {state: i for i, state in enumerate(FORM_STATES)}
    forms: dict[str, pd.Categorical] = {}
    for form in instrument.forms:
        started, complete = _form_response(instrument, raw, form.name)
        started &= designated[form.name]
        forms[form.name] = pd.Categorical.from_codes(
            np.select(
                [started & complete, started],
                [codes["complete"], codes["partial"]],
                default=codes["not started"],
            ),
            dtype=STATE_DTYPE,
        )
    frame = pd.DataFrame(forms, index=responses.frame.index)
    return Respondents(frame, _row_state(frame), simulated(responses), partials, survey_fields)


def simulated_records(responses: Responses, who: Respondents | None = None) -> int:
    """How many records responded (on any wave) and are simulated."""
    who = who if who is not None else respondents(responses)
    ids = responses.frame[responses.instrument.record_id].astype("string")
    return int(ids[(who.respondent & who.simulated).to_numpy(dtype=bool)].nunique())


def simulated(responses: Responses) -> pd.Series:
    """Whether each row's record is simulated: its id begins with :data:`SIMULATED_PREFIX`."""
    ids = responses.frame[responses.instrument.record_id].astype("string").fillna("")
    return ids.str.startswith(SIMULATED_PREFIX).astype(bool)


def designated_forms(instrument: Instrument, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per form, whether the row's wave holds the form.

    Events mode: the wave's event lists the form (or lists none). Repeating mode: the wave
    form on every instance; the base (non-repeating) forms, filled once per record, on the
    record's first wave only, as a baseline-only form in events mode, so a per-record question
    counts once per record. Without waves: always."""
    everywhere = np.ones(len(frame), dtype=bool)
    waves = instrument.waves
    if waves is None:
        return {form.name: everywhere for form in instrument.forms}
    if waves.mode == "repeating":
        first = frame["wave_index"].to_numpy() == 0
        return {f.name: everywhere if f.name == waves.form else first for f in instrument.forms}
    names = frame["wave"].to_numpy(dtype=object)
    held = wave_forms(instrument)
    waves_by_event = unique_event_names(instrument)
    found: dict[str, np.ndarray] = {}
    for form in instrument.forms:
        holding = [
            wave.name for unique, wave in waves_by_event.items() if form.name in held[unique]
        ]
        found[form.name] = np.isin(names, holding)
    return found


def _form_response(
    instrument: Instrument, raw: pd.DataFrame, form: str
) -> tuple[np.ndarray, np.ndarray]:
    """(started, complete) per row for ``form`` (see the module docstring): started by a survey
    response or a status set with answers; complete by a completion time, or, without a survey
    response, by the status Complete or Unverified."""
    status = raw[complete_field(form)].to_numpy(dtype=object)
    entered = np.isin(status, ["1", "2"])
    started = entered | ((status == "0") & _holds_answer(instrument, raw, form))
    stamp_column = survey_timestamp(form)
    if stamp_column not in raw.columns:
        return started, entered
    texts = raw[stamp_column].to_numpy(dtype=object)
    stamps = pd.Series(texts, dtype=object).astype(str).str.strip()
    timed = stamps.str.match(_STAMP).to_numpy(dtype=bool)
    partial = (stamps == NOT_COMPLETED).to_numpy(dtype=bool)
    return started | (texts != ""), timed | (~partial & entered)


def _holds_answer(instrument: Instrument, raw: pd.DataFrame, form: str) -> np.ndarray:
    """Whether the form holds anything but its pre-filled keys: a value, a tick or a code."""
    keys = set(key_fields(instrument))
    codes = [code.code for code in instrument.missing_codes]
    held = np.zeros(len(raw), dtype=bool)
    for fld in data_fields(instrument):
        if fld.form == form and fld.name not in keys:
            held |= holds_value(fld, raw, codes)
    return held


def holds_value(fld: Field, raw: pd.DataFrame, missing_codes: Sequence[str] = ()) -> np.ndarray:
    """Whether the row's own export text holds something for ``fld``: a non-blank cell, or a
    ticked box (an option's, or a missing-data code's ``field___code`` column). (``frame`` will
    not do: it carries key fields into rows that never held them.)"""
    if fld.type != "checkbox":
        return written(raw[fld.name].to_numpy(dtype=object))
    columns = field_columns(fld) + [checkbox_column(fld.name, code) for code in missing_codes]
    present = [column for column in columns if column in raw.columns]
    return (raw[present].to_numpy(dtype=object) == "1").any(axis=1)


def written(texts: np.ndarray) -> np.ndarray:
    """Whether each cell holds more than white space (a None or NaN cell counts as written, as
    its text does). Each distinct text is read once: an export repeats its few codes."""
    codes, uniques = pd.factorize(texts)
    held = np.array([str(text).strip() != "" for text in uniques], dtype=bool)
    return np.append(held, True)[codes]  # code -1, a None or NaN cell, reads the last


def _row_state(forms: pd.DataFrame) -> pd.Series:
    """Complete when every started form is complete, partial when one is partial, not started
    when none was started."""
    started = forms.isin(["complete", "partial"]).to_numpy(dtype=bool)
    partial = (forms == "partial").to_numpy(dtype=bool)
    codes = np.select(
        [partial.any(axis=1), started.any(axis=1)],
        [FORM_STATES.index("partial"), FORM_STATES.index("complete")],
        default=FORM_STATES.index("not started"),
    )
    return pd.Series(pd.Categorical.from_codes(codes, dtype=STATE_DTYPE), index=forms.index)
