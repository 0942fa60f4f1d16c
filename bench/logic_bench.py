"""Benchmark: vectorised branching-logic evaluation against per-record evaluation.

Run: .venv/bin/python bench/logic_bench.py [ROWS] [--full]
Prints the seconds and rows per second of both paths for a typical branching expression and a
calculation, their ratio, and whether the vectorised path meets the goal of issue 16 (at least
50 times the per-record path). The per-record path runs on the first 20,000 rows and is scaled
to ROWS, unless ``--full`` runs it over every row (as the issue measured it). The vectorised
time is the best of three runs after a warm-up on a small frame, each on a newly built frame:
Python keeps a string's hash once computed, so a second run over the same strings would be
faster than any real first evaluation of a pulled snapshot.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from instruments.logic import Context, evaluate, evaluate_frame, parse

BRANCHING = "([qi_done] = '2' or [qi_done] = '3') and [barriers(7)] = '1' and [size] >= 5"
CALCULATION = "round(mean([a], [b], [c]) * 25 - 25, 1)"
GOAL = 50.0
SAMPLE = 20_000


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = {
        "record_id": np.arange(rows).astype(str),
        "qi_done": rng.choice(["1", "2", "3", ""], rows),
        "barriers___7": rng.choice(["0", "1"], rows),
        "size": rng.choice(["1", "5", "12", "", "NA"], rows),
    }
    for name in "abc":
        data[name] = rng.choice(["1", "2", "3", "4", "5", ""], rows)
    return pd.DataFrame(data)


def measure(label: str, text: str, rows: int, context: Context, full: bool) -> bool:
    expression = parse(text)
    evaluate_frame(expression, frame(100), context)
    vector = float("inf")
    for _ in range(3):
        data = frame(rows)
        start = time.perf_counter()
        evaluate_frame(expression, data, context)
        vector = min(vector, time.perf_counter() - start)
    sample = data if full else data.head(min(len(data), SAMPLE))
    records = sample.to_dict("records")
    start = time.perf_counter()
    for record in records:
        evaluate(expression, record, context)
    scalar = (time.perf_counter() - start) / len(records) * len(data)
    how = "over every row" if full else f"scaled from {len(records):,} rows"
    ratio = scalar / vector
    meets = ratio >= GOAL
    print(
        f"{label:<12} rows={len(data):>9,}  vectorised {vector:7.3f} s "
        f"({len(data) / vector:>12,.0f} rows/s)  per-record {scalar:7.2f} s ({how})  "
        f"ratio {ratio:5.1f}x  goal >= {GOAL:.0f}x: {'met' if meets else 'NOT met'}"
    )
    return meets


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg != "--full"]
    rows = int(args[0]) if args else 100_000
    context = Context(missing_codes=frozenset({"NA"}), checkbox_fields=frozenset({"barriers"}))
    full = "--full" in sys.argv
    measure("branching", BRANCHING, rows, context, full)
    measure("calculation", CALCULATION, rows, context, full)


if __name__ == "__main__":
    main()
