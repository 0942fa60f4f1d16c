"""When the responses came in: the first and last survey completion times of a snapshot.

REDCap exports a survey form's completion time as ``<form>_timestamp`` when asked for survey
fields (``exportSurveyFields``); a response not finished reads "[not completed]" and a form
entered by staff has none. The field period is therefore the span of the completion times the
snapshot holds; partial responses and staff entry have no time and are left out (and said so).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from instruments.naming import survey_timestamp
from scoring.decode import Responses


@dataclass(frozen=True)
class FieldPeriod:
    """``first`` and ``last`` completion times ("YYYY-MM-DD HH:MM[:SS]", "" when none) and
    how many completion times they span."""

    first: str
    last: str
    stamped: int

    @property
    def known(self) -> bool:
        """Whether any completion time was found."""
        return self.stamped > 0


def field_period(responses: Responses) -> FieldPeriod:
    """The first and last completion time over every survey form of ``responses``.

    Missing-data rule: "[not completed]", blanks and values that are not a date and time are
    not completion times. Reference: REDCap's record export with ``exportSurveyFields``.
    """
    columns = [
        survey_timestamp(form.name)
        for form in responses.instrument.forms
        if form.survey and survey_timestamp(form.name) in responses.raw.columns
    ]
    if not columns:
        return FieldPeriod("", "", 0)
    values = pd.concat([responses.raw[c].astype("string") for c in columns], ignore_index=True)
    times = pd.to_datetime(values.str.strip(), format="mixed", errors="coerce").dropna()
    if times.empty:
        return FieldPeriod("", "", 0)
    text = "%Y-%m-%d %H:%M"
    return FieldPeriod(times.min().strftime(text), times.max().strftime(text), len(times))
