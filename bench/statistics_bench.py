"""Benchmark: the tidy statistics table of a simulated providers' scan.

Run: .venv/bin/python bench/statistics_bench.py [ROWS ...]
For each ROWS (default 2000 and 10000) simulates that many providers' responses (seed 2017),
decodes them and times ``statistics_table`` four ways: overall; by organisation type (the
groups compared); by organisation type with counts below 5 withheld (complementary
suppression); and the same with Holm's adjustment. Prints seconds, rows in the table and the
process's peak resident memory. The simulation and decoding are not timed.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' export helper

from instruments import load_shipped  # noqa: E402
from plugin.simulate import simulate  # noqa: E402
from scoring.decode import decode  # noqa: E402
from scoring.questions import Options  # noqa: E402
from scoring.statistics import statistics_table  # noqa: E402
from tests.scoring.redcap_export import export_frame  # noqa: E402

RUNS = (
    ("overall", {}, Options()),
    ("by org_type", {"by": "org_type"}, Options()),
    ("by org_type, withheld below 5", {"by": "org_type"}, Options(suppress_below=5)),
    ("... and Holm", {"by": "org_type"}, Options(suppress_below=5, adjust="holm")),
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [2000, 10000]
    instrument = load_shipped("provider_scan").unwrap()
    for size in sizes:
        rows = simulate(instrument, seed=2017, n=size)
        responses = decode(export_frame(instrument, rows), instrument)
        print(f"{size} respondents x {len(instrument.fields)} fields")
        for name, kwargs, options in RUNS:
            started = time.perf_counter()
            table = statistics_table(responses, options, **kwargs)
            seconds = time.perf_counter() - started
            print(f"  {name:<32} {seconds:7.2f} s  {len(table):>6} rows  peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
