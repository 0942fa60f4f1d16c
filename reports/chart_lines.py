"""Line charts over waves (score bands and the cohort's quartiles behind them) and run charts
(points around their median, with an interval whisker per point and the scale's whole range as
axis when the builder gives them).

Lines that are not emphasised are dashed as well as coloured, so nothing depends on colour alone.
"""

from __future__ import annotations

import math

from reports.chart_svg import (
    BAND_FILLS,
    BLUE,
    DASHES,
    GRID,
    INK,
    MUTED,
    ORANGE,
    OTHER_COLOURS,
    WIDTH,
    esc,
    line_path,
    one_line,
    open_svg,
    tick,
)
from reports.chart_text import nice_ticks, number, text_width, wrap
from reports.model import Band, LineChart, RunChart

PLOT_L, PLOT_H = 52.0, 220.0


class _Frame:
    """Where a line or run chart's plot sits, and how values map into it."""

    def __init__(
        self, top: float, right: float, low: float, high: float, n: int, height: float = PLOT_H
    ) -> None:
        self.top, self.bottom, self.right, self.height = top, top + height, right, height
        self.low, self.high, self.n = low, high, n

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / ((self.high - self.low) or 1.0) * self.height

    def x(self, index: int) -> float:
        if self.n <= 1:
            return (PLOT_L + self.right) / 2
        return PLOT_L + 18 + index * (self.right - PLOT_L - 36) / (self.n - 1)


def _axes(frame: _Frame, x_labels: tuple[str, ...]) -> list[str]:
    parts = [
        f'<line x1="{PLOT_L:.1f}" y1="{frame.y(t):.1f}" x2="{frame.right:.1f}" '
        f'y2="{frame.y(t):.1f}" stroke="{GRID}"/>'
        f'<text x="{PLOT_L - 6:.1f}" y="{frame.y(t) + 4:.1f}" font-size="12" text-anchor="end" '
        f'fill="{MUTED}">{esc(tick(t))}</text>'
        for t in nice_ticks(frame.low, frame.high)
    ]
    parts.append(
        f'<path d="M{PLOT_L:.1f} {frame.top:.1f}V{frame.bottom:.1f}H{frame.right:.1f}" '
        f'stroke="{MUTED}" fill="none"/>'
    )
    # With many points only every step-th label fits (the description lists them all); a label
    # is cut to its share of the axis and never runs off the chart's edge.
    slot = (frame.right - PLOT_L) / max(frame.n, 1)
    widest = min(max((text_width(label, 12) for label in x_labels), default=1.0), 120.0)
    step = max(1, math.ceil(widest / slot))
    for i, label in enumerate(x_labels):
        if i % step == 0:
            middle = frame.x(i)
            room = min(slot * step, 2 * middle, 2 * (WIDTH - middle)) - 6
            parts.append(
                one_line(
                    middle, frame.bottom + 18, label, room, 12, text_anchor="middle", fill=MUTED
                )
            )
    return parts


def _line(frame: _Frame, values: tuple[float, ...], colour: str, width: float, dash: str) -> str:
    """The line through the points, lifted at every NaN so a skipped wave is a visible gap."""
    return line_path(values, frame.x, frame.y, colour, width, dash)


def _points(
    frame: _Frame,
    values: tuple[float, ...],
    labels: tuple[str, ...],
    name: str,
    colour: str,
    radius: float,
    filled: bool,
) -> list[str]:
    fill = colour if filled else "#FFFFFF"
    return [
        f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(v):.1f}" r="{radius}" fill="{fill}" '
        f'stroke="{colour}" stroke-width="2"><title>{esc(f"{name}, {labels[i]}: {number(v)}")}'
        "</title></circle>"
        for i, v in enumerate(values)
        if not math.isnan(v)
    ]


def _in_words(name: str, values: tuple[float, ...], labels: tuple[str, ...]) -> str:
    return f"{name}: " + ", ".join(f"{x} {number(v)}" for x, v in zip(labels, values, strict=True))


def _check_lengths(title: str, x_labels: tuple[str, ...], named: dict[str, int]) -> None:
    for name, count in named.items():
        if count != len(x_labels):
            raise ValueError(
                f"chart {title!r}: {name} has {count} values for {len(x_labels)} x labels; "
                "give one value per x label (NaN where there is none)"
            )


def _styles(chart: LineChart) -> list[tuple[str, str, float]]:
    """Colour, dash attribute and width per series: emphasised lines solid, strong and blue;
    the others (after a blue lead line when none is emphasised) thinner, other colours, and
    each dashed differently, so greyscale still tells them apart."""
    styles: list[tuple[str, str, float]] = []
    rank = 0 if any(series.emphasis for series in chart.series) else -1
    for series in chart.series:
        if series.emphasis:
            styles.append((BLUE, "", 3.0))
            continue
        if rank < 0:
            styles.append((BLUE, "", 2.0))
        else:
            dash = f' stroke-dasharray="{DASHES[rank % len(DASHES)]}"'
            styles.append((OTHER_COLOURS[rank % len(OTHER_COLOURS)], dash, 2.0))
        rank += 1
    return styles


def _legend(chart: LineChart, styles: list[tuple[str, str, float]]) -> tuple[list[str], float]:
    """The legend's rows, and the y where the chart below it may start."""
    parts: list[str] = []
    x, y = PLOT_L, 16.0
    for series, (colour, dash, width) in zip(chart.series, styles, strict=True):
        name_w = min(text_width(series.name, 12), 200.0)
        if x > PLOT_L and x + 30 + name_w > WIDTH - 8:
            x, y = PLOT_L, y + 20
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 24:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{colour}" stroke-width="{width}"{dash}/>'
        )
        parts.append(one_line(x + 30, y, series.name, name_w + 1, 12))
        x += 30 + name_w + 18
    return parts, (y + 10 if chart.series else 4.0)


def _ylabel(text: str, top: float) -> tuple[list[str], float]:
    if not text:
        return [], top
    return [one_line(8, top + 12, text, WIDTH - 16, 12, fill=MUTED)], top + 20


def _bands(frame: _Frame, bands: tuple[Band, ...]) -> list[str]:
    """Shaded strips behind the lines, each labelled in the margin to the right of the plot."""
    parts: list[str] = []
    for index, band in enumerate(bands):
        band_top, band_bottom = (
            frame.y(min(max(v, frame.low), frame.high)) for v in (band.high, band.low)
        )
        parts.append(
            f'<rect class="band" x="{PLOT_L:.1f}" y="{band_top:.1f}" '
            f'width="{frame.right - PLOT_L:.1f}" height="{max(band_bottom - band_top, 0):.1f}" '
            f'fill="{BAND_FILLS[index % len(BAND_FILLS)]}" stroke="#BBBBBB" stroke-width="0.5"/>'
        )
        lines, _ = wrap(band.label, WIDTH - frame.right - 10, 2, 11)
        first = (band_top + band_bottom) / 2 - 6.5 * (len(lines) - 1) + 4
        tspans = "".join(
            f'<tspan x="{frame.right + 6:.1f}" y="{first + 13 * i:.1f}">{esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        tooltip = f"{band.label}: {number(band.low)} to {number(band.high)}"
        parts.append(
            f"<g><title>{esc(tooltip)}</title>"
            f'<text font-size="11" fill="{MUTED}">{tspans}</text></g>'
        )
    return parts


def line_chart(chart: LineChart, ident: str) -> str:
    """The SVG of a line chart; ``ident`` makes its element ids unique in the page. ValueError
    when a series has not one value per x label."""
    _check_lengths(
        chart.title, chart.x_labels, {f"series {s.name!r}": len(s.values) for s in chart.series}
    )
    styles = _styles(chart)
    legend, top = _legend(chart, styles)
    parts, top = _ylabel(chart.y_label, top)
    # The declared range, widened (never narrowed) so every point is drawn where it is.
    seen = [v for series in chart.series for v in series.values if not math.isnan(v)]
    low, high = min([chart.y_min, *seen]), max([chart.y_max, *seen])
    right = WIDTH - (116.0 if chart.bands else 20.0)
    frame = _Frame(top + 10, right, low, high, len(chart.x_labels), chart.plot_height)
    parts += _bands(frame, chart.bands)
    parts += _axes(frame, chart.x_labels)
    # Emphasised lines last, so they are drawn over the cohort's.
    for index in sorted(range(len(chart.series)), key=lambda i: chart.series[i].emphasis):
        series, (colour, dash, width) = chart.series[index], styles[index]
        parts.append(_line(frame, series.values, colour, width, dash))
        radius = 4.5 if series.emphasis else 3.5
        parts += _points(
            frame, series.values, chart.x_labels, series.name, colour, radius, not dash
        )
        if series.emphasis:
            parts += [
                f'<text x="{frame.x(i):.1f}" y="{frame.y(v) - 9:.1f}" font-size="12" '
                f'font-weight="bold" text-anchor="middle">{esc(number(v))}</text>'
                for i, v in enumerate(series.values)
                if not math.isnan(v)
            ]
    desc = " ".join(
        [
            f"Lines over {len(chart.x_labels)} points, on a scale of {tick(low)} to {tick(high)}"
            + (f" ({chart.y_label})." if chart.y_label else ".")
        ]
        + [_in_words(s.name, s.values, chart.x_labels) + "." for s in chart.series]
        + [f"Band {b.label}: {number(b.low)} to {number(b.high)}." for b in chart.bands]
        + ([chart.note] if chart.note else [])
    )
    head = open_svg(ident, frame.bottom + 28, chart.title, desc)
    return "".join(head + legend + parts + ["</svg>"])


def run_chart(chart: RunChart, ident: str) -> str:
    """The SVG of a run chart; ``ident`` makes its element ids unique in the page. ValueError
    when the values, or the intervals, are not one per x label."""
    _check_lengths(chart.title, chart.x_labels, {"values": len(chart.values)})
    spread = chart if chart.low else None
    if spread is not None:
        _check_lengths(
            chart.title, chart.x_labels, {"low": len(spread.low), "high": len(spread.high)}
        )
    low, high = _run_range(chart)
    parts, top = _ylabel(chart.y_label, 4.0)
    if spread is not None:
        parts.append(_interval_key(spread.interval_label or "interval", top))
        top += 18
    frame = _Frame(top + 10, WIDTH - 96.0, low, high, len(chart.x_labels))
    parts += _axes(frame, chart.x_labels)
    if not math.isnan(chart.median):
        y = frame.y(chart.median)
        parts.append(
            f'<line class="median" x1="{PLOT_L:.1f}" y1="{y:.1f}" x2="{frame.right:.1f}" '
            f'y2="{y:.1f}" stroke="{ORANGE}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{frame.right + 6:.1f}" y="{y + 4:.1f}" font-size="12">'
            f"{esc('Median ' + number(chart.median))}</text>"
        )
    if spread is not None:
        parts += _whiskers(frame, spread)
    parts.append(_line(frame, chart.values, BLUE, 2.0, ""))
    parts += _points(frame, chart.values, chart.x_labels, "Value", BLUE, 4.0, True)
    desc = " ".join(
        [
            f"Run chart of {len(chart.values)} points around their median {number(chart.median)}"
            + (f" ({chart.y_label})" if chart.y_label else "")
            + f", on a scale of {tick(low)} to {tick(high)}.",
            _in_words("Values", chart.values, chart.x_labels) + ".",
        ]
        + ([_interval_words(spread)] if spread is not None else [])
        + (["Signals: " + " ".join(chart.signals)] if chart.signals else [])
        + ([chart.rules_note] if chart.rules_note else [])
    )
    return "".join(open_svg(ident, frame.bottom + 28, chart.title, desc) + parts + ["</svg>"])


def _run_range(chart: RunChart) -> tuple[float, float]:
    """The y-axis: the scale's possible range when the chart has one (widened, never narrowed,
    to hold every point and interval); otherwise round ticks just around the points."""
    if not math.isnan(chart.y_min + chart.y_max):
        seen = [v for v in (*chart.values, *chart.low, *chart.high) if not math.isnan(v)]
        return min([chart.y_min, *seen]), max([chart.y_max, *seen])
    seen = [v for v in (*chart.values, chart.median) if not math.isnan(v)] or [0.0]
    pad = (max(seen) - min(seen)) * 0.1 or 1.0
    ticks = nice_ticks(min(seen) - pad, max(seen) + pad)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return (
        math.floor((min(seen) - pad) / step) * step,
        math.ceil((max(seen) + pad) / step) * step,
    )


def _whiskers(frame: _Frame, chart: RunChart) -> list[str]:
    """A vertical whisker with end caps at each point that has an interval."""
    parts = []
    for i, (low, high) in enumerate(zip(chart.low, chart.high, strict=True)):
        if math.isnan(low) or math.isnan(high):
            continue
        x, y_low, y_high = frame.x(i), frame.y(low), frame.y(high)
        words = f"{chart.x_labels[i]}: {number(low)} to {number(high)}"
        parts.append(
            f'<path class="interval" d="M{x:.1f} {y_low:.1f}V{y_high:.1f}'
            f'M{x - 5:.1f} {y_low:.1f}H{x + 5:.1f}M{x - 5:.1f} {y_high:.1f}H{x + 5:.1f}" '
            f'stroke="{INK}" stroke-width="1.5" fill="none"><title>{esc(words)}</title></path>'
        )
    return parts


def _interval_key(label: str, top: float) -> str:
    """The legend of the whiskers: a small whisker and what it is."""
    y = top + 8
    return (
        f'<path d="M{PLOT_L + 4:.1f} {y - 7:.1f}V{y + 5:.1f}M{PLOT_L:.1f} {y - 7:.1f}'
        f'H{PLOT_L + 8:.1f}M{PLOT_L:.1f} {y + 5:.1f}H{PLOT_L + 8:.1f}" stroke="{INK}" '
        f'stroke-width="1.5" fill="none"/>'
        + one_line(PLOT_L + 16, y + 4, label, WIDTH - PLOT_L - 24, 12, fill=MUTED)
    )


def _interval_words(chart: RunChart) -> str:
    spans = [
        f"{x} {number(low)} to {number(high)}"
        for x, low, high in zip(chart.x_labels, chart.low, chart.high, strict=True)
        if not (math.isnan(low) or math.isnan(high))
    ]
    name = chart.interval_label or "Intervals"
    return f"{name[0].upper()}{name[1:]}: " + (", ".join(spans) if spans else "none") + "."
