"""The production configuration, as the README runs it: gunicorn with two worker processes on a
real PostgreSQL. Both processes start together on an empty schema (the migration lock lets one
migrate while the other waits), each runs its own job worker, and pulls and reports queued over
HTTP all finish, each run exactly once, by the gunicorn workers. Needs the PostgreSQL server
``.ci/run`` starts; skipped without one outside CI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from plugin.service import create_app
from plugin.service.auth import create_key
from plugin.service.db import session
from plugin.service.models import Job
from tests.conftest import POSTGRES_ENV
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_pulls import READINESS, add_connection, live_project

pytestmark = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"needs PostgreSQL: set {POSTGRES_ENV}"
)
SECRET = "production-test-secret"
FORMATS = ("html", "csv", "json", "xlsx")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the production configuration runs on PostgreSQL")
    return database_url


@pytest.fixture
def gunicorn(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "QISCAN_DATABASE_URL": postgres_url,
        "QISCAN_SECRET_KEY": SECRET,
        "QISCAN_INSTANCE": str(tmp_path / "instance"),
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "plugin.service:create_app()",
    ]  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(command, env=env, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn stopped: {log.read_text()}")
            try:
                if requests.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still starting
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not answer /health within 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert "Traceback" not in log.read_text(), log.read_text()


def test_two_gunicorn_workers_share_the_jobs_on_postgresql(
    gunicorn: str, postgres_url: str, live: Live, tmp_path: Path
) -> None:
    # The test process writes the key and the project straight into the service's database.
    here = create_app({"DATABASE_URL": postgres_url, "SECRET_KEY": SECRET, "START_WORKER": False})
    token = live_project(live, READINESS, n=10, seed=31)
    connection_id = add_connection(here, live, token, "practice_readiness")
    with here.app_context():
        _, key = create_key("analyst", "production test")
        session().commit()
    headers = auth(key)

    pull = requests.post(f"{gunicorn}/projects/{connection_id}/pulls", json={}, headers=headers)
    assert pull.status_code == 202, pull.text
    job = wait(gunicorn, pull.json()["id"], headers)
    assert job["state"] == "done", job["error"]
    snapshot_id = job["result"]["snapshot_id"]

    queued = [
        requests.post(
            f"{gunicorn}/snapshots/{snapshot_id}/reports",
            json={"kind": kind, "format": fmt},
            headers=headers,
        ).json()["id"]
        for kind in ("cohort", "quality")
        for fmt in FORMATS
    ]
    finished = [wait(gunicorn, job_id, headers) for job_id in queued]
    assert [j["state"] for j in finished] == ["done"] * len(queued), [j["error"] for j in finished]
    assert {j["attempts"] for j in finished} == {1}, "no job ran twice"

    with here.app_context():
        owners = session().scalars(sa.select(Job.owner).where(Job.id.in_(queued))).all()
    pids = {int(owner.split(":")[1]) for owner in owners}
    assert os.getpid() not in pids, "the gunicorn workers ran the jobs, not this process"
    listed = requests.get(f"{gunicorn}/reports", headers=headers).json()
    assert len(listed) == len(queued)
    here.extensions["qiscan.db"].kw["bind"].dispose()


def wait(base: str, job_id: int, headers: dict[str, str], timeout: float = 90.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = requests.get(f"{base}/jobs/{job_id}", headers=headers, timeout=10).json()
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
