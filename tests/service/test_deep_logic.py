"""Logic nested too deep is refused with its catalogued error wherever logic is read: the
service's validate, compile and upload endpoints, the command line, and localcap's filterLogic.
Issue 12: about 150 nested parentheses raised RecursionError in each (500s, tracebacks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from plugin.cli import main
from plugin.redcap import RedcapApiError
from tests.instruments.helpers import base, field
from tests.live import Live
from tests.service.conftest import auth

DEEP = "(" * 150 + "[lead_1] = '1'" + ")" * 150


def deep_instrument() -> dict:
    data = base()
    data.pop("waves")
    field(data, "lead_note")["branching_logic"] = DEEP
    return data


def test_the_service_answers_the_problem_not_a_server_error(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    analyst, admin = auth(keys["analyst"]), auth(keys["admin"])
    checked = client.post("/instruments/validate", json=deep_instrument(), headers=analyst)
    assert checked.status_code == 200
    (problem,) = checked.json["errors"]
    assert (problem["code"], problem["pointer"]) == ("logic-too-deep", "/fields/7/branching_logic")
    for path, headers in (("/instruments/compile", analyst), ("/instruments", admin)):
        refused = client.post(path, json=deep_instrument(), headers=headers)
        assert refused.status_code == 422, (path, refused.json)
        assert "logic-too-deep" in json.dumps(refused.json)


def test_the_command_line_prints_the_problem_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(deep_instrument()))
    result = CliRunner().invoke(main, ["instruments", "validate", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "[deep.json /fields/7/branching_logic]" in result.stderr
    assert "more than 40 deep" in result.stderr and "Traceback" not in result.output


def test_localcap_answers_deep_filter_logic_with_its_error(live: Live) -> None:
    project = live.client(live.create("doctest_project"))
    with pytest.raises(RedcapApiError, match="more than 40 deep") as refused:
        project.export_records(filter_logic="(" * 150 + "[field_1] = 1" + ")" * 150)
    assert refused.value.status == 400
