"""One question, summarised among a set of rows: the definition every output reads.

The statistics table (:mod:`scoring.field_stats`), the committee report and the service all
summarise a question through these functions, so the same snapshot gives them the same n, the
same bases and the same percentages. A question's kind decides its summary:

* ``choice``: a single-choice question: count, percent and Wilson interval per option;
* ``likert``: a single-choice rating (a row of a matrix grid or an item of a scale, with numeric
  codes): the choice table, and its median, quartiles, top-two box and mean;
* ``checkall``: percent of respondents, of responses and of those asked, per option, the
  exclusive "none of these" options (REDCap's ``@NONEOFTHEABOVE``) an answer but not a mention;
* ``numeric``: n, mean with a t interval kept inside the answer's bounds, SD, quartiles, range;
* ``text``: how many answered (dates and times too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from instruments.model import Field, Instrument
from instruments.naming import checkbox_column
from scoring.checkall import CheckAllTable, check_all
from scoring.decode import Responses
from scoring.describe import LikertSummary, NumericSummary, describe_likert, describe_numeric
from scoring.independence import Adjustment
from scoring.proportions import HIGH_LEVELS, Choices, FrequencyTable, frequencies
from scoring.respondents import Partials
from scoring.values import value_kind

QuestionKind = Literal["choice", "likert", "checkall", "numeric", "text"]
LIKERT_MIN_CHOICES = 3


@dataclass(frozen=True)
class Options:
    """How questions are summarised, for every output alike.

    ``keep_missing``: missing-data codes kept in the denominator as substantive answers (e.g. a
    "not applicable" that is itself a finding); ``small_below``: counts below it are flagged;
    ``suppress_below``: counts below it are withheld, with the cells needed to keep them from
    being recovered (None: none are); ``min_n``: estimates resting on fewer values are flagged
    as unstable; ``adjust``: a Holm or Benjamini-Hochberg adjustment of the group tests'
    p-values across the family of tests; ``partials``: whether partial responses count, for the
    questions they answered (the default) or not at all.
    """

    keep_missing: tuple[str, ...] = ()
    small_below: int = 5
    suppress_below: int | None = None
    min_n: int = 5
    adjust: Adjustment | None = None
    confidence: float = 0.95
    partials: Partials = "include"


def question_kind(instrument: Instrument, item: Field) -> QuestionKind | None:
    """How ``item`` is summarised; None for a field with no summary of its own (a file)."""
    if item.single_choice:
        return "likert" if is_likert(instrument, item) else "choice"
    if item.type == "checkbox":
        return "checkall"
    if value_kind(item) in ("integer", "number"):
        return "numeric"
    if item.type in ("text", "notes"):
        return "text"
    return None


def is_likert(instrument: Instrument, item: Field) -> bool:
    """A rating: a radio or dropdown with numeric codes, at least three of them, that is a row of
    a matrix grid or an item of a declared scale."""
    if item.type not in ("radio", "dropdown") or len(item.choices) < LIKERT_MIN_CHOICES:
        return False
    if not all(_is_number(code) for code in item.choice_codes()):
        return False
    scaled = any(item.name in scale.items for scale in instrument.scales)
    return item.matrix is not None or scaled


def likert_grid(instrument: Instrument, item: Field) -> list[Field] | None:
    """The rating grid ``item`` is a row of: every row of its matrix group, when each is a
    Likert item (:func:`is_likert`) with the same levels, more levels than the high side
    (:data:`scoring.proportions.HIGH_LEVELS`); None for anything else."""
    if item.matrix is None:
        return None
    group = item.matrix.group
    rows = [f for f in instrument.fields if f.matrix is not None and f.matrix.group == group]
    levels = {tuple(f.choice_codes()) for f in rows}
    if len(levels) != 1 or not all(is_likert(instrument, f) for f in rows):
        return None
    return rows if len(next(iter(levels))) > HIGH_LEVELS else None


def value_bounds(item: Field) -> tuple[float, float] | None:
    """The range a numeric answer can take: a slider's (REDCap's default 0 to 100), or both
    validation limits when they are numbers; None when it is open on either side."""
    if item.type == "slider":
        low = item.slider.min if item.slider is not None and item.slider.min else "0"
        high = item.slider.max if item.slider is not None and item.slider.max else "100"
        return (float(low), float(high)) if _is_number(low) and _is_number(high) else None
    if item.validation is None:
        return None
    low, high = item.validation.min, item.validation.max
    if _is_number(low) and _is_number(high):
        return (float(low), float(high))
    return None


def choice_inputs(
    responses: Responses, item: Field, asked: pd.Series, options: Options
) -> tuple[pd.Series, Choices, dict[str, Any]]:
    """A single-choice question's answers among ``asked``, its choices, and the keyword
    arguments every frequency table of it takes (its missing codes, those kept as answers, the
    confidence, the small-cell threshold): the same for each output and each group."""
    index = asked.index
    labels = {code.code: code.label for code in responses.instrument.missing_codes}
    more = {
        "missing": rows_of(responses.missing, item.name, index),
        "missing_labels": labels,
        "keep_missing": [code for code in options.keep_missing if code in labels],
        "confidence": options.confidence,
        "small_below": options.small_below,
    }
    answers = rows_of(responses.frame, item.name, index)
    return answers, list(responses.labels(item.name).items()), more


def choice_table(
    responses: Responses, item: Field, asked: pd.Series, options: Options
) -> FrequencyTable:
    """Count, percent and Wilson interval of every option, among the rows ``asked``."""
    answers, choices, more = choice_inputs(responses, item, asked, options)
    return frequencies(answers, asked, choices, **more)


def likert_summary(
    responses: Responses, item: Field, asked: pd.Series, options: Options
) -> tuple[LikertSummary, NumericSummary]:
    """A rating's distribution, median, quartiles and top-two box, and its mean (t interval
    kept inside the codes' range) over the same answers."""
    index = asked.index
    answers, choices, more = choice_inputs(responses, item, asked, options)
    likert = describe_likert(answers, asked, choices, **more)
    codes = [float(code) for code in item.choice_codes()]
    mean = describe_numeric(
        as_numbers(rows_of(responses.frame, item.name, index)),
        asked,
        missing=rows_of(responses.missing, item.name, index),
        confidence=options.confidence,
        bounds=(min(codes), max(codes)),
        min_n=options.min_n,
    )
    return likert, mean


def checkall_table(
    responses: Responses, item: Field, asked: pd.Series, options: Options
) -> CheckAllTable:
    """Percent of respondents, of responses and of those asked, per option, among ``asked``."""
    index = asked.index
    columns = {code: checkbox_column(item.name, code) for code in item.choice_codes()}
    boxes = rows_of(responses.frame, list(columns.values()), index)
    ticks = pd.DataFrame(
        boxes.to_numpy(dtype=bool, na_value=False), index=boxes.index, columns=list(columns)
    )
    return check_all(
        ticks,
        list(responses.labels(item.name).items()),
        asked=asked,
        none_code=item.none_codes(),
        missing=rows_of(responses.missing, item.name, index),
        confidence=options.confidence,
        small_below=options.small_below,
    )


def numeric_summary(
    responses: Responses, item: Field, asked: pd.Series, options: Options
) -> NumericSummary:
    """n, mean (t interval inside :func:`value_bounds`), SD, quartiles, range among ``asked``."""
    index = asked.index
    return describe_numeric(
        as_numbers(rows_of(responses.frame, item.name, index)),
        asked,
        missing=rows_of(responses.missing, item.name, index),
        confidence=options.confidence,
        bounds=value_bounds(item),
        min_n=options.min_n,
    )


def n_answered_text(responses: Responses, item: Field, asked: pd.Series) -> int:
    """How many of those asked wrote something."""
    values = rows_of(responses.frame, item.name, asked.index)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    held = np.array([str(value).strip() != "" for value in uniques], dtype=bool)
    written = np.append(held, False)[codes]  # code -1, missing, reads the last
    return int((asked.to_numpy(dtype=bool) & written).sum())


@overload
def rows_of(frame: pd.DataFrame, columns: str, index: pd.Index) -> pd.Series: ...
@overload
def rows_of(frame: pd.DataFrame, columns: list[str], index: pd.Index) -> pd.DataFrame: ...
def rows_of(
    frame: pd.DataFrame, columns: str | list[str], index: pd.Index
) -> pd.Series | pd.DataFrame:
    """``frame.loc[index, columns]``, without the lookup when ``index`` is all of the frame's
    rows in order (every question's overall summary)."""
    if index.equals(frame.index):
        return frame[columns]
    return frame.loc[index, columns]


def as_numbers(values: pd.Series) -> pd.Series:
    """``values`` as float, what cannot be read as a number NaN: each category of a choice
    column (its codes) is read once, not each row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories.to_numpy(dtype=object), dtype=object)
        numbers = pd.to_numeric(categories, errors="coerce").astype(float).to_numpy()
        by_code = np.append(numbers, np.nan)  # code -1, missing, reads the last
        return pd.Series(by_code[values.cat.codes.to_numpy()], index=values.index, name=values.name)
    if values.dtype == np.float64:
        return values.copy()
    return pd.to_numeric(values.astype("object"), errors="coerce").astype(float)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
