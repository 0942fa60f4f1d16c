"""Scoring without copies: scores summed one item column at a time equal, bit for bit, the sums
across the keyed item frame; scoring a wide scale holds no copy of its items; the decoded item
frame reads each category once and gives the numbers a per-row reading gives."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pandas as pd

from instruments import Instrument, load_instrument
from scoring.scale_stats import _as_numbers
from scoring.scales import keyed_items, score

LIKERT = [{"code": str(c), "label": f"option {c}"} for c in range(1, 6)]


def build(sizes: list[int], method: str = "mean") -> Instrument:
    """One scale per size, its items 1..5 with every third item reverse-keyed."""
    fields: list[dict[str, Any]] = [
        {"name": "record_id", "form": "f", "type": "text", "label": "ID"}
    ]
    scales = []
    for s, size in enumerate(sizes):
        items = [f"s{s}_{i}" for i in range(size)]
        fields += [
            {"name": n, "form": "f", "type": "radio", "label": n, "choices": LIKERT} for n in items
        ]
        scales.append(
            {
                "name": f"s{s}",
                "label": f"S{s}",
                "items": items,
                "reverse": items[::3],
                "item_range": [1, 5],
                "method": method,
                "min_answered": {"count": 1},
                "rescale": "0-100",
            }
        )
    data = {
        "id": "memory",
        "version": "1.0.0",
        "title": "Memory",
        "kind": "survey",
        "respondent": "anyone",
        "source": {"citation": "Written for the tests."},
        "record_id": "record_id",
        "forms": [{"name": "f", "label": "F"}],
        "fields": fields,
        "scales": scales,
    }
    return load_instrument(data, name="memory.json").unwrap()


def items_of(inst: Instrument, rows: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [item for scale in inst.scales for item in scale.items]
    values = rng.uniform(1, 5, size=(rows, len(names)))
    values[rng.random(values.shape) < 0.2] = np.nan
    return pd.DataFrame(values, columns=names)


def test_scores_equal_sums_across_the_keyed_item_frame_bit_for_bit() -> None:
    # Non-integer items and scales of up to 12 items make the order of addition visible.
    for method in ("mean", "sum", "prorated_sum"):
        inst = build([1, 2, 5, 7, 8, 12], method)
        items = items_of(inst, 500)
        out = score(items, inst).frame
        for scale in inst.scales:
            keyed = keyed_items(items, scale, inst).to_numpy()
            present = ~np.isnan(keyed)
            total = np.where(present, keyed, 0.0).sum(axis=1)
            answered = present.sum(axis=1)
            k = keyed.shape[1]
            raw = {
                "mean": total / np.maximum(answered, 1),
                "sum": total,
                "prorated_sum": total * (k / np.maximum(answered, 1)),
            }[method]
            low, high = (1.0, 5.0) if method == "mean" else (float(k), 5.0 * k)
            expected = np.where(answered >= 1, raw, np.nan)
            expected = (expected - low) / (high - low) * 100.0
            got = out[scale.name].to_numpy()
            assert np.array_equal(got, expected, equal_nan=True), (method, scale.name)
            assert np.array_equal(out[f"{scale.name}__n"].to_numpy(), answered)


def test_scoring_a_wide_scale_holds_no_copy_of_its_items() -> None:
    inst = build([40])
    items = items_of(inst, 50_000)
    before = items.copy()
    size = items.to_numpy().nbytes
    tracemalloc.start()
    try:
        score(items, inst)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The scores themselves are a few bytes a row against 320 for the items; a copy of the
    # items (to reverse-key them, or to mask the missing ones) would be the size of the input.
    assert peak < 0.25 * size, f"peak {peak:,} bytes for {size:,} bytes of items"
    pd.testing.assert_frame_equal(items, before)


def test_categorical_items_read_as_numbers_as_each_value_would() -> None:
    codes = pd.Categorical(
        ["1", "5", None, "2", "x", "5", None], categories=["1", "2", "5", "x", "9"]
    )
    for column in (pd.Series(codes), pd.Series(codes.astype(object)), pd.Series([1, None, 3.5])):
        expected = pd.to_numeric(column.astype("object"), errors="coerce").to_numpy(float)
        assert np.array_equal(_as_numbers(column), expected, equal_nan=True)
    assert _as_numbers(pd.Series(codes))[:5].tolist()[:2] == [1.0, 5.0]
