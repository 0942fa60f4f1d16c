"""The research committee's summary of the environmental scans of providers and supporters.

    report = build_committee(providers, supporters, provenance=provenance,
                             field_period="October to December 2016", suppress_below=5,
                             references=load_references(path, instruments))

Layout: the executive summary (:mod:`reports.committee_summary`); a methods box; the
respondents' organisation types; then each domain of the survey, one subsection per question,
each shown once: its chart with the numbers in a compact table beneath it (check-all options
most ticked first). A question both surveys ask puts providers and supporters on one chart and
one table, with the test between them and its plain reading (:mod:`reports.committee_pairs`); a
Likert grid is one diverging chart per group and one table (:mod:`reports.committee_grids`); an
earlier scan's published shares sit beside this scan's (:mod:`reports.committee_reference`).
Answers typed in respondents' own words follow in an appendix, each distinct answer once with
how many gave it; the data dictionaries go to the XLSX workbook only (``Table.workbook_only``).
Every percentage is out of the respondents who were shown the question, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from instruments.model import Field, Instrument
from instruments.reference_values import References
from reports.committee_family import Compared, compare_groups
from reports.committee_grids import grid_blocks, grid_stem
from reports.committee_pairs import pair_blocks
from reports.committee_questions import (
    ANSWERS_PRINTED,
    Group,
    Names,
    choice_blocks,
    choice_table,
    make_group,
    question_blocks,
)
from reports.committee_reference import reference_blocks
from reports.committee_summary import executive_summary, group_tables
from reports.committee_wording import question_title
from reports.dictionary_table import dictionary_table
from reports.model import (
    Block,
    Facts,
    Provenance,
    Report,
    Section,
    Text,
    TextList,
    with_simulated,
)
from scoring.decode import Responses
from scoring.field_stats import described_fields
from scoring.questions import Options, likert_grid, question_kind
from scoring.respondents import Respondents
from scoring.statistics import statistics_table

DENOMINATORS = (
    "Each percentage is out of the respondents who were shown the question; questions shown "
    "only after an earlier answer say so."
)
METHODS_NOTE = "95% Wilson score intervals."
COMPARISON_NOTE = (
    " Providers and supporters are compared with Pearson's chi-square test, or Fisher's exact "
    "test when expected counts are small, and a difference of two percentages with Newcombe's "
    "hybrid score interval."
)
OTHER_DOMAIN = "Other questions"
WRITTEN = "Appendix: what respondents wrote"


def build_committee(
    providers: Responses,
    supporters: Responses | None,
    *,
    provenance: Provenance,
    field_period: str = "",
    suppress_below: int | None = None,
    tidy: pd.DataFrame | None = None,
    references: References | None = None,
) -> Report:
    """The committee summary of the providers' scan and, when given, the supporters'.

    Who responded, and the AAPOR response rates, come from each snapshot itself
    (:mod:`scoring.respondents`: every record is a case, a respondent started the survey);
    ``suppress_below`` withholds every count below it, with the cells that would reveal it,
    and its percent and interval (tables and charts alike); ``tidy`` is the statistics table
    the CSV/JSON formats carry (built with :func:`scoring.statistics.statistics_table`, with
    the same suppression, when not given); ``references`` are an earlier scan's published
    shares (:func:`instruments.reference_values.load_references`), set beside this scan's.
    Raises ValueError for an instrument with waves (the summary reads one row per respondent)
    or a ``suppress_below`` below 1.
    """
    if suppress_below is not None and suppress_below < 1:
        raise ValueError(f"suppress_below must be a positive count, got {suppress_below}")
    options = Options(suppress_below=suppress_below)
    groups = [make_group("Providers", "provider", "p", providers, options)]
    if supporters is not None:
        groups.append(make_group("Supporters", "supporter", "s", supporters, options))
    for group in groups:
        if group.instrument.waves is not None:
            raise ValueError(
                f"build_committee: instrument '{group.instrument.id}' has waves; the committee "
                "summary reads one row per respondent (use the cohort report for waves)"
            )
    names = Names()
    tidy = tidy if tidy is not None else _tidy(groups, options)
    compared = compare_groups(groups, group_tables(groups, options, tidy))
    profile_fields = {id(g): _profile_field(g.instrument) for g in groups}
    sections = [_methods(groups, provenance, field_period, suppress_below, references)]
    sections += _profile(groups, profile_fields, names, suppress_below)
    for label, fields in _domains(groups, profile_fields):
        sections.append(Section(label, ()))
        done: set[str] = set()
        for name in fields:
            if name not in done:
                section, shown = _question(groups, name, names, suppress_below, compared)
                if references is not None:
                    section = _with_references(section, groups, name, references, names)
                sections.append(section)
                done |= shown
    sections = _written_last(sections)
    dictionaries = tuple(
        replace(
            dictionary_table(g.instrument, name=names.take(f"dictionary {g.instrument.id}")),
            workbook_only=True,
        )
        for g in groups
    )
    sheets = " and ".join(f"'{table.name}'" for table in dictionaries)
    where = Text(
        f"Every field, with its type, choices and branching logic, is in this report's XLSX "
        f"workbook (sheets {sheets}).",
        "note",
    )
    sections.append(Section("Data dictionaries", (where, *dictionaries)))
    sections.insert(
        0,
        executive_summary(
            groups, sections, options, field_period=field_period, tidy=tidy, compared=compared
        ),
    )
    titles = " and ".join(g.instrument.title for g in groups)
    return Report(
        kind="committee",
        title="Environmental scan: summary for the research committee",
        subtitle=titles + (f", {field_period}" if field_period else ""),
        sections=tuple(sections),
        provenance=with_simulated(provenance, *(g.responses for g in groups)),
        tidy=tidy,
        suppress_below=suppress_below,
        audience="the research committee",
    )


def _methods(
    groups: Sequence[Group],
    provenance: Provenance,
    field_period: str,
    below: int | None,
    references: References | None = None,
) -> Section:
    items: list[tuple[str, str]] = []
    for g in groups:
        ins = g.instrument
        items.append((f"{g.title}' survey", f"{ins.title} ({ins.id}, version {ins.version})"))
    items.append(("Field period", field_period or "not given"))
    for g in groups:
        items.append((f"{g.title}: invited and responding", response_sentence(g.who)))
    items.append(("Who is a respondent", _capitalised(groups[0].who.note) + "."))
    pulled = provenance.pulled_at or "not recorded"
    if provenance.snapshot_id is not None:
        pulled += f" (snapshot {provenance.snapshot_id})"
    items += [("Data pulled from REDCap", pulled), ("Percentages", DENOMINATORS)]
    if len(groups) > 1:
        items.append(("Intervals and tests", METHODS_NOTE + COMPARISON_NOTE))
    else:
        items.append(("Intervals", METHODS_NOTE))
    if below is not None:
        items.append(
            (
                "Small counts",
                f"Counts below {below} are withheld, with their percents and intervals, in "
                "tables and charts alike, and so is the next smallest count of the same "
                "question wherever the total and the other counts would give a withheld one "
                "back (all shown as 'withheld').",
            )
        )
    if references is not None:
        items.append(("Earlier scan", f"{_capitalised(references.title)}: {references.source}"))
    return Section("Methods", (Facts(tuple(items), title="How the scan was run"),))


def response_sentence(who: Respondents) -> str:
    """Records, respondents, complete and partial responses and AAPOR RR1/RR2, in one line."""
    counts = who.counts()
    rates = who.rates()
    line = (
        f"{counts['records']} records (invited or opened a link); {counts['respondents']} "
        f"respondents: {counts['complete']} complete and {counts['partial']} partial "
        f"responses; {counts['not started']} never started"
    )
    if counts["simulated"]:
        line += f" ({counts['simulated']} of the respondents simulated by qiscan)"
    if rates.denominator == 0:
        return line + "; response rates not computable"
    return line + f"; AAPOR RR1 {rates.rr1:.1%}, RR2 {rates.rr2:.1%}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _profile_field(instrument: Instrument) -> Field | None:
    """The grouping field that describes the respondent (e.g. org_type), if it has choices."""
    fields = instrument.field_map()
    for name in instrument.grouping:
        if name in fields and fields[name].single_choice:
            return fields[name]
    return None


def _profile(
    groups: Sequence[Group],
    profile_fields: Mapping[int, Field | None],
    names: Names,
    below: int | None,
) -> list[Section]:
    blocks: list[Block] = []
    for g in groups:
        fld = profile_fields[id(g)]
        if fld is None:
            blocks.append(Text(f"The {g.title.lower()}' survey has no organisation-type question."))
            continue
        blocks += choice_blocks(g, fld, choice_table(g, fld), names, below)
    return [Section("Respondent profile", tuple(blocks))]


def _domains(
    groups: Sequence[Group], profile_fields: Mapping[int, Field | None]
) -> list[tuple[str, list[str]]]:
    """(domain label, field names) in the first survey's order, the other's additions merged
    in after the field they follow; the profile question itself is left out."""
    labels: dict[str, str] = {}
    order: dict[str, list[str]] = {}
    for g in groups:
        for declared in g.instrument.domains:
            labels.setdefault(declared.name, declared.label)
        skip = profile_fields[id(g)]
        previous: dict[str, str] = {}
        for fld in described_fields(g.responses):
            if skip is not None and fld.name == skip.name:
                continue
            domain = fld.domain if fld.domain in labels else ""
            labels.setdefault(domain, OTHER_DOMAIN)
            names = order.setdefault(domain, [])
            if fld.name not in names:
                after = previous.get(domain)
                names.insert(names.index(after) + 1 if after in names else len(names), fld.name)
            previous[domain] = fld.name
    ordered = [d for d in labels if d in order and d != ""] + ([""] if "" in order else [])
    return [(labels[d], order[d]) for d in ordered]


def _question(
    groups: Sequence[Group],
    name: str,
    names: Names,
    below: int | None,
    compared: Mapping[str, Compared],
) -> tuple[Section, set[str]]:
    """The question's section, and the fields it shows (a grid shows all its rows at once)."""
    having = [g for g in groups if name in g.instrument.field_map()]
    first = having[0].instrument.field_map()[name]
    rows = likert_grid(having[0].instrument, first)
    if rows is not None:
        grid = grid_blocks(having, rows, names, below, compared)
        title = grid_stem(having[0].instrument, rows)
        return Section(title, tuple(grid), level=3), {f.name for f in rows}
    title = question_title(having[0].instrument, first)
    kind = question_kind(having[0].instrument, first)
    blocks: list[Block] = []
    if len(having) == 2:
        worded = question_title(having[1].instrument, having[1].instrument.field_map()[name])
        if worded != title:
            blocks.append(Text(f"{having[1].title} were asked: '{worded}'", "note"))
    if len(having) == 2 and kind in ("choice", "likert", "checkall"):
        pair = (having[0], having[1])
        shared = pair_blocks(pair, first, kind, names, below, compared.get(name))
        if shared is not None:
            return Section(title, (*blocks, *shared), level=3), {name}
    for g in having:
        blocks += question_blocks(g, g.instrument.field_map()[name], names, below)
    return Section(title, tuple(blocks), level=3), {name}


def _written_last(sections: list[Section]) -> list[Section]:
    """The questions answered in respondents' own words moved, whole, to an appendix at the end
    (each distinct answer once, with its count): the body reads as results. A domain left with
    no question is dropped."""
    body = [s for s in sections if not any(isinstance(b, TextList) for b in s.blocks)]
    written = [s for s in sections if any(isinstance(b, TextList) for b in s.blocks)]
    kept = [
        s
        for at, s in enumerate(body)
        if s.level >= 3 or s.blocks or (at + 1 < len(body) and body[at + 1].level >= 3)
    ]
    if not written:
        return kept
    intro = Text(
        "Answers typed in the respondents' own words, question by question: identical answers "
        "(ignoring case and spacing) are listed once with how many gave them, most frequent "
        f"first; the pages show up to {ANSWERS_PRINTED} per question, and this report's XLSX "
        "workbook lists every one.",
        "note",
    )
    return [*kept, Section(WRITTEN, (intro,)), *written]


def _with_references(
    section: Section,
    groups: Sequence[Group],
    name: str,
    refs: References,
    names: Names,
) -> Section:
    below = groups[0].options.suppress_below
    extra: list[Block] = []
    for g in groups:
        fld = g.instrument.field_map().get(name)
        if fld is not None:
            extra += reference_blocks(g, fld, refs, names, below)
    return replace(section, blocks=section.blocks + tuple(extra)) if extra else section


def _tidy(groups: Sequence[Group], options: Options) -> pd.DataFrame:
    frames = [statistics_table(g.responses, options) for g in groups]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
