"""Charts as inline SVG, one module per kind of chart (:mod:`reports.chart_bars`,
:mod:`reports.chart_lines`, :mod:`reports.chart_panels`, :mod:`reports.chart_stacked`,
:mod:`reports.chart_heatmap`), sharing :mod:`reports.chart_svg`.

Every chart is one ``<svg role="img">`` whose ``<title>`` and ``<desc>`` say in words what it
draws, so a screen reader (or a search in the PDF) gets the numbers too. Sizes are viewBox units:
the chart scales to its box on a phone or an A4 page. Labels that do not fit are wrapped (or,
past their line limit, cut with an ellipsis, the full text going into a ``<title>``: a tooltip in
browsers, read by screen readers).

Nothing here computes a statistic: values, intervals, medians and signals come from the
builder; only the layout (axis ticks, label positions) is decided here.
"""

from __future__ import annotations

from reports.chart_bars import bar_chart
from reports.chart_heatmap import heatmap
from reports.chart_lines import line_chart, run_chart
from reports.chart_panels import panel_chart
from reports.chart_stacked import stacked_chart
from reports.model import (
    BarChart,
    Chart,
    Heatmap,
    LineChart,
    PanelChart,
    RunChart,
    StackedBarChart,
)

ChartBlock = Chart


def svg(block: ChartBlock, ident: str = "chart") -> str:
    """The chart as one inline ``<svg>`` element; ``ident`` prefixes its element ids (unique per
    page, so the ``aria-labelledby`` references resolve)."""
    if isinstance(block, BarChart):
        return bar_chart(block, ident)
    if isinstance(block, LineChart):
        return line_chart(block, ident)
    if isinstance(block, RunChart):
        return run_chart(block, ident)
    if isinstance(block, StackedBarChart):
        return stacked_chart(block, ident)
    if isinstance(block, Heatmap):
        return heatmap(block, ident)
    if isinstance(block, PanelChart):
        return panel_chart(block, ident)
    raise TypeError(f"not a chart: {type(block).__name__}")
