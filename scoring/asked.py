"""Who was asked each question, and what became of it: the denominators of every statistic.

REDCap exports an unticked checkbox as 0 even when the question was hidden by branching logic,
and a hidden question as blank like an unanswered one, so the export alone cannot tell "not
asked" from "asked, left blank". :func:`asked` works it out from the instrument: the field's
branching logic over the raw export, its form's status, and (events mode) the form's events.
"""

from __future__ import annotations

import datetime
from typing import Literal

import numpy as np
import pandas as pd

from instruments.logic import Context, Expression, evaluate_frame, parse, truthy_frame
from instruments.model import Field, Instrument
from instruments.naming import checkbox_column, complete_field
from scoring.decode import Responses
from scoring.wave_rows import EVENT, data_fields

AnswerState = Literal["not_asked", "answered", "missing_code", "blank", "invalid"]
ANSWER_STATES: tuple[AnswerState, ...] = AnswerState.__args__  # type: ignore[attr-defined]
STATE_DTYPE = pd.CategoricalDtype(pd.Index(list(ANSWER_STATES)))


def logic_context(instrument: Instrument, today: datetime.date | None = None) -> Context:
    """The context REDCap evaluates the instrument's logic in: its missing codes, checkbox
    fields, record id and event column; ``today`` fixes the clock of 'today'/'now'."""
    return Context(
        missing_codes=frozenset(code.code for code in instrument.missing_codes),
        checkbox_fields=frozenset(f.name for f in instrument.fields if f.type == "checkbox"),
        today=today,
        record_id=instrument.record_id,
        event_column=EVENT,
    )


def asked(responses: Responses, *, today: datetime.date | None = None) -> pd.DataFrame:
    """Whether each data field was shown on each row: one bool column per field (a checkbox
    by its field name), with ``responses.frame``'s index.

    Rule: shown when (1) the field's branching logic is true, evaluated with
    :func:`instruments.logic.evaluate_frame` over the raw export text (cross-event references
    ``[event][field]`` read the same record's row of that event; a field without logic is always
    true); (2) its form was saved for the row (``<form>_complete`` not blank); and (3) the row's
    wave holds the form: in events mode the form is designated for the wave's event; in
    repeating mode the base (non-repeating) forms count on the record's first wave only, so a
    question asked once per record counts once, though ``frame`` carries its value to every
    instance. A checkbox is asked only on these terms: its 0 columns say nothing.

    Missing-data rule: logic sees missing codes as REDCap does (literal text in comparisons,
    blank in arithmetic, :class:`instruments.logic.Context`). Logic reads the text REDCap's
    would: the row's own (key values carried in ``frame`` play no part) and, in repeating mode,
    the record's base row.

    Reference: REDCap's branching logic and its flat export (a checkbox is exported 0 whether
    or not it was shown); instruments.logic for the logic's value model.
    """
    instrument = responses.instrument
    raw = responses.raw
    context = logic_context(instrument, today)
    saved = {
        form.name: raw[complete_field(form.name)].to_numpy(dtype=object) != ""
        for form in instrument.forms
    }
    designated = designated_forms(instrument, responses.frame)
    by_logic: dict[str, np.ndarray] = {"": np.ones(len(raw), dtype=bool)}
    columns: dict[str, np.ndarray] = {}
    for fld in data_fields(instrument):
        logic = fld.branching_logic.strip()
        if logic not in by_logic:
            by_logic[logic] = _logic_true(parse(logic), raw, context)
        columns[fld.name] = saved[fld.form] & designated[fld.form] & by_logic[logic]
    return pd.DataFrame(columns, index=raw.index, dtype=bool)


def answer_state(responses: Responses, *, today: datetime.date | None = None) -> pd.DataFrame:
    """What each data field holds on each row, as a Categorical of :data:`ANSWER_STATES`.

    * ``not_asked``: :func:`asked` is false (whatever the export holds there);
    * ``missing_code``: asked, and given one of the instrument's missing-data codes;
    * ``invalid``: asked, and holding a value that does not fit the field's type (it is in
      ``responses.invalid``; its typed value is NA);
    * ``answered``: asked, with a typed value; a checkbox with at least one box ticked;
    * ``blank``: asked and left blank; a checkbox with no box ticked and no missing code.

    Every denominator is a count of these states: "shown" is all but ``not_asked``,
    "answered" excludes missing codes, blanks and invalid values. States read each row's own
    export text, so a key field carried into a wave that never asked it stays ``not_asked``.
    """
    instrument = responses.instrument
    shown = asked(responses, today=today)
    invalid = _invalid_cells(responses)
    codes = {state: i for i, state in enumerate(ANSWER_STATES)}
    states: dict[str, pd.Categorical] = {}
    for fld in data_fields(instrument):
        coded = responses.missing[fld.name].notna().to_numpy(dtype=bool)
        bad = invalid.get(fld.name, np.zeros(len(coded), dtype=bool))
        state = np.select(
            [~shown[fld.name].to_numpy(dtype=bool), coded, bad, _has_value(fld, responses.raw)],
            [codes["not_asked"], codes["missing_code"], codes["invalid"], codes["answered"]],
            default=codes["blank"],
        )
        states[fld.name] = pd.Categorical.from_codes(state.astype(np.int64), dtype=STATE_DTYPE)
    return pd.DataFrame(states, index=responses.frame.index)


def _logic_true(expression: Expression, raw: pd.DataFrame, context: Context) -> np.ndarray:
    return truthy_frame(evaluate_frame(expression, raw, context)).to_numpy(dtype=bool)


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
    found: dict[str, np.ndarray] = {}
    for form in instrument.forms:
        holding = [
            event.name for event in waves.events if not event.forms or form.name in event.forms
        ]
        found[form.name] = np.isin(names, holding)
    return found


def _has_value(fld: Field, raw: pd.DataFrame) -> np.ndarray:
    """Whether the row's own export text holds something: a non-blank cell, or a ticked box.
    (``frame`` will not do: it carries key fields into rows that never held them.)"""
    if fld.type != "checkbox":
        texts = pd.Series(raw[fld.name].to_numpy(dtype=object), dtype=object)
        return (texts.str.strip() != "").to_numpy(dtype=bool)
    options = [checkbox_column(fld.name, choice.code) for choice in fld.choices]
    return (raw[options].to_numpy(dtype=object) == "1").any(axis=1)


def _invalid_cells(responses: Responses) -> dict[str, np.ndarray]:
    """Per field, the rows where one of its export cells was rejected."""
    invalid = responses.invalid
    found: dict[str, np.ndarray] = {}
    if invalid.empty:
        return found
    rows = responses.frame.index.get_indexer(pd.Index(invalid["row"]))
    names = invalid["field"].to_numpy(dtype=object)
    for name in pd.unique(names):
        mask = np.zeros(len(responses.frame), dtype=bool)
        mask[rows[names == name]] = True
        found[str(name)] = mask
    return found
