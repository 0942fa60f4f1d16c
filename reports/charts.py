"""Charts as inline SVG: bar charts with intervals, line charts over waves, run charts (with
an interval whisker per point and the scale's whole range as axis: :class:`IntervalRunChart`).

Every chart is one ``<svg role="img">`` whose ``<title>`` and ``<desc>`` say in words what it
draws, so a screen reader (or a search in the PDF) gets the numbers too. Sizes are viewBox units:
the chart scales to its box on a phone or an A4 page. The palette is Okabe and Ito's blue and
orange (safe for the common colour-vision deficiencies, and far apart in greyscale: the blue
prints dark, the orange light); lines that are not emphasised are also dashed, so nothing
depends on colour alone. Labels that do not fit are wrapped or cut with an ellipsis, and the
full text goes into a ``<title>`` (a tooltip in browsers, read by screen readers).

Nothing here computes a statistic: values, intervals, medians and signals come from the
builder; only the layout (axis ticks, label positions) is decided here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import escape

from reports.chart_text import nice_ticks, number, text_width, wrap
from reports.model import NAN, Band, Bar, BarChart, LineChart, RunChart


@dataclass(frozen=True)
class IntervalRunChart(RunChart):
    """A run chart whose points carry an interval (``low``/``high``, one per point, NaN where
    there is none), drawn on the scale's possible range ``y_min..y_max``, so the axis starts at
    the scale's minimum and a three-point wiggle is drawn as the small move it is.

    A subclass rather than fields of :class:`reports.model.RunChart` only because that module is
    not ours to change here; every renderer that takes a RunChart takes this one."""

    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()
    y_min: float = NAN
    y_max: float = NAN
    interval_label: str = ""  # what the whiskers are, e.g. "95% confidence interval"


ChartBlock = BarChart | LineChart | RunChart

WIDTH = 560
BLUE = "#0072B2"
ORANGE = "#E69F00"
OTHER_COLOURS = (ORANGE, "#56B4E9", "#D55E00", "#009E73", "#CC79A7")
DASHES = ("6 4", "2 3", "9 3 2 3", "4 2")
INK = "#222222"
GRID = "#DDDDDD"
MUTED = "#666666"
EM_DASH = "\u2014"
BAND_FILLS = ("#E8EEF5", "#F7F0E3")
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
# Character classes for estimating text width without font metrics (DejaVu Sans: lower case
# near 0.6 em, capitals near 0.75, "m", "W" and "<" wider, "i" and "l" narrower).
# XML 1.0 refuses C0 controls; a respondent's stray control character must not break the SVG.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def svg(block: ChartBlock, ident: str = "chart") -> str:
    """The chart as one inline ``<svg>`` element; ``ident`` prefixes its element ids (unique per
    page, so the ``aria-labelledby`` references resolve)."""
    if isinstance(block, BarChart):
        return _bar_chart(block, ident)
    if isinstance(block, LineChart):
        return _line_chart(block, ident)
    if isinstance(block, RunChart):
        return _run_chart(block, ident)
    raise TypeError(f"not a chart: {type(block).__name__}")


def _esc(text: object) -> str:
    return str(escape(_CONTROLS.sub("", str(text))))


def _open(ident: str, height: float, title: str, desc: str) -> list[str]:
    ident = _esc(ident)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13" '
        f'fill="{INK}">',
        f'<title id="{ident}-title">{_esc(title)}</title>',
        f'<desc id="{ident}-desc">{_esc(desc)}</desc>',
    ]


def _label(x: float, y: float, text: str, width: float, size: float = 13, **attrs: str) -> str:
    """One line of text cut to ``width``; the full text as its tooltip when cut."""
    lines, cut = wrap(text, width, 1, size)
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    shown = f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{_esc(lines[0])}</text>'
    return f"<g><title>{_esc(text)}</title>{shown}</g>" if cut else shown


def _tick(value: float, unit: str = "") -> str:
    text = f"{value:,.10g}"
    return f"{text}%" if unit == "%" else text


# Bar charts ------------------------------------------------------------------------------------

LABEL_W, PLOT_X0, PLOT_X1, BAR_H = 196.0, 206.0, 486.0, 16.0
LABEL_LINES = 6  # lines a bar's label may take before it is cut


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


def _bar_words(bar: Bar, unit: str, whole: bool = False) -> str:
    """A bar in words: its description entry and its tooltip."""
    if bar.suppressed is not None:
        return f"{bar.label}: {bar.suppressed.shown} ({bar.suppressed.reason})"
    text = f"{bar.label}: {_bar_value(bar.value, unit, whole)}"
    if _has_interval(bar):
        text += f" (interval {number(bar.low, unit)} to {number(bar.high, unit)})"
    return text + (f", {bar.note}" if bar.note else "")


def _bar_chart(chart: BarChart, ident: str) -> str:
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

    rows: list[str] = []
    bottom = 8.0
    whole = _counts(chart)
    for bar in chart.bars:
        # Wrapped, never cut in any label a question has (a row grows with its lines); only a
        # label past LABEL_LINES, which long_text has already capped, ends in an ellipsis.
        lines, _ = wrap(bar.label, LABEL_W, LABEL_LINES)
        row_h = max(30.0, 16.0 * len(lines) + 12)
        rows.append(_bar_row(bar, chart.unit, lines, bottom + row_h / 2, x, whole))
        bottom += row_h
    axis = [
        f'<line x1="{x(t):.1f}" y1="4" x2="{x(t):.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>'
        f'<text x="{x(t):.1f}" y="{bottom + 16:.1f}" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}">{_esc(_tick(t, chart.unit))}</text>'
        for t in nice_ticks(low, high, 4)
    ]
    axis.append(
        f'<line x1="{x(0):.1f}" y1="4" x2="{x(0):.1f}" y2="{bottom:.1f}" stroke="{MUTED}"/>'
    )
    named_unit = chart.unit not in ("", "%")
    if named_unit:
        axis.append(_label(PLOT_X1, bottom + 32, chart.unit, 200, 12, text_anchor="end"))
    height = bottom + (38 if named_unit else 24)
    desc = " ".join(
        [f"Horizontal bars on a scale of {_tick(low, chart.unit)} to {_tick(high, chart.unit)}."]
        + ["; ".join(_bar_words(bar, chart.unit, whole) for bar in chart.bars) + "."]
        + ([chart.note] if chart.note else [])
    )
    return "".join(_open(ident, height, chart.title, desc) + axis + rows + ["</svg>"])


def _bar_row(
    bar: Bar,
    unit: str,
    lines: list[str],
    middle: float,
    x: Callable[[float], float],
    whole: bool = False,
) -> str:
    first = middle - 8.0 * (len(lines) - 1) + 4.5
    label = "".join(
        f'<tspan x="{LABEL_W:.1f}" y="{first + 16 * i:.1f}">{_esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    parts = [
        f'<g class="bar"><title>{_esc(_bar_words(bar, unit, whole))}</title>',
        f'<text text-anchor="end">{label}</text>',
    ]
    top = middle - BAR_H / 2
    if bar.suppressed is not None or math.isnan(bar.value):
        # An empty slot, so a withheld bar is visibly withheld rather than silently absent; its
        # value is never drawn.
        shown, reason = (
            (bar.suppressed.shown, bar.suppressed.reason) if bar.suppressed else (EM_DASH, "")
        )
        parts.append(
            f'<rect class="withheld" x="{PLOT_X0:.1f}" y="{top:.1f}" '
            f'width="{PLOT_X1 - PLOT_X0:.1f}" height="{BAR_H}" fill="none" stroke="{MUTED}" '
            f'stroke-dasharray="4 3"/>'
        )
        text = f"{shown} \u00b7 {reason}" if reason else shown
        parts.append(_label(PLOT_X0 + 6, middle + 4.5, text, PLOT_X1 - PLOT_X0 - 12))
        return "".join(parts + ["</g>"])
    start, end = sorted((x(0.0), x(bar.value)))
    parts.append(
        f'<rect x="{start:.1f}" y="{top:.1f}" width="{max(end - start, 1.0):.1f}" '
        f'height="{BAR_H}" fill="{BLUE}"/>'
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
        f"{_esc(_bar_value(bar.value, unit, whole))}</text>"
    )
    return "".join(parts + ["</g>"])


# Line and run charts ---------------------------------------------------------------------------

PLOT_L, PLOT_H = 52.0, 220.0


class _Frame:
    """Where a line or run chart's plot sits, and how values map into it."""

    def __init__(self, top: float, right: float, low: float, high: float, n: int) -> None:
        self.top, self.bottom, self.right = top, top + PLOT_H, right
        self.low, self.high, self.n = low, high, n

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / ((self.high - self.low) or 1.0) * PLOT_H

    def x(self, index: int) -> float:
        if self.n <= 1:
            return (PLOT_L + self.right) / 2
        return PLOT_L + 18 + index * (self.right - PLOT_L - 36) / (self.n - 1)


def _axes(frame: _Frame, x_labels: tuple[str, ...]) -> list[str]:
    parts = [
        f'<line x1="{PLOT_L:.1f}" y1="{frame.y(t):.1f}" x2="{frame.right:.1f}" '
        f'y2="{frame.y(t):.1f}" stroke="{GRID}"/>'
        f'<text x="{PLOT_L - 6:.1f}" y="{frame.y(t) + 4:.1f}" font-size="12" text-anchor="end" '
        f'fill="{MUTED}">{_esc(_tick(t))}</text>'
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
                _label(middle, frame.bottom + 18, label, room, 12, text_anchor="middle", fill=MUTED)
            )
    return parts


def _line(frame: _Frame, values: tuple[float, ...], colour: str, width: float, dash: str) -> str:
    """The line through the points, lifted at every NaN so a skipped wave is a visible gap."""
    commands, pen_down = [], False
    for i, value in enumerate(values):
        if math.isnan(value):
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{frame.x(i):.1f} {frame.y(value):.1f}")
        pen_down = True
    return (
        f'<path d="{"".join(commands)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>'
    )


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
        f'stroke="{colour}" stroke-width="2"><title>{_esc(f"{name}, {labels[i]}: {number(v)}")}'
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
        parts.append(_label(x + 30, y, series.name, name_w + 1, 12))
        x += 30 + name_w + 18
    return parts, (y + 10 if chart.series else 4.0)


def _y_label(text: str, top: float) -> tuple[list[str], float]:
    if not text:
        return [], top
    return [_label(8, top + 12, text, WIDTH - 16, 12, fill=MUTED)], top + 20


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
            f'<tspan x="{frame.right + 6:.1f}" y="{first + 13 * i:.1f}">{_esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        tooltip = f"{band.label}: {number(band.low)} to {number(band.high)}"
        parts.append(
            f"<g><title>{_esc(tooltip)}</title>"
            f'<text font-size="11" fill="{MUTED}">{tspans}</text></g>'
        )
    return parts


def _line_chart(chart: LineChart, ident: str) -> str:
    _check_lengths(
        chart.title, chart.x_labels, {f"series {s.name!r}": len(s.values) for s in chart.series}
    )
    styles = _styles(chart)
    legend, top = _legend(chart, styles)
    parts, top = _y_label(chart.y_label, top)
    # The declared range, widened (never narrowed) so every point is drawn where it is.
    seen = [v for series in chart.series for v in series.values if not math.isnan(v)]
    low, high = min([chart.y_min, *seen]), max([chart.y_max, *seen])
    right = WIDTH - (116.0 if chart.bands else 20.0)
    frame = _Frame(top + 10, right, low, high, len(chart.x_labels))
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
                f'font-weight="bold" text-anchor="middle">{_esc(number(v))}</text>'
                for i, v in enumerate(series.values)
                if not math.isnan(v)
            ]
    desc = " ".join(
        [
            f"Lines over {len(chart.x_labels)} points, on a scale of {_tick(low)} to {_tick(high)}"
            + (f" ({chart.y_label})." if chart.y_label else ".")
        ]
        + [_in_words(s.name, s.values, chart.x_labels) + "." for s in chart.series]
        + [f"Band {b.label}: {number(b.low)} to {number(b.high)}." for b in chart.bands]
        + ([chart.note] if chart.note else [])
    )
    head = _open(ident, frame.bottom + 28, chart.title, desc)
    return "".join(head + legend + parts + ["</svg>"])


def _run_chart(chart: RunChart, ident: str) -> str:
    _check_lengths(chart.title, chart.x_labels, {"values": len(chart.values)})
    spread = chart if isinstance(chart, IntervalRunChart) and chart.low else None
    if spread is not None:
        _check_lengths(
            chart.title, chart.x_labels, {"low": len(spread.low), "high": len(spread.high)}
        )
    low, high = _run_range(chart)
    parts, top = _y_label(chart.y_label, 4.0)
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
            f"{_esc('Median ' + number(chart.median))}</text>"
        )
    if spread is not None:
        parts += _whiskers(frame, spread)
    parts.append(_line(frame, chart.values, BLUE, 2.0, ""))
    parts += _points(frame, chart.values, chart.x_labels, "Value", BLUE, 4.0, True)
    desc = " ".join(
        [
            f"Run chart of {len(chart.values)} points around their median {number(chart.median)}"
            + (f" ({chart.y_label})" if chart.y_label else "")
            + f", on a scale of {_tick(low)} to {_tick(high)}.",
            _in_words("Values", chart.values, chart.x_labels) + ".",
        ]
        + ([_interval_words(spread)] if spread is not None else [])
        + (["Signals: " + " ".join(chart.signals)] if chart.signals else [])
        + ([chart.rules_note] if chart.rules_note else [])
    )
    return "".join(_open(ident, frame.bottom + 28, chart.title, desc) + parts + ["</svg>"])


def _run_range(chart: RunChart) -> tuple[float, float]:
    """The y-axis: the scale's possible range when the chart has one (widened, never narrowed,
    to hold every point and interval); otherwise round ticks just around the points."""
    if isinstance(chart, IntervalRunChart) and not math.isnan(chart.y_min + chart.y_max):
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


def _whiskers(frame: _Frame, chart: IntervalRunChart) -> list[str]:
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
            f'stroke="{INK}" stroke-width="1.5" fill="none"><title>{_esc(words)}</title></path>'
        )
    return parts


def _interval_key(label: str, top: float) -> str:
    """The legend of the whiskers: a small whisker and what it is."""
    y = top + 8
    return (
        f'<path d="M{PLOT_L + 4:.1f} {y - 7:.1f}V{y + 5:.1f}M{PLOT_L:.1f} {y - 7:.1f}'
        f'H{PLOT_L + 8:.1f}M{PLOT_L:.1f} {y + 5:.1f}H{PLOT_L + 8:.1f}" stroke="{INK}" '
        f'stroke-width="1.5" fill="none"/>'
        + _label(PLOT_L + 16, y + 4, label, WIDTH - PLOT_L - 24, 12, fill=MUTED)
    )


def _interval_words(chart: IntervalRunChart) -> str:
    spans = [
        f"{x} {number(low)} to {number(high)}"
        for x, low, high in zip(chart.x_labels, chart.low, chart.high, strict=True)
        if not (math.isnan(low) or math.isnan(high))
    ]
    name = chart.interval_label or "Intervals"
    return f"{name[0].upper()}{name[1:]}: " + (", ".join(spans) if spans else "none") + "."
