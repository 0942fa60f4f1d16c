"""A heatmap of ordered categories: practices (rows) by waves (columns), each cell coloured by
its band, lightest for the lowest band and darkest for the highest (a sequential blue ramp,
readable in greyscale); a cell not assessed is left white with a dash. Each cell also names its
band in its tooltip and in the chart's description, so nothing depends on colour alone.

The grid keeps a legible row (:data:`ROW_H` units, about 4 mm on an A4 page) whatever the
number of rows; :func:`pieces` cuts a tall map into pieces of at most :data:`MAX_ROWS` rows,
each its own chart with its legend, so that a page break falls between pieces, never through
one. Cells are at most :data:`MAX_CELL_W` wide, so a map of a few waves stays compact.
"""

from __future__ import annotations

import math
from dataclasses import replace

from reports.chart_svg import MUTED, WIDTH, esc, one_line, open_svg, swatches
from reports.model import Heatmap

RAMP = ("#DEEBF7", "#9ECAE1", "#4292C6", "#08519C", "#08306B")
LABEL_W, ROW_H, HEADER_H = 120.0, 15.0, 20.0
MAX_CELL_W = 72.0
BLOCK, BLOCK_GAP = 5, 4.0  # a wider gap after every fifth row guides the eye along a row
MAX_ROWS = 40  # rows per piece: about two thirds of an A4 page, with its legend
NOT_ASSESSED = "not assessed"


def ramp(n: int) -> list[str]:
    """``n`` colours from light to dark, spread over the ramp."""
    if n <= 1:
        return [RAMP[2]] * n
    return [RAMP[round(i * (len(RAMP) - 1) / (n - 1))] for i in range(n)]


def pieces(chart: Heatmap, *, max_rows: int = MAX_ROWS, rows_word: str = "rows") -> list[Heatmap]:
    """``chart`` as one piece, or cut into the fewest pieces of at most ``max_rows`` rows, of
    near-equal size (100 rows: 34, 33, 33), each titled with the rows it holds, e.g.
    "... (practices 1 to 34 of 100)"."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    total = len(chart.y_labels)
    if total <= max_rows:
        return [chart]
    count = math.ceil(total / max_rows)
    made = []
    start = 0
    for k in range(count):
        size = total // count + (1 if k < total % count else 0)
        stop = start + size
        made.append(
            replace(
                chart,
                title=f"{chart.title} ({rows_word} {start + 1} to {stop} of {total})",
                y_labels=chart.y_labels[start:stop],
                cells=chart.cells[start:stop],
            )
        )
        start = stop
    return made


def _check(chart: Heatmap) -> None:
    if len(chart.cells) != len(chart.y_labels) or any(
        len(row) != len(chart.x_labels) for row in chart.cells
    ):
        raise ValueError(f"chart '{chart.title}': cells do not match its rows and columns")
    bad = [
        c
        for row in chart.cells
        for c in row
        if c is not None and not 0 <= c < len(chart.categories)
    ]
    if bad:
        raise ValueError(
            f"chart '{chart.title}': cell value {bad[0]} is not the index of one of its "
            f"{len(chart.categories)} categories"
        )


def _legend(chart: Heatmap, fills: list[str]) -> tuple[list[str], float]:
    """Swatches naming every category, lowest first, then the not-assessed swatch (white, with
    its dash); wrapped onto further lines when they do not fit. Returns the parts and the y
    below them."""
    entries = [*zip(chart.categories, fills, strict=True), (NOT_ASSESSED, "#FFFFFF")]
    parts, placed = swatches(entries, 8.0, 14.0, widest=220.0)
    x, y = placed[-1]
    parts.append(_dash(x + 6, y, 9))
    return parts, y + 10


def _dash(x: float, y: float, size: float) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="middle" '
        f'fill="{MUTED}">\u2013</text>'
    )


def heatmap(chart: Heatmap, ident: str) -> str:
    """The SVG of a heatmap; ``ident`` makes its element ids unique in the page. ValueError when
    the cells do not match the rows and columns or a cell names no category."""
    _check(chart)
    fills = ramp(len(chart.categories))
    parts, top = _legend(chart, fills)
    columns = max(len(chart.x_labels), 1)
    cell_w = min((WIDTH - LABEL_W - 16) / columns, MAX_CELL_W)
    x0 = LABEL_W + 8
    for j, wave in enumerate(chart.x_labels):
        centre = x0 + (j + 0.5) * cell_w
        parts.append(
            one_line(centre, top + 14, wave, cell_w - 4, 11, text_anchor="middle", fill=MUTED)
        )
    top += HEADER_H
    words: list[str] = []
    for i, (name, row) in enumerate(zip(chart.y_labels, chart.cells, strict=True)):
        y0 = _row_top(top, i)
        parts.append(one_line(LABEL_W, y0 + ROW_H - 4, name, LABEL_W - 8, 11, text_anchor="end"))
        said = []
        for j, cell in enumerate(row):
            left = x0 + j * cell_w
            band = NOT_ASSESSED if cell is None else chart.categories[cell]
            said.append(f"{chart.x_labels[j]} {band}")
            fill = "#FFFFFF" if cell is None else fills[cell]
            parts.append(
                f'<rect class="cell" x="{left:.1f}" y="{y0:.1f}" width="{cell_w - 2:.1f}" '
                f'height="{ROW_H - 2:.1f}" fill="{fill}" stroke="{MUTED}" stroke-width="0.3">'
                f"<title>{esc(f'{name}, {chart.x_labels[j]}: {band}')}</title></rect>"
            )
            if cell is None:
                parts.append(_dash(left + cell_w / 2 - 1, y0 + ROW_H - 5, 10))
        words.append(f"{name}: " + ", ".join(said))
    bottom = _row_top(top, len(chart.y_labels) - 1) + ROW_H if chart.y_labels else top
    rows, cols = len(chart.y_labels), len(chart.x_labels)
    size = f"{_plural(rows, 'row')} by {_plural(cols, 'column')}"
    desc = " ".join(
        [f"Heatmap of {size}."]
        + (["; ".join(words) + "."] if words else [])
        + ([chart.note] if chart.note else [])
    )
    return "".join(open_svg(ident, bottom + 8, chart.title, desc) + parts + ["</svg>"])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _row_top(top: float, i: int) -> float:
    """The top of row ``i``, after a wider gap at each block of five rows."""
    return top + i * ROW_H + (i // BLOCK) * BLOCK_GAP
