"""Everything qiscan computes for an instrument's responses, as one long tidy table.

``statistics_table`` runs the question tables (:mod:`scoring.field_stats`), the scale scores
and their reliability and change (:mod:`scoring.scale_stats`) and, for a coding instrument, the
agreement between coders (:mod:`scoring.coding_stats`), and returns their rows in that order
with the columns of :data:`scoring.tidy.TIDY_COLUMNS`.
"""

from __future__ import annotations

import pandas as pd

from scoring.coding_stats import coding_rows
from scoring.decode import Responses
from scoring.field_stats import Options, question_rows
from scoring.scale_stats import scale_rows
from scoring.tidy import tidy_frame


def statistics_table(
    responses: Responses,
    options: Options | None = None,
    *,
    by: str | None = None,
    waves: bool = False,
) -> pd.DataFrame:
    """The tidy table: questions and scales per wave (each group's, with ``by``), the scales'
    change across waves (``waves``, overall only), coder agreement; one row per statistic."""
    options = options or Options()
    rows = question_rows(responses, options, by=by)
    rows += scale_rows(responses, options, waves=waves and by is None, by=by)
    if by is None:
        rows += coding_rows(responses)
    return tidy_frame(rows)
