"""Benchmark: scale scores for a large item frame.

Run: .venv/bin/python bench/scoring_bench.py [ROWS]
Builds ROWS respondents x 40 Likert items (1-5, about 5 % NaN) with numpy, scores them with an
in-memory instrument of 8 five-item scales (one reverse-keyed item each; mean, sum and prorated
sums; rescaled) and two composites (one banded), and prints seconds, rows per second and the
process's peak resident memory before and after scoring.
"""

from __future__ import annotations

import resource
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from instruments import Instrument, load_instrument
from scoring.scales import score

SCALES = 8
ITEMS_PER_SCALE = 5
METHODS = ("mean", "prorated_sum", "mean", "sum")
LIKERT = [{"code": str(i), "label": f"{i}"} for i in range(1, 6)]


def instrument() -> Instrument:
    fields: list[dict[str, Any]] = [
        {"name": "record_id", "form": "bench", "type": "text", "label": "Record ID"}
    ]
    scales = []
    for s in range(SCALES):
        items = [f"s{s}_i{i}" for i in range(ITEMS_PER_SCALE)]
        fields += [
            {"name": name, "form": "bench", "type": "radio", "label": name, "choices": LIKERT}
            for name in items
        ]
        scales.append(
            {
                "name": f"scale_{s}",
                "label": f"Scale {s}",
                "items": items,
                "reverse": [items[-1]],
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
    rng = np.random.default_rng(7)
    values = rng.integers(1, 6, size=(rows, len(columns))).astype(np.float64)
    values[rng.random(values.shape) < 0.05] = np.nan
    return pd.DataFrame(values, columns=columns)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    inst = instrument()
    items = frame(rows, [i for s in inst.scales for i in s.items])
    before = peak_mb()
    start = time.perf_counter()
    scores = score(items, inst)
    seconds = time.perf_counter() - start
    overall = scores.frame["overall"]
    print(
        f"rows={rows:,} items={items.shape[1]} scales={len(inst.scales)} "
        f"composites={len(inst.composites)} output columns={scores.frame.shape[1]}"
    )
    print(f"scored in {seconds:.2f} s ({rows / seconds:,.0f} rows/s)")
    print(f"peak RSS {before:,.0f} MB before scoring, {peak_mb():,.0f} MB after")
    print(f"overall scored for {overall.notna().mean():.1%} of rows")


if __name__ == "__main__":
    main()
