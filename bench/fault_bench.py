"""Benchmark: pulls over a flaky REDCap, the long form of tests/pull/test_fault_run.py.

Run: .venv/bin/python bench/fault_bench.py [--faults 1000] [--pulls 120] [--records 40] [--seed 7]
     [--attempts 3] [--kinds server_error,drop,...]

A live localcap (real HTTP on a loopback port, in a thread of this process) has faults of every
kind (plugin/localcap/faults.py) switched on at random positions before each pull: random kind,
API content, number of requests let through first, and how many requests in a row it hits. Pulls,
full or incremental at random, are repeated until the number of injected faults and of pulls are
both reached. A failed pull must leave the latest snapshot as it was and nothing unfinished
readable; a completed one must hold exactly what a clean pull holds. Prints the pulls completed,
resumed and failed, records lost or duplicated (both must be 0), tokens leaked into errors (0),
the faults injected by kind, and the wall time. Exits non-zero when any must-be-0 figure is not.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from plugin.localcap import create_app, serve_in_thread
from plugin.localcap.faults import FAULT_KINDS, FaultInjector, FaultKind, install_faults
from plugin.pull import SnapshotStore, pull
from plugin.pull.pull import project_key
from plugin.pull.store import row_key
from plugin.redcap import RedcapClient, RedcapConfig, RedcapProblem
from plugin.redcap.transport import RateLimiter, RetryPolicy

PROJECT = (
    Path(__file__).resolve().parents[1] / "tests/fixtures/redcap-projects/test_long_project.xml"
)
ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>fault bench</project_title>'
    "<purpose>0</purpose><is_longitudinal>1</is_longitudinal></item>"
)
CONTENTS = [None, None, "record", "record", "metadata", "log", "project", "version"]
SLOW = 0.6  # seconds a "slow" answer takes: longer than the client's timeout
TIMEOUT = 0.5


def create_project(url: str, super_token: str) -> str:
    data = {
        "token": super_token,
        "content": "project",
        "format": "xml",
        "data": ITEM,
        "odm": PROJECT.read_text(encoding="utf-8"),
    }
    answer = requests.post(url, data=data, timeout=60)
    answer.raise_for_status()
    return answer.text.strip()[-32:]


def fill(client: RedcapClient, records: int) -> None:
    """Copies of the fixture's records (every event and repeat instance) up to ``records``."""
    calculated = {m["field_name"] for m in client.metadata() if m["field_type"] in ("calc", "file")}
    template = [
        {k: v for k, v in row.items() if v != "" and k not in calculated}
        for row in client.export_records()
    ]
    rows = [
        {**row, "study_id": str(n), "first_name": f"Copy {n}"}
        if "first_name" in row
        else {**row, "study_id": str(n)}
        for n in range(3, records + 1)
        for row in template
        if row["study_id"] == str(1 + n % 2)
    ]
    client.import_records(rows)


def add_faults(
    faults: FaultInjector, rng: random.Random, token: str, count: int, kinds: list[FaultKind]
) -> None:
    for _ in range(count):
        kind = rng.choice(kinds)
        faults.add(
            kind,
            token=token,
            content=rng.choice(CONTENTS),
            skip=rng.randrange(25),
            times=rng.choice([1, 1, 1, 2, 2, 3]),
            delay=SLOW,
            status=rng.choice([400, 503]) if kind == "echo_token" else 503,
            retry_after=rng.choice(["0", "0", "1"]),
            count=rng.randint(1, 3),
        )


def keys(store: SnapshotStore, snapshot_id: int) -> Counter[tuple[str, str, str, str]]:
    return Counter(row_key(row, "study_id") for row in store.rows(snapshot_id))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faults", type=int, default=1000, help="inject at least this many")
    parser.add_argument("--pulls", type=int, default=120, help="and start at least this many")
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--attempts", type=int, default=3, help="tries per call before giving up")
    parser.add_argument(
        "--kinds",
        default=",".join(FAULT_KINDS),
        help="the fault kinds to choose from, comma-separated (default: every kind)",
    )
    args = parser.parse_args()
    asked = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    kinds = [kind for kind in FAULT_KINDS if kind in asked]
    unknown = sorted(set(asked) - set(FAULT_KINDS))
    if unknown or not kinds:
        parser.error(f"unknown fault kind(s) {', '.join(unknown)}; choose from {FAULT_KINDS}")
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="fault-bench-"))
    super_token = secrets.token_hex(32).upper()
    app = create_app(folder / "localcap.db", super_token=super_token)
    faults = install_faults(app, seed=args.seed)
    server = serve_in_thread(app)
    started = time.perf_counter()
    try:
        url = server.url
        token = create_project(url, super_token)
        limiter = RateLimiter(rate=1000.0, burst=1000)
        steady = RedcapClient(RedcapConfig(url, token), limiter=limiter)
        fill(steady, args.records)
        store = SnapshotStore(folder / "snapshots.sqlite")
        clean = pull(steady, store, batch_size=args.batch, incremental=False).snapshot
        clean_keys = keys(store, clean.id)
        project = project_key(steady, steady.project_info())
        policy = RetryPolicy(attempts=args.attempts, base=0.01, cap=0.2, rng=random.Random(1))
        client = RedcapClient(
            RedcapConfig(url, token), timeout=TIMEOUT, retry=policy, limiter=limiter
        )
        figures: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        pulls = streak = 0
        while (sum(faults.hits.values()) < args.faults or pulls < args.pulls) and pulls < 5000:
            add_faults(faults, rng, token, rng.randint(4, 12), kinds)
            before, listed = store.latest(project), store.snapshots(project)
            pulls += 1
            try:
                result = pull(client, store, batch_size=args.batch, incremental=rng.random() < 0.5)
            except RedcapProblem as exc:
                figures["failed"] += 1
                streak += 1
                figures["longest run of failed pulls"] = max(
                    figures["longest run of failed pulls"], streak
                )
                reasons[type(exc).__name__] += 1
                text = str(exc).lower()
                figures["tokens leaked"] += token.lower() in text
                figures["failure changed the latest"] += store.latest(project) != before
                figures["failure changed the list"] += store.snapshots(project) != listed
                figures["unfinished readable"] += sum(
                    readable(store, left.snapshot_id) for left in store.unfinished(project)
                )
                continue
            figures["completed"] += 1
            streak = 0
            figures["resumed"] += result.resumed
            got = keys(store, result.snapshot.id)
            figures["records lost"] += len({k[0] for k in clean_keys - got})
            figures["rows lost"] += sum((clean_keys - got).values())
            figures["records duplicated or added"] += len({k[0] for k in got - clean_keys})
            figures["hash differs"] += result.snapshot.content_hash != clean.content_hash
        hits = dict(faults.hits)
        faults.clear()
        last = pull(steady, store, batch_size=args.batch)
        figures["hash differs"] += last.snapshot.content_hash != clean.content_hash
        store.dispose()
    finally:
        server.shutdown()
    report(args, pulls, figures, reasons, hits, time.perf_counter() - started)


def readable(store: SnapshotStore, snapshot_id: int) -> bool:
    try:
        store.get(snapshot_id)
    except KeyError:
        return False
    return True


def report(
    args: Any,
    pulls: int,
    figures: Counter[str],
    reasons: Counter[str],
    hits: dict[str, int],
    seconds: float,
) -> None:
    print(
        f"fault bench: seed {args.seed}, {args.records} records, batches of {args.batch}, "
        f"{args.attempts} attempts a call"
    )
    print(f"\n{'pulls started':<44}{pulls:>8}")
    for name in ("completed", "resumed", "failed"):
        print(f"{'pulls ' + name:<44}{figures[name]:>8}")
    for name, count in sorted(reasons.items()):
        print(f"{'  failed with ' + name:<44}{count:>8}")
    print(f"{'longest run of failed pulls':<44}{figures['longest run of failed pulls']:>8}")
    must_be_zero = [
        "records lost",
        "rows lost",
        "records duplicated or added",
        "hash differs",
        "failure changed the latest",
        "failure changed the list",
        "unfinished readable",
        "tokens leaked",
    ]
    print()
    for name in must_be_zero:
        print(f"{name + ' (must be 0)':<44}{figures[name]:>8}")
    print(f"\n{'faults injected':<44}{sum(hits.values()):>8}")
    for kind in FAULT_KINDS:
        print(f"{'  ' + kind:<44}{hits.get(kind, 0):>8}")
    print(f"\n{'wall time':<44}{seconds:>7.1f}s")
    if any(figures[name] for name in must_be_zero) or sum(hits.values()) < args.faults:
        sys.exit(1)


if __name__ == "__main__":
    main()
