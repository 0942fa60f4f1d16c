"""Every question's statistics as tidy rows: overall, by wave and by group.

Each field is summarised by its kind (:mod:`scoring.questions`, the one definition every output
reads): a single-choice question as counts and percents with Wilson intervals, a rating as that
and its median, quartiles, top-two box and mean, a check-all question as percent of respondents,
of responses and of those asked, a number as n, mean (t interval inside its bounds), SD, type-7
quartiles and range, open text as the number who answered. The base of every percentage is the
respondents who were asked (:mod:`scoring.asked`: branching logic, form started by the
respondent, form on the wave), and the rows say so: ``n`` is that base.

Each wave starts with who responded (field :data:`scoring.tidy.RESPONSE_FIELD`: records,
respondents, complete and partial responses, AAPOR RR1 and RR2). A question whose form the wave
does not hold has no rows for that wave; one asked of nobody has its ``n_asked`` of 0 only.

Row naming: every row carries the REDCap field name and its label; an option's rows add its
``choice_code`` and ``choice_label``. Missing reasons are rows ``n_missing_<code>`` (``blank``
for asked and left blank); partial responses that stopped before a question are counted in
``n_not_reached`` (they are not in its base). With ``by``, the overall rows are kept and each
group's rows follow, then the comparison of the groups (:mod:`scoring.field_compare`, the test
named in ``note``); ``p_adjusted`` when an adjustment across the family of tests is asked for.
Small counts are withheld last, with their complements (:mod:`scoring.withheld`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pandas as pd

from instruments.model import Field
from scoring.asked import ASKED_STATES, answer_state
from scoring.checkall import CheckAllTable
from scoring.decode import Responses
from scoring.describe import LikertSummary, NumericSummary
from scoring.field_compare import comparison_rows
from scoring.groups import group_parts
from scoring.independence import adjust_p_values
from scoring.proportions import FrequencyTable
from scoring.questions import (
    Adjustment,
    Options,
    checkall_table,
    choice_table,
    likert_summary,
    n_answered_text,
    numeric_summary,
    question_kind,
    rows_of,
)
from scoring.respondents import Respondents, designated_forms, respondents
from scoring.tidy import RESPONSE_FIELD, Option, TidyRow, Where
from scoring.withheld import withhold_rows

RESPONSE_LABEL = "Who responded"
__all__ = ["Options", "Where", "question_rows", "described_fields", "wave_slices"]


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
    responses: Responses,
    options: Options | None = None,
    *,
    by: str | None = None,
    who: Respondents | None = None,
) -> list[TidyRow]:
    """Tidy rows for who responded and every question, per wave: overall, and with ``by`` per
    group of the grouping field and the groups compared."""
    options = options or Options()
    instrument = responses.instrument
    who = who if who is not None else respondents(responses, partials=options.partials)
    states = answer_state(responses, who=who)
    fields = described_fields(responses)
    groups = group_labels(responses, by) if by else None
    designated = designated_forms(instrument, responses.frame)
    rows: list[TidyRow] = []
    for wave, index in wave_slices(responses):
        where = Where(instrument.id, instrument.version, wave=wave)
        parts = group_parts(groups, index)
        rows += response_rows(who, index, where)
        for label, part in parts:
            rows += response_rows(who, part, replace(where, group_by=str(by), group=label))
        for item in fields:
            if not designated[item.form][index.to_numpy()].any():
                continue  # the wave does not hold the question's form
            state = rows_of(states, item.name, index)
            rows += summary_rows(responses, item, state, where, options)
            if by is None or item.name == by or groups is None:
                continue
            for label, part in parts:
                grouped = replace(where, group_by=by, group=label)
                rows += summary_rows(responses, item, state.loc[part], grouped, options)
            asked = state.isin(ASKED_STATES)
            rows += comparison_rows(
                responses, item, asked, groups.loc[index], replace(where, group_by=by), options
            )
    return rows


def finish_rows(rows: list[TidyRow], options: Options) -> list[TidyRow]:
    """Add the adjusted p-values across the family of tests, then withhold small counts."""
    if options.adjust:
        rows = rows + adjusted_rows(rows, options.adjust)
    return withhold_rows(rows, options.suppress_below)


def response_rows(who: Respondents, index: pd.Index, where: Where) -> list[TidyRow]:
    """Who responded among the rows ``index``: records, respondents, complete, partial and not
    started, and AAPOR RR1 and RR2 in percent (see :mod:`scoring.respondents`)."""
    part = who.part(index)
    counts = part.counts()
    n = counts["records"]
    rates = part.rates()
    name, label = RESPONSE_FIELD, RESPONSE_LABEL
    rows = [
        where.row(name, label, "n_records", n, note="records in the snapshot: the cases"),
        where.row(name, label, "n_respondents", counts["respondents"], n=n, note=part.note),
        where.row(name, label, "n_complete", counts["complete"], n=n),
        where.row(name, label, "n_partial", counts["partial"], n=n, note="started, not finished"),
        where.row(name, label, "n_not_started", counts["not started"], n=n),
    ]
    if counts["simulated"]:
        note = "record ids beginning SIM-: written by qiscan simulate, not by anyone"
        rows.append(where.row(name, label, "n_simulated", counts["simulated"], n=n, note=note))
    note = "AAPOR {}: {} of the {} records (not started: non-contact)"
    rows += [
        where.row(name, label, "rr1", 100 * rates.rr1, n=n, note=note.format("RR1", "I", n)),
        where.row(name, label, "rr2", 100 * rates.rr2, n=n, note=note.format("RR2", "I + P", n)),
    ]
    return rows


def summary_rows(
    responses: Responses, item: Field, state: pd.Series, where: Where, options: Options
) -> list[TidyRow]:
    """One question's rows among the rows of ``state`` (its answer states, see
    :func:`scoring.asked.answer_state`), by the question's kind."""
    kind = question_kind(responses.instrument, item)
    asked = state.isin(ASKED_STATES)
    n_asked = int(asked.sum())
    rows = [where.row(item.name, item.label, "n_asked", n_asked)]
    not_reached = int((state == "not_reached").sum())
    if not_reached:
        note = "partial responses that stopped before the question: not in its base"
        rows.append(where.row(item.name, item.label, "n_not_reached", not_reached, note=note))
    if n_asked == 0 or kind is None:
        return rows
    if kind == "choice":
        return rows + frequency_rows(choice_table(responses, item, asked, options), item, where)
    if kind == "likert":
        likert, mean = likert_summary(responses, item, asked, options)
        return (
            rows
            + frequency_rows(likert.distribution, item, where)
            + likert_rows(likert, mean, item, where)
        )
    if kind == "checkall":
        return rows + checkall_rows(checkall_table(responses, item, asked, options), item, where)
    if kind == "numeric":
        summary = numeric_summary(responses, item, asked, options)
        return rows + numeric_rows(summary, item.name, item.label, where)
    answered = n_answered_text(responses, item, asked)
    return rows + [where.row(item.name, item.label, "n_answered", answered, n=n_asked)]


def frequency_rows(table: FrequencyTable, item: Field, where: Where) -> list[TidyRow]:
    """A single-choice question's bases and missing reasons, then every option's count and
    percent (with its Wilson interval)."""
    rows = [
        where.row(item.name, item.label, "n_answered", table.n_answered, n=table.n_asked),
        where.row(item.name, item.label, "denominator", table.denominator, note=table.note),
    ]
    rows += [
        where.row(item.name, item.label, f"n_missing_{reason}", count, n=table.n_asked)
        for reason, count in table.missing.items()
    ]
    for code, option in table.table.iterrows():
        choice: Option = {"choice_code": str(code), "choice_label": str(option["label"])}
        note = "small cell; " if bool(option["small"]) else ""
        rows.append(
            where.row(
                item.name, item.label, "count", option["count"], n=table.denominator, **choice
            )
        )
        rows.append(
            where.row(
                item.name,
                item.label,
                "percent",
                option["percent"],
                n=table.denominator,
                ci_low=option["percent_ci_low"],
                ci_high=option["percent_ci_high"],
                note=note + "95% Wilson interval",
                **choice,
            )
        )
    return rows


def likert_rows(
    likert: LikertSummary, mean: NumericSummary, item: Field, where: Where
) -> list[TidyRow]:
    """A rating's median and quartiles (type 7), its top-two box (Wilson) and its mean."""
    base = likert.distribution.denominator
    labels = item.choice_labels()
    top = " or ".join(f"'{labels[code]}'" for code in likert.top_codes)
    box = likert.top_box
    small = f"; fewer than {mean.n} answers" if mean.small else ""
    return [
        where.row(item.name, item.label, "median", likert.median, n=base, note="type 7"),
        where.row(item.name, item.label, "q1", likert.q1, n=base, note="type 7"),
        where.row(item.name, item.label, "q3", likert.q3, n=base, note="type 7"),
        where.row(
            item.name,
            item.label,
            "top2_percent",
            box.percent,
            n=base,
            ci_low=100 * box.ci_low,
            ci_high=100 * box.ci_high,
            note=f"answered {top}; 95% Wilson interval" + small,
        ),
        where.row(
            item.name,
            item.label,
            "mean",
            mean.mean,
            n=mean.n,
            ci_low=mean.ci_low,
            ci_high=mean.ci_high,
            note="; ".join(n for n in ("mean of the codes; 95% t interval", mean.note) if n),
        ),
        where.row(item.name, item.label, "sd", mean.sd, n=mean.n),
    ]


def checkall_rows(table: CheckAllTable, item: Field, where: Where) -> list[TidyRow]:
    """A check-all question's bases, missing reasons, then per option the percent of
    respondents (primary), of responses (mentions; not for a 'none' option) and of those asked
    (respondents who ticked nothing counted as a "no": the lower bound of prevalence)."""
    nones = set(table.none_codes)
    base_note = "asked and ticked at least one option" + (
        " (a 'none' option counts)" if nones else ""
    )
    rows = [
        where.row(
            item.name,
            item.label,
            "n_respondents",
            table.n_respondents,
            n=table.n_asked,
            note=base_note,
        ),
        where.row(
            item.name,
            item.label,
            "n_answerable",
            table.n_answerable,
            n=table.n_asked,
            note="asked, no missing-data code: ticked something or nothing",
        ),
        where.row(item.name, item.label, "n_responses", table.n_responses, note=table.note),
    ]
    rows += [
        where.row(item.name, item.label, f"n_missing_{reason}", count, n=table.n_asked)
        for reason, count in table.missing.items()
    ]
    for code, option in table.table.iterrows():
        choice: Option = {"choice_code": str(code), "choice_label": str(option["label"])}
        small = "small cell; " if bool(option["small"]) else ""
        rows += [
            where.row(
                item.name, item.label, "count", option["count"], n=table.n_respondents, **choice
            ),
            where.row(
                item.name,
                item.label,
                "percent_of_respondents",
                option["percent_of_respondents"],
                n=table.n_respondents,
                ci_low=option["respondents_ci_low"],
                ci_high=option["respondents_ci_high"],
                note=small + "95% Wilson interval",
                **choice,
            ),
        ]
        if str(code) not in nones:
            rows.append(
                where.row(
                    item.name,
                    item.label,
                    "percent_of_responses",
                    option["percent_of_responses"],
                    n=table.n_responses,
                    ci_low=option["responses_ci_low"],
                    ci_high=option["responses_ci_high"],
                    note=small + "95% Wilson interval; ticks are not independent",
                    **choice,
                )
            )
        if not nones and table.n_nothing_ticked:
            rows.append(
                where.row(
                    item.name,
                    item.label,
                    "percent_of_asked",
                    option["percent_of_asked"],
                    n=table.n_answerable,
                    ci_low=option["asked_ci_low"],
                    ci_high=option["asked_ci_high"],
                    note=small + "95% Wilson interval; ticking nothing counted as not this",
                    **choice,
                )
            )
    return rows


def numeric_rows(summary: NumericSummary, name: str, label: str, where: Where) -> list[TidyRow]:
    """n, mean with its t interval (kept inside the value's bounds), SD, median, quartiles
    (type 7) and range."""
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
            note="; ".join(part for part in ("95% t interval", summary.note) if part),
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


def group_labels(responses: Responses, by: str) -> pd.Series:
    """The grouping field's values as labels: a Categorical of its choice labels in choice
    order where it has choices, else its values as text."""
    fields = responses.instrument.field_map()
    if by not in fields or by not in responses.frame.columns:
        known = ", ".join(responses.instrument.grouping) or "none declared"
        raise ValueError(
            f"cannot group by '{by}': not a field of {responses.instrument.id} "
            f"(its grouping keys: {known})"
        )
    values = responses.frame[by]
    if fields[by].single_choice:
        labels = responses.labels(by)
        named = values.astype("object").map(
            lambda code: labels.get(str(code), str(code)) if pd.notna(code) else None
        )
        order = list(dict.fromkeys(labels.values()))
        return pd.Series(pd.Categorical(named, categories=order), index=values.index)
    return values.astype("object").map(lambda value: str(value) if pd.notna(value) else None)


def adjusted_rows(rows: list[TidyRow], method: Adjustment) -> list[TidyRow]:
    """A ``p_adjusted`` row after the family of every ``p_value`` row (Holm or BH)."""
    tests = [(i, row.value) for i, row in enumerate(rows) if row.statistic == "p_value"]
    if not tests:
        return []
    p_values = pd.Series([p for _, p in tests], index=[i for i, _ in tests])
    adjusted = adjust_p_values(p_values.dropna(), method)
    note = f"{adjusted.method} across {adjusted.n_tests} tests"
    return [
        replace(rows[int(str(i))], statistic="p_adjusted", value=float(value), note=note)
        for i, value in adjusted.adjusted.items()
    ]
