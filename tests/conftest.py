"""Fixtures shared by the test folders: a live localcap, and a database per test (SQLite, and
PostgreSQL too when ``QISCAN_TEST_DATABASE_URL`` names a server; in CI it must)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from tests.live import Live, live_server

# Property tests explore new examples on every local run; CI runs the same ones each time, so
# that a landing is never decided by which random examples came up, and then, in `make
# properties`, once more with the "random" profile (new examples on every run, so such cases are
# found before users find them; the failing example is printed with its reproduction blob). A
# failure found either way is kept as an @example next to its test.
settings.register_profile("ci", derandomize=True)
settings.register_profile(
    "random", derandomize=False, max_examples=50, deadline=None, print_blob=True
)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from live_server(tmp_path_factory)


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "live" in request.fixturenames:
        request.getfixturevalue("live").faults.clear()


POSTGRES_ENV = "QISCAN_TEST_DATABASE_URL"


def database_urls() -> list[str]:
    urls = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        urls.append("postgresql")
    elif os.environ.get("CI"):
        raise RuntimeError(f"CI runs the storage tests on PostgreSQL: set {POSTGRES_ENV}")
    return urls


@pytest.fixture(params=database_urls())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite'}"
        return
    # A schema of its own per test, dropped afterwards, on the CI's PostgreSQL server.
    base = os.environ[POSTGRES_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
