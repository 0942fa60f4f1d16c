"""The demo's reports: every report kind the simulated data supports, in every format.

Each report is built as soon as the snapshots it reads are pulled, and every PDF (about a
second each: the practice zip holds forty) goes to one bounded pool of processes, one per core,
which renders while this process pulls the next snapshots, builds reports and writes the
quicker formats. The files, and the list of them, are those a file-by-file run writes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from instruments.model import Instrument
from instruments.reference_values import SHIPPED, find_references
from plugin.pull import Snapshot, SnapshotStore
from plugin.snapshots import load, provenance
from reports.bundle import awaited, bundle_names, zip_files
from reports.catalogue import build, kind_of, report_formats
from reports.kind import Request
from reports.model import Report
from reports.render import RENDERERS, Format, pool_size, render, render_pool

# report kind -> the instruments it reads (the committee summary compares the two scans)
PLAN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("committee", ("provider_scan", "supporter_scan")),
    ("practice", ("practice_readiness",)),
    ("cohort", ("practice_readiness",)),
    ("coding", ("qualitative_coding",)),
    ("quality", ("practice_readiness",)),
    ("quality", ("provider_scan",)),
)
Pulled = dict[str, tuple[Snapshot, Instrument]]
Written = Path | Future[Path] | Callable[[], Path]  # a file, one being rendered, a zip to write


class DemoReports:
    """The planned reports, rendered into ``folder`` as their snapshots come (:meth:`add`);
    :meth:`finish` waits for them all and lists the files. Entered before any thread starts
    (localcap's), so that the pool's workers are forked with everything imported; leaving it
    stops the pool (on an error, the renders not yet started are dropped)."""

    def __init__(self, store: SnapshotStore, folder: Path) -> None:
        self.store, self.folder = store, folder
        self.pulled: Pulled = {}
        self.planned: dict[int, list[Written]] = {}  # by place in PLAN
        self._stack = ExitStack()

    def __enter__(self) -> DemoReports:
        self.folder.mkdir(parents=True, exist_ok=True)
        # the zipped PDFs' folder, removed after the pool has stopped writing into it
        self._pdfs = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="qiscan-")))
        self._pool = self._stack.enter_context(render_pool(pool_size(len(PLAN))))
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        return self._stack.__exit__(*exc)

    def add(self, name: str, snapshot: Snapshot, instrument: Instrument) -> None:
        """``name``'s snapshot is pulled: start every planned report it completes."""
        self.pulled[name] = (snapshot, instrument)
        for place, (kind, names) in enumerate(PLAN):
            if place not in self.planned and all(n in self.pulled for n in names):
                made = build(kind, request_for(self.store, self.pulled, kind, names))
                stem = self.folder / (kind if kind != "quality" else f"quality-{names[0]}")
                self.planned[place] = self._start(made, stem, report_formats(kind))

    def finish(self, say: Callable[[str], None]) -> list[Path]:
        """Wait for every file, zip the practice PDFs, and list the files in plan order."""
        written = [_done(item) for place in sorted(self.planned) for item in self.planned[place]]
        say(f"{len(written)} report files:")
        for path in written:
            say(f"  {path}")
        return written

    def _start(
        self, made: Report | list[Report], stem: Path, formats: tuple[Format, ...]
    ) -> list[Written]:
        if not isinstance(made, list):
            return [self._one(made, stem.with_suffix(f".{fmt}"), fmt) for fmt in formats]
        # Practice feedback: every practice's PDF in one zip, and one example as HTML.
        folder = self._pdfs / stem.name
        folder.mkdir()
        names = bundle_names(made, ".pdf")
        paths = [folder / name for name in names]
        pdfs = [self._pool.submit(RENDERERS["pdf"], *job) for job in zip(made, paths, strict=True)]
        out = stem.with_suffix(".zip")
        return [
            lambda: zip_files(made, names, awaited(pdfs, paths), out),
            render(made[0], stem.with_name(f"{stem.name}-example.html"), "html"),
        ]

    def _one(self, report: Report, out: Path, fmt: Format) -> Path | Future[Path]:
        if fmt == "pdf":
            return self._pool.submit(RENDERERS[fmt], report, out)
        return render(report, out, fmt)


def _done(item: Written) -> Path:
    if isinstance(item, Path):
        return item
    if isinstance(item, Future):
        return item.result()
    return item()


def request_for(store: SnapshotStore, pulled: Pulled, kind: str, names: tuple[str, ...]) -> Request:
    """The request the demo builds ``kind`` with, from the snapshots of ``names``."""
    sources = [load(store, *pulled[name]) for name in names]
    instruments = [p.instrument for p in sources]
    return Request(
        sources,
        provenance([p.snapshot for p in sources], instruments),
        field_period="simulated responses",
        # beside the earlier scan the source document reports, where the kind sets one
        references=(
            find_references(SHIPPED, instruments) if "reference" in kind_of(kind).takes else None
        ),
    )
