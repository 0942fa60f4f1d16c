"""Everything qiscan computes for an instrument's responses, as one long tidy table.

``statistics_table`` counts who responded (:mod:`scoring.respondents`, the one definition), runs
the question tables (:mod:`scoring.field_stats`), the scale scores and their reliability and
change (:mod:`scoring.scale_stats`) and, for a coding instrument, the agreement between coders
(:mod:`scoring.coding_stats`); then it adjusts the group tests' p-values across the whole family
when asked and withholds small counts with their complements (:mod:`scoring.withheld`), and
returns the rows in that order with the columns of :data:`scoring.tidy.TIDY_COLUMNS`.
"""

from __future__ import annotations

import pandas as pd

from scoring.coding_stats import coding_rows
from scoring.decode import Responses
from scoring.field_stats import finish_rows, question_rows
from scoring.questions import Options
from scoring.respondents import respondents
from scoring.scale_stats import scale_rows
from scoring.tidy import tidy_frame


def statistics_table(
    responses: Responses,
    options: Options | None = None,
    *,
    by: str | None = None,
    waves: bool = False,
) -> pd.DataFrame:
    """The tidy table: who responded, questions and scales per wave (overall, and with ``by``
    each group's and their comparison), the scales' change across waves (``waves``; per group
    too with ``by``), coder agreement; one row per statistic."""
    options = options or Options()
    who = respondents(responses, partials=options.partials)
    rows = question_rows(responses, options, by=by, who=who)
    rows += scale_rows(responses, options, waves=waves, by=by, who=who)
    if by is None:
        rows += coding_rows(responses)
    return tidy_frame(finish_rows(rows, options))
