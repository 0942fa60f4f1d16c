"""One entry point for every format: ``render(report, out, fmt)``.

Each format module has the same shape, ``render(report, out) -> Path``; this picks one by name
and, for several reports (one per practice), bundles them into one zip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from reports import render_html, render_pdf, render_tidy, render_xlsx
from reports.bundle import render_zip
from reports.model import Report

Format = Literal["html", "pdf", "xlsx", "csv", "json"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "xlsx", "csv", "json")
RENDERERS: dict[str, Callable[[Report, Path], Path]] = {
    "html": render_html.render,
    "pdf": render_pdf.render,
    "xlsx": render_xlsx.render,
    "csv": render_tidy.render_csv,
    "json": render_tidy.render_json,
}


def render(report: Report, out: Path, fmt: Format) -> Path:
    """Write ``report`` to ``out`` in format ``fmt``."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format '{fmt}': choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](report, out)


def render_all(
    reports: Sequence[Report],
    out: Path,
    fmt: Format,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Several reports (one per practice) as one zip of ``fmt`` files; ``progress(done,
    total)`` after each file."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format '{fmt}': choose one of {', '.join(FORMATS)}")
    return render_zip(reports, out, RENDERERS[fmt], f".{fmt}", progress)
