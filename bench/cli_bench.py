"""Benchmark: how fast the command line starts (issue 15's goal: under 0.5 s).

Run: .venv/bin/python bench/cli_bench.py [RUNS]
Prints, for ``qiscan --help``, ``qiscan instruments list`` and ``qiscan stats --help`` (which
imports the statistics stack), the median wall time of RUNS fresh processes and the largest
peak resident memory, measured by the kernel for each child process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QISCAN = str(Path(sys.executable).with_name("qiscan"))
COMMANDS = (["--help"], ["instruments", "list"], ["stats", "--help"])
GOAL = 0.5  # seconds


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``qiscan ARGS`` in a fresh process."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child becomes qiscan, its output discarded
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(QISCAN, [QISCAN, *args])
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"qiscan {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.run([QISCAN, "--help"], capture_output=True, check=True)  # warm the disk cache
    print(f"{'command':<26} {'median s':>9} {'peak MB':>8}  goal {GOAL} s")
    for args in COMMANDS:
        measured = [run(args) for _ in range(runs)]
        seconds = statistics.median(s for s, _ in measured)
        peak = max(mb for _, mb in measured)
        mark = "meets" if seconds < GOAL else "over"
        print(f"{'qiscan ' + ' '.join(args):<26} {seconds:>9.3f} {peak:>8.0f}  {mark}")


if __name__ == "__main__":
    main()
