"""Diverging stacked bars for a Likert grid: one bar per item, its levels end to end and centred
on the scale's middle, so that "how many answered on the high side" reads as the length to the
right of the centre line, item against item.

The colours are ColorBrewer's brown-to-teal diverging scheme (BrBG, safe for the common
colour-vision deficiencies), darkest at the two ends, a grey for the middle level. Each segment
wide enough for it carries its percent; every segment is also in the chart's description and
its tooltip, so nothing depends on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from reports.chart_bars import LABEL_LINES, LABEL_W, PLOT_X0, row_label
from reports.chart_svg import (
    EM_DASH,
    GRID,
    INK,
    MUTED,
    WIDTH,
    esc,
    one_line,
    open_svg,
    swatches,
    tick,
    withheld_slot,
)
from reports.chart_text import nice_ticks, number, wrap
from reports.model import StackedBarChart, StackedRow, Suppressed

PLOT_X1, BAR_H = 500.0, 18.0  # wider than a bar chart's: the n goes after the bar
LOW_SIDE = ("#8C510A", "#BF812D", "#DFC27D")  # the lowest level first
HIGH_SIDE = ("#80CDC1", "#35978F", "#01665E")  # the highest level last
MIDDLE = "#D9D9D9"
MIN_LABELLED = 26.0  # a segment narrower than this carries no percent (it is in the tooltip)


def colours(n_levels: int) -> list[str]:
    """One colour per level, lowest first: the low side's darkest at the low end, the high
    side's darkest at the high end, grey for a middle level."""
    side = n_levels // 2
    if side > len(LOW_SIDE):
        raise ValueError(f"a diverging chart draws at most {2 * len(LOW_SIDE) + 1} levels")
    low = list(LOW_SIDE[:side]) if side == len(LOW_SIDE) else _spread(LOW_SIDE, side)
    high = list(HIGH_SIDE[-side:]) if side == len(HIGH_SIDE) else _spread(HIGH_SIDE, side, True)
    return low + ([MIDDLE] if n_levels % 2 else []) + high


def _spread(ramp: tuple[str, ...], k: int, high: bool = False) -> list[str]:
    """``k`` colours of a three-step ramp, keeping its darkest end."""
    if k == 0:
        return []
    if k == 1:
        return [ramp[-1] if high else ramp[0]]
    return [ramp[0], ramp[-1]] if k == 2 else list(ramp)


def _ink_on(fill: str) -> str:
    """Dark or white text, whichever reads on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#FFFFFF" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 else INK


def _sides(row: StackedRow, n_levels: int) -> tuple[float, float]:
    """How far a row reaches left and right of the centre line, in percent."""
    shares = [0.0 if math.isnan(s) else s for s in row.shares]
    half = n_levels // 2
    middle = shares[half] / 2 if n_levels % 2 else 0.0
    return sum(shares[:half]) + middle, sum(shares[n_levels - half :]) + middle


def _withheld(row: StackedRow) -> bool:
    return isinstance(row.n, Suppressed) or all(math.isnan(s) for s in row.shares)


def _row_words(row: StackedRow, levels: tuple[str, ...]) -> str:
    if isinstance(row.n, Suppressed):
        return f"{row.label}: {row.n.shown} ({row.n.reason})"
    parts = [
        f"{level} {'withheld' if math.isnan(share) else number(share, '%')}"
        for level, share in zip(levels, row.shares, strict=True)
    ]
    return f"{row.label} (n = {row.n}): " + ", ".join(parts)


def stacked_chart(chart: StackedBarChart, ident: str) -> str:
    """The SVG of diverging stacked bars; ``ident`` makes its element ids unique in the page.
    ValueError when a row has not one share per level."""
    n_levels = len(chart.levels)
    for row in chart.rows:
        if len(row.shares) != n_levels:
            raise ValueError(
                f"chart '{chart.title}': row '{row.label}' has {len(row.shares)} shares for "
                f"{n_levels} levels"
            )
    fills = colours(n_levels)
    reach = max([10.0, *(max(_sides(r, n_levels)) for r in chart.rows if not _withheld(r))])
    ticks = nice_ticks(0.0, reach, 3)
    limit = max(reach, ticks[-1])
    centre = (PLOT_X0 + PLOT_X1) / 2

    def x(value: float) -> float:  # a signed percent: negative to the left of the centre line
        return centre + value / limit * (PLOT_X1 - PLOT_X0) / 2

    parts, top = _legend(chart.levels, fills)
    bottom = top
    rows: list[str] = []
    for row in chart.rows:
        lines, _ = wrap(row.label, LABEL_W, LABEL_LINES)
        row_h = max(30.0, 16.0 * len(lines) + 12)
        rows.append(_row(row, chart.levels, fills, lines, bottom + row_h / 2, x))
        bottom += row_h
    for t in sorted({-v for v in ticks} | set(ticks)):
        parts.append(
            f'<line x1="{x(t):.1f}" y1="{top:.1f}" x2="{x(t):.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID}"/><text x="{x(t):.1f}" y="{bottom + 16:.1f}" font-size="12" '
            f'text-anchor="middle" fill="{MUTED}">{esc(tick(abs(t), "%"))}</text>'
        )
    parts += rows
    parts.append(
        f'<line class="centre" x1="{centre:.1f}" y1="{top - 4:.1f}" x2="{centre:.1f}" '
        f'y2="{bottom + 2:.1f}" stroke="{INK}" stroke-width="1.5"/>'
    )
    side = n_levels // 2
    key = (
        f"Left of the line: {', '.join(chart.levels[:side])}; right of it: "
        f"{', '.join(chart.levels[n_levels - side :])}"
        + (f"; '{chart.levels[side]}' is split across the line." if n_levels % 2 else ".")
    )
    parts.append(one_line(PLOT_X0 - 190, bottom + 34, key, WIDTH - 16, 11, fill=MUTED))
    desc = " ".join(
        [f"Diverging stacked bars, percent of those who answered each item. {key}"]
        + ["; ".join(_row_words(row, chart.levels) for row in chart.rows) + "."]
        + ([chart.note] if chart.note else [])
    )
    return "".join(open_svg(ident, bottom + 44, chart.title, desc) + parts + ["</svg>"])


def _legend(levels: tuple[str, ...], fills: list[str]) -> tuple[list[str], float]:
    """Swatches with the levels' names, lowest first, wrapped across lines as needed."""
    parts, placed = swatches(list(zip(levels, fills, strict=True)), PLOT_X0 - 190, 14.0)
    return parts, placed[-1][1] + 14


def _row(
    row: StackedRow,
    levels: tuple[str, ...],
    fills: list[str],
    lines: list[str],
    middle: float,
    x: Callable[[float], float],
) -> str:
    words = _row_words(row, levels)
    parts = [f'<g class="stack"><title>{esc(words)}</title>', row_label(lines, middle)]
    top = middle - BAR_H / 2
    if _withheld(row):
        shown = row.n.shown if isinstance(row.n, Suppressed) else EM_DASH
        reason = row.n.reason if isinstance(row.n, Suppressed) else ""
        parts.append(withheld_slot(PLOT_X0, PLOT_X1, top, BAR_H, shown, reason))
        return "".join(parts + ["</g>"])
    left, _ = _sides(row, len(levels))
    at = -left
    for level, share, fill in zip(levels, row.shares, fills, strict=True):
        if math.isnan(share) or share <= 0:
            continue
        x0, x1 = x(at), x(at + share)
        parts.append(
            f'<rect class="segment" x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" '
            f'height="{BAR_H}" fill="{fill}"><title>{esc(level)}: {number(share, "%")}'
            "</title></rect>"
        )
        if x1 - x0 >= MIN_LABELLED:
            parts.append(
                f'<text x="{(x0 + x1) / 2:.1f}" y="{middle + 4:.1f}" font-size="11" '
                f'text-anchor="middle" fill="{_ink_on(fill)}">{share:.0f}%</text>'
            )
        at += share
    parts.append(
        f'<text x="{PLOT_X1 + 6:.1f}" y="{middle + 4:.1f}" font-size="11" fill="{MUTED}">'
        f"n={row.n}</text>"
    )
    return "".join(parts + ["</g>"])
