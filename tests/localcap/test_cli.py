"""``qiscan localcap``: create-project prints a working token; serve takes its super token from
the environment, keeps the one its database has, or generates one and shows it once; trigger
sets an embedded project's Data Entry Trigger."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from redcap import Project

import plugin.cli.localcap as cli
from instruments import load_shipped
from plugin.localcap import create_app, serve_in_thread
from plugin.localcap.storage import open_database
from plugin.target import Instance, embedded_localcap, open_for
from tests.localcap.conftest import PROJECTS


def test_create_project_prints_the_token(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    result = CliRunner().invoke(
        cli.localcap,
        [
            "create-project",
            str(PROJECTS / "test_simple_project.xml"),
            "--db",
            str(database),
            "--title",
            "Mine",
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert re.fullmatch(r"[0-9A-F]{32}", token)
    with serve_in_thread(create_app(database)) as running:
        project = Project(running.url, token)
        assert project.export_project_info()["project_title"] == "Mine"
        assert len(project.export_records()) == 3


def test_create_project_reports_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<ODM>", encoding="utf-8")
    result = CliRunner().invoke(
        cli.localcap, ["create-project", str(broken), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 1
    assert "could not be parsed" in result.stderr


def test_serve_generates_and_shows_a_super_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.delenv(cli.SUPER_TOKEN_ENV, raising=False)
    monkeypatch.setattr(cli, "serve_forever", lambda *args: calls.append(args))
    result = CliRunner().invoke(
        cli.localcap, ["serve", "--port", "0", "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 0, result.output
    shown = re.findall(r"[0-9A-F]{64}", result.stderr)
    assert len(shown) == 1 and result.stdout == ""
    app, host, port, _ = calls[0]
    assert (host, port) == ("127.0.0.1", 0)
    assert app.config["LOCALCAP_BASE_URL"] is None


def test_serve_uses_the_configured_super_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "AB12" * 16
    monkeypatch.setenv(cli.SUPER_TOKEN_ENV, token)
    monkeypatch.setattr(cli, "serve_forever", lambda *args: None)
    result = CliRunner().invoke(
        cli.localcap,
        ["serve", "--db", str(tmp_path / "s.db"), "--base-url", "https://redcap.example/"],
    )
    assert result.exit_code == 0
    assert token not in result.output


def test_serve_refuses_a_malformed_super_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.SUPER_TOKEN_ENV, "too-short-secret")
    result = CliRunner().invoke(cli.localcap, ["serve", "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "must hold 64 letters and digits" in result.stderr
    assert "too-short-secret" not in result.output


def test_serve_keeps_the_super_token_a_database_already_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "kept.db"
    token = "CD34" * 16
    create_app(database, super_token=token)
    monkeypatch.delenv(cli.SUPER_TOKEN_ENV, raising=False)
    apps: list[Any] = []
    monkeypatch.setattr(cli, "serve_forever", lambda app, *args: apps.append(app))
    result = CliRunner().invoke(cli.localcap, ["serve", "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert "keeps the super token" in result.stderr
    assert re.search(r"[0-9A-F]{64}", result.stderr) is None
    with serve_in_thread(apps[0]) as running:
        created = requests.post(
            running.url,
            data={
                "token": token,
                "content": "project",
                "format": "xml",
                "data": "<item><project_title>Kept</project_title><purpose>0</purpose></item>",
            },
            timeout=30,
        )
    assert re.fullmatch(r"[0-9A-F]{32}", created.text), "the old super token still creates"


def test_trigger_sets_the_embedded_projects_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = Instance(tmp_path / "instance")
    scan = load_shipped("provider_scan").unwrap()
    monkeypatch.setenv("QISCAN_INSTANCE", str(instance.folder))
    missing = CliRunner().invoke(cli.localcap, ["trigger", "provider_scan", "http://x/det"])
    assert missing.exit_code == 1
    assert "no embedded project 'provider_scan'" in missing.stderr
    with embedded_localcap(instance) as localcap, open_for([scan], localcap=localcap):
        pass
    result = CliRunner().invoke(
        cli.localcap, ["trigger", "provider_scan", "http://127.0.0.1:5000/det"]
    )
    assert result.exit_code == 0, result.output
    with open_database(instance.localcap_db) as db:
        [row] = db.rows("SELECT value FROM settings WHERE name = 'data_entry_trigger_url'")
    assert row["value"] == "http://127.0.0.1:5000/det"
    refused = CliRunner().invoke(cli.localcap, ["trigger", "provider_scan", "ftp://x/det"])
    assert refused.exit_code == 1 and "must be an http or https address" in refused.stderr
