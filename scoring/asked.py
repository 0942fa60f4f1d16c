"""Who was asked each question, and what became of it: the denominators of every statistic.

REDCap exports an unticked checkbox as 0 even when the question was hidden by branching logic,
and a hidden question as blank like an unanswered one, so the export alone cannot tell "not
asked" from "asked, left blank". :func:`asked` works it out from the instrument: the field's
branching logic over the raw export, whether the row responded to the field's form
(:mod:`scoring.respondents`), and (events mode) the form's events.
"""

from __future__ import annotations

import datetime
from typing import Literal, get_args

import numpy as np
import pandas as pd

from instruments.logic import Context, Expression, evaluate_frame, parse, truthy_frame
from instruments.model import Instrument
from scoring.decode import Responses
from scoring.respondents import Respondents, holds_value, respondents
from scoring.wave_rows import EVENT, data_fields

AnswerState = Literal["not_asked", "answered", "missing_code", "blank", "invalid", "not_reached"]
ANSWER_STATES: tuple[AnswerState, ...] = get_args(AnswerState)
STATE_DTYPE = pd.CategoricalDtype(pd.Index(list(ANSWER_STATES)))
ASKED_STATES = ("answered", "missing_code", "blank", "invalid")


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


def asked(
    responses: Responses,
    *,
    today: datetime.date | None = None,
    who: Respondents | None = None,
) -> pd.DataFrame:
    """Whether each data field was asked of a respondent on each row: one bool column per field
    (a checkbox by its field name), with ``responses.frame``'s index. It is the base of every
    percentage: the rows of :func:`answer_state` in :data:`ASKED_STATES`.

    ``who`` says who responded (:func:`scoring.respondents.respondents`, partials included by
    default); a partial response counts for the questions it answered only.
    """
    states = answer_state(responses, today=today, who=who)
    return pd.DataFrame(
        {name: states[name].isin(ASKED_STATES).to_numpy(dtype=bool) for name in states.columns},
        index=states.index,
        dtype=bool,
    )


def answer_state(
    responses: Responses,
    *,
    today: datetime.date | None = None,
    who: Respondents | None = None,
) -> pd.DataFrame:
    """What each data field holds on each row, as a Categorical of :data:`ANSWER_STATES`.

    * ``not_asked``: not shown to a respondent: the field's branching logic is false, or its
      form is not on the row's wave, or the row did not respond to the form (see
      :mod:`scoring.respondents`: a form holding only pre-filled values was not started), or it
      is a partial response and ``who`` excludes partials (whatever the export holds there);
    * ``not_reached``: shown by its logic on a partial response that left it blank: the
      respondent broke off before it, or skipped it; not in the question's base, since a
      partial response counts for the questions it answered;
    * ``missing_code``: asked, and given one of the instrument's missing-data codes;
    * ``invalid``: asked, and holding a value that does not fit the field's type (it is in
      ``responses.invalid``; its typed value is NA);
    * ``answered``: asked, with a typed value; a checkbox with at least one box ticked;
    * ``blank``: asked on a complete response and left blank; a checkbox with no box ticked
      and no missing code.

    Shown by logic: the field's branching logic is true, evaluated with
    :func:`instruments.logic.evaluate_frame` over the raw export text (cross-event references
    ``[event][field]`` read the same record's row of that event; a field without logic is always
    true), and the row's wave holds its form (:func:`scoring.respondents.designated_forms`: in
    repeating mode the base forms count on the record's first wave only, so a question asked
    once per record counts once, though ``frame`` carries its value to every instance). A
    checkbox is shown only on these terms: its 0 columns say nothing.

    Missing-data rule: logic sees missing codes as REDCap does (literal text in comparisons,
    blank in arithmetic, :class:`instruments.logic.Context`). Logic reads the text REDCap's
    would: the row's own (key values carried in ``frame`` play no part) and, in repeating mode,
    the record's base row. States read each row's own export text, so a key field carried into
    a wave that never asked it stays ``not_asked``.

    Reference: REDCap's branching logic and its flat export (a checkbox is exported 0 whether
    or not it was shown); instruments.logic for the logic's value model.
    """
    instrument = responses.instrument
    raw = responses.raw
    who = who if who is not None else respondents(responses)
    context = logic_context(instrument, today)
    counted = {form.name: who.started(form.name).to_numpy(dtype=bool) for form in instrument.forms}
    partial = {
        form.name: (who.forms[form.name] == "partial").to_numpy(dtype=bool)
        for form in instrument.forms
    }
    by_logic: dict[str, np.ndarray] = {"": np.ones(len(raw), dtype=bool)}
    invalid = _invalid_cells(responses)
    codes = {state: i for i, state in enumerate(ANSWER_STATES)}
    states: dict[str, pd.Categorical] = {}
    for fld in data_fields(instrument):
        logic = fld.branching_logic.strip()
        if logic not in by_logic:
            by_logic[logic] = _logic_true(parse(logic), raw, context)
        shown = counted[fld.form] & by_logic[logic]
        coded = responses.missing[fld.name].notna().to_numpy(dtype=bool)
        bad = invalid.get(fld.name, np.zeros(len(coded), dtype=bool))
        state = np.select(
            [~shown, coded, bad, holds_value(fld, raw), partial[fld.form]],
            [
                codes["not_asked"],
                codes["missing_code"],
                codes["invalid"],
                codes["answered"],
                codes["not_reached"],
            ],
            default=codes["blank"],
        )
        states[fld.name] = pd.Categorical.from_codes(state.astype(np.int64), dtype=STATE_DTYPE)
    return pd.DataFrame(states, index=responses.frame.index)


def _logic_true(expression: Expression, raw: pd.DataFrame, context: Context) -> np.ndarray:
    return truthy_frame(evaluate_frame(expression, raw, context)).to_numpy(dtype=bool)


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
