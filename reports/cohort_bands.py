"""The cohort report's bands: which band each unit's score fell in at each wave (a heatmap),
and how many units were in each band per wave (a table: the heatmap already draws each wave's
mix of bands, so a bar chart of the same counts would add a page and nothing to read).

Every band comes from :mod:`scoring.cohort_bands` (the band scoring gives each score), so the
map, the counts and each practice's own feedback agree. Only scales that declare bands get this
section (for the readiness assessment: the overall readiness score).
"""

from __future__ import annotations

import pandas as pd

from reports.chart_heatmap import pieces
from reports.model import Block, Cell, Column, Heatmap, Section, Table, Text
from scoring.cohort_bands import OUTSIDE, band_counts, band_grid, latest_bands
from scoring.scales import ScaleInfo
from scoring.wave_scores import WaveScores


def banded_scales(scores: WaveScores) -> list[ScaleInfo]:
    return [info for info in scores.scales if info.bands]


def bands_section(scores: WaveScores, unit: str) -> Section | None:
    """A section per the scales with bands (None when no scale has any)."""
    blocks: list[Block] = []
    banded = banded_scales(scores)
    if not banded:
        return None
    blocks.append(
        Text(
            f"Where each {unit} stood at each wave, by the band of its score, and how many "
            f"{unit}s were in each band. The bands are the instrument's own local convention, "
            "a starting point for deciding how to work with a practice, not a validated "
            "cut-off."
        )
    )
    for info in banded:
        blocks += _heatmaps(scores, info, unit)
        blocks += _counts(scores, info, unit)
    return Section("Readiness bands across waves", tuple(blocks))


def _ranges(info: ScaleInfo) -> str:
    return "; ".join(f"{b.label} {b.min:g} to {b.max:g}" for b in info.bands)


def _heatmaps(scores: WaveScores, info: ScaleInfo, unit: str) -> list[Heatmap]:
    grid = band_grid(scores.data, scores.scored, info.name)
    latest = latest_bands(grid)
    rank = {u: -1 if pd.isna(b) else int(b) for u, b in latest.items()}
    # Highest latest band first, then by id, so practices in one band sit together; units
    # never banded come last.
    order = sorted(grid.index, key=lambda u: (-rank[u], str(u)))
    cells = tuple(
        tuple(None if pd.isna(value) else int(value) for value in grid.loc[u]) for u in order
    )
    note = (
        f"One row per {unit}, one column per wave; the colour is the band of the {unit}'s "
        f"{info.label} score at that wave ({_ranges(info)}), lightest for the lowest band. "
        f"A dash: not assessed at that wave, or too few answers for a score. {unit.capitalize()}s "
        "are ordered by the band of their latest assessment, highest first, then by id."
    )
    chart = Heatmap(
        title=f"{info.label}: band of each {unit} at each wave",
        x_labels=tuple(scores.label(int(w)) for w in grid.columns),
        y_labels=tuple(str(u) for u in order),
        cells=cells,
        categories=tuple(b.label for b in info.bands),
        note=note,
    )
    return pieces(chart, rows_word=f"{unit}s")


def _counts(scores: WaveScores, info: ScaleInfo, unit: str) -> list[Block]:
    counts = band_counts(scores.data, scores.scored, info.name)
    labels = [b.label for b in info.bands]
    keys = {label: f"band{k}" for k, label in enumerate(labels)}
    outside = bool(counts[OUTSIDE].sum())
    columns = (
        Column("wave", "Wave"),
        Column("assessed", f"{unit.capitalize()}s assessed", "integer"),
        *(Column(keys[label], label, "integer") for label in labels),
        *((Column(OUTSIDE, "Outside every band", "integer"),) if outside else ()),
    )
    rows: list[dict[str, Cell]] = []
    for wave in counts.index:
        found = counts.loc[wave]
        row: dict[str, Cell] = {"wave": scores.label(int(wave)), "assessed": int(found["assessed"])}
        row.update({keys[label]: int(found[label]) for label in labels})
        if outside:
            row[OUTSIDE] = int(found[OUTSIDE])
        rows.append(row)
    note = (
        f"{unit.capitalize()}s assessed: those with a {info.label} score at the wave; the band "
        "counts add up to it."
    )
    table = Table(
        f"bands {info.name}"[:31],
        f"{info.label}: {unit}s in each band per wave",
        columns,
        tuple(rows),
        note,
    )
    return [table]
