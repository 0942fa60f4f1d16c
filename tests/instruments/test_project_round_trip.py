"""Each real project's dictionary, as a live localcap exports it to an unmodified PyCap (CSV, the
API's raw headers), imported and compiled again gives every cell back: REDCap's export is
already in the shape REDCap stores, so nothing changes and no warning is given."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from redcap import Project

from instruments import load_instrument
from instruments.dictionary import (
    API_COLUMNS,
    compile_dictionary,
    import_dictionary,
    read_dictionary,
    to_csv,
)
from plugin.localcap import RunningServer, create_app, serve_in_thread

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "redcap-projects"
SUPER_TOKEN = "D1C7" * 16
PROJECT_INFO = (
    '<?xml version="1.0" encoding="UTF-8" ?>'
    "<item><project_title>round trip</project_title><purpose>0</purpose></item>"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    database = tmp_path_factory.mktemp("localcap") / "localcap.db"
    running = serve_in_thread(create_app(database, super_token=SUPER_TOKEN))
    yield running
    running.shutdown()


def exported_dictionary(server: RunningServer, name: str) -> str:
    """The project's dictionary as REDCap's API gives it: created from the XML with the super
    token, as PyCap's integration tests create theirs, then exported through PyCap."""
    response = requests.post(
        server.url,
        data={
            "token": SUPER_TOKEN,
            "content": "project",
            "format": "xml",
            "data": PROJECT_INFO,
            "odm": (PROJECTS / f"{name}.xml").read_text(encoding="utf-8"),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return Project(server.url, response.text[-32:]).export_metadata(format_type="csv")


@pytest.mark.parametrize("name", ["doctest_project", "test_simple_project", "test_long_project"])
def test_every_cell_of_a_real_projects_dictionary_comes_back(server, name):
    text = exported_dictionary(server, name)
    original, _ = read_dictionary(text.encode("utf-8"))
    assert len(original) > 3
    imported = import_dictionary(text.encode("utf-8"), instrument_id=name, file=f"{name}.csv")
    assert imported.warnings == []
    result = load_instrument(json.loads(json.dumps(imported.data)), name=f"{name}.json")
    assert result.errors == [], [str(p) for p in result.errors]
    compiled = compile_dictionary([result.unwrap()])
    assert compiled == [{column: row[column] for column in API_COLUMNS} for row in original]
    # REDCap quotes more cells than it must; the cells, not the quoting, are the dictionary
    again, _ = read_dictionary(to_csv(compiled, headers="api").encode("utf-8"))
    assert [{column: row[column] for column in API_COLUMNS} for row in again] == compiled
