"""Moves are reported minimally: the fields that keep their relative order form a longest such
run, checked against a quadratic longest-increasing-subsequence written independently."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plugin.deploy import FieldUsage, make_plan
from plugin.deploy.fields import kept_in_order
from tests.deploy.helpers import desired, exported, scan


def longest_increasing_length(values: list[int]) -> int:
    best = [1] * len(values)
    for i, value in enumerate(values):
        for j in range(i):
            if values[j] < value:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@given(st.permutations(list(range(12))))
def test_kept_items_are_a_longest_run_in_the_old_order(ranks):
    names = [f"f{rank}" for rank in ranks]
    old_rank = {f"f{rank}": rank for rank in ranks}
    kept = kept_in_order(names, old_rank)
    kept_ranks = [old_rank[name] for name in names if name in kept]
    assert kept_ranks == sorted(kept_ranks)
    assert len(kept) == longest_increasing_length(list(ranks))


@given(st.permutations(["org_name", "org_type", "supports"]))
def test_a_shuffled_form_reports_only_its_movers(order):
    data = scan()
    by_name = {f["name"]: f for f in data["fields"]}
    data["fields"] = [by_name["record_id"], *(by_name[n] for n in order), *data["fields"][4:]]
    plan = make_plan(desired(data), exported(desired(scan())), usage=FieldUsage())
    moved = [c.name for c in plan.fields]
    assert all(c.moved and not c.columns for c in plan.fields)
    stayed = [name for name in order if name not in moved]
    assert stayed == [n for n in ("org_name", "org_type", "supports") if n in stayed]
    assert len(moved) == 3 - longest_increasing_length(
        [("org_name", "org_type", "supports").index(n) for n in order]
    )
