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

from instruments.dictionary.columns import API_COLUMNS
from plugin.localcap import RunningServer, create_app, serve_in_thread
from plugin.localcap.storage import enable_surveys

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


# --- a designer's own survey -----------------------------------------------------------------

CHECKIN = [
    {"field_name": "record_id", "field_type": "text", "field_label": "Record ID"},
    {
        "field_name": "role",
        "field_type": "radio",
        "section_header": "About you",
        "field_label": "Which describes you best?",
        "select_choices_or_calculations": "1, Provider | 2, Supporter | 3, Other",
        "required_field": "y",
    },
    {
        "field_name": "role_other",
        "field_type": "text",
        "field_label": "Which other role?",
        "branching_logic": "[role] = '3'",
        "required_field": "y",
    },
    {
        "field_name": "staff",
        "field_type": "text",
        "section_header": "Your team",
        "field_label": "How many staff work on education?",
        "text_validation_type_or_show_slider_number": "integer",
        "text_validation_min": "1",
        "text_validation_max": "500",
    },
    {
        "field_name": "tools",
        "field_type": "checkbox",
        "field_label": "Which tools do you use?",
        "select_choices_or_calculations": "1, Surveys | 2, Audits | 99, None of these",
        "field_annotation": "@NONEOFTHEABOVE='99'",
    },
    {
        "field_name": "site_code",
        "field_type": "text",
        "field_label": "Your site code",
        "field_annotation": "@READONLY @DEFAULT='S-01'",
    },
    {
        "field_name": "channel",
        "field_type": "text",
        "field_label": "How the response came in",
        "field_annotation": "@HIDDEN @DEFAULT='web'",
    },
    {
        "field_name": "internal",
        "field_type": "text",
        "field_label": "For the survey team only",
        "field_annotation": "@HIDDEN-SURVEY",
    },
    {
        "field_name": "comment",
        "field_type": "notes",
        "section_header": "Comments",
        "field_label": "Anything else?",
        "field_annotation": "@CHARLIMIT=20 @PLACEHOLDER='A few words'",
    },
]

FRENCH_CHECKIN = {
    "format": "qiscan-translation/1",
    "language": {"code": "fr", "name": "Français"},
    "primary_language": "en",
    "instruments": [{"id": "checkin", "version": "1.0.0"}],
    "forms": {"checkin": {"label": "Point", "survey": {"title": "Point d'étape"}}},
    "fields": {
        "role": {
            "label": "Qu'est-ce qui vous décrit le mieux ?",
            "section_header": "À propos de vous",
            "choices": {"1": "Prestataire", "2": "Soutien", "3": "Autre"},
        }
    },
    "untranslated": [],
}


def checkin_dictionary() -> list[dict[str, str]]:
    return [{**dict.fromkeys(API_COLUMNS, ""), "form_name": "checkin", **row} for row in CHECKIN]


@pytest.fixture
def checkin(make_project: Callable[[str], Project], database: str) -> Project:
    """A survey of three sections (pages) with branching, required answers, validation and
    action tags, record 1 created."""
    project = make_project("test_simple_project")
    project.import_metadata(checkin_dictionary())
    enable_surveys(database, str(project.token), {"checkin": "Check-in"})
    project.import_records([{"record_id": "1"}])
    return project
