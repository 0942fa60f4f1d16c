"""Benchmark: the scoring service's results endpoints under concurrent load on loopback.

Run: .venv/bin/python bench/service_bench.py [--practices N] [--requests N] [--clients 20,50]

Builds a throwaway instance: a localcap in a thread with practice_readiness deployed and N
simulated practices, and the service (SQLite, no worker thread) with that project registered,
served over HTTP on 127.0.0.1 in this process. The clients are another process (one thread and
connection per client), so that they do not share the server's GIL. For each number of clients,
each results endpoint (statistics, scores, progress) is loaded right after a pull job made a new
snapshot, with no warm-up: the first requests of the snapshot count. Then a scores answer
revalidated with its ETag (304), /health (the floor: the server's own cost per request) and,
signed in with a session cookie, the web page's projects and project pages. Prints requests per
second, p50/p99 latency, the slowest first request and p99 as a multiple of the floor per
endpoint, and whether the results endpoints meet the goal of issue 16 (p99 under 100 ms); shuts
both servers down and removes the instance when done.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests
from flask import Flask

from instruments import load_shipped
from instruments.dictionary.structure import project_structure
from instruments.model import Instrument
from plugin.deploy.apply import deploy
from plugin.localcap import RunningServer, serve_in_thread
from plugin.localcap import create_app as create_localcap
from plugin.localcap.storage import set_missing_data_codes
from plugin.redcap import RedcapClient, RedcapConfig
from plugin.redcap.transport import RateLimiter
from plugin.service import create_app
from plugin.service.auth import create_key
from plugin.service.crypto import encrypt, hash_key
from plugin.service.db import session
from plugin.service.jobs import run_next
from plugin.service.models import Connection
from plugin.simulate import simulate

GOAL_MS = 100.0  # p99 of a results endpoint, first requests of a new snapshot included
GOAL_CLIENTS = 20  # the goal is held at 20 concurrent clients; 50 is measured beside it
RESULTS = (
    "/snapshots/{snapshot}/statistics?field=readiness_index",
    "/snapshots/{snapshot}/scores",
    "/snapshots/{snapshot}/progress",
)
ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>{title}</project_title>'
    "<purpose>0</purpose><is_longitudinal>{longitudinal}</is_longitudinal></item>"
)


@dataclass
class Result:
    endpoint: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    first_ms: list[float]  # each client's first request
    goal: bool = False  # a results endpoint, held to the goal


def live_project(localcap: RunningServer, super_token: str, instrument: Instrument, n: int) -> str:
    """A localcap project with ``instrument`` deployed and ``n`` simulated practices: its token."""
    structure = project_structure([instrument])
    data = {
        "token": super_token,
        "content": "project",
        "format": "xml",
        "data": ITEM.format(title=instrument.id, longitudinal=int(structure.longitudinal)),
    }
    response = requests.post(localcap.url, data=data, timeout=30)
    response.raise_for_status()
    token = response.text[-32:]
    if structure.missing_data_codes:
        db_path = localcap.app.config["LOCALCAP_DB"]
        set_missing_data_codes(db_path, token, structure.missing_data_codes)
    client = RedcapClient(
        RedcapConfig(localcap.url, token), limiter=RateLimiter(rate=1000.0, burst=1000)
    )
    deploy(client, [instrument])
    client.import_in_batches(simulate(instrument, seed=7, n=n), instrument.record_id)
    return token


def register(app: Flask, url: str, token: str, instrument: str) -> tuple[int, str]:
    """Store the connection and make an analyst key: the connection's id and the key."""
    with app.app_context():
        row = Connection(
            name=instrument,
            url=url,
            token_cipher=encrypt(app.config["SECRET_KEY"], token),
            instrument=instrument,
            trigger_secret_hash=hash_key(secrets.token_urlsafe(16)),
        )
        session().add(row)
        _, key = create_key("analyst", "bench analyst")
        session().commit()
        return row.id, key


def pull_snapshot(app: Flask, key: str, connection_id: int) -> tuple[int, float]:
    """Run a full pull job (a new snapshot, its results built by the job): its id and seconds."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    started = time.perf_counter()
    queued = client.post(f"/projects/{connection_id}/pulls", json={"full": True}, headers=headers)
    if queued.status_code != 202 or queued.json is None:
        raise RuntimeError(f"pull not queued: {queued.status_code} {queued.get_data(as_text=True)}")
    if not run_next(app):
        raise RuntimeError("no queued job ran")
    seconds = time.perf_counter() - started
    job = client.get(f"/jobs/{queued.json['id']}", headers=headers).json
    if job is None or job["state"] != "done":
        raise RuntimeError(f"pull failed: {job}")
    return int(job["result"]["snapshot_id"]), seconds


def web_cookie(base: str, key: str) -> dict[str, str]:
    """Sign in to the web page with ``key``: the session cookie, as a request header."""
    with requests.Session() as http:
        page = http.get(f"{base}/web/sign-in", timeout=30).text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        signed = http.post(
            f"{base}/web/sign-in",
            data={"csrf_token": found.group(1), "key": key},
            allow_redirects=False,
            timeout=30,
        )
        if signed.status_code != 302:
            raise RuntimeError(f"sign-in refused: {signed.status_code}")
        return {"Cookie": f"qiscan_session={http.cookies['qiscan_session']}"}


def load(url: str, headers: dict[str, str], total: int, clients: int, expect: int) -> Result:
    """``total`` GETs of ``url`` shared among ``clients`` threads, each on its own connection, with
    no warm-up; run in the load generator's process. A request whose status is not ``expect``
    is an error."""
    latencies: list[float] = []
    first: list[float] = []
    errors = 0
    lock = threading.Lock()
    shares = [total // clients + (i < total % clients) for i in range(clients)]
    ready = threading.Barrier(len([share for share in shares if share]))

    def worker(count: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with requests.Session() as http:
            ready.wait()
            for _ in range(count):
                start = time.perf_counter()
                try:
                    answer = http.get(url, headers=headers, timeout=60, allow_redirects=False)
                    ok = answer.status_code == expect
                except requests.RequestException:
                    ok = False
                mine.append((time.perf_counter() - start) * 1000.0)
                failed += not ok
        with lock:
            latencies.extend(mine)
            first.append(mine[0])
            errors += failed

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares if share]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(url, clients, total, errors, time.perf_counter() - start, latencies, first)


def etag_of(url: str, headers: dict[str, str]) -> str:
    """The ETag of the answer at ``url``."""
    answer = requests.get(url, headers=headers, timeout=60)
    answer.raise_for_status()
    return answer.headers["ETag"]


def report(results: list[Result], floor: Result) -> bool:
    """Print each endpoint's figures beside the floor (/health from the same run, same clients);
    whether every results endpoint's p99 is under the goal."""
    floor_p99 = float(np.percentile(np.array(floor.latencies_ms), 99))
    met = True
    print(
        f"{'clients':>7} {'endpoint':<47} {'requests':>8} {'errors':>6} {'req/s':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'first ms':>8} {'p99/floor':>9} "
        f"{'<' + str(int(GOAL_MS)):>5}"
    )
    for r in results:
        p50, p99 = np.percentile(np.array(r.latencies_ms), [50, 99])
        rate = r.requests / r.seconds
        goal = "-"
        if r.goal:
            goal = "yes" if p99 < GOAL_MS and not r.errors else "NO"
            met &= goal == "yes"
        print(
            f"{r.clients:>7} {r.endpoint:<47} {r.requests:>8} {r.errors:>6} {rate:>7.0f} "
            f"{p50:>7.1f} {p99:>7.1f} {max(r.first_ms):>8.1f} {p99 / floor_p99:>8.1f}x {goal:>5}"
        )
    return met


def measure(
    pool: ProcessPoolExecutor,
    app: Flask,
    base: str,
    key: str,
    connection_id: int,
    clients: int,
    total: int,
) -> list[Result]:
    """The figures at ``clients`` clients: each results endpoint just after a pull job made a new
    snapshot (its first requests counted), a scores answer revalidated (304), /health (the
    floor) and the web pages."""
    bearer = {"Authorization": f"Bearer {key}"}
    found: list[Result] = []
    for path in RESULTS:
        snapshot, seconds = pull_snapshot(app, key, connection_id)
        print(f"  pull job for snapshot {snapshot}: {seconds:.1f}s (its results built)")
        url = base + path.format(snapshot=snapshot)
        found.append(pool.submit(load, url, bearer, total, clients, 200).result())
        found[-1].endpoint, found[-1].goal = path.format(snapshot="<new>"), True
    url = base + RESULTS[1].format(snapshot=snapshot)
    revalidated = {**bearer, "If-None-Match": etag_of(url, bearer)}
    found.append(pool.submit(load, url, revalidated, total, clients, 304).result())
    found[-1].endpoint, found[-1].goal = "/snapshots/<new>/scores If-None-Match (304)", True
    cookie = web_cookie(base, key)
    for path, headers in (("/web/", cookie), (f"/web/projects/{connection_id}", cookie)):
        found.append(pool.submit(load, base + path, headers, total, clients, 200).result())
        found[-1].endpoint = path
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint and client count")
    parser.add_argument("--clients", default="20,50", help="client counts, comma-separated")
    args = parser.parse_args()
    counts = [int(count) for count in args.clients.split(",") if count.strip()]
    if args.practices < 1 or args.requests < 1 or not counts or min(counts) < 1:
        parser.error("--practices, --requests and each of --clients must be at least 1")

    spawn = multiprocessing.get_context("spawn")  # no copy of this process's server threads
    with (
        tempfile.TemporaryDirectory(prefix="qiscan-service-bench-") as tmp,
        ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool,
    ):
        folder = Path(tmp) / "instance"
        folder.mkdir()
        os.environ["QISCAN_INSTANCE"] = str(folder)
        super_token = secrets.token_hex(32).upper()
        localcap = serve_in_thread(create_localcap(folder / "localcap.db", super_token=super_token))
        service: RunningServer | None = None
        app: Flask | None = None
        try:
            instrument = load_shipped("practice_readiness").unwrap()
            started = time.perf_counter()
            token = live_project(localcap, super_token, instrument, args.practices)
            app = create_app(
                {
                    "DATABASE_URL": f"sqlite:///{Path(tmp) / 'service.sqlite'}",
                    "SECRET_KEY": secrets.token_urlsafe(32),
                    "START_WORKER": False,
                }
            )
            connection_id, key = register(app, localcap.url, token, instrument.id)
            service = serve_in_thread(app)
            base = f"http://127.0.0.1:{service.port}"
            pool.submit(time.sleep, 0).result()  # the load generator's process, started
            print(f"setup: {args.practices} practices, {time.perf_counter() - started:.1f}s")
            print(
                f"{args.requests} GETs per endpoint from the load generator's process (pid "
                f"{pool.submit(os.getpid).result()}; the server's is {os.getpid()}), one thread "
                "and connection per client, no warm-up"
            )
            met: dict[int, bool] = {}
            for clients in counts:
                results = measure(pool, app, base, key, connection_id, clients, args.requests)
                floor = pool.submit(
                    load, base + "/health", {}, args.requests, clients, 200
                ).result()
                floor.endpoint = "/health (the floor)"
                met[clients] = report([*results, floor], floor)
            print(
                "first ms: the slowest of the clients' first requests (for a results endpoint, "
                "the first requests of a snapshot whose pull job had just ended); floor: /health "
                "at the same clients, same run"
            )
            verdicts = ", ".join(
                f"at {clients} clients {'met' if ok else 'NOT met'}" for clients, ok in met.items()
            )
            print(
                f"goal (issue 16: at {GOAL_CLIENTS} clients): results endpoints p99 under "
                f"{GOAL_MS:.0f} ms, first requests included: {verdicts}"
            )
        finally:
            if service is not None:
                service.shutdown()
            localcap.shutdown()
            if app is not None:
                app.extensions["qiscan.db"].kw["bind"].dispose()


if __name__ == "__main__":
    main()
