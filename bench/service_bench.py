"""Benchmark: the scoring service's results endpoints under concurrent load on loopback.

Run: .venv/bin/python bench/service_bench.py [--practices N] [--requests N] [--concurrency C]

Builds a throwaway instance: a localcap in a thread with practice_readiness deployed and N
simulated practices, the service (SQLite, no worker) with that project registered and one pull
run, then serves the service over HTTP on 127.0.0.1 and times GET requests to the statistics,
scores and progress of the pulled snapshot and to /health, and, signed in with a session cookie,
to the web page's projects and project pages. Prints requests per second and p50/p99 latency
per endpoint; shuts both servers down and removes the instance when done.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import tempfile
import threading
import time
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

ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>{title}</project_title>'
    "<purpose>0</purpose><is_longitudinal>{longitudinal}</is_longitudinal></item>"
)


@dataclass
class Result:
    endpoint: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]


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


def pull_snapshot(app: Flask, key: str, connection_id: int) -> int:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    queued = client.post(f"/projects/{connection_id}/pulls", json={}, headers=headers)
    if queued.status_code != 202 or queued.json is None:
        raise RuntimeError(f"pull not queued: {queued.status_code} {queued.get_data(as_text=True)}")
    if not run_next(app):
        raise RuntimeError("no queued job ran")
    job = client.get(f"/jobs/{queued.json['id']}", headers=headers).json
    if job is None or job["state"] != "done":
        raise RuntimeError(f"pull failed: {job}")
    return int(job["result"]["snapshot_id"])


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


def load(base: str, path: str, headers: dict[str, str], total: int, concurrency: int) -> Result:
    """Warm up once, then ``total`` GETs of ``path`` shared among ``concurrency`` threads."""
    url = base + path
    warm = requests.get(url, headers=headers, timeout=60, allow_redirects=False)
    if warm.status_code != 200:
        raise RuntimeError(f"warm-up of {path}: {warm.status_code} {warm.text[:300]}")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    shares = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]

    def worker(count: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with requests.Session() as http:
            for _ in range(count):
                start = time.perf_counter()
                try:
                    answer = http.get(url, headers=headers, timeout=60, allow_redirects=False)
                    ok = answer.status_code == 200
                except requests.RequestException:
                    ok = False
                mine.append((time.perf_counter() - start) * 1000.0)
                failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares if share]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(path, total, errors, time.perf_counter() - start, latencies)


def report(results: list[Result]) -> None:
    print(
        f"{'endpoint':<52} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in results:
        p50, p99 = np.percentile(np.array(r.latencies_ms), [50, 99])
        rate = r.requests / r.seconds
        print(
            f"{r.endpoint:<52} {r.requests:>8} {r.errors:>6} {rate:>8.1f} {p50:>8.1f} {p99:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if args.practices < 1 or args.requests < 1 or args.concurrency < 1:
        parser.error("--practices, --requests and --concurrency must be at least 1")

    with tempfile.TemporaryDirectory(prefix="qiscan-service-bench-") as tmp:
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
            snapshot = pull_snapshot(app, key, connection_id)
            print(
                f"setup: {args.practices} practices, snapshot {snapshot}, "
                f"{time.perf_counter() - started:.1f}s"
            )
            service = serve_in_thread(app)
            base = f"http://127.0.0.1:{service.port}"
            paths = [
                f"/snapshots/{snapshot}/statistics?field=readiness_index",
                f"/snapshots/{snapshot}/scores",
                f"/snapshots/{snapshot}/progress",
                "/health",
            ]
            bearer = {"Authorization": f"Bearer {key}"}
            cookie = web_cookie(base, key)
            pages = ["/web/", f"/web/projects/{connection_id}"]
            print(f"{args.requests} requests per endpoint from {args.concurrency} threads")
            report(
                [load(base, p, bearer, args.requests, args.concurrency) for p in paths]
                + [load(base, p, cookie, args.requests, args.concurrency) for p in pages]
            )
        finally:
            if service is not None:
                service.shutdown()
            localcap.shutdown()
            if app is not None:
                app.extensions["qiscan.db"].kw["bind"].dispose()


if __name__ == "__main__":
    main()
