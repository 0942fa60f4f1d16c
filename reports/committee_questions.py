"""One question of the committee summary, for one group of respondents: its table and chart.

Every number comes from :mod:`scoring`: who responded from :mod:`scoring.respondents`, each
question's table from :mod:`scoring.questions` (the same functions the statistics table uses),
withheld cells from :func:`scoring.withheld.withheld_options`. This module only lays them out
and says what each percentage is out of. A table row and its bar are built from the same cells
in one loop, so a withheld count is withheld in both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from instruments.labels import plain_text
from instruments.model import Field, Instrument
from reports.committee_wording import question_title, shown_when
from reports.dictionary_table import SHEET_NAME_MAX
from reports.model import Bar, BarChart, Block, Cell, Column, Suppressed, Table, Text, TextList
from scoring.asked import ASKED_STATES, answer_state
from scoring.checkall import CheckAllTable
from scoring.decode import Responses
from scoring.proportions import BLANK, FrequencyTable
from scoring.questions import Options, checkall_table, numeric_summary, question_kind
from scoring.questions import choice_table as question_table
from scoring.respondents import Respondents, respondents
from scoring.values import value_kind
from scoring.withheld import base_withheld, withheld_options

PERCENT_COLUMNS = (
    Column("option", "Option"),
    Column("n", "n", "integer"),
    Column("percent", "%", "percent"),
    Column("ci_low", "95% interval from", "percent"),
    Column("ci_high", "to", "percent"),
)
NUMBERS = "counts, percents and 95% intervals"
ANSWERS_PRINTED = 8  # typed answers per question on the pages; the workbook lists them all
Rows = list[dict[str, Cell]]
NUMERIC_COLUMNS = (
    Column("n", "n", "integer"),
    Column("mean", "Mean", "number"),
    Column("sd", "SD", "number"),
    Column("median", "Median", "number"),
    Column("q1", "Q1", "number"),
    Column("q3", "Q3", "number"),
    Column("iqr", "IQR", "number"),
    Column("min", "Min", "number"),
    Column("max", "Max", "number"),
)


@dataclass(frozen=True, eq=False)
class Group:
    """One instrument's respondents as the report names them (e.g. "Providers")."""

    title: str
    singular: str
    prefix: str  # starts the group's table names
    responses: Responses
    who: Respondents  # scoring.respondents.respondents
    states: pd.DataFrame  # scoring.asked.answer_state
    options: Options = field(default_factory=Options)

    @property
    def instrument(self) -> Instrument:
        return self.responses.instrument

    @property
    def n_respondents(self) -> int:
        return int(self.who.respondent.sum())

    def shown(self, name: str) -> pd.Series:
        """Respondents asked the question: the base of its percentages."""
        return self.states[name].isin(ASKED_STATES)


def make_group(
    title: str, singular: str, prefix: str, responses: Responses, options: Options | None = None
) -> Group:
    """A :class:`Group` of ``responses``, with who counts as a respondent (``options.partials``
    says whether partial responses do) and each question's answer state worked out once."""
    options = options or Options()
    who = respondents(responses, partials=options.partials)
    return Group(title, singular, prefix, responses, who, answer_state(responses, who=who), options)


@dataclass
class Names:
    """Unique table names within a report, each at most an XLSX sheet name long."""

    taken: set[str] = field(default_factory=set)

    def take(self, wanted: str) -> str:
        """``wanted``, cut to an XLSX sheet name's length and given ``~2``, ``~3``... when it is
        taken already; the name returned is taken from then on."""
        name, suffix = wanted[:SHEET_NAME_MAX], 1
        while name in self.taken:
            suffix += 1
            tail = f"~{suffix}"
            name = wanted[: SHEET_NAME_MAX - len(tail)] + tail
        self.taken.add(name)
        return name


def interval_text(low: float, high: float) -> str:
    """An interval in a compact table cell, e.g. "52.0–67.5"."""
    return f"{low:.1f}–{high:.1f}"


def few_answered(group: Group, below: int | None) -> Text:
    """A question answered by fewer than ``below``: its answers, and how many, are withheld (as
    in the statistics table, :func:`scoring.withheld.base_withheld`)."""
    return Text(
        f"{group.title}: fewer than {below} answered this question, so its answers are withheld."
    )


def withheld(below: int) -> Suppressed:
    """A withheld cell: a count below ``below``, or one that would reveal such a count."""
    return Suppressed(shown="withheld", reason=f"protects counts under {below}")


def question_blocks(group: Group, fld: Field, names: Names, below: int | None) -> list[Block]:
    """The blocks for one question and group, by the question's type."""
    if not group.shown(fld.name).any():
        sentence = f"No {group.singular} was shown this question."
        return [Text(" ".join(s for s in (sentence, shown_when(group.instrument, fld)) if s))]
    kind = question_kind(group.instrument, fld)
    if kind in ("choice", "likert"):
        return choice_blocks(group, fld, choice_table(group, fld), names, below)
    if kind == "checkall":
        return checkall_blocks(group, fld, names, below)
    if kind == "numeric":
        return numeric_blocks(group, fld, names, below)
    if kind == "text" and value_kind(fld) == "text":
        if _identifying(group.instrument, fld):
            return [Text(f"{group.title}: answers not listed; the field identifies respondents.")]
        return [text_list(group, fld)]
    answered = int((group.states[fld.name] == "answered").sum())
    return [
        Text(f"{group.title}: {answered} of {int(group.shown(fld.name).sum())} shown answered.")
    ]


def choice_table(group: Group, fld: Field) -> FrequencyTable:
    """The question's frequency table, out of the group's respondents who were shown it."""
    return question_table(group.responses, fld, group.shown(fld.name), group.options)


def choice_blocks(
    group: Group, fld: Field, table: FrequencyTable, names: Names, below: int | None
) -> list[Block]:
    """The question's chart, its numbers in a compact table beneath it."""
    title = f"{group.title}: {question_title(group.instrument, fld)}"
    if table.denominator == 0:
        return [Text(f"None of the {table.n_asked} {group.title.lower()} shown answered.")]
    if base_withheld(table.denominator, below):
        return [few_answered(group, below)]
    rows, bars = choice_cells(table, below)
    name = names.take(f"{group.prefix} {fld.name}")
    return [
        BarChart(f"{group.title}, percent of those who answered", tuple(bars)),
        Table(name, title, PERCENT_COLUMNS, tuple(rows), note=choice_note(group, fld, table)),
    ]


def choice_note(group: Group, fld: Field, table: FrequencyTable) -> str:
    """Who was asked, what the percentages are out of, and who was shown the question."""
    note = _base(group, table.n_asked)
    if table.denominator != table.n_asked:
        labels = {code.code: code.label for code in group.instrument.missing_codes}
        labels[BLANK] = "left it blank"
        reasons = ", ".join(
            f"{count} {labels.get(reason, reason)}"
            for reason, count in table.missing.items()
            if count
        )
        note += f"; percentages are of the {table.denominator} who answered ({reasons})"
    return _sentence(note, shown_when(group.instrument, fld))


def checkall_blocks(group: Group, fld: Field, names: Names, below: int | None) -> list[Block]:
    """A check-all question's chart and its numbers beneath, out of those who ticked an option;
    a sentence instead when none did, or too few to show."""
    responses = group.responses
    table = checkall_table(responses, fld, group.shown(fld.name), group.options)
    if table.n_respondents == 0:
        return [Text(f"None of the {table.n_asked} {group.title.lower()} shown ticked an option.")]
    if base_withheld(table.n_respondents, below):
        return [few_answered(group, below)]
    _, rows, bars = checkall_cells(table, below, of_responses=True)
    columns = (*PERCENT_COLUMNS, Column("of_responses", "% of responses", "percent"))
    title = f"{group.title}: {question_title(group.instrument, fld)}"
    name = names.take(f"{group.prefix} {fld.name}")
    return [
        BarChart(f"{group.title}, percent of those who ticked any option", tuple(bars)),
        Table(name, title, columns, tuple(rows), note=checkall_note(group, fld, table)),
    ]


def checkall_note(group: Group, fld: Field, table: CheckAllTable) -> str:
    """Who was asked, what each percentage is out of, and who was shown the question."""
    note = (
        f"{_base(group, table.n_asked)}; % is of the {table.n_respondents} who ticked at least "
        f"one option"
    )
    if table.n_nothing_ticked:
        note += f" ({table.n_nothing_ticked} ticked none)"
    note += f"; % of responses is of the {table.n_responses} options ticked"
    for code in table.none_codes:
        label = group.responses.labels(fld.name)[code]
        note += f" ('{plain_text(label)}' is not a response, so has no % of responses)"
    if not table.none_codes and table.n_nothing_ticked:
        note += (
            f"; with the {table.n_nothing_ticked} who ticked nothing counted as not ticking it, "
            "the percentages would be lower (the statistics table has them as % of those asked)"
        )
    return _sentence(note, shown_when(group.instrument, fld))


def by_share(frame: pd.DataFrame, column: str, last: Sequence[str]) -> pd.DataFrame:
    """Options most often ticked first (ties in the instrument's order); a 'none of these'
    option (codes ``last``) stays at the end, where a reader looks for it."""
    ranked = frame.assign(_last=frame.index.isin(list(last)), _share=-frame[column].fillna(0))
    ranked = ranked.sort_values(["_last", "_share"], kind="stable")
    return ranked.drop(columns=["_last", "_share"])


def numeric_blocks(group: Group, fld: Field, names: Names, below: int | None) -> list[Block]:
    """A number question's summary (n, mean, SD, quartiles, range) as a one-row table, every
    cell withheld when fewer than ``below`` answered."""
    shown = group.shown(fld.name)
    summary = numeric_summary(group.responses, fld, shown, group.options)
    if summary.n == 0:
        return [Text(f"None of the {int(shown.sum())} {group.title.lower()} shown answered.")]
    row: dict[str, Cell] = {c.key: _number(float(getattr(summary, c.key))) for c in NUMERIC_COLUMNS}
    row["n"] = summary.n
    if below is not None and 0 < summary.n < below:
        # A mean of a handful of organisations can be traced back to them: withhold it all.
        row = {c.key: withheld(below) for c in NUMERIC_COLUMNS}
    note = f"{summary.n} answered; {_base(group, int(shown.sum()))}"
    note = _sentence(note + "; quartiles Hyndman-Fan type 7", shown_when(group.instrument, fld))
    title = f"{group.title}: the answers summarised"
    return [Table(names.take(f"{group.prefix} {fld.name}"), title, NUMERIC_COLUMNS, (row,), note)]


def text_list(group: Group, fld: Field) -> TextList:
    """What respondents typed, identical answers merged (:func:`grouped_answers`): a board
    reads each distinct answer once, with how many gave it."""
    answered = (group.states[fld.name] == "answered").to_numpy(dtype=bool)
    typed = [str(text) for text in group.responses.frame.loc[answered, fld.name]]
    items = grouped_answers(typed)
    shown = int(group.shown(fld.name).sum())
    first = f"{len(typed)} of the {shown} shown wrote an answer"
    if len(items) < len(typed):
        first += f" ({len(items)} different answers)"
    note = _sentence(first, shown_when(group.instrument, fld))
    title = f"{group.title}: {question_title(group.instrument, fld)}"
    return TextList(title, items, note, shown=ANSWERS_PRINTED)


def grouped_answers(typed: Sequence[str]) -> tuple[str, ...]:
    """Each distinct answer once, as first typed (trimmed), with "(n respondents)" after it when
    more than one gave it; answers that differ only in case or spacing are the same answer.
    Most frequent first, then in the order received."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for text in typed:
        key = " ".join(text.split()).casefold()
        counts[key] = counts.get(key, 0) + 1
        shown.setdefault(key, text.strip())
    ordered = sorted(counts, key=lambda key: -counts[key])  # stable: ties keep their order
    return tuple(
        shown[key] + (f" ({counts[key]} respondents)" if counts[key] > 1 else "") for key in ordered
    )


def choice_cells(table: FrequencyTable, below: int | None) -> tuple[Rows, list[Bar]]:
    """A single-choice question's rows and bars, in its options' order (:func:`percent_cells`)."""
    frame = table.table
    return percent_cells(
        list(frame["label"]),
        frame["count"],
        frame["percent"],
        frame["percent_ci_low"],
        frame["percent_ci_high"],
        below,
    )


def checkall_cells(
    table: CheckAllTable, below: int | None, *, of_responses: bool = False
) -> tuple[pd.DataFrame, Rows, list[Bar]]:
    """A check-all question's options most ticked first (:func:`by_share`), with their rows and
    bars as percents of those who ticked any (:func:`percent_cells`), and with
    ``of_responses`` each option's percent of all ticks too."""
    frame = by_share(table.table, "percent_of_respondents", table.none_codes)
    extra = ("of_responses", frame["percent_of_responses"]) if of_responses else None
    rows, bars = percent_cells(
        list(frame["label"]),
        frame["count"],
        frame["percent_of_respondents"],
        frame["respondents_ci_low"],
        frame["respondents_ci_high"],
        below,
        extra=extra,
        none=table.none_codes,
        base=table.n_respondents,
    )
    return frame, rows, bars


def percent_cells(
    labels: Sequence[str],
    counts: pd.Series,
    percents: pd.Series,
    lows: pd.Series,
    highs: pd.Series,
    below: int | None,
    *,
    extra: tuple[str, pd.Series] | None = None,
    none: Sequence[str] = (),
    base: int | None = None,
) -> tuple[Rows, list[Bar]]:
    """Table rows and bars from one set of cells: a count below ``below``, and the cells that
    would reveal it (:func:`scoring.withheld.withheld_options`, the statistics table's rule),
    withhold their count, percent and interval (and ``extra``) in the row and its bar alike."""
    small = withheld_options(counts, below, none=none, base=base).to_numpy(dtype=bool)
    rows: list[dict[str, Cell]] = []
    bars: list[Bar] = []
    for at, label in enumerate(labels):
        text = plain_text(label)
        if small[at] and below is not None:
            mark = withheld(below)
            row: dict[str, Cell] = {"option": text, "n": mark, "percent": mark}
            row |= {"ci_low": mark, "ci_high": mark}
            if extra is not None:
                row[extra[0]] = mark
            rows.append(row)
            bars.append(Bar(text, math.nan, suppressed=mark))
            continue
        value, low, high = (float(s.iloc[at]) for s in (percents, lows, highs))
        row = {"option": text, "n": int(counts.iloc[at]), "percent": _number(value)}
        row |= {"ci_low": _number(low), "ci_high": _number(high)}
        if extra is not None:
            row[extra[0]] = _number(float(extra[1].iloc[at]))
        rows.append(row)
        bars.append(Bar(text, value, low, high))
    return rows, bars


def _identifying(instrument: Instrument, fld: Field) -> bool:
    """An id or a field REDCap marks as an identifier: never listed in a summary."""
    ids = {instrument.record_id}
    if instrument.unit is not None:
        ids.add(instrument.unit.id_field)
    if instrument.coding is not None:
        ids |= {instrument.coding.unit_field, instrument.coding.coder_field}
    return fld.identifier or fld.name in ids


def _base(group: Group, n_asked: int) -> str:
    return f"n = {n_asked} asked this question (of {group.n_respondents} respondents)"


def _sentence(first: str, second: str) -> str:
    return f"{first}. {second}" if second else f"{first}."


def _number(value: float) -> float | None:
    """NaN (not applicable here) as a blank cell."""
    return None if math.isnan(value) else value
