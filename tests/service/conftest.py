"""A service app per test over its own database (``database_url``, from tests/conftest.py):
SQLite by default, and the same tests on PostgreSQL when ``QISCAN_TEST_DATABASE_URL`` names a
server (``.ci/run`` starts one)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from plugin.localcap import RunningServer, serve_in_thread
from plugin.service import create_app
from plugin.service.auth import create_key
from plugin.service.db import session


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    made = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "START_WORKER": False,
            "TESTING": True,
        }
    )
    yield made
    made.extensions["qiscan.db"].kw["bind"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def keys(app: Flask) -> dict[str, str]:
    """One key per role (the facilitator's assigned practice 'PRA-001')."""
    with app.app_context():
        made = {
            role: create_key(role, f"{role} key", ["PRA-001"] if role == "facilitator" else [])[1]
            for role in ("admin", "analyst", "facilitator")
        }
        session().commit()
    return made


@dataclass
class Service:
    app: Flask
    server: RunningServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def service(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    """The service over HTTP, with its job worker running."""
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "START_WORKER": True}
    )
    server = serve_in_thread(app)
    yield Service(app, server)
    server.shutdown()
    app.extensions["qiscan.worker"].stop()
    app.extensions["qiscan.db"].kw["bind"].dispose()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
