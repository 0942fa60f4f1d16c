"""Benchmark: ``qiscan demo`` end to end (issue 16's goal: under 20 s), and where its time goes.

Run: .venv/bin/python bench/demo_bench.py [--runs N] [--practices N] [--parts-only]

1. ``qiscan demo --out FOLDER``, a fresh folder each run, in its own process: the wall time of
   each run, its median, and whether it meets the goal.
2. The same work in this process, part by part, one thing at a time: compiling the shipped
   instruments; for each instrument its deploy to embedded localcap, simulation, import,
   pull and statistics table; for each planned report its build and each format's render.
3. The practice feedback zip of ``--practices`` reports (default: all of them) rendered one
   PDF after another in this process, against the same zip rendered by the bounded pool of
   processes (``reports.render.render_all``), with the time per PDF and the ratio; the two
   zips hold the same files in the same order, byte for byte (checked).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zipfile import ZipFile

import plugin.cli.demo as demo_command
from instruments.model import Instrument
from plugin.cli.demo import DEMO_SIZES, compile_all, write_statistics
from plugin.cli.demo_reports import PLAN, request_for
from plugin.deploy.apply import deploy
from plugin.pull import Snapshot, SnapshotStore
from plugin.pull.pull import pull
from plugin.simulate import simulate
from plugin.simulated_import import safe_rows
from plugin.target import Instance, embedded_localcap, open_for
from reports.bundle import render_zip
from reports.catalogue import build, report_formats
from reports.model import Report
from reports.render import RENDERERS, pool_size, render, render_all

QISCAN = str(Path(sys.executable).with_name("qiscan"))
GOAL = 20.0  # seconds, for the whole demo
SEED = 2017


class Clock:
    """Seconds per named part, printed as a table with each part's share."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - started

    def print(self) -> None:
        total = sum(self.parts.values())
        for name, seconds in self.parts.items():
            print(f"  {name:<44} {seconds:>7.2f} s  {100 * seconds / total:>5.1f}%")
        print(f"  {'sum of the parts, one at a time':<44} {total:>7.2f} s")


def demo_runs(runs: int, folder: Path) -> list[float]:
    """Wall seconds of ``qiscan demo`` runs, each into a fresh folder."""
    seconds = []
    for run in range(runs):
        out = folder / f"demo-{run}"
        started = time.perf_counter()
        done = subprocess.run([QISCAN, "demo", "--out", str(out)], capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"qiscan demo failed:\n{done.stderr[-2000:]}")
    return seconds


def parts(folder: Path, clock: Clock) -> list[Report]:
    """The demo's work in this process, each part timed; the practice reports it built."""
    demo_command.say = lambda message: None  # the demo's messages are not what is measured
    with clock.part("compile every instrument"):
        instruments = compile_all(folder)
    instance = Instance(folder / "instance")
    store = SnapshotStore(instance.snapshots)
    pulled: dict[str, tuple[Snapshot, Instrument]] = {}
    with embedded_localcap(instance) as localcap:
        for instrument in instruments:
            name = instrument.id
            with open_for([instrument], localcap=localcap) as client:
                with clock.part(f"{name}: deploy"):
                    deploy(client, [instrument])
                with clock.part(f"{name}: simulate"):
                    rows = simulate(instrument, seed=SEED, n=DEMO_SIZES.get(name, 50))
                with clock.part(f"{name}: import"):
                    safe = safe_rows(client, instrument, rows)
                    client.import_in_batches(safe.rows, instrument.record_id)
                with clock.part(f"{name}: pull"):
                    snapshot = pull(client, store, instruments={name: instrument.version}).snapshot
            with clock.part(f"{name}: statistics"):
                write_statistics(store, snapshot, instrument, folder / "stats" / f"{name}.csv")
            pulled[name] = (snapshot, instrument)
    practices: list[Report] = []
    reports = folder / "reports"
    for kind, names in PLAN:
        stem = kind if kind != "quality" else f"quality-{names[0]}"
        with clock.part(f"{stem}: build"):
            made = build(kind, request_for(store, pulled, kind, names))
        if isinstance(made, list):
            practices = made
            with clock.part(f"{stem}: html (the example)"):
                render(made[0], reports / f"{stem}-example.html", "html")
            continue
        for fmt in report_formats(kind):
            with clock.part(f"{stem}: {fmt}"):
                render(made, reports / f"{stem}.{fmt}", fmt)
    return practices


def practice_zip(practices: list[Report], folder: Path) -> tuple[float, float]:
    """Seconds for the zip rendered PDF by PDF here, and by the pool; the zips must be equal."""
    serial, pooled = folder / "serial.zip", folder / "pooled.zip"
    started = time.perf_counter()
    render_zip(practices, serial, RENDERERS["pdf"], ".pdf")
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    render_all(practices, pooled, "pdf")
    in_pool = time.perf_counter() - started
    with ZipFile(serial) as a, ZipFile(pooled) as b:
        if a.namelist() != b.namelist() or any(a.read(n) != b.read(n) for n in a.namelist()):
            raise SystemExit("the pooled zip differs from the one rendered PDF by PDF")
    return one_by_one, in_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="qiscan demo runs (default 1)")
    parser.add_argument("--practices", type=int, default=0, help="PDFs in the zip (0: all)")
    parser.add_argument("--parts-only", action="store_true", help="skip the qiscan demo runs")
    options = parser.parse_args()
    cores, load = pool_size(10_000), os.getloadavg()[0]
    # A pool only helps on idle cores: say how busy the machine was when the figures were taken.
    print(f"{cores} cores for the pool; load average {load:.1f} at the start")
    with tempfile.TemporaryDirectory(prefix="qiscan-demo-bench-") as temporary:
        folder = Path(temporary)
        if not options.parts_only:
            seconds = demo_runs(options.runs, folder)
            median = statistics.median(seconds)
            mark = "meets" if median < GOAL else "over"
            runs = ", ".join(f"{s:.1f}" for s in seconds)
            print(f"qiscan demo: {median:.1f} s (runs: {runs}); goal under {GOAL:.0f} s: {mark}")
        clock = Clock()
        practices = parts(folder / "parts", clock)
        print("\nthe demo's parts, one at a time, in this process:")
        clock.print()
        practices = practices[: options.practices] if options.practices else practices
        one_by_one, in_pool = practice_zip(practices, folder)
        count, size = len(practices), pool_size(len(practices))
        print(
            f"\npractice zip of {count} PDFs (the pooled zip holds the same files, byte for byte):"
        )
        print(
            f"  PDF by PDF here          {one_by_one:>6.2f} s  ({one_by_one / count:.2f} s a PDF)"
        )
        print(f"  pool of {size} processes    {in_pool:>6.2f} s  ({in_pool / count:.2f} s a PDF)")
        print(f"  ratio                    {one_by_one / in_pool:>6.2f}x faster in the pool")


if __name__ == "__main__":
    main()
