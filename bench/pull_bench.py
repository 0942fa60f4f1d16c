"""Benchmark: pulling 100,000 records x 60 fields from localcap, batched against one export.

Run: .venv/bin/python bench/pull_bench.py [--records N] [--fields F] [--batch B]

localcap runs as its own process (``qiscan localcap serve``), so each pull's peak memory is the
pulling process's alone; each pull runs in a fresh child process for the same reason. Prints
records per second and peak resident memory for a batched pull and for a single export.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from instruments.dictionary import API_COLUMNS
from plugin.pull import SnapshotStore, pull
from plugin.redcap import RedcapClient, RedcapConfig
from plugin.redcap.transport import RateLimiter

ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>bench</project_title>'
    "<purpose>0</purpose></item>"
)
LIKERT = "1, Strongly disagree | 2, Disagree | 3, Neutral | 4, Agree | 5, Strongly agree"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def metadata(fields: int) -> list[dict[str, str]]:
    """A one-form dictionary of ``fields`` fields (every third a text, the rest Likert radios),
    its columns in the API's order (``instruments.dictionary.API_COLUMNS``)."""
    rows = [{"field_name": "record_id", "field_type": "text", "field_label": "Record"}]
    for i in range(1, fields):
        kind = "radio" if i % 3 else "text"
        rows.append(
            {
                "field_name": f"q{i}",
                "field_type": kind,
                "field_label": f"Question {i}",
                "select_choices_or_calculations": LIKERT if kind == "radio" else "",
            }
        )
    return [
        {column: {"form_name": "survey", **row}.get(column, "") for column in API_COLUMNS}
        for row in rows
    ]


def fill(client: RedcapClient, records: int, fields: int) -> float:
    client.call("import_metadata", metadata(fields))
    client.forget_design()
    started = time.perf_counter()
    for start in range(0, records, 5000):
        rows = [
            {
                "record_id": str(r),
                **{
                    f"q{i}": (str(1 + (r + i) % 5) if i % 3 else f"text {r}")
                    for i in range(1, fields)
                },
            }
            for r in range(start + 1, min(records, start + 5000) + 1)
        ]
        client.import_records(rows)
        print(
            f"\r  filled {min(records, start + 5000):,} / {records:,} records",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    return time.perf_counter() - started


def child(url: str, token: str, batch: int, store: str) -> None:
    client = RedcapClient(
        RedcapConfig(url, token), timeout=600.0, limiter=RateLimiter(rate=1000.0, burst=1000)
    )
    result = pull(client, SnapshotStore(Path(store)), batch_size=batch, incremental=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{result.exported_records} {result.seconds:.3f} {peak_mb:.1f} {result.batches} "
        f"{result.snapshot.content_hash}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=60)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--child", nargs=4, metavar=("URL", "TOKEN", "BATCH", "STORE"))
    args = parser.parse_args()
    if args.child:
        url, token, batch, store = args.child
        child(url, token, int(batch), store)
        return
    folder = Path(tempfile.mkdtemp(prefix="pull-bench-"))
    super_token = secrets.token_hex(32).upper()
    port = free_port()
    qiscan = Path(sys.executable).with_name("qiscan")
    server = subprocess.Popen(
        [str(qiscan), "localcap", "serve", "--port", str(port), "--db", str(folder / "lc.db")],
        env={**os.environ, "QISCAN_LOCALCAP_SUPER_TOKEN": super_token},
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/"
    try:
        for _ in range(100):
            try:
                requests.post(url, data={"content": "version"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        answer = requests.post(
            url,
            timeout=60,
            data={"token": super_token, "content": "project", "format": "xml", "data": ITEM},
        )
        token = answer.text.strip()[-32:]
        client = RedcapClient(
            RedcapConfig(url, token), timeout=600.0, limiter=RateLimiter(rate=1000.0, burst=1000)
        )
        print(
            f"filling localcap with {args.records:,} records x {args.fields} fields",
            file=sys.stderr,
        )
        seconds = fill(client, args.records, args.fields)
        print(f"  import: {args.records / seconds:,.0f} records/s", file=sys.stderr)
        print(f"\n{'pull':<22}{'records/s':>12}{'seconds':>10}{'peak MB':>10}{'batches':>9}")
        hashes = set()
        for label, batch in (
            (f"batched ({args.batch})", args.batch),
            ("single export", args.records),
        ):
            store = folder / f"{batch}.sqlite"
            out = subprocess.run(
                [sys.executable, __file__, "--child", url, token, str(batch), str(store)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            records, secs, peak, batches, digest = out
            hashes.add(digest)
            print(
                f"{label:<22}{int(records) / float(secs):>12,.0f}{float(secs):>10.1f}"
                f"{float(peak):>10.0f}{batches:>9}"
            )
        print(f"\nsame content either way: {len(hashes) == 1}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
