"""Benchmark: pulling 100,000 records x 60 fields from localcap, batched, against one PyCap
``export_records()`` of the same records.

Run: .venv/bin/python bench/pull_bench.py [--records N] [--fields F] [--batch B]

localcap runs as its own process (``qiscan localcap serve``), and each side runs in a fresh child
process against a fresh localcap on the same database, so every peak resident memory is one
process's own. The one-shot export's peak is taken when its answer is parsed, before it is
hashed. The pull's content hash must equal the hash of the export's rows
(``plugin.pull.store.rows_hash``). Prints each figure beside its peer, the ratio, and whether
the issue's goal is met.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

# qiscan's modules are imported where they are used: the one-shot export's process imports PyCap
# alone before its peak is read, as a PyCap user's would.

ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>bench</project_title>'
    "<purpose>0</purpose></item>"
)
# localcap's growth serving the pull, in MB over its idle size: bounded whatever the project's
# size (it grew by 900 MB serving 100,000 x 60 before its answers were streamed).
SERVER_GROWTH_MB = 150.0
LIKERT = "1, Strongly disagree | 2, Disagree | 3, Neutral | 4, Agree | 5, Strongly agree"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_mb(pid: int | str, name: str = "VmHWM") -> float:
    """A memory figure of a process's status (``pid`` or "self"). VmHWM is its peak resident
    memory since it started its program; ``ru_maxrss`` would also count the peak of the process
    it was forked from (Linux keeps it across exec), here the benchmark that filled localcap."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith(f"{name}:"))
    return int(line.split()[1]) / 1024


class Localcap:
    """``qiscan localcap serve`` on ``db`` in its own process, so its memory and CPU time are its
    own: ``idle_mb`` is its resident memory once it answers, ``memory_mb()`` its peak, and
    ``cpu_seconds()`` its user and system time since it started."""

    def __init__(self, db: Path, super_token: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/"
        qiscan = Path(sys.executable).with_name("qiscan")
        self.process = subprocess.Popen(
            [str(qiscan), "localcap", "serve", "--port", str(self.port), "--db", str(db)],
            env={**os.environ, "QISCAN_LOCALCAP_SUPER_TOKEN": super_token},
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                requests.post(self.url, data={"content": "version"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        self.idle_mb = self.memory_mb("VmRSS")

    def memory_mb(self, name: str = "VmHWM") -> float:
        """A memory figure of the process's status (VmHWM: its peak resident memory)."""
        return status_mb(self.process.pid, name)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self) -> Localcap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def metadata(fields: int) -> list[dict[str, str]]:
    """A one-form dictionary of ``fields`` fields (every third a text, the rest Likert radios),
    its columns in the API's order (``instruments.dictionary.API_COLUMNS``)."""
    from instruments.dictionary import API_COLUMNS

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


def fill(client: Any, records: int, fields: int) -> float:
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


def pull_child(url: str, token: str, batch: int, store: str) -> dict[str, object]:
    from plugin.pull.pull import pull
    from plugin.pull.store import SnapshotStore
    from plugin.redcap import RedcapClient, RedcapConfig
    from plugin.redcap.transport import RateLimiter

    client = RedcapClient(
        RedcapConfig(url, token), timeout=600.0, limiter=RateLimiter(rate=1000.0, burst=1000)
    )
    result = pull(client, SnapshotStore(Path(store)), batch_size=batch, incremental=False)
    return {
        "records": result.exported_records,
        "seconds": result.seconds,
        "peak_mb": status_mb("self"),
        "batches": result.batches,
        "hash": result.snapshot.content_hash,
    }


def export_child(url: str, token: str) -> dict[str, object]:
    """One PyCap export, as a PyCap user makes it, with the options the pull exports with."""
    from redcap import Project

    options = {"export_blank_for_gray_form_status": True, "export_survey_fields": True}
    started = time.perf_counter()
    rows = Project(url, token).export_records(**options)
    seconds = time.perf_counter() - started
    peak_mb = status_mb("self")
    from plugin.pull.pull import SCORING_EXPORT
    from plugin.pull.store import rows_hash

    if options != SCORING_EXPORT:
        raise SystemExit(f"the pull exports with {SCORING_EXPORT}, not {options}")
    record_id = next(iter(rows[0])) if rows else "record_id"
    return {
        "records": len({row[record_id] for row in rows}),
        "seconds": seconds,
        "peak_mb": peak_mb,
        "batches": 1,
        "hash": rows_hash(rows, record_id),
    }


def run_side(
    database: Path, super_token: str, token: str, argv: list[str]
) -> tuple[dict[str, Any], float, float, float]:
    """One side in its own process against a fresh localcap: its figures, and localcap's idle
    and peak memory (MB) and CPU seconds serving it."""
    with Localcap(database, super_token) as server:
        done = subprocess.run(
            [sys.executable, __file__, "--child", server.url, token, *argv],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(f"{argv[0]} failed:\n{done.stderr}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        return figures, server.idle_mb, server.memory_mb(), server.cpu_seconds()


def fill_localcap(database: Path, records: int, fields: int) -> tuple[str, str]:
    """A new localcap database holding one project of ``records`` x ``fields`` fields; its super
    token and the project's token."""
    from plugin.redcap import RedcapClient, RedcapConfig
    from plugin.redcap.transport import RateLimiter

    super_token = secrets.token_hex(32).upper()
    with Localcap(database, super_token) as filler:
        answer = requests.post(
            filler.url,
            timeout=60,
            data={"token": super_token, "content": "project", "format": "xml", "data": ITEM},
        )
        token = answer.text.strip()[-32:]
        client = RedcapClient(
            RedcapConfig(filler.url, token),
            timeout=600.0,
            limiter=RateLimiter(rate=1000.0, burst=1000),
        )
        print(f"filling localcap with {records:,} records x {fields} fields", file=sys.stderr)
        seconds = fill(client, records, fields)
    print(f"  import: {records / seconds:,.0f} records/s", file=sys.stderr)
    return super_token, token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=60)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--child", nargs="+", metavar="ARG")
    parser.add_argument(
        "--folder", type=Path, help="keep the filled localcap here, and reuse it when it exists"
    )
    parser.add_argument("--fill-only", action="store_true", help="fill --folder and stop")
    args = parser.parse_args()
    if args.child:
        url, token, kind, *rest = args.child
        if kind == "pull":
            figures = pull_child(url, token, int(rest[0]), rest[1])
        else:
            figures = export_child(url, token)
        print(json.dumps(figures))
        return
    folder = args.folder or Path(tempfile.mkdtemp(prefix="pull-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    database, tokens = folder / "lc.db", folder / "tokens.json"
    if tokens.exists():
        super_token, token = json.loads(tokens.read_text())
        print(f"reusing the filled localcap in {folder}", file=sys.stderr)
    else:
        super_token, token = fill_localcap(database, args.records, args.fields)
        tokens.write_text(json.dumps([super_token, token]))
    if args.fill_only:
        return
    store = folder / "pull.sqlite"
    store.unlink(missing_ok=True)
    batched, b_idle, b_peak, b_cpu = run_side(
        database, super_token, token, ["pull", str(args.batch), str(store)]
    )
    one, o_idle, o_peak, o_cpu = run_side(database, super_token, token, ["export"])
    print(
        f"\n{args.records:,} records x {args.fields} fields; batched pull of {args.batch} records "
        f"a batch ({batched['batches']} batches) against one PyCap export_records()"
    )
    print(f"{'figure':<30}{'batched pull':>14}{'one export':>14}{'ratio':>8}")
    rows = [
        ("seconds", batched["seconds"], one["seconds"]),
        ("records/s", batched["records"] / batched["seconds"], one["records"] / one["seconds"]),
        ("client peak MB", batched["peak_mb"], one["peak_mb"]),
        ("localcap peak MB", b_peak, o_peak),
        ("localcap growth over idle MB", b_peak - b_idle, o_peak - o_idle),
        ("localcap CPU s", b_cpu, o_cpu),
    ]
    for label, mine, theirs in rows:
        print(f"{label:<30}{mine:>14,.1f}{theirs:>14,.1f}{mine / theirs:>8.2f}")
    same = batched["hash"] == one["hash"] and batched["records"] == one["records"]
    fast = batched["seconds"] <= one["seconds"]
    small = batched["peak_mb"] <= one["peak_mb"] / 3
    bounded = b_peak - b_idle <= SERVER_GROWTH_MB
    print(f"\ncontent hash of the pull equals the export's rows' hash: {same}")
    print(f"goal, batched pull at least as fast as one export: {fast}")
    print(f"goal, client peak at most a third of the export's: {small}")
    print(
        f"goal, localcap grows by at most {SERVER_GROWTH_MB:g} MB over idle serving the pull: "
        f"{bounded} (idle {b_idle:.0f} MB)"
    )
    if not same:
        sys.exit("the pull's content differs from the one-shot export's")


if __name__ == "__main__":
    main()
