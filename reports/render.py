"""One entry point for every format: ``render(report, out, fmt)``.

Each format module has the same shape, ``render(report, out) -> Path``; this picks one by name
and, for several reports (one per practice), bundles them into one zip. PDFs, about a second
each, are rendered by a bounded pool of processes (:func:`render_pool`), one per core.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
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
    pool: Executor | None = None,
) -> Path:
    """Several reports (one per practice) as one zip of ``fmt`` files; ``progress(done,
    total)`` after each file. PDFs are rendered in ``pool`` if given, else in a pool of their
    own (:func:`pool_size`); the zip is the same as one rendered here, file by file."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format '{fmt}': choose one of {', '.join(FORMATS)}")
    suffix, render = f".{fmt}", RENDERERS[fmt]
    size = pool_size(len(reports))
    if pool is not None or fmt not in PARALLEL or size == 1:
        return render_zip(reports, out, render, suffix, progress, pool)
    with render_pool(size) as own:
        return render_zip(reports, out, render, suffix, progress, own)


# Formats slow enough to be worth a process each: a PDF's layout takes about a second, while
# the other formats take milliseconds, less than starting a process.
PARALLEL: frozenset[str] = frozenset({"pdf"})
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def pool_size(count: int) -> int:
    """How many processes render ``count`` reports at once: one per core this process may run
    on, and no more than the reports. 1 (render here, in this process) in a daemonic process,
    which may not start any: the service's job child, whose work then ends when it is killed."""
    if count < 2 or multiprocessing.current_process().daemon:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, count))


@contextmanager
def render_pool(size: int) -> Iterator[Executor]:
    """At most ``size`` processes that render reports (``pool.submit(render, report, out)``),
    shut down when the block ends. On an error or an interrupt, the renders not yet started are
    dropped and the block waits only for those under way; a worker whose parent is killed ends
    too. Workers are forked, starting with everything imported, when this process runs no other
    thread (a fork of a threaded process can deadlock), and they are started at once, so a
    thread started in the block (a server, say) is none of theirs; otherwise they start
    afresh. Each worker then loads WeasyPrint and the PDF stylesheets (about a second) before
    it takes any work, which it is usually waiting for."""
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if threading.active_count() == 1 else "spawn"
    pool = ProcessPoolExecutor(
        size,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        pool.submit(os.getpid)  # starts the workers now, while the choice of fork holds
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _start_worker(parent: int) -> None:
    _end_with_parent(parent)
    render_pdf.prepare()


def _end_with_parent(parent: int) -> None:
    # A worker waits for work on a pipe its parent holds open; if the parent were killed (a
    # cancelled job, say) it would wait forever. Linux kills it instead.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)
