"""Every question's statistics as tidy rows: overall, by wave and by group.

Each field is summarised by its declared type: a single-choice question as counts and percents
with Wilson intervals, a check-all question as percent of respondents and percent of responses,
a number as n, mean (t interval), SD, type-7 quartiles and range, open text as the number who
answered. The base of every percentage is the respondents who were asked (branching logic, form
saved, form on the wave), and the rows say so: ``n`` is that base.

Row naming: field-level rows carry the REDCap field name and its label; option-level rows carry
``field___code`` (REDCap's own column name for checkbox options, used here for every choice)
and ``"<question>: <option>"``. Missing reasons are rows ``n_missing_<code>`` (``blank`` for
asked and left blank). Group comparisons add ``p_value`` (the test in ``note``) and
``cramers_v``; ``p_adjusted`` when an adjustment across questions is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from instruments.model import Field
from instruments.naming import checkbox_column
from scoring.asked import asked as asked_frame
from scoring.checkall import CheckAllTable, check_all
from scoring.decode import Responses
from scoring.describe import NumericSummary, describe_numeric
from scoring.groups import frequencies_by_group
from scoring.independence import IndependenceTest, adjust_p_values
from scoring.proportions import FrequencyTable, frequencies
from scoring.tidy import TidyRow

CHOICE = frozenset({"radio", "dropdown", "yesno", "truefalse"})
Adjustment = Literal["holm", "fdr_bh"]


@dataclass(frozen=True)
class Options:
    """How the question tables are built.

    ``keep_missing``: missing-data codes kept in the denominator as substantive answers (e.g. a
    "not applicable" that is itself a finding); ``small_below``: counts below it are flagged;
    ``suppress_below``: counts below it are blanked (None: none are); ``adjust``: a Holm or
    Benjamini-Hochberg adjustment of the group tests' p-values across all questions.
    """

    keep_missing: tuple[str, ...] = ()
    small_below: int = 5
    suppress_below: int | None = None
    adjust: Adjustment | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class Where:
    """What a set of rows is about, for the rows' shared columns."""

    instrument: str
    version: str
    wave: str = ""
    group_by: str = ""
    group: str = ""

    def row(self, name: str, label: str, statistic: str, value: float, **more: object) -> TidyRow:
        return TidyRow(
            self.instrument,
            self.version,
            name,
            label,
            statistic,
            float(value),
            group_by=self.group_by,
            group=self.group,
            wave=self.wave,
            **more,  # type: ignore[arg-type]
        )


def described_fields(responses: Responses) -> list[Field]:
    """The questions to summarise: every answer-holding field except the record id and the
    score fields (scales are summarised from their items, see :mod:`scoring.scale_stats`)."""
    instrument = responses.instrument
    scores = {scale.score_field for scale in instrument.all_scales() if scale.score_field}
    wanted = set(responses.data_fields)
    return [
        item
        for item in instrument.fields
        if item.name in wanted and item.name != instrument.record_id and item.name not in scores
    ]


def wave_slices(responses: Responses) -> Iterator[tuple[str, pd.Index]]:
    """(wave name, row index) per wave in wave order; one ("", all rows) without waves."""
    frame = responses.frame
    if responses.instrument.waves is None:
        yield "", frame.index
        return
    for _, rows in frame.groupby("wave_index", sort=True):
        yield str(rows["wave"].iloc[0]), rows.index


def question_rows(
    responses: Responses, options: Options | None = None, *, by: str | None = None
) -> list[TidyRow]:
    """Tidy rows for every question, per wave, overall or by the grouping field ``by``."""
    options = options or Options()
    instrument = responses.instrument
    shown = asked_frame(responses)
    fields = described_fields(responses)
    groups = group_labels(responses, by) if by else None
    rows: list[TidyRow] = []
    tests: list[tuple[int, float]] = []
    for wave, index in wave_slices(responses):
        where = Where(instrument.id, instrument.version, wave=wave)
        for item in fields:
            if item.name == by:
                continue
            if groups is None or by is None:
                rows += _field_rows(responses, item, shown.loc[index, item.name], where, options)
                continue
            found = _grouped_rows(
                responses, item, shown.loc[index, item.name], groups, where, by, options
            )
            for row in found:
                if row.statistic == "p_value":
                    tests.append((len(rows), row.value))
                rows.append(row)
    if options.adjust and tests:
        rows += _adjusted(rows, tests, options.adjust)
    return _suppressed(rows, options.suppress_below)


def _field_rows(
    responses: Responses, item: Field, shown: pd.Series, where: Where, options: Options
) -> list[TidyRow]:
    index = shown.index
    missing = responses.missing.loc[index, item.name]
    if item.type in CHOICE:
        table = frequencies(
            responses.frame.loc[index, item.name],
            shown,
            _choices(responses, item),
            missing=missing,
            missing_labels=_missing_labels(responses),
            keep_missing=[c for c in options.keep_missing if c in _missing_labels(responses)],
            confidence=options.confidence,
            small_below=options.small_below,
        )
        return frequency_rows(table, item, where)
    if item.type == "checkbox":
        ticks = _ticks(responses, item, index)
        table_c = check_all(
            ticks,
            _choices(responses, item),
            asked=shown,
            missing=missing,
            confidence=options.confidence,
            small_below=options.small_below,
        )
        return checkall_rows(table_c, item, where)
    values = responses.frame.loc[index, item.name]
    if pd.api.types.is_float_dtype(values.dtype):
        summary = describe_numeric(values, shown, missing=missing, confidence=options.confidence)
        return numeric_rows(summary, item.name, item.label, where)
    answered = int((shown & values.notna() & (values.astype("string") != "")).sum())
    return [
        where.row(item.name, item.label, "n_asked", int(shown.sum())),
        where.row(item.name, item.label, "n_answered", answered, n=int(shown.sum())),
    ]


def frequency_rows(table: FrequencyTable, item: Field, where: Where) -> list[TidyRow]:
    """A single-choice question's rows: its bases, its missing reasons, then every option."""
    rows = [
        where.row(item.name, item.label, "n_asked", table.n_asked),
        where.row(item.name, item.label, "n_answered", table.n_answered, n=table.n_asked),
        where.row(item.name, item.label, "denominator", table.denominator, note=table.note),
    ]
    rows += [
        where.row(item.name, item.label, f"n_missing_{reason}", count, n=table.n_asked)
        for reason, count in table.missing.items()
    ]
    for code, option in table.table.iterrows():
        name, label = checkbox_column(item.name, str(code)), f"{item.label}: {option['label']}"
        note = "small cell" if bool(option["small"]) else ""
        rows.append(where.row(name, label, "count", option["count"], n=table.denominator))
        rows.append(
            where.row(
                name,
                label,
                "percent",
                option["percent"],
                n=table.denominator,
                ci_low=option["percent_ci_low"],
                ci_high=option["percent_ci_high"],
                note=note or "95% Wilson interval",
            )
        )
    return rows


def checkall_rows(table: CheckAllTable, item: Field, where: Where) -> list[TidyRow]:
    """A check-all question's rows: bases, missing reasons, then per option the percent of
    respondents (primary) and the percent of responses."""
    rows = [
        where.row(item.name, item.label, "n_asked", table.n_asked),
        where.row(item.name, item.label, "n_respondents", table.n_respondents, n=table.n_asked),
        where.row(item.name, item.label, "n_responses", table.n_responses, note=table.note),
    ]
    rows += [
        where.row(item.name, item.label, f"n_missing_{reason}", count, n=table.n_asked)
        for reason, count in table.missing.items()
    ]
    for code, option in table.table.iterrows():
        name, label = checkbox_column(item.name, str(code)), f"{item.label}: {option['label']}"
        small = "small cell; " if bool(option["small"]) else ""
        rows += [
            where.row(name, label, "count", option["count"], n=table.n_respondents),
            where.row(
                name,
                label,
                "percent_of_respondents",
                option["percent_of_respondents"],
                n=table.n_respondents,
                ci_low=option["respondents_ci_low"],
                ci_high=option["respondents_ci_high"],
                note=small + "95% Wilson interval",
            ),
            where.row(
                name,
                label,
                "percent_of_responses",
                option["percent_of_responses"],
                n=table.n_responses,
                ci_low=option["responses_ci_low"],
                ci_high=option["responses_ci_high"],
                note=small + "95% Wilson interval; ticks are not independent",
            ),
        ]
    return rows


def numeric_rows(summary: NumericSummary, name: str, label: str, where: Where) -> list[TidyRow]:
    """n, mean with its t interval, SD, median, quartiles (type 7) and range."""
    n = summary.n
    rows = [where.row(name, label, "n", n, note=summary.note)]
    rows.append(
        where.row(
            name,
            label,
            "mean",
            summary.mean,
            n=n,
            ci_low=summary.ci_low,
            ci_high=summary.ci_high,
            note="95% t interval",
        )
    )
    for statistic in ("sd", "median", "q1", "q3", "min", "max"):
        value = getattr(summary, statistic)
        note = "Hyndman-Fan type 7" if statistic in ("median", "q1", "q3") else ""
        rows.append(where.row(name, label, statistic, value, n=n, note=note))
    rows += [
        where.row(name, label, f"n_missing_{reason}", count)
        for reason, count in summary.missing.items()
    ]
    return rows


def test_rows(test: IndependenceTest, item: Field, where: Where) -> list[TidyRow]:
    note = test.method + (f"; {test.note}" if test.note else "")
    rows = [where.row(item.name, item.label, "p_value", test.p_value, n=test.n, note=note)]
    if test.statistic == test.statistic:  # a chi-square statistic (NaN for Fisher)
        rows.append(
            where.row(item.name, item.label, "chi_square", test.statistic, n=test.n, note=note)
        )
    rows.append(where.row(item.name, item.label, "cramers_v", test.cramers_v, n=test.n))
    return rows


def _grouped_rows(
    responses: Responses,
    item: Field,
    shown: pd.Series,
    groups: pd.Series,
    where: Where,
    by: str,
    options: Options,
) -> list[TidyRow]:
    index = shown.index
    group = groups.loc[index]
    overall = replace(where, group_by=by)
    if item.type in CHOICE:
        grouped = frequencies_by_group(
            responses.frame.loc[index, item.name],
            shown,
            group,
            _choices(responses, item),
            missing=responses.missing.loc[index, item.name],
            missing_labels=_missing_labels(responses),
            confidence=options.confidence,
            small_below=options.small_below,
        )
        rows: list[TidyRow] = []
        for label, table in grouped.tables.items():
            rows += frequency_rows(table, item, replace(overall, group=str(label)))
        return rows + test_rows(grouped.test, item, overall)
    rows = []
    for label in group.dropna().unique():
        part = group.index[group == label]
        rows += _field_rows(
            responses, item, shown.loc[part], replace(overall, group=str(label)), options
        )
    return rows


def group_labels(responses: Responses, by: str) -> pd.Series:
    """The grouping field's values as labels (its choice labels where it has choices)."""
    fields = responses.instrument.field_map()
    if by not in fields or by not in responses.frame.columns:
        known = ", ".join(responses.instrument.grouping) or "none declared"
        raise ValueError(
            f"cannot group by '{by}': not a field of {responses.instrument.id} "
            f"(its grouping keys: {known})"
        )
    values = responses.frame[by]
    if fields[by].type in CHOICE:
        labels = responses.labels(by)
        return values.astype("object").map(
            lambda code: labels.get(str(code), code) if pd.notna(code) else None
        )
    return values.astype("object").where(values.notna(), None)


def _choices(responses: Responses, item: Field) -> list[tuple[str, str]]:
    return list(responses.labels(item.name).items())


def _missing_labels(responses: Responses) -> dict[str, str]:
    return {code.code: code.label for code in responses.instrument.missing_codes}


def _ticks(responses: Responses, item: Field, index: pd.Index) -> pd.DataFrame:
    columns = {code: checkbox_column(item.name, code) for code in item.choice_codes()}
    ticks = responses.frame.loc[index, list(columns.values())]
    ticks.columns = list(columns)
    return ticks.fillna(False).astype(bool)


def _adjusted(
    rows: list[TidyRow], tests: list[tuple[int, float]], method: Adjustment
) -> list[TidyRow]:
    p_values = pd.Series([p for _, p in tests], index=[i for i, _ in tests])
    adjusted = adjust_p_values(p_values.dropna(), method)
    note = f"{adjusted.method} across {adjusted.n_tests} tests"
    return [
        replace(rows[int(str(i))], statistic="p_adjusted", value=float(value), note=note)
        for i, value in adjusted.adjusted.items()
    ]


def _suppressed(rows: list[TidyRow], below: int | None) -> list[TidyRow]:
    """Counts below ``below`` and their percents blanked (the row stays, saying why)."""
    if below is None:
        return rows
    small = {
        (row.field, row.wave, row.group)
        for row in rows
        if row.statistic == "count" and row.value < below
    }
    note = f"suppressed: count below {below}"
    return [
        replace(row, value=float("nan"), ci_low=float("nan"), ci_high=float("nan"), note=note)
        if (row.field, row.wave, row.group) in small
        and row.statistic in ("count", "percent", "percent_of_respondents", "percent_of_responses")
        else row
        for row in rows
    ]
