"""REDCap's clock, read from the newest entry of a live localcap's log: found in a short window
when the log is busy, and still found, in a longer one, when the newest entry is older.

REDCap logs the version export the clock starts with (API/version/export.php), so on a REDCap
that does, that entry is the newest. The tests of older newest entries move the log back after
the version call, as on a server whose version export leaves no entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugin.localcap.storage import open_database
from plugin.pull.clock import LOG_TIME, WIDEST_OFFSET, server_clock
from plugin.redcap import RedcapClient

STORED = "%Y-%m-%d %H:%M:%S"  # how localcap stores a log time (REDCap's local time)


def _project_log(live, token: str):
    """The live localcap's database and the project id of ``token``."""
    path = live.server.app.config["LOCALCAP_DB"]
    with open_database(path) as db:
        project_id = db.caller(token).project_id
    return path, project_id


def _add_entries(live, token: str, count: int, at: datetime) -> None:
    path, project_id = _project_log(live, token)
    with open_database(path) as db:
        for n in range(count):
            db.log(
                project_id,
                "someone",
                "record_edit",
                f"Update record (API) {n}",
                "",
                str(n),
                ts=at.strftime(STORED),
            )


def _age_the_log(live, token: str, at: datetime) -> None:
    """Every entry of the project's log, moved to ``at``."""
    path, project_id = _project_log(live, token)
    with open_database(path) as db:
        db.execute("UPDATE log SET ts = ? WHERE project_id = ?", (at.strftime(STORED), project_id))


def _counted(client: RedcapClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of log entries each of the client's log exports receives."""
    received: list[int] = []
    export = client.logging

    def logging(**kwargs):
        entries = export(**kwargs)
        received.append(len(entries))
        return entries

    monkeypatch.setattr(client, "logging", logging)
    return received


def _after_the_version_call(client, monkeypatch, then) -> None:
    """Run ``then`` right after the client's version export, before the log is read."""
    version = client.version

    def version_then():
        answer = version()
        then()
        return answer

    monkeypatch.setattr(client, "version", version_then)


def test_the_version_export_is_logged_so_a_quiet_log_gives_now_at_once(live, monkeypatch):
    token = live.create("test_simple_project")
    client = live.client(token)
    _age_the_log(live, token, datetime.now() - timedelta(days=3))
    before = datetime.now().strftime(LOG_TIME)
    received = _counted(client, monkeypatch)
    assert before <= server_clock(client) <= datetime.now().strftime(LOG_TIME)
    assert received == [1], "one window, holding the version export's entry"
    recent = client.logging(begin_time=datetime.now() - timedelta(minutes=5))
    # newest first: the clock's own log export, then the version export it started with
    assert [(entry["action"], entry["details"]) for entry in recent] == [
        ("Manage/Design ", "Export Logging (API)"),
        ("Manage/Design ", "Export REDCap version (API)"),
    ]


def test_a_busy_log_is_read_in_a_short_window_ending_now(live, monkeypatch):
    token = live.create("test_simple_project")
    client = live.client(token)
    _add_entries(live, token, 300, datetime.now() - timedelta(hours=2))
    now = datetime.now().strftime(LOG_TIME)  # the project was made just now
    received = _counted(client, monkeypatch)
    clock = server_clock(client)
    assert now <= clock <= datetime.now().strftime(LOG_TIME)
    assert sum(received) < 20, "the entries of two hours ago are never sent"


def test_an_older_newest_entry_is_found_in_a_longer_window(live, monkeypatch):
    token = live.create("test_simple_project")
    client = live.client(token)
    newest = datetime.now() - timedelta(hours=1)

    def older() -> None:
        _age_the_log(live, token, newest)
        _add_entries(live, token, 300, datetime.now() - timedelta(hours=10))

    _after_the_version_call(client, monkeypatch, older)
    received = _counted(client, monkeypatch)
    assert server_clock(client) == newest.strftime(LOG_TIME)
    assert len(received) > 1, "the first window is empty, the search widens"
    assert sum(received) < 20, "the entries of ten hours ago are never sent"


def test_a_log_quiet_for_longer_than_any_zone_gives_the_earliest_possible_now(live, monkeypatch):
    token = live.create("test_simple_project")
    client = live.client(token)
    quiet = datetime.now() - WIDEST_OFFSET - timedelta(days=2)
    _after_the_version_call(client, monkeypatch, lambda: _age_the_log(live, token, quiet))
    clock = datetime.strptime(server_clock(client), LOG_TIME)
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    assert abs(clock - (utc_now - WIDEST_OFFSET)) < timedelta(minutes=2)
