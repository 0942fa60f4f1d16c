"""The demo's reports: every report kind the simulated data supports, in every format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from instruments.model import Instrument
from instruments.reference_values import SHIPPED, find_references
from plugin.pull import Snapshot, SnapshotStore
from plugin.snapshots import load, provenance
from reports.catalogue import build, kind_of, report_formats
from reports.kind import Request
from reports.model import Report
from reports.render import Format, render, render_all

# report kind -> the instruments it reads (the committee summary compares the two scans)
PLAN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("committee", ("provider_scan", "supporter_scan")),
    ("practice", ("practice_readiness",)),
    ("cohort", ("practice_readiness",)),
    ("coding", ("qualitative_coding",)),
    ("quality", ("practice_readiness",)),
    ("quality", ("provider_scan",)),
)


def write_reports(
    store: SnapshotStore,
    pulled: dict[str, tuple[Snapshot, Instrument]],
    folder: Path,
    say: Callable[[str], None],
) -> list[Path]:
    """Render each planned report into ``folder``; the files written, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind, names in PLAN:
        if not all(name in pulled for name in names):
            continue
        sources = [load(store, *pulled[name]) for name in names]
        takes = kind_of(kind).takes
        instruments = [p.instrument for p in sources]
        request = Request(
            sources,
            provenance([p.snapshot for p in sources], instruments),
            field_period="simulated responses",
            # beside the earlier scan the source document reports, where the kind sets one
            references=find_references(SHIPPED, instruments) if "reference" in takes else None,
        )
        made = build(kind, request)
        stem = kind if kind != "quality" else f"quality-{names[0]}"
        written += _render(made, folder / stem, report_formats(kind))
    say(f"{len(written)} report files:")
    for path in written:
        say(f"  {path}")
    return written


def _render(made: Report | list[Report], stem: Path, formats: tuple[Format, ...]) -> list[Path]:
    if isinstance(made, list):
        # Practice feedback: every practice's PDF in one zip, and one example as HTML.
        return [
            render_all(made, stem.with_suffix(".zip"), "pdf"),
            render(made[0], stem.with_name(f"{stem.name}-example.html"), "html"),
        ]
    return [render(made, stem.with_suffix(f".{fmt}"), fmt) for fmt in formats]
