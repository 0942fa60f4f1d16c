"""The embedded default of a new committee: an instance folder of its own per test, with no
REDCap configured, so every command runs on localcap there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from plugin.target import Instance


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Instance:
    for name in ("QISCAN_REDCAP_URL", "QISCAN_REDCAP_TOKEN", "QISCAN_REDCAP_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("QISCAN_LOCALCAP_BASE_URL", raising=False)
    monkeypatch.setenv("QISCAN_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.chdir(tmp_path)
    return Instance(tmp_path / "instance")


def as_a_browser(url: str, **answers: str) -> requests.Response:
    """Submit a survey page as a browser does: what the page already holds (a pre-filled,
    checked organisation type) with ``answers`` on top."""
    page = requests.get(url, timeout=30)
    held = dict(re.findall(r'name="(\w+)" value="([^"]*)"\s*checked', page.text))
    return requests.post(url, data={**held, **answers}, timeout=30)
