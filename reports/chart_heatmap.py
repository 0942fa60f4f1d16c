"""A heatmap of ordered categories: practices (rows) by waves (columns), each cell coloured by
its band, lightest for the lowest band and darkest for the highest (a sequential blue ramp,
readable in greyscale); a cell not assessed is left white with a dash. Each cell also names its
band in its tooltip and in the chart's description, so nothing depends on colour alone.
"""

from __future__ import annotations

from reports.chart_svg import MUTED, WIDTH, esc, one_line, open_svg
from reports.chart_text import text_width
from reports.model import Heatmap

RAMP = ("#DEEBF7", "#9ECAE1", "#4292C6", "#08519C", "#08306B")
LABEL_W, ROW_H = 150.0, 16.0


def ramp(n: int) -> list[str]:
    """``n`` colours from light to dark, spread over the ramp."""
    if n <= 1:
        return [RAMP[2]] * n
    return [RAMP[round(i * (len(RAMP) - 1) / (n - 1))] for i in range(n)]


def heatmap(chart: Heatmap, ident: str) -> str:
    if len(chart.cells) != len(chart.y_labels) or any(
        len(row) != len(chart.x_labels) for row in chart.cells
    ):
        raise ValueError(f"chart '{chart.title}': cells do not match its rows and columns")
    fills = ramp(len(chart.categories))
    parts: list[str] = []
    x, y = 8.0, 14.0
    for name, fill in zip(chart.categories, fills, strict=True):
        width = min(text_width(name, 12), 200.0)
        if x > 8 and x + 18 + width > WIDTH - 8:
            x, y = 8.0, y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{fill}" '
            f'stroke="{MUTED}" stroke-width="0.5"/>'
        )
        parts.append(one_line(x + 16, y, name, width + 1, 12))
        x += 16 + width + 14
    top = y + 12
    cell_w = (WIDTH - LABEL_W - 16) / max(len(chart.x_labels), 1)
    for j, wave in enumerate(chart.x_labels):
        parts.append(
            one_line(
                LABEL_W + 8 + (j + 0.5) * cell_w,
                top + 12,
                wave,
                cell_w - 4,
                11,
                text_anchor="middle",
                fill=MUTED,
            )
        )
    top += 18
    words: list[str] = []
    for i, (name, row) in enumerate(zip(chart.y_labels, chart.cells, strict=True)):
        y0 = top + i * ROW_H
        parts.append(one_line(LABEL_W, y0 + ROW_H - 4, name, LABEL_W - 8, 11, text_anchor="end"))
        said = []
        for j, cell in enumerate(row):
            x0 = LABEL_W + 8 + j * cell_w
            band = "not assessed" if cell is None else chart.categories[cell]
            said.append(f"{chart.x_labels[j]} {band}")
            fill = "#FFFFFF" if cell is None else fills[cell]
            parts.append(
                f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{cell_w - 2:.1f}" '
                f'height="{ROW_H - 2:.1f}" fill="{fill}" stroke="{MUTED}" stroke-width="0.3">'
                f"<title>{esc(f'{name}, {chart.x_labels[j]}: {band}')}</title></rect>"
            )
            if cell is None:
                parts.append(
                    f'<text x="{x0 + cell_w / 2:.1f}" y="{y0 + ROW_H - 5:.1f}" font-size="10" '
                    f'text-anchor="middle" fill="{MUTED}">\u2013</text>'
                )
        words.append(f"{name}: " + ", ".join(said))
    height = top + len(chart.y_labels) * ROW_H + 8
    desc = " ".join(
        [f"Heatmap of {len(chart.y_labels)} rows by {len(chart.x_labels)} columns."]
        + ["; ".join(words) + "."]
        + ([chart.note] if chart.note else [])
    )
    return "".join(open_svg(ident, height, chart.title, desc) + parts + ["</svg>"])
