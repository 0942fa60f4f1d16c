"""A live localcap with fault injection, for tests of the client, pull, deploy and write-back.

The server is real (HTTP on a loopback port, SQLite storage); projects are created the way a
REDCap administrator creates them through the API, with the super token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from plugin.localcap import RunningServer, create_app, serve_in_thread
from plugin.localcap.faults import FaultInjector, install_faults
from plugin.redcap import RedcapClient, RedcapConfig
from plugin.redcap.transport import RateLimiter, RetryPolicy

PROJECTS = Path(__file__).resolve().parent / "fixtures" / "redcap-projects"
SUPER_TOKEN = "5EC12E7" * 9 + "A"
ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>{title}</project_title>'
    "<purpose>0</purpose><is_longitudinal>{longitudinal}</is_longitudinal></item>"
)


@dataclass
class Live:
    server: RunningServer
    faults: FaultInjector

    def create(
        self, xml: str | None = None, *, title: str = "qiscan test", longitudinal: bool = False
    ) -> str:
        data = {
            "token": SUPER_TOKEN,
            "content": "project",
            "format": "xml",
            "data": ITEM.format(title=title, longitudinal=int(longitudinal)),
        }
        if xml is not None:
            data["odm"] = (PROJECTS / f"{xml}.xml").read_text(encoding="utf-8")
        response = requests.post(self.server.url, data=data, timeout=30)
        assert response.status_code == 200, response.text
        return response.text[-32:]

    def client(self, token: str, **options: object) -> RedcapClient:
        options.setdefault("retry", RetryPolicy(attempts=4, base=0.01))
        options.setdefault("limiter", RateLimiter(rate=1000.0, burst=1000))
        return RedcapClient(RedcapConfig(self.server.url, token), **options)  # type: ignore[arg-type]


def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    app = create_app(tmp_path_factory.mktemp("live") / "localcap.db", super_token=SUPER_TOKEN)
    faults = install_faults(app)
    server = serve_in_thread(app)
    try:
        yield Live(server, faults)
    finally:
        server.shutdown()
