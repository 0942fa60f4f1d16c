"""Benchmark: scale scores for a large item frame.

Run: .venv/bin/python bench/scoring_bench.py [ROWS] [--no-r]
Builds ROWS respondents x 40 Likert items (1-5, about 5 % NaN) with numpy, scores them with an
in-memory instrument of 7 scales of five or six items (three items reverse-keyed, one in each of
the first three scales; mean, sum and prorated sums; rescaled) and two composites (one banded),
and prints seconds, rows per second, the input's size, and the peak resident memory (VmHWM,
reset just before scoring) over the RSS before scoring, as a multiple of the input and against
the goal of issue 16 (at most 2x). Beside the seconds it prints those of R's psych::scoreFast on
a matrix of the same shape and missing rate (made in R, the items' means with the same reverse
keys), when Rscript is present.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from instruments import Instrument, load_instrument
from scoring.scales import score

# The shape: 40 items in 7 scales, 3 of the items reverse-keyed (one in each of the
# first three scales), 5% missing.
SCALE_SIZES = (6, 6, 6, 6, 6, 5, 5)
REVERSED_SCALES = 3
SCALES = len(SCALE_SIZES)
METHODS = ("mean", "prorated_sum", "mean", "sum")
GOAL = 2.0  # issue 16: scoring's peak memory at most twice the input's
LIKERT = [{"code": str(i), "label": f"{i}"} for i in range(1, 6)]


def instrument() -> Instrument:
    fields: list[dict[str, Any]] = [
        {"name": "record_id", "form": "bench", "type": "text", "label": "Record ID"}
    ]
    scales = []
    for s, size in enumerate(SCALE_SIZES):
        items = [f"s{s}_i{i}" for i in range(size)]
        fields += [
            {"name": name, "form": "bench", "type": "radio", "label": name, "choices": LIKERT}
            for name in items
        ]
        scales.append(
            {
                "name": f"scale_{s}",
                "label": f"Scale {s}",
                "items": items,
                "reverse": [items[-1]] if s < REVERSED_SCALES else [],
                "item_range": [1, 5],
                "method": METHODS[s % len(METHODS)],
                "min_answered": {"count": 3} if s % 2 else {"fraction": 0.5},
                "rescale": "0-100",
            }
        )
    thirds = {
        "convention": "local",
        "description": "Equal thirds, for the benchmark only.",
        "bands": [
            {"label": "low", "min": 0, "max": 33.3},
            {"label": "middle", "min": 33.3, "max": 66.7},
            {"label": "high", "min": 66.7, "max": 100},
        ],
    }
    composites = [
        {
            "name": "first_half",
            "label": "First half",
            "scales": [f"scale_{s}" for s in range(SCALES // 2)],
            "min_answered": {"count": 3},
            "rescale": "0-100",
        },
        {
            "name": "overall",
            "label": "Overall",
            "scales": ["first_half", *[f"scale_{s}" for s in range(SCALES // 2, SCALES)]],
            "rescale": "0-100",
            "bands": thirds,
        },
    ]
    data = {
        "id": "bench",
        "version": "1.0.0",
        "title": "Scoring benchmark",
        "kind": "survey",
        "respondent": "anyone",
        "source": {"citation": "Written for the benchmark."},
        "record_id": "record_id",
        "forms": [{"name": "bench", "label": "Bench"}],
        "fields": fields,
        "scales": scales,
        "composites": composites,
    }
    return load_instrument(data, name="bench.json").unwrap()


def frame(rows: int, columns: list[str]) -> pd.DataFrame:
    """The items as one float64 block, filled a column at a time so that building it adds
    little to the peak beyond the block itself."""
    rng = np.random.default_rng(7)
    values = np.empty((len(columns), rows), dtype=np.float64)
    for column in values:
        column[:] = rng.integers(1, 6, size=rows)
        column[rng.random(rows) < 0.05] = np.nan
    # The transposed block is the column-major layout pandas keeps a float frame in.
    return pd.DataFrame(values.T, columns=columns, copy=False)


R_SCORE_FAST = """
suppressMessages(library(psych))
n <- {rows}L
names <- c({names})
set.seed(7)
x <- matrix(sample(1:5, n * length(names), TRUE) * 1.0, n, length(names))
x[runif(n * length(names)) < 0.05] <- NA
colnames(x) <- names
keys <- list({keys})
gc()
timing <- system.time(
  scores <- scoreFast(keys, x, totals = FALSE, missing = TRUE, impute = "none", min = 1, max = 5)
)
cat(timing[["elapsed"]], "\\n")
"""


def r_score_fast(rows: int, inst: Instrument) -> float | None:
    """Seconds R's psych::scoreFast takes to score the same scales (item means, reverse keys)
    on a matrix of the same shape and missing rate, made in R; None without R and psych."""
    if shutil.which("Rscript") is None:
        return None
    names = [item for scale in inst.scales for item in scale.items]
    keys = [
        f"{scale.name} = c("
        + ", ".join(f'"{"-" if item in scale.reverse else ""}{item}"' for item in scale.items)
        + ")"
        for scale in inst.scales
    ]
    script = R_SCORE_FAST.format(
        rows=rows, names=", ".join(f'"{n}"' for n in names), keys=", ".join(keys)
    )
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return float(done.stdout.split()[-1])


def memory_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (the peak since the last reset) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # the kernel reports kB
    raise RuntimeError(f"no {key} in /proc/self/status")


def reset_peak() -> None:
    """Start the process's peak RSS again from its current RSS (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    rows = int(args[0]) if args else 1_000_000
    inst = instrument()
    items = frame(rows, [i for s in inst.scales for i in s.items])
    input_mb = items.memory_usage(index=False).sum() / 2**20
    score(items.head(100), inst)  # imports and first-call set-up, outside the figures
    reset_peak()
    before = memory_mb("VmRSS")
    start = time.perf_counter()
    scores = score(items, inst)
    seconds = time.perf_counter() - start
    peak = memory_mb("VmHWM")
    output_mb = scores.frame.memory_usage(index=False).sum() / 2**20
    overall = scores.frame["overall"]
    added = peak - before
    ratio = added / input_mb
    print(
        f"rows={rows:,} items={items.shape[1]} scales={len(inst.scales)} "
        f"composites={len(inst.composites)} output columns={scores.frame.shape[1]}"
    )
    peer = r_score_fast(rows, inst) if "--no-r" not in sys.argv else None
    versus = (
        f"R psych::scoreFast {peer:.2f} s on the same shape, qiscan {seconds / peer:.2f}x its time"
        if peer is not None
        else "R psych::scoreFast not run"
    )
    print(f"scored in {seconds:.2f} s ({rows / seconds:,.0f} rows/s); {versus}")
    print(
        f"input {input_mb:,.0f} MB, output {output_mb:,.0f} MB; RSS {before:,.0f} MB before "
        f"scoring, peak {peak:,.0f} MB while scoring: {added:,.0f} MB over it, "
        f"{ratio:.2f}x the input; goal <= {GOAL:g}x: {'met' if ratio <= GOAL else 'NOT met'}"
    )
    print(f"overall scored for {overall.notna().mean():.1%} of rows")


if __name__ == "__main__":
    main()
