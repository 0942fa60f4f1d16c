"""What every SVG chart shares: the palette, the page width, escaping, the opening ``<svg>``
with its title and description, a one-line label and an axis tick.

The palette is Okabe and Ito's blue and orange (safe for the common colour-vision deficiencies,
and far apart in greyscale: the blue prints dark, the orange light).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from markupsafe import escape

from reports.chart_text import text_width, wrap

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
# XML 1.0 refuses C0 controls; a respondent's stray control character must not break the SVG.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: object) -> str:
    """``text`` escaped for SVG, without the control characters XML cannot hold."""
    return str(escape(CONTROLS.sub("", str(text))))


def open_svg(ident: str, height: float, title: str, desc: str) -> list[str]:
    """The opening of an accessible chart: the ``svg`` element with its title and description."""
    ident = esc(ident)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13" '
        f'fill="{INK}">',
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(desc)}</desc>',
    ]


def one_line(x: float, y: float, text: str, width: float, size: float = 13, **attrs: str) -> str:
    """One line of text cut to ``width``; the full text as its tooltip when cut."""
    lines, cut = wrap(text, width, 1, size)
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    shown = f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{esc(lines[0])}</text>'
    return f"<g><title>{esc(text)}</title>{shown}</g>" if cut else shown


def tick(value: float, unit: str = "") -> str:
    """An axis label: the value with thousands separators, and ``%`` for a percent axis."""
    text = f"{value:,.10g}"
    return f"{text}%" if unit == "%" else text


def line_path(
    values: tuple[float, ...],
    x: Callable[[int], float],
    y: Callable[[float], float],
    colour: str,
    width: float = 2.0,
    dash: str = "",
) -> str:
    """A line through the values at their waves, lifted at every NaN so a skipped wave is a
    visible gap; ``dash`` an attribute string (e.g. ``' stroke-dasharray="5 3"'``)."""
    commands, pen_down = [], False
    for i, value in enumerate(values):
        if math.isnan(value):
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{x(i):.1f} {y(value):.1f}")
        pen_down = True
    return (
        f'<path d="{"".join(commands)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>'
    )


def withheld_slot(x0: float, x1: float, top: float, height: float, shown: str, reason: str) -> str:
    """An empty dashed slot where a withheld bar would be, saying why: a withheld value is
    visibly withheld rather than silently absent, and never drawn."""
    text = f"{shown} \u00b7 {reason}" if reason else shown
    return (
        f'<rect class="withheld" x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" '
        f'height="{height}" fill="none" stroke="{MUTED}" stroke-dasharray="4 3"/>'
        + one_line(x0 + 6, top + height / 2 + 4.5, text, x1 - x0 - 12)
    )


def swatches(
    entries: Sequence[tuple[str, str]],
    x0: float,
    y: float,
    *,
    outlined: bool = True,
    widest: float = 180.0,
    gap: float = 14.0,
) -> tuple[list[str], list[tuple[float, float]]]:
    """A legend of (name, fill) swatches from ``x0`` along the baseline ``y``, wrapped onto
    further lines so it never runs off the chart: the parts, and where each swatch's text
    starts its line (x of the swatch, baseline y)."""
    parts: list[str] = []
    placed: list[tuple[float, float]] = []
    x = x0
    edge = f' stroke="{MUTED}" stroke-width="0.5"' if outlined else ""
    for name, fill in entries:
        width = min(text_width(name, 12), widest)
        if x > x0 and x + 18 + width > WIDTH - 8:
            x, y = x0, y + 18
        parts.append(
            f'<rect class="swatch" x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" '
            f'fill="{fill}"{edge}/>' + one_line(x + 16, y, name, width + 1, 12)
        )
        placed.append((x, y))
        x += 16 + width + gap
    return parts, placed
