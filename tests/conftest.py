"""Fixtures shared by the test folders that need a live localcap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import Live, live_server


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from live_server(tmp_path_factory)


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "live" in request.fixturenames:
        request.getfixturevalue("live").faults.clear()
