"""The committee report's executive summary: who responded, then 5 to 8 key findings.

    section = executive_summary(groups, sections, options, field_period="October 2016")

Every number in the summary is a row of the statistics table (:func:`scoring.statistics.
statistics_table`, the tidy table the CSV carries), so a finding reads the same as its table.
The findings are chosen by rule (:func:`choose_findings`), never by hand:

* **differences** (only when the supporters' survey is in the report): each single-choice
  question both surveys ask with the same codes is tested (providers against supporters,
  :func:`scoring.independence.independence_test` on the counts); the family's p-values are
  Holm-adjusted (:func:`scoring.independence.adjust_p_values`), and of the questions whose
  adjusted p is at most 0.05 the three with the largest gap between the groups' percentages of
  one option are reported, that option named;
* **barriers**: a question whose field name says barrier or challenge (the scans' ``qi_barriers``;
  neither survey declares a barriers domain) gives its most chosen option, one per group, at most
  two;
* **ratings**: a Likert grid's rows are ratings, whose most chosen level ("Sometimes") is no
  finding; instead each group's row with the largest high side (its two highest levels, e.g.
  "Often" or "Always": :func:`scoring.proportions.high_side` of the statistics table's counts,
  as the grid's own table shows it), one per group, at most two;
* **largest shares**: each remaining question's most chosen option, the questions with the most
  respondents first (ties: the larger share), filling the list to eight.

Each question appears once. A withheld cell (:mod:`scoring.withheld`), a share resting on fewer
than ``Options.min_n`` respondents and the respondent-profile questions (the grouping fields) are
never chosen. Findings are listed shares first, then ratings, differences and barriers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from instruments.labels import plain_text
from instruments.model import Field, Instrument
from reports.committee_family import (
    Compared,
    Share,
    compare_groups,
    group_differences,
    group_shares,
)
from reports.committee_questions import Group
from reports.committee_wording import percent, question_title
from reports.model import Block, Section, Table, Text, TextList
from scoring.field_period import field_period as completion_span
from scoring.proportions import HIGH_LEVELS, high_side
from scoring.questions import Options, likert_grid
from scoring.statistics import statistics_table
from scoring.tidy import RESPONSE_FIELD

FindingKind = Literal["share", "rating", "difference", "barrier"]
MOST = 8
DIFFERENCES = 3
BARRIERS = 2
RATINGS = 2  # a rating grid's highest high side, one per group
BARRIER_WORDS = ("barrier", "challenge")
TITLE = "Executive summary"


@dataclass(frozen=True)
class Finding:
    """A key finding: its sentence, the rows it quotes and the section it refers to (an index
    into the report's sections; None when the question has no section)."""

    kind: FindingKind
    sentence: str
    shares: tuple[Share, ...]
    section: int | None = None
    p_adjusted: float = math.nan


def executive_summary(
    groups: Sequence[Group],
    sections: Sequence[Section],
    options: Options,
    *,
    field_period: str = "",
    tidy: pd.DataFrame | None = None,
    compared: dict[str, Compared] | None = None,
) -> Section:
    """The summary section for a committee report whose other ``sections`` are built; the
    findings' section indices count the summary itself as section 0, ahead of ``sections``.
    ``compared`` is the family of provider-supporter tests when the report has it already
    (:func:`reports.committee_family.compare_groups`)."""
    tables = group_tables(groups, options, tidy)
    found = key_findings(groups, sections, options, tables, compared)
    blocks: list[Block] = [
        Text(response_paragraph(g, tables[g.instrument.id], field_period)) for g in groups
    ]
    if found:
        note = (
            f"{len(found)} findings chosen by rule: the largest shares, the highest-rated "
            "practice in each rating grid, the biggest provider-supporter differences that pass "
            "a Holm-adjusted test, and the most named barriers; 95% Wilson intervals; each "
            "question's section has its table."
        )
        blocks.append(
            TextList(
                "Key findings",
                tuple(f.sentence for f in found),
                note=note,
                links=tuple(f.section for f in found),
            )
        )
    else:
        blocks.append(Text("No finding rests on enough respondents to report.", kind="note"))
    return Section(TITLE, tuple(blocks))


def key_findings(
    groups: Sequence[Group],
    sections: Sequence[Section],
    options: Options,
    tables: dict[str, pd.DataFrame],
    compared: dict[str, Compared] | None = None,
) -> list[Finding]:
    """The findings (:func:`choose_findings`) from each group's statistics table (``tables``,
    by instrument id), each with the index of its question's section among ``sections``
    counted from 1 (the summary is section 0)."""
    shares = [s for g in groups for s in group_shares(g, tables[g.instrument.id], options)]
    rated = {(g.instrument.id, f.name) for g in groups for f in _rated(g.instrument)}
    ratings = [s for g in groups for s in grid_shares(g, tables[g.instrument.id], options)]
    if compared is None:
        compared = compare_groups(groups, tables)
    differences = group_differences(compared)
    where = _section_index(groups, sections)
    # A rating's most chosen level ("Sometimes") is no finding: its grid's high side is.
    plain = [s for s in shares if (s.instrument, s.field) not in rated]
    return [
        Finding(f.kind, f.sentence, f.shares, where.get(f.shares[0].field), f.p_adjusted)
        for f in choose_findings(plain, differences, barrier_fields(groups), ratings)
    ]


def _rated(instrument: Instrument) -> list[Field]:
    """The rows of the instrument's rating grids."""
    return [f for f in instrument.fields if likert_grid(instrument, f) is not None]


def grid_shares(group: Group, tidy: pd.DataFrame, options: Options) -> list[Share]:
    """Each rating-grid row's high side (:func:`scoring.proportions.high_side`: its two highest
    levels, e.g. "Often or Always"), from the statistics table's counts of that row, as the
    grid's table shows it; none for a row with a withheld count or on fewer than ``min_n``."""
    found: list[Share] = []
    counts = tidy[(tidy["statistic"] == "count") & (tidy["group_by"] == "") & (tidy["wave"] == "")]
    for fld in _rated(group.instrument):
        rows = counts[counts["field"] == fld.name].set_index("choice_code")
        order = [code for code in fld.choice_codes() if code in rows.index]
        if len(order) != len(fld.choice_codes()) or rows["value"].isna().any():
            continue
        values = [int(float(rows["value"][code])) for code in order]
        n = sum(values)
        if n < max(options.min_n, options.suppress_below or 1):
            continue
        share = high_side(values, n)
        labels = fld.choice_labels()
        high = " or ".join(f"'{plain_text(labels[c])}'" for c in order[-HIGH_LEVELS:])
        found.append(
            Share(
                group.title.lower(),
                group.instrument.id,
                fld.name,
                question_title(group.instrument, fld),
                ",".join(order[-HIGH_LEVELS:]),
                high,
                "percent_high",
                100 * share.value,
                100 * share.ci_low,
                100 * share.ci_high,
                n,
            )
        )
    return found


def group_tables(
    groups: Sequence[Group], options: Options, tidy: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    """Each group's rows of the statistics table (computed when ``tidy`` is not given)."""
    if tidy is None:
        tidy = pd.concat([statistics_table(g.responses, options) for g in groups])
    return {g.instrument.id: tidy[tidy["instrument"] == g.instrument.id] for g in groups}


def response_paragraph(group: Group, tidy: pd.DataFrame, field_period: str) -> str:
    """Invited, responded (complete, partial), AAPOR RR1/RR2 and the field period, in words."""
    rows = tidy[tidy["field"] == RESPONSE_FIELD].set_index("statistic")["value"]
    title = group.title
    line = (
        f"{title}: {rows['n_records']:.0f} invited or opened the link and "
        f"{rows['n_respondents']:.0f} responded ({rows['n_complete']:.0f} complete, "
        f"{rows['n_partial']:.0f} partial)"
    )
    if math.isnan(rows["rr1"]):
        line += "; response rates not computable"
    else:
        line += f"; AAPOR response rate RR1 {rows['rr1']:.1f}%, RR2 {rows['rr2']:.1f}%"
    span = completion_span(group.responses)
    if span.known:
        line += f"; responses completed from {span.first} to {span.last}"
    elif field_period:
        line += f"; field period {field_period} (no completion times in the data)"
    else:
        line += "; field period not recorded (no completion times in the data)"
    return line + "."


def barrier_fields(groups: Sequence[Group]) -> frozenset[tuple[str, str]]:
    """(instrument, field) of the questions about barriers: a field name holding a word of
    :data:`BARRIER_WORDS`."""
    return frozenset(
        (g.instrument.id, f.name)
        for g in groups
        for f in g.instrument.fields
        if any(word in f.name.lower() for word in BARRIER_WORDS)
    )


def choose_findings(
    shares: Sequence[Share],
    differences: Sequence[tuple[Share, Share, float]],
    barriers: frozenset[tuple[str, str]],
    ratings: Sequence[Share] = (),
) -> list[Finding]:
    """The key findings by the rule of the module docstring (pure: values in, values out)."""
    used: set[str] = set()
    chosen_differences: list[Finding] = []
    for a, b, p in differences[:DIFFERENCES]:
        used.add(a.field)
        chosen_differences.append(
            Finding("difference", _difference_sentence(a, b, p), (a, b), None, p)
        )
    chosen_barriers: list[Finding] = []
    for top in _top_options(s for s in shares if (s.instrument, s.field) in barriers):
        if len(chosen_barriers) < BARRIERS and (top.instrument, top.field) not in used:
            chosen_barriers.append(Finding("barrier", _barrier_sentence(top), (top,)))
            used.add(top.field)
    chosen_ratings: list[Finding] = []
    for group in dict.fromkeys(s.group for s in ratings):
        mine = [s for s in ratings if s.group == group and s.field not in used]
        if mine and len(chosen_ratings) < RATINGS:
            top = max(mine, key=lambda s: s.value)  # ties: the first row of the grid
            chosen_ratings.append(Finding("rating", _rating_sentence(top), (top,)))
    used |= {f.shares[0].field for f in chosen_ratings}
    room = MOST - len(chosen_differences) - len(chosen_barriers) - len(chosen_ratings)
    tops = _top_options(
        s for s in shares if (s.instrument, s.field) not in barriers and s.field not in used
    )
    tops.sort(key=lambda s: (-s.n, -s.value))
    chosen_shares: list[Finding] = []
    for top in tops:
        if len(chosen_shares) < room and top.field not in used:
            chosen_shares.append(Finding("share", _share_sentence(top), (top,)))
            used.add(top.field)
    return chosen_shares + chosen_ratings + chosen_differences + chosen_barriers


def _top_options(shares: Iterable[Share]) -> list[Share]:
    """Each (group, question)'s most chosen option (ties: the first code), in the given order."""
    best: dict[tuple[str, str], Share] = {}
    for share in shares:
        key = (share.instrument, share.field)
        if key not in best or share.value > best[key].value:
            best[key] = share
    return list(best.values())


def _interval(share: Share) -> str:
    return f"95% CI {percent(share.ci_low)} to {percent(share.ci_high)}"


def _share_sentence(share: Share) -> str:
    return (
        f"{percent(share.value)} of the {share.n} {share.group} who answered "
        f"'{share.question}' chose '{share.choice_label}' ({_interval(share)})."
    )


def _rating_sentence(share: Share) -> str:
    return (
        f"{percent(share.value)} of the {share.n} {share.group} answered {share.choice_label} "
        f"to '{share.question}' ({_interval(share)})."
    )


def _barrier_sentence(share: Share) -> str:
    return (
        f"The barrier {share.group} named most often was '{share.choice_label}': "
        f"{percent(share.value)} of the {share.n} who answered '{share.question}' "
        f"({_interval(share)})."
    )


def _difference_sentence(a: Share, b: Share, p: float) -> str:
    shown = "< 0.001" if p < 0.001 else f"= {p:.3f}"
    return (
        f"'{a.choice_label}' for '{a.question}': {percent(a.value)} of the {a.n} {a.group} "
        f"({_interval(a)}) against {percent(b.value)} of the {b.n} {b.group} "
        f"({_interval(b)}); Holm-adjusted p {shown}."
    )


def _section_index(groups: Sequence[Group], sections: Sequence[Section]) -> dict[str, int]:
    """Field name -> index of the section holding its table, counting the summary as 0. A
    question's table is named after its field ("p qi_barriers" for one group's, "qi_involvement"
    for a question both groups share); a grid's ("grid edu_alp_grid") holds all its rows."""
    fields = {name: fld for g in groups for name, fld in g.instrument.field_map().items()}
    where: dict[str, int] = {}
    for at, section in enumerate(sections, 1):
        for block in section.blocks:
            if not isinstance(block, Table):
                continue
            *prefix, name = block.name.split(" ")
            if prefix == ["grid"]:
                for fld in fields.values():
                    if fld.matrix is not None and fld.matrix.group == name:
                        where.setdefault(fld.name, at)
            elif name in fields and prefix in ([], ["p"], ["s"]):
                where.setdefault(name, at)
    return where
