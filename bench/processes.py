"""One command's wall time and peak resident memory, measured in a process of its own.

Linux keeps a process's high-water mark across ``exec``: a command started straight from a big
benchmark process reports the benchmark's own peak as its peak (``ru_maxrss``). So each command
starts from a small Python launcher, which times it and reads its peak from there.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - started
sys.stderr.write(done.stderr.decode(errors="replace"))
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
sys.exit(done.returncode)
"""


def measured(command: list[str], env: Mapping[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of ``command`` run to its end; its failure stops the run
    with its error output."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *command],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    seconds, peak_mb = done.stdout.split()
    return float(seconds), float(peak_mb)
