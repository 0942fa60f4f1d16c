"""The ``report`` job: a report of a snapshot built the way ``qiscan report`` builds it, rendered
into ``app.config["REPORTS_DIR"]`` and recorded as a :class:`ReportFile`.

The snapshot is decoded here (the cached decode the result endpoints share); building and
rendering run in a child process (:func:`plugin.service.job_stop.run_in_child`), which is
killed when the job runs past its time limit or is cancelled: a PDF of a huge report cannot
hold the worker. Which kinds an instrument makes and which formats each kind comes in
(:mod:`reports.catalogue`) are checked when a report is asked for, so a report that cannot be
made is refused then, not failed later.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, cast

from flask import Flask

from instruments.reference_values import find_references
from plugin.service.config import reports_dir
from plugin.service.db import worker_session
from plugin.service.job_stop import ChildFailed, Step, run_in_child
from plugin.service.jobs import Progress, handler
from plugin.service.models import Job, ReportFile
from plugin.service.tasks import JobFailed, decoded
from plugin.snapshots import Loaded, SnapshotUnusable, provenance
from reports.catalogue import build, report_formats, unfit
from reports.kind import Request
from reports.model import Report
from reports.render import Format, render, render_all

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}


def build_report(
    kind: str,
    main: Loaded,
    supporters: Loaded | None,
    *,
    practice: str | None,
    suppress_below: int | None,
    compare_by: str | None = None,
    reference: str | None = None,
) -> Report | list[Report]:
    """The ``kind`` report, as ``qiscan report`` builds it (:func:`reports.catalogue.build`;
    committee: beside the shipped earlier scan ``reference`` names)."""
    both = [main] if supporters is None else [main, supporters]
    instruments = [d.instrument for d in both]
    request = Request(
        both,
        provenance([d.snapshot for d in both], instruments),
        practice=practice,
        compare_by=compare_by,
        suppress_below=suppress_below,
        references=None if reference is None else find_references(reference, instruments),
    )
    return build(kind, request)


def report_filename(kind: str, snapshot_id: int, fmt: str, unit: str | None, many: bool) -> str:
    """The file's name: after the unit it is for (a practice), else its snapshot; a zip of
    one report per unit in the plural."""
    if unit is not None:
        return f"{kind}-{safe_name(unit)}.{fmt}"
    if many:
        return f"{kind}s-snapshot-{snapshot_id}.zip"
    return f"{kind}-snapshot-{snapshot_id}.{fmt}"


def safe_name(text: str) -> str:
    """``text`` for a file name: letters, digits, dots and hyphens only."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip(".-")[:80] or "unnamed"


def make_report_file(
    step: Step,
    params: dict[str, Any],
    main: Loaded,
    supporters: Loaded | None,
    folder: str,
) -> dict[str, str]:
    """Build and render the report ``params`` describes into ``folder`` (in the job's child
    process): its path, file name, content type and practice. Steps: the build, then each file
    (one, or one per practice in a zip)."""
    kind, fmt = params["kind"], cast(Format, params["format"])
    made = build_report(
        kind,
        main,
        supporters,
        practice=params.get("practice"),
        suppress_below=params.get("suppress_below"),
        compare_by=params.get("compare_by"),
        reference=params.get("reference"),
    )
    files = len(made) if isinstance(made, list) else 1
    step(1, 1 + files)
    snapshot_id = int(params["snapshot_id"])
    if isinstance(made, list):
        filename, practice = report_filename(kind, snapshot_id, fmt, None, many=True), ""
        path = render_all(
            made, Path(folder) / filename, fmt, lambda done, _: step(1 + done, 1 + files)
        )
        content_type = CONTENT_TYPES["zip"]
    else:
        practice = made.audience if params.get("practice") else ""  # the one it was asked for
        filename = report_filename(kind, snapshot_id, fmt, practice or None, many=False)
        path = render(made, Path(folder) / filename, fmt)
        content_type = CONTENT_TYPES[fmt]
    path.chmod(0o600)  # respondent data, as the instance's other files
    return {
        "path": str(path.resolve()),
        "filename": filename,
        "content_type": content_type,
        "practice": practice,
    }


@handler("report")
def run_report(app: Flask, job: Job, progress: Progress) -> dict[str, Any]:
    """Build and render the report the job's params ask for (in a child process) and record the
    file; its result names the report and file. JobFailed when the snapshot cannot be used, the
    format does not fit, or the build fails."""
    params = job.params
    kind, fmt, snapshot_id = params["kind"], params["format"], int(params["snapshot_id"])
    if fmt not in report_formats(kind):  # queued before the request refused it
        raise JobFailed(unfit(kind, decoded(app, snapshot_id).instrument, fmt))
    progress(0, 2)
    try:
        main = decoded(app, snapshot_id)
        second = params.get("supporters_snapshot")
        supporters = decoded(app, int(second)) if second is not None else None
    except SnapshotUnusable as exc:
        raise JobFailed(exc.message) from None
    folder = reports_dir(app.config) / f"job-{job.id}"
    folder.mkdir(mode=0o700, exist_ok=True)  # not every renderer makes its folder
    steps = [0, 2]  # done, total: the build and one file, until the child says how many

    def step(done: int, total: int) -> None:
        steps[:] = [done, total]
        progress(done, total)

    try:
        made = run_in_child(
            make_report_file,
            (params, main, supporters, str(folder)),
            stopped=progress.stopped,
            on_step=step,
        )
        # the last look at the time limit and a cancel, before the file is listed
        progress(steps[1], steps[1])
    except ChildFailed as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise JobFailed(str(exc)) from None
    except BaseException:  # stopped: a killed child may leave a partial file behind
        shutil.rmtree(folder, ignore_errors=True)
        raise
    with worker_session(app) as db:
        row = ReportFile(
            connection_id=job.connection_id,
            kind=kind,
            fmt=fmt,
            path=made["path"],
            filename=made["filename"],
            content_type=made["content_type"],
            snapshot_id=snapshot_id,
            practice=made["practice"],
        )
        db.add(row)
        db.flush()
        report_id = row.id
    return {
        "report_id": report_id,
        "filename": made["filename"],
        "content_type": made["content_type"],
        "bytes": Path(made["path"]).stat().st_size,
        "practice": made["practice"],
    }
