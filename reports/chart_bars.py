"""Horizontal bar charts: a bar per option with its interval as a whisker, labels wrapped
beside the bars (up to :data:`LABEL_LINES` lines), withheld bars drawn as empty dashed slots."""

from __future__ import annotations

import math
from collections.abc import Callable

from reports.chart_svg import (
    BLUE,
    EM_DASH,
    GRID,
    INK,
    MUTED,
    OTHER_COLOURS,
    esc,
    one_line,
    open_svg,
    swatches,
    tick,
    withheld_slot,
)
from reports.chart_text import nice_ticks, number, wrap
from reports.model import Bar, BarChart

LABEL_W, PLOT_X0, PLOT_X1, BAR_H = 196.0, 206.0, 486.0, 16.0
LABEL_LINES = 6  # lines a bar's label may take before it is cut
GROUP_STEP = 20.0  # from one bar of an option's group to the next


def _has_interval(bar: Bar) -> bool:
    return not (math.isnan(bar.low) or math.isnan(bar.high))


def _counts(chart: BarChart) -> bool:
    """True when every bar is a whole number without an interval (a chart of counts): its
    values are then labelled "17", not "17.0"."""
    return all(
        bar.suppressed is not None
        or (not math.isnan(bar.value) and bar.value.is_integer() and not _has_interval(bar))
        for bar in chart.bars
    )


def _bar_value(value: float, unit: str, whole: bool) -> str:
    return f"{value:,.0f}" if whole and unit != "%" else number(value, unit)


def _bar_words(bar: Bar, chart: BarChart, whole: bool = False) -> str:
    """A bar in words: its description entry and its tooltip."""
    unit = chart.unit
    name = f"{chart.series[bar.series]}, {bar.label}" if chart.series else bar.label
    if bar.suppressed is not None:
        return f"{name}: {bar.suppressed.shown} ({bar.suppressed.reason})"
    text = f"{name}: {_bar_value(bar.value, unit, whole)}"
    if _has_interval(bar):
        text += f" (interval {number(bar.low, unit)} to {number(bar.high, unit)})"
    return text + (f", {bar.note}" if bar.note else "")


def bar_chart(chart: BarChart, ident: str) -> str:
    """The SVG of a horizontal bar chart; ``ident`` makes its element ids unique in the page."""
    # The axis runs 0..max_value, widened (never narrowed) to hold every value and interval.
    seen = [
        v
        for bar in chart.bars
        if bar.suppressed is None
        for v in (bar.value, bar.low, bar.high)
        if not math.isnan(v)
    ]
    low, high = min([0.0, *seen]), max([chart.max_value, *seen])

    def x(value: float) -> float:
        return PLOT_X0 + (value - low) / ((high - low) or 1.0) * (PLOT_X1 - PLOT_X0)

    rows, top = _legend(chart.series)
    bottom = top
    whole = _counts(chart)
    for group in _groups(chart):
        # Wrapped, never cut in any label a question has (a row grows with its lines); only a
        # label past LABEL_LINES, which long_text has already capped, ends in an ellipsis.
        lines, _ = wrap(group[0].label, LABEL_W, LABEL_LINES)
        if len(group) == 1:
            row_h = max(30.0, 16.0 * len(lines) + 12)
            rows.append(_bar_row(group[0], chart, lines, bottom + row_h / 2, x, whole))
            bottom += row_h
            continue
        row_h = max(GROUP_STEP * len(group) + 12, 16.0 * len(lines) + 12)
        first = bottom + (row_h - GROUP_STEP * len(group)) / 2 + GROUP_STEP / 2
        rows.append(row_label(lines, bottom + row_h / 2))
        for k, bar in enumerate(group):
            rows.append(_bar_row(bar, chart, [], first + k * GROUP_STEP, x, whole))
        bottom += row_h
    axis = [
        f'<line x1="{x(t):.1f}" y1="{top - 4:.1f}" x2="{x(t):.1f}" y2="{bottom:.1f}" '
        f'stroke="{GRID}"/>'
        f'<text x="{x(t):.1f}" y="{bottom + 16:.1f}" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}">{esc(tick(t, chart.unit))}</text>'
        for t in nice_ticks(low, high, 4)
    ]
    axis.append(
        f'<line x1="{x(0):.1f}" y1="{top - 4:.1f}" x2="{x(0):.1f}" y2="{bottom:.1f}" '
        f'stroke="{MUTED}"/>'
    )
    named_unit = chart.unit not in ("", "%")
    if named_unit:
        axis.append(one_line(PLOT_X1, bottom + 32, chart.unit, 200, 12, text_anchor="end"))
    height = bottom + (38 if named_unit else 24)
    desc = " ".join(
        [f"Horizontal bars on a scale of {tick(low, chart.unit)} to {tick(high, chart.unit)}."]
        + ["; ".join(_bar_words(bar, chart, whole) for bar in chart.bars) + "."]
        + ([chart.note] if chart.note else [])
    )
    return "".join(open_svg(ident, height, chart.title, desc) + axis + rows + ["</svg>"])


def _groups(chart: BarChart) -> list[list[Bar]]:
    """Each option's bars: runs of bars with one label in a chart of several series, else
    every bar on its own."""
    if not chart.series:
        return [[bar] for bar in chart.bars]
    groups: list[list[Bar]] = []
    for bar in chart.bars:
        if groups and groups[-1][0].label == bar.label:
            groups[-1].append(bar)
        else:
            groups.append([bar])
    return groups


def _legend(series: tuple[str, ...]) -> tuple[list[str], float]:
    """Swatches naming each series (none for a chart of one)."""
    if not series:
        return [], 8.0
    entries = [(name, colour(k)) for k, name in enumerate(series)]
    parts, placed = swatches(entries, PLOT_X0, 16.0, outlined=False, widest=160.0, gap=16.0)
    return parts, placed[-1][1] + 14


def colour(series: int) -> str:
    """The colour of the ``series``-th series, repeating after the palette runs out."""
    return (BLUE, *OTHER_COLOURS)[series % (1 + len(OTHER_COLOURS))]


def row_label(lines: list[str], middle: float) -> str:
    """A bar's wrapped label, right-aligned in the label column and centred on ``middle``."""
    first = middle - 8.0 * (len(lines) - 1) + 4.5
    spans = "".join(
        f'<tspan x="{LABEL_W:.1f}" y="{first + 16 * i:.1f}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="end">{spans}</text>'


def _bar_row(
    bar: Bar,
    chart: BarChart,
    lines: list[str],
    middle: float,
    x: Callable[[float], float],
    whole: bool = False,
) -> str:
    """One bar at ``middle``, with its label's ``lines`` beside it (none: a group's later
    bars, whose label is drawn once for the group)."""
    unit = chart.unit
    parts = [f'<g class="bar"><title>{esc(_bar_words(bar, chart, whole))}</title>']
    if lines:
        parts.append(row_label(lines, middle))
    top = middle - BAR_H / 2
    if bar.suppressed is not None or math.isnan(bar.value):
        # An empty slot, so a withheld bar is visibly withheld rather than silently absent; its
        # value is never drawn.
        shown, reason = (
            (bar.suppressed.shown, bar.suppressed.reason) if bar.suppressed else (EM_DASH, "")
        )
        parts.append(withheld_slot(PLOT_X0, PLOT_X1, top, BAR_H, shown, reason))
        return "".join(parts + ["</g>"])
    start, end = sorted((x(0.0), x(bar.value)))
    parts.append(
        f'<rect x="{start:.1f}" y="{top:.1f}" width="{max(end - start, 1.0):.1f}" '
        f'height="{BAR_H}" fill="{colour(bar.series)}"/>'
    )
    reach = bar.value
    if _has_interval(bar):
        x_low, x_high = x(bar.low), x(bar.high)
        parts.append(
            f'<path class="interval" d="M{x_low:.1f} {middle:.1f}H{x_high:.1f}'
            f"M{x_low:.1f} {middle - 6:.1f}V{middle + 6:.1f}"
            f'M{x_high:.1f} {middle - 6:.1f}V{middle + 6:.1f}" '
            f'stroke="{INK}" stroke-width="1.5" fill="none"/>'
        )
        reach = max(bar.value, bar.high)
    parts.append(
        f'<text x="{max(x(reach), x(0.0)) + 6:.1f}" y="{middle + 4.5:.1f}">'
        f"{esc(_bar_value(bar.value, unit, whole))}</text>"
    )
    return "".join(parts + ["</g>"])
