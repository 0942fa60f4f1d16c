"""Many reports (one per practice) as one zip, with an index, under file names every system
accepts; written whole or not at all, as every file is (:mod:`reports.files`). The reports may
be rendered by a pool of processes (:func:`reports.render.render_pool`); the zip is the same."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, wait
from contextlib import closing, contextmanager
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

import pandas as pd

from reports.files import replacing
from reports.model import Report
from reports.tables import to_csv

Render = Callable[[Report, Path], Path]  # writes the report at the path; returns it

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
    render: Render,
    suffix: str,
    progress: Callable[[int, int], None] | None = None,
    pool: Executor | None = None,
) -> Path:
    """Render each report with ``render`` and zip the files (:func:`zip_files`). ``suffix`` is
    the files' extension (".pdf" or "pdf"). If any report fails to render, no zip (and no
    temporary file) is left. With a ``pool``, the reports are rendered there, several at once
    (``render`` must then be a module's function, which pickles); the zip is the same.
    """
    if not reports:
        raise ValueError(f"no reports to bundle into {out.name}: the zip would be empty")
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    names = bundle_names(reports, suffix.lower())
    with tempfile.TemporaryDirectory(prefix="qiscan-bundle-") as folder:
        paths = [Path(folder) / name for name in names]
        if pool is None:
            files = _rendered(render, reports, paths)
        else:
            futures = [pool.submit(render, *job) for job in zip(reports, paths, strict=True)]
            files = awaited(futures, paths)
        # closed (the renders under way waited for) before the folder they write into is removed
        with closing(files):
            return zip_files(reports, names, files, out, progress)


def zip_files(
    reports: Sequence[Report],
    names: Sequence[str],
    files: Iterable[Path],
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Zip ``files``, one per report in report order, under ``names`` (:func:`bundle_names`),
    with an ``index.csv`` (file, audience, title) first; each file is read as it comes. The zip
    is written atomically: if a file fails to come, no zip (and no temporary file) is left.
    ``progress(done, total)`` is told after each file is zipped (a zip of PDFs takes a while).
    """
    index = pd.DataFrame(
        {
            "file": names,
            "audience": [report.audience for report in reports],
            "title": [report.title for report in reports],
        }
    )
    with replacing(out) as temporary, ZipFile(temporary, "w", ZIP_DEFLATED) as archive:
        archive.writestr(INDEX_NAME, to_csv(index).encode("utf-8"))
        for done, (path, name) in enumerate(zip(files, names, strict=True), start=1):
            archive.write(path, arcname=name)
            if progress is not None:
                progress(done, len(reports))
    return out


def awaited(futures: Sequence[Future[Path]], paths: Sequence[Path]) -> Generator[Path, None, None]:
    """The files that ``futures`` render at ``paths``, in order, each as soon as it and those
    before it are done. A render's error says which file it was rendering; after an error (or
    when closed early), the renders not begun are dropped and those under way waited for."""
    try:
        for future, path in zip(futures, paths, strict=True):
            with _naming(path):
                rendered = future.result()
            yield rendered
    finally:
        for future in futures:
            future.cancel()
        wait(futures)


def _rendered(
    render: Render, reports: Sequence[Report], paths: Sequence[Path]
) -> Generator[Path, None, None]:
    for report, path in zip(reports, paths, strict=True):
        with _naming(path):
            rendered = render(report, path)
        yield rendered


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        error.add_note(f"(while rendering {path.name} for the zip)")
        raise
