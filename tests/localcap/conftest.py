"""A live localcap for the whole test session, and fresh projects made from REDCap's own XML.

Projects are created over HTTP with a plain ``requests.post`` exactly as PyCap's integration
tests create theirs on a real REDCap (PyCap does not wrap project creation); each test that
changes data gets a project of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from redcap import Project

from plugin.localcap import RunningServer, create_app, serve_in_thread

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "redcap-projects"
SUPER_TOKEN = "C0FFEE" * 10 + "ABCD"
PROJECT_INFO = (
    '<?xml version="1.0" encoding="UTF-8" ?>'
    "<item><project_title>{title}</project_title><purpose>0</purpose></item>"
)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    database = tmp_path_factory.mktemp("localcap") / "localcap.db"
    running = serve_in_thread(create_app(database, super_token=SUPER_TOKEN))
    yield running
    running.shutdown()


@pytest.fixture(scope="session")
def database(server: RunningServer) -> str:
    return str(server.app.config["LOCALCAP_DB"])


def create_project(url: str, name: str, title: str = "PyCap project") -> str:
    """Create a project from ``<name>.xml`` with the super token; the new project token."""
    response = requests.post(
        url,
        data={
            "token": SUPER_TOKEN,
            "content": "project",
            "format": "xml",
            "data": PROJECT_INFO.format(title=title),
            "odm": (PROJECTS / f"{name}.xml").read_text(encoding="utf-8"),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.text[-32:]


@pytest.fixture
def make_project(server: RunningServer) -> Callable[[str], Project]:
    def make(name: str) -> Project:
        return Project(server.url, create_project(server.url, name))

    return make


@pytest.fixture
def simple(make_project: Callable[[str], Project]) -> Project:
    return make_project("test_simple_project")


@pytest.fixture
def long(make_project: Callable[[str], Project]) -> Project:
    return make_project("test_long_project")


@pytest.fixture
def doctest(make_project: Callable[[str], Project]) -> Project:
    return make_project("doctest_project")


def post(server: RunningServer, **data: str) -> requests.Response:
    """A raw API call, for what PyCap hides (status codes, headers, bodies of errors)."""
    return requests.post(server.url, data=data, timeout=30)


def message_of(error: BaseException) -> str:
    """The message inside a RedcapError (PyCap raises it with the decoded body)."""
    body = error.args[0]
    return str(body["error"]) if isinstance(body, dict) else str(body)


def backdate_log(database: str, project: Project, ts: str = "2020-01-02 03:04:05") -> None:
    """Move a project's log into the past, so that date-range tests do not depend on the clock."""
    project_id = project.export_project_info()["project_id"]
    connection = sqlite3.connect(database)
    try:
        with connection:
            connection.execute("UPDATE log SET ts = ? WHERE project_id = ?", (ts, project_id))
    finally:
        connection.close()
