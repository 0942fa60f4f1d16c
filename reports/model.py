"""What a report is, whatever format it is rendered to.

A builder (``reports/committee.py``, ``practice.py``, ...) turns scoring results into a
:class:`Report`: a title, sections of blocks (text, facts, tables, charts, lists of open-text
answers) and the provenance that makes it reproducible. A renderer (``render_html``,
``render_pdf``, ``render_xlsx``, ``render_tidy``) turns a Report into a file with one shape,
``render(report, out) -> Path``. Builders decide every number and word; renderers only lay
them out, so a suppressed cell or a chart's bar is the same in every format.

Cells hold ``str``, ``int``, ``float``, ``None`` (blank: not applicable) or :class:`Suppressed`
(a small count withheld, with the reason shown in its place). Text in cells and lists may be
what respondents typed: every renderer treats it as data (escaped in HTML and PDF, neutralised
against formula injection in XLSX and CSV).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from scoring.decode import Responses
from scoring.respondents import simulated_records

ColumnKind = Literal["text", "integer", "number", "percent", "p_value"]
TextKind = Literal["paragraph", "lead", "note", "warning"]

NAN = math.nan


@dataclass(frozen=True)
class Suppressed:
    """A value withheld because it rests on too few respondents; ``shown`` stands in its place."""

    shown: str = "<5"
    reason: str = "fewer than 5 respondents"


Cell = str | int | float | Suppressed | None


@dataclass(frozen=True)
class Text:
    """A paragraph; ``kind`` sets its look: a lead in larger type, a note in small muted type, a
    warning boxed."""

    text: str
    kind: TextKind = "paragraph"


@dataclass(frozen=True)
class Facts:
    """Label-value pairs: a methods box, a practice's summary."""

    items: tuple[tuple[str, str], ...]
    title: str = ""


@dataclass(frozen=True)
class Column:
    """One table column. ``decimals`` applies to number, percent and p_value columns (a p-value
    below 0.001 shows as "<0.001")."""

    key: str
    header: str
    kind: ColumnKind = "text"
    decimals: int = 1


@dataclass(frozen=True)
class Table:
    """A table; ``name`` is unique within a report (the XLSX sheet name, at most 31 chars)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Cell], ...]
    note: str = ""
    # True: a sheet of the XLSX only (e.g. a data dictionary, the test behind a plain reading);
    # the HTML and PDF leave it out, and the report says in words where it is
    workbook_only: bool = False


@dataclass(frozen=True)
class Bar:
    """One bar: a value with its interval (NaN: none), or withheld."""

    label: str
    value: float
    low: float = NAN
    high: float = NAN
    suppressed: Suppressed | None = None
    note: str = ""
    series: int = 0  # its index in BarChart.series (a chart of several groups)


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars on a 0..``max_value`` axis (percent charts: 0..100), whiskers where the
    bars have intervals.

    With ``series`` (e.g. ("Providers", "Supporters")), each bar's ``series`` is its index
    there: consecutive bars with the same label are one option's group, labelled once, each
    bar coloured by its series with a legend."""

    title: str
    bars: tuple[Bar, ...]
    unit: str = "%"
    max_value: float = 100.0
    note: str = ""
    series: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackedRow:
    """One item of a grid: the percent answering each level (NaN: withheld), out of ``n``."""

    label: str
    shares: tuple[float, ...]
    n: int | Suppressed


@dataclass(frozen=True)
class StackedBarChart:
    """A Likert grid as diverging stacked bars: one bar per item, its levels laid end to end
    from the lowest (e.g. "Never") to the highest ("Always") and centred on the scale's middle,
    the lower levels left of the centre line and the higher right of it (an odd number of
    levels splits the middle one across the line), so items compare at a glance."""

    title: str
    levels: tuple[str, ...]
    rows: tuple[StackedRow, ...]
    note: str = ""


@dataclass(frozen=True)
class Heatmap:
    """A grid of ordered categories, e.g. practices (rows) by waves (columns) coloured by
    readiness band. A cell is the index of its category in ``categories`` (lowest first), or
    None (not assessed)."""

    title: str
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    categories: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One line: a value per x position (NaN: no point there, e.g. a skipped wave)."""

    name: str
    values: tuple[float, ...]
    emphasis: bool = False  # the practice's own line, drawn stronger than the cohort's


@dataclass(frozen=True)
class Band:
    """A horizontal band behind a line chart: a score band, or the cohort's interquartile range."""

    label: str
    low: float
    high: float


@dataclass(frozen=True)
class LineChart:
    """Lines over waves on a ``y_min..y_max`` axis (widened, never narrowed, to hold every
    point), with ``bands`` shaded behind them."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_min: float = 0.0
    y_max: float = 100.0
    y_label: str = ""
    bands: tuple[Band, ...] = ()
    note: str = ""
    plot_height: float = 220.0  # the plot's height in chart units (the chart is 560 wide)


@dataclass(frozen=True)
class Panel:
    """One small chart of a :class:`PanelChart`: the unit's value at each wave, and the
    comparison group's median and middle half (``low``: lower quartile, ``high``: upper, at
    each wave); NaN where there is none, () for none at all."""

    title: str
    values: tuple[float, ...]
    median: tuple[float, ...] = ()
    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()


@dataclass(frozen=True)
class PanelChart:
    """Small multiples: one small line chart per panel, four to a row, on one scale
    (``y_min..y_max``) and one set of waves, with one legend naming the unit's line, the
    median and the middle half (``names``)."""

    title: str
    x_labels: tuple[str, ...]
    panels: tuple[Panel, ...]
    names: tuple[str, str, str] = ("Your practice", "Median", "Middle half")
    y_min: float = 0.0
    y_max: float = 100.0
    note: str = ""
    legend: bool = True  # False: a later row of the same charts, under the first one's legend


@dataclass(frozen=True)
class RunChart:
    """A run chart: points over time around their median, with the signals the Anhoej rules
    found (plain sentences, empty when none; ``rules_note`` says when too few points)."""

    title: str
    x_labels: tuple[str, ...]
    values: tuple[float, ...]
    median: float
    signals: tuple[str, ...] = ()
    rules_note: str = ""
    y_label: str = ""
    # Each point's interval (one per point, NaN where there is none; () for none at all), and
    # the scale's possible range as axis (NaN: round ticks around the points), so that the axis
    # starts at the scale's minimum and a three-point wiggle is drawn as the small move it is.
    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()
    y_min: float = NAN
    y_max: float = NAN
    interval_label: str = ""  # what the whiskers are, e.g. "95% confidence interval"


@dataclass(frozen=True)
class TextList:
    """Answers people typed, listed as data (never as markup)."""

    title: str
    items: tuple[str, ...]
    note: str = ""
    # per item, the index in Report.sections it points to (None: no link); () for none at all
    links: tuple[int | None, ...] = ()
    # the first items the pages print (None: all), the rest said to be in the workbook, which
    # always lists every item
    shown: int | None = None


Chart = BarChart | StackedBarChart | LineChart | PanelChart | RunChart | Heatmap
Block = Text | Facts | Table | Chart | TextList


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 2  # 2: a section, 3: a subsection (a question within a domain)


@dataclass(frozen=True)
class Provenance:
    """What makes a report reproducible: printed at its end in every format."""

    qiscan_version: str
    instruments: tuple[tuple[str, str], ...]  # (id, version)
    snapshot_id: int | None = None
    content_hashes: tuple[str, ...] = ()  # of each snapshot read, in order
    pulled_at: str = ""  # the REDCap server time of the pull
    project: str = ""
    generated_at: str = ""
    simulated: int = 0  # records that responded and that qiscan simulate wrote (with_simulated)


def with_simulated(provenance: Provenance, *responses: Responses) -> Provenance:
    """``provenance`` saying how many of the respondents (records) in ``responses`` are
    simulated (:func:`scoring.respondents.simulated_records`), so that every format can say so."""
    return replace(provenance, simulated=sum(simulated_records(r) for r in responses))


@dataclass(frozen=True)
class Report:
    """One report, whatever its format: titled sections of blocks, the provenance printed at its
    end, and the tidy table its CSV and JSON formats write (None: it has none)."""

    kind: str  # a kind of reports.catalogue
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    provenance: Provenance
    tidy: pd.DataFrame | None = field(default=None, compare=False)  # the CSV/JSON formats
    suppress_below: int | None = None
    audience: str = ""  # who it is written for, e.g. the practice's name

    def tables(self) -> list[Table]:
        """Every table in reading order (the XLSX sheets), the workbook-only ones too."""
        return [block for s in self.sections for block in s.blocks if isinstance(block, Table)]
