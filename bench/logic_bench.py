"""Benchmark: vectorised branching-logic evaluation against per-record evaluation.

Run: .venv/bin/python bench/logic_bench.py [ROWS]
Prints rows per second for both paths on a typical branching expression and a calculation.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from instruments.logic import Context, evaluate, evaluate_frame, parse

BRANCHING = "([qi_done] = '2' or [qi_done] = '3') and [barriers(7)] = '1' and [size] >= 5"
CALCULATION = "round(mean([a], [b], [c]) * 25 - 25, 1)"


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


def measure(label: str, text: str, data: pd.DataFrame, context: Context) -> None:
    expression = parse(text)
    start = time.perf_counter()
    evaluate_frame(expression, data, context)
    vector = time.perf_counter() - start
    sample = data.head(min(len(data), 20_000)).to_dict("records")
    start = time.perf_counter()
    for record in sample:
        evaluate(expression, record, context)
    scalar = (time.perf_counter() - start) / len(sample) * len(data)
    print(
        f"{label:<12} rows={len(data):>9,}  vectorised {vector:7.3f} s "
        f"({len(data) / vector:>12,.0f} rows/s)   per-record {scalar:7.2f} s (extrapolated)"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = frame(rows)
    context = Context(missing_codes=frozenset({"NA"}), checkbox_fields=frozenset({"barriers"}))
    measure("branching", BRANCHING, data, context)
    measure("calculation", CALCULATION, data, context)


if __name__ == "__main__":
    main()
