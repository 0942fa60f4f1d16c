"""The feedback report a practice facilitator gives each practice, written for the practice.

Page 1 is a one-pager (:mod:`reports.practice_page1`): the practice's readiness band and what
it means, and per element its score beside the comparison group, its change since the first
assessment and the engagement strategy the facilitators' guide suggests for its band. Then
(:mod:`reports.practice_sections`) every element's scores over time as small charts beside the
group's median and middle half at each wave, and strengths before opportunities with the answers
behind each opportunity: two or three pages in all. The tables behind them (every score at every
wave, the change table with its thresholds, the group's quartiles) go to the XLSX workbook only
(``Table.workbook_only``).

The practice is compared with the whole cohort, or with the practices sharing its value of a
grouping field the facilitator chooses (``compare_by``: its region, its size), falling back to
the cohort when that group is too small (:mod:`scoring.peer_groups`); comparisons resting on
fewer than ``min_cohort`` practices are withheld. Every number comes from :mod:`scoring`: scores
and bands from :mod:`scoring.scales`, medians and quartiles (drawn at each wave) from
:mod:`scoring.peer_groups` and :mod:`scoring.benchmark`, change from :mod:`scoring.change`, and
the reliable-change marks from :mod:`scoring.paired` (see :mod:`scoring.wave_scores`).
Strengths and opportunities follow the one rule of :func:`scoring.unit_findings.classify`, so
they agree with the change table and name each element once. The wording is in
:mod:`reports.practice_text`.

A practice whose records :func:`scoring.units.check_units` sets aside (two records giving its
practice id at one wave) gets no feedback: :func:`build_practice` refuses it, naming the
records, and :func:`build_practices` gives it a one-section report that says why, so no
practice is silently missing from the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from reports import practice_text as say
from reports.model import Facts, Provenance, Report, Section, Table, Text, with_simulated
from reports.practice_page1 import glance_blocks
from reports.practice_parts import (
    DECIMALS,
    Comparison,
    Practice,
    group_name,
    unit_label,
)
from reports.practice_sections import (
    change_section,
    feedback_section,
    peer_section,
    scores_section,
)
from scoring.benchmark import unit_feedback
from scoring.decode import Responses
from scoring.peer_groups import (
    GroupBenchmarks,
    check_comparison_field,
    peer_group,
    unit_groups,
)
from scoring.wave_scores import WaveScores, change_statuses, wave_scores


def build_practice(
    responses: Responses,
    unit_id: str,
    *,
    provenance: Provenance,
    min_cohort: int = 5,
    compare_by: str | None = None,
) -> Report:
    """The feedback report of one practice: ``unit_id`` is its value of the unit's id field
    (``practice_id``, compared after trimming whitespace), or else its REDCap record id;
    ``compare_by`` a grouping field (:func:`scoring.peer_groups.comparison_fields`) to compare
    with the practices sharing the practice's value of it, else the whole cohort.

    Raises ValueError when neither id matches, listing the ids there are; when the practice's
    records are set aside (:mod:`scoring.units`), naming them and saying how to fix it; and
    for a ``compare_by`` that is not a grouping field, listing the ones that work."""
    check_comparison_field(responses.instrument, compare_by)
    scores = wave_scores(responses)
    provenance = with_simulated(provenance, scores.responses)
    groups = _groups(scores, compare_by, min_cohort)
    return _report(scores, unit_id, groups, provenance, min_cohort)


def build_practices(
    responses: Responses,
    *,
    provenance: Provenance,
    min_cohort: int = 5,
    compare_by: str | None = None,
) -> list[Report]:
    """One feedback report per practice, in record order, the cohort scored once and each
    comparison group's benchmarks computed once (:class:`scoring.peer_groups.GroupBenchmarks`);
    then, for each practice whose records are set aside (:mod:`scoring.units`), a report
    saying why. ``compare_by`` as for :func:`build_practice`."""
    check_comparison_field(responses.instrument, compare_by)
    scores = wave_scores(responses)
    provenance = with_simulated(provenance, scores.responses)
    groups = _groups(scores, compare_by, min_cohort)
    made = [_report(scores, unit, groups, provenance, min_cohort) for unit in scores.units]
    return made + [_set_aside(scores, unit, provenance) for unit in scores.unit_check.units]


@dataclass(frozen=True)
class _Groups:
    """What every practice's comparison shares: the grouping field, each practice's value of
    it, and the groups' benchmarks, each group's computed once."""

    by: str | None
    values: pd.Series | None
    benchmarks: GroupBenchmarks


def _groups(scores: WaveScores, compare_by: str | None, min_cohort: int) -> _Groups:
    shared = GroupBenchmarks(scores.data, scores.names, list(scores.waves), min_units=min_cohort)
    if compare_by is None or scores.data.empty:
        return _Groups(compare_by, None, shared)
    return _Groups(compare_by, unit_groups(scores.responses, scores.data, compare_by), shared)


def _comparison(
    scores: WaveScores, practice: Practice, groups: _Groups, min_cohort: int
) -> Comparison:
    by = groups.by
    wave = practice.latest if practice.latest is not None else 0
    group = peer_group(
        groups.values, scores.data, practice.unit, by=by, wave_index=wave, min_units=min_cohort
    )
    fields = scores.responses.instrument.field_map()
    field_label = fields[by].label if by is not None and by in fields else ""
    benchmarks = groups.benchmarks.summary(group)
    if group.is_cohort:
        return Comparison(group, say.COHORT_NAME, say.COHORT_SHORT, field_label, benchmarks)
    name = group_name(group.by, group.value, field_label)
    return Comparison(group, name, say.GROUP_SHORT, field_label, benchmarks)


def _set_aside(scores: WaveScores, unit: str, provenance: Provenance) -> Report:
    """The report of a practice whose records are set aside: why, and how to fix it."""
    label = unit_label(scores)
    why = scores.unit_check.explain(unit) or ""
    text = say.SET_ASIDE.format(unit_label=label, unit=unit, why=why)
    return Report(
        kind="practice",
        title=f"{scores.responses.instrument.title}: feedback for {label} {unit}",
        subtitle=say.SET_ASIDE_SUBTITLE,
        sections=(Section(say.SET_ASIDE_TITLE, (Text(text, "warning"),)),),
        provenance=provenance,
        audience=unit,
    )


def _report(
    scores: WaveScores,
    unit: object,
    groups: _Groups,
    provenance: Provenance,
    min_cohort: int,
) -> Report:
    practice = _practice(scores, unit)
    instrument = scores.responses.instrument
    opening = Text(say.OPENING.format(title=instrument.title))
    facts = _facts(scores, practice)
    latest = practice.latest
    if latest is None:
        about = Section("About this report", (opening, facts, Text(say.TAKES_TIME)))
        sections = [about, Section("Your scores", (Text(say.NOT_SCORED),))]
    else:
        comparison = _comparison(scores, practice, groups, min_cohort)
        feedback = unit_feedback(
            groups.benchmarks.rows(comparison.group),
            practice.unit,
            scores.names,
            wave_index=latest,
            min_units=min_cohort,
            labels=scores.labels,
            decimals=DECIMALS,
            statuses=change_statuses(scores.thresholds, practice.unit),
            table=groups.benchmarks.at_wave(comparison.group, latest),
        )
        # The tables behind page 1 (every score at every wave, the change table with its
        # thresholds, the group's quartiles) go to the workbook: the pages stay at three or so.
        trend, scores_table = _tables_out(scores_section(scores, practice, comparison, min_cohort))
        _, change_table = _tables_out(change_section(scores, practice))
        _, peer_table = _tables_out(peer_section(scores, feedback, comparison, min_cohort))
        behind = scores_table + change_table + peer_table
        glance = glance_blocks(scores, practice, comparison, min_cohort)
        feedback_part = feedback_section(scores, practice, feedback, comparison, min_cohort)
        # Three pages or so: page 1, strengths and opportunities, then the small charts.
        sections = [
            Section(
                say.GLANCE_TITLE,
                (replace(opening, kind="note"), Text(_in_one_line(facts), "note"), *glance),
            ),
            replace(feedback_part, blocks=(*feedback_part.blocks, Text(say.TAKES_TIME, "note"))),
            replace(trend, blocks=(*trend.blocks, Text(say.IN_THE_WORKBOOK, "note"), *behind)),
        ]
    return Report(
        kind="practice",
        title=f"{instrument.title}: feedback for {unit_label(scores)} {practice.unit}",
        subtitle=_subtitle(scores, practice),
        sections=tuple(sections),
        provenance=provenance,
        suppress_below=min_cohort,
        audience=str(practice.unit),
    )


def _in_one_line(facts: Facts) -> str:
    """The practice's facts as one line under the heading of page 1 (its id is in the title
    and its latest assessment in the line below)."""
    shown = facts.items[1:-1]
    return " \u00b7 ".join(f"{label}: {value}" for label, value in shown)


def _tables_out(section: Section) -> tuple[Section, tuple[Table, ...]]:
    """``section`` without its tables, and its tables for the workbook only, with the section's
    notes folded into theirs (a sheet carries a table and its note, not the text around it)."""
    texts = " ".join(b.text for b in section.blocks if isinstance(b, Text))
    tables = tuple(
        replace(b, note=" ".join(n for n in (b.note, texts) if n), workbook_only=True)
        for b in section.blocks
        if isinstance(b, Table)
    )
    rest = tuple(b for b in section.blocks if not isinstance(b, Table))
    return replace(section, blocks=rest), tables


def _practice(scores: WaveScores, unit: object) -> Practice:
    unit = unit.strip() if isinstance(unit, str) else unit
    data = scores.data
    rows = data.loc[data["unit"] == unit].sort_values("wave_index")
    if rows.empty:
        # A REDCap user may know the practice by its record id instead of its unit id.
        record = scores.responses.frame[scores.responses.instrument.record_id]
        found = data.loc[(record == str(unit)).to_numpy(dtype=bool), "unit"].dropna()
        if len(found):
            unit = found.iloc[0]
            rows = data.loc[data["unit"] == unit].sort_values("wave_index")
    if rows.empty and (why := scores.unit_check.explain(unit)) is not None:
        named = scores.unit_check.unit_of(unit) or unit  # a record id names its practice
        raise ValueError(f"no feedback report for {unit_label(scores)} '{named}': {why}")
    if rows.empty:
        known = ", ".join(str(u) for u in scores.units[:10])
        more = " ..." if len(scores.units) > 10 else ""
        raise ValueError(
            f"no {unit_label(scores)} '{unit}' in the responses of "
            f"'{scores.responses.instrument.id}' (by its id or its record id); the ids are: "
            f"{known}{more}"
        )
    scored = rows.loc[rows[scores.names].notna().any(axis=1), "wave_index"]
    return Practice(unit, rows, tuple(int(w) for w in scored))


def _subtitle(scores: WaveScores, practice: Practice) -> str:
    if practice.latest is None:
        return "No scored assessment yet"
    first, latest = scores.label(practice.waves[0]), scores.label(practice.latest)
    count = len(practice.waves)
    return f"{count} assessment{'s' if count != 1 else ''}, {first} to {latest}"


def _facts(scores: WaveScores, practice: Practice) -> Facts:
    responses = scores.responses
    fields = responses.instrument.field_map()
    items = [(unit_label(scores).capitalize(), str(practice.unit))]
    for key in responses.instrument.grouping:
        if key not in responses.frame.columns:
            continue  # a checkbox key has option columns only
        recorded = responses.frame.loc[practice.rows.index, key].dropna()
        value: Any = recorded.iloc[0] if len(recorded) else None
        if value is None:
            shown = "not recorded"
        elif fields[key].single_choice:
            shown = responses.labels(key).get(str(value), str(value))
        else:
            shown = str(value)
        items.append((fields[key].label, shown))
    waves = [scores.label(w) for w in practice.waves]
    items.append(("Waves assessed", ", ".join(waves) if waves else "none yet"))
    latest = practice.latest
    items.append(("Latest assessment", scores.label(latest) if latest is not None else "none yet"))
    return Facts(tuple(items), title=f"Your {unit_label(scores)}")
