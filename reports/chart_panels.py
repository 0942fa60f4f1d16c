"""Small multiples: one small line chart per element, four to a row, on one shared scale and one
shared legend, so a practice sees every element's course on half a page.

Each panel draws the comparison group's middle half (lower to upper quartile) as a shaded band
that follows the waves (its width at each wave is that wave's quartiles, never one wave's band
drawn across all), the group's median as a dashed orange line, and the unit's own scores as a
solid blue line, its first and latest scores written by their points. A wave without a value
leaves a gap. The description lists every number, so a screen reader (or a search in the PDF)
gets them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reports.chart_svg import (
    BLUE,
    GRID,
    INK,
    MUTED,
    ORANGE,
    WIDTH,
    esc,
    line_path,
    one_line,
    open_svg,
)
from reports.chart_text import number, text_width, wrap
from reports.model import Panel, PanelChart

COLUMNS, GAP = 4, 12.0
PANEL_W = (WIDTH - 8 - GAP * (COLUMNS - 1)) / COLUMNS
LEFT, PLOT_H, TITLE_LINES = 28.0, 56.0, 3
BAND = "#CFE3F3"
FONT = 11.0
ToX = Callable[[int], float]  # a wave's index to its x
ToY = Callable[[float], float]  # a score to its y


def panel_chart(chart: PanelChart, ident: str) -> str:
    """The SVG of small multiples; ``ident`` makes its element ids unique in the page.
    ValueError when a panel's values are not one per wave, or its median and quartiles neither
    one per wave nor none."""
    n = len(chart.x_labels)
    for panel in chart.panels:
        for name in ("values", "median", "low", "high"):
            got = len(getattr(panel, name))
            if got not in (0, n) or (name == "values" and got != n):
                raise ValueError(
                    f"chart '{chart.title}': panel '{panel.title}' has {got} {name} for {n} waves"
                )
    parts, top = _legend(chart.names) if chart.legend else ([], 4.0)
    titles = [wrap(panel.title, PANEL_W - 4, TITLE_LINES, 12)[0] for panel in chart.panels]
    for row in range(math.ceil(len(chart.panels) / COLUMNS)):
        at = row * COLUMNS
        lines = max(len(t) for t in titles[at : at + COLUMNS])
        plot_top = top + 14 * lines + 20  # room for a top score's label under the title
        for col, panel in enumerate(chart.panels[at : at + COLUMNS]):
            x0 = 4 + col * (PANEL_W + GAP)
            parts.append(_title(titles[at + col], x0, top + 12))
            parts += _panel(chart, panel, x0, plot_top)
        top = plot_top + PLOT_H + 34
    desc = " ".join(
        [
            f"Small charts, one per element, of {chart.names[0]} at each assessment "
            f"({', '.join(chart.x_labels)}) on a scale of {chart.y_min:g} to {chart.y_max:g}, "
            f"with {chart.names[1]} and {chart.names[2]}."
        ]
        + [_words(chart, panel) for panel in chart.panels]
        + ([chart.note] if chart.note else [])
    )
    title = chart.title or ", ".join(panel.title for panel in chart.panels)
    return "".join(open_svg(ident, top, title, desc) + parts + ["</svg>"])


def _legend(names: tuple[str, str, str]) -> tuple[list[str], float]:
    """The unit's line, the median's dashed line and the middle half's band, named once."""
    mine, median, middle = names
    x = 4.0
    parts = []
    for kind, name in (("mine", mine), ("median", median), ("band", middle)):
        if kind == "band":
            parts.append(f'<rect x="{x:.1f}" y="6" width="22" height="12" fill="{BAND}"/>')
        else:
            colour, dash = (BLUE, "") if kind == "mine" else (ORANGE, ' stroke-dasharray="5 3"')
            parts.append(
                f'<line x1="{x:.1f}" y1="12" x2="{x + 22:.1f}" y2="12" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
        width = min(text_width(name, 12), 200.0)
        parts.append(one_line(x + 28, 16, name, width + 1, 12))
        x += 28 + width + 18
    return parts, 28.0


def _title(lines: Sequence[str], x: float, y: float) -> str:
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{y + 14 * i:.1f}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text font-size="12" font-weight="bold">{spans}</text>'


def _panel(chart: PanelChart, panel: Panel, x0: float, top: float) -> list[str]:
    n = len(chart.x_labels)
    left, right = x0 + LEFT, x0 + PANEL_W - 10
    span = (chart.y_max - chart.y_min) or 1.0

    def x(i: int) -> float:
        return (left + right) / 2 if n <= 1 else left + 8 + i * (right - left - 16) / (n - 1)

    def y(value: float) -> float:
        return top + PLOT_H - (value - chart.y_min) / span * PLOT_H

    parts = []
    for value in (chart.y_min, (chart.y_min + chart.y_max) / 2, chart.y_max):
        parts.append(
            f'<line x1="{left:.1f}" y1="{y(value):.1f}" x2="{right:.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}"/><text x="{left - 4:.1f}" y="{y(value) + 4:.1f}" '
            f'font-size="{FONT - 1:g}" text-anchor="end" fill="{MUTED}">{value:g}</text>'
        )
    if panel.low and panel.high:
        parts += _band(panel.low, panel.high, x, y)
    if panel.median:
        parts.append(line_path(panel.median, x, y, ORANGE, dash=' stroke-dasharray="5 3"'))
    parts.append(line_path(panel.values, x, y, BLUE))
    scored = [i for i, value in enumerate(panel.values) if not math.isnan(value)]
    # The first and the latest scores are written by their points (every score is in the
    # tooltip and the description): more would crowd a small chart.
    written = {scored[0], scored[-1]} if scored else set()
    for i in scored:
        value = panel.values[i]
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{BLUE}"><title>'
            f"{esc(f'{panel.title}, {chart.x_labels[i]}: {number(value)}')}</title></circle>"
        )
        if i in written:
            parts.append(
                f'<text x="{x(i):.1f}" y="{y(value) - 6:.1f}" font-size="{FONT - 1:g}" '
                f'text-anchor="middle" fill="{INK}">{value:.0f}</text>'
            )
    parts.append(
        f'<path d="M{left:.1f} {top:.1f}V{top + PLOT_H:.1f}H{right:.1f}" stroke="{MUTED}" '
        'fill="none"/>'
    )
    slot = (right - left) / max(n, 1)
    widest = max((text_width(label, FONT - 1) for label in chart.x_labels), default=1.0)
    step = max(1, math.ceil((widest + 4) / slot))  # a label is never cut: every step-th shown
    shown = {i for i in range(n) if i % step == 0 and (n - 1 - i >= step or i == n - 1)}
    shown |= {n - 1} if n else set()  # the latest wave is always named
    for i, label in enumerate(chart.x_labels):
        if i in shown:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + PLOT_H + 14:.1f}" font-size="{FONT - 1:g}" '
                f'text-anchor="middle" fill="{MUTED}">{esc(label)}</text>'
            )
    return parts


def _runs(*columns: tuple[float, ...]) -> list[list[int]]:
    """Runs of consecutive waves at which every column has a value."""
    runs: list[list[int]] = []
    for i in range(len(columns[0])):
        if any(math.isnan(column[i]) for column in columns):
            runs.append([])
        elif runs and runs[-1]:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [run for run in runs if run]


def _band(low: tuple[float, ...], high: tuple[float, ...], x: ToX, y: ToY) -> list[str]:
    """The middle half, shaded wave by wave (a lone wave: a short bar)."""
    parts = []
    for run in _runs(low, high):
        if len(run) == 1:
            i = run[0]
            parts.append(
                f'<rect x="{x(i) - 4:.1f}" y="{y(high[i]):.1f}" width="8" '
                f'height="{max(y(low[i]) - y(high[i]), 1):.1f}" fill="{BAND}"/>'
            )
            continue
        upper = " ".join(f"{x(i):.1f},{y(high[i]):.1f}" for i in run)
        lower = " ".join(f"{x(i):.1f},{y(low[i]):.1f}" for i in reversed(run))
        parts.append(f'<polygon class="middle-half" points="{upper} {lower}" fill="{BAND}"/>')
    return parts


def _words(chart: PanelChart, panel: Panel) -> str:
    def said(values: tuple[float, ...]) -> str:
        return ", ".join(
            f"{x} {'none' if math.isnan(v) else number(v)}"
            for x, v in zip(chart.x_labels, values, strict=True)
        )

    text = f"{panel.title}: {chart.names[0]} {said(panel.values)}"
    if panel.median:
        text += f"; {chart.names[1]} {said(panel.median)}"
    if panel.low and panel.high:
        spans = ", ".join(
            f"{x} {number(lo)} to {number(hi)}"
            for x, lo, hi in zip(chart.x_labels, panel.low, panel.high, strict=True)
            if not (math.isnan(lo) or math.isnan(hi))
        )
        text += f"; {chart.names[2]} {spans or 'none'}"
    return text + "."
