"""Many reports (one per practice) as one zip, with an index, under file names every system
accepts; written whole or not at all, as every file is (:mod:`reports.files`)."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

import pandas as pd

from reports.files import replacing
from reports.model import Report
from reports.tables import to_csv

INDEX_NAME = "index.csv"
STEM_LIMIT = 60
# Names Windows refuses for a file whatever its extension ("con.pdf" cannot be unzipped there).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


def file_stem(text: str) -> str:
    """``text`` as a file name stem that every system accepts: lower-case ASCII letters, digits
    and single hyphens ("Practice 12 - North Clinic" -> "practice-12-north-clinic"); accents
    are dropped rather than the letter; empty when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    stem = stem[:STEM_LIMIT].rstrip("-")
    return f"{stem}-report" if stem in WINDOWS_RESERVED else stem


def bundle_names(reports: Sequence[Report], suffix: str) -> list[str]:
    """One unique file name per report, from its audience (else its title, else its kind);
    a repeated name gets "-2", "-3", ... in report order."""
    used = {INDEX_NAME}
    names = []
    for report in reports:
        stem = file_stem(report.audience) or file_stem(report.title) or report.kind
        name, number = f"{stem}{suffix}", 2
        while name in used:
            name, number = f"{stem}-{number}{suffix}", number + 1
        used.add(name)
        names.append(name)
    return names


def render_zip(
    reports: Sequence[Report],
    out: Path,
    render: Callable[[Report, Path], Path],
    suffix: str,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render each report with ``render`` and zip the files, with an ``index.csv`` (file,
    audience, title) first. ``suffix`` is the files' extension (".pdf" or "pdf"). The zip is
    written atomically: if any report fails to render, no zip (and no temporary file) is left.
    ``progress(done, total)`` is told after each file (a zip of PDFs takes a while).
    """
    if not reports:
        raise ValueError(f"no reports to bundle into {out.name}: the zip would be empty")
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    names = bundle_names(reports, suffix.lower())
    index = pd.DataFrame(
        {
            "file": names,
            "audience": [report.audience for report in reports],
            "title": [report.title for report in reports],
        }
    )
    with (
        replacing(out) as temporary,
        tempfile.TemporaryDirectory(prefix="qiscan-bundle-") as folder,
        ZipFile(temporary, "w", ZIP_DEFLATED) as archive,
    ):
        archive.writestr(INDEX_NAME, to_csv(index).encode("utf-8"))
        for done, (report, name) in enumerate(zip(reports, names, strict=True), start=1):
            rendered = render(report, Path(folder) / name)
            archive.write(rendered, arcname=name)
            if progress is not None:
                progress(done, len(reports))
    return out
