"""Hostile input to localcap: bodies over the API's and a survey page's limits (declared or
chunked) are refused with 413 before they are read, an answer longer than REDCap keeps is
refused on the page, a survey link locks after too many wrong return codes, the pages send
security headers, and the database file is its owner's only."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import re
import socket
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from redcap import Project

from plugin.localcap import RunningServer, create_app
from plugin.localcap.app import MAX_BODY
from plugin.localcap.project import load_project
from plugin.localcap.storage import open_database
from plugin.localcap.survey_checks import ANSWERED_TYPES
from plugin.localcap.survey_guard import MAX_ANSWER_BYTES, TRIES, WINDOW, page_body_limit
from plugin.target import Instance
from tests.localcap.conftest import SUPER_TOKEN, post
from tests.localcap.test_surveys import ENROLLMENT, contact_link, open_page, question_html


def send(
    server: RunningServer, target: str, headers: dict[str, str], chunks: Iterable[bytes] = ()
) -> tuple[int, dict[str, str], str]:
    """A raw POST of ``headers`` and then ``chunks``: the status, headers and body answered."""
    head = f"POST {target} HTTP/1.1\r\nHost: localcap\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        connection.sendall(head.encode())
        try:
            for chunk in chunks:
                connection.sendall(chunk)
        except OSError:
            pass  # refused, the server stopped reading: what it answered is the point
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        return answer.status, dict(answer.getheaders()), answer.read().decode()


def chunked(size: int, piece: bytes = b"x" * 65536) -> Iterable[bytes]:
    """A chunked body of at least ``size`` bytes, and its last chunk."""
    for _ in range(size // len(piece) + 1):
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


# --- the API's body ------------------------------------------------------------------------


def test_an_api_body_declared_over_the_limit_is_refused_before_it_is_sent(
    server: RunningServer,
) -> None:
    # It was read whole: 300 MB grew the process by 900 MB before the token was even checked.
    # Nothing of the body is sent here: a server waiting for it would time the test out.
    length = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "300000000"}
    status, headers, body = send(server, "/api/", length)
    assert status == 413
    assert headers["Content-Type"].startswith("text/xml")
    assert f"at most {MAX_BODY:,} bytes" in body and "<error>" in body
    status, _, body = send(server, "/api/?returnFormat=json", length)
    assert status == 413 and body.startswith('{"error":"The request is larger')


def test_a_chunked_api_body_is_read_whole_or_refused_past_the_limit(
    server: RunningServer,
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
    small = f"token={SUPER_TOKEN}&content=version".encode()
    status, _, body = send(server, "/api/", form, [b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small)])
    assert (status, body) == (200, "15.7.6"), "a chunked body under the limit is read whole"
    status, _, body = send(server, "/api/", form, chunked(MAX_BODY))
    assert status == 413 and "<error>" in body


def test_api_bodies_under_the_limit_still_import(simple: Project) -> None:
    notes = "n" * MAX_ANSWER_BYTES
    simple.import_records([{"record_id": "1", "comments": notes}])
    [row] = simple.export_records(records=["1"], fields=["record_id", "comments"])
    assert row["comments"] == notes


# --- a survey page's body and answers ------------------------------------------------------


def contact_form_limit(database: str, long: Project) -> int:
    with open_database(database) as db:
        project = load_project(db, int(long.export_project_info()["project_id"]))
    return page_body_limit(project, "contact_info", ANSWERED_TYPES)


def test_a_survey_page_body_over_the_pages_limit_is_refused(
    server: RunningServer, database: str, long: Project
) -> None:
    # It was stored: a 200 MB answer from an anonymous survey page.
    limit = contact_form_limit(database, long)
    assert limit < MAX_BODY, "a page's own limit is tighter than the API's"
    target = path_of(contact_link(long))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, body = send(server, target, {**form, "Content-Length": str(limit + 1)})
    assert status == 413 and headers["Content-Type"].startswith("text/html")
    assert "more than a survey page can hold" in body
    status, _, body = send(server, target, {**form, "Transfer-Encoding": "chunked"}, chunked(limit))
    assert status == 413 and "nothing was saved" in body
    [listed] = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert listed["response_status"] == 0


def test_an_answer_longer_than_redcap_keeps_is_refused_and_nothing_saved(long: Project) -> None:
    link = contact_link(long)
    too_long = "é" * (MAX_ANSWER_BYTES // 2) + "ab"  # 65,536 bytes in 32,769 letters
    page = open_page(link, __action="submit", dialysis_schedule_time=too_long)
    assert page.status_code == 400
    said = html.unescape(question_html(page.text, "dialysis_schedule_time"))
    assert "longer than a survey can keep (65,535 bytes" in said, "said at the question"
    assert "Nothing has been submitted yet" in page.text
    [listed] = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert listed["response_status"] == 0
    elsewhere = {"study_id": "1", "redcap_event_name": ENROLLMENT, "first_name": "n" * 70_000}
    long.import_records([elsewhere])  # the API's, on another form: not the respondent's to fix
    longest = "é" * (MAX_ANSWER_BYTES // 2) + "a"  # 65,535 bytes: what REDCap keeps
    assert "Thank you" in open_page(link, __action="submit", dialysis_schedule_time=longest).text
    [row] = long.export_records(records=["1"], events=[ENROLLMENT], forms=["contact_info"])
    assert row["dialysis_schedule_time"] == longest


# --- return codes ------------------------------------------------------------------------


def age_tries(database: str, seconds: float) -> None:
    """Move every recorded wrong return code ``seconds`` into the past."""
    connection = sqlite3.connect(database)
    try:
        with connection:
            connection.execute("UPDATE return_code_tries SET failed_at = failed_at - ?", (seconds,))
    finally:
        connection.close()


def test_wrong_return_codes_lock_the_link_for_a_while(database: str, long: Project) -> None:
    # There was no limit: the 8-character code could be guessed at the server's pace.
    link = contact_link(long)
    code = long.export_survey_return_code("1", "contact_info", event=ENROLLMENT)
    open_page(link, __action="save", dialysis_schedule_days="Tuesdays")
    for left in range(TRIES - 1, 0, -1):
        wrong = open_page(link, __return_code="WRONG123")
        assert wrong.status_code == 403 and f"{left} more wrong" in wrong.text
    locked = open_page(link, __return_code="WRONG123")
    assert locked.status_code == 429
    assert f"locked for {WINDOW // 60} more minutes" in locked.text
    assert open_page(link, __return_code=code).status_code == 429, "even the right code waits"
    assert open_page(link).status_code == 429
    age_tries(database, WINDOW - 60)
    assert "locked for 1 more minute:" in open_page(link, __return_code=code).text
    age_tries(database, 61)
    resumed = open_page(link, __return_code=code)
    assert resumed.status_code == 200 and 'value="Tuesdays"' in resumed.text
    for _ in range(TRIES - 1):
        open_page(link, __return_code="WRONG123")
    assert open_page(link, __return_code=code).status_code == 200
    again = open_page(link, __return_code="WRONG123")
    assert f"{TRIES - 1} more wrong" in again.text, "the right code cleared the count"


def test_wrong_tries_spread_over_more_than_the_window_do_not_lock(
    database: str, long: Project
) -> None:
    link = contact_link(long)
    open_page(link, __action="save", dialysis_schedule_days="Tuesdays")
    for _ in range(TRIES - 1):
        open_page(link, __return_code="WRONG123")
    age_tries(database, WINDOW + 1)
    assert open_page(link, __return_code="WRONG123").status_code == 403


# --- headers -------------------------------------------------------------------------------


def test_survey_pages_forbid_framing_other_scripts_sniffing_and_referrers(
    server: RunningServer, long: Project
) -> None:
    page = open_page(contact_link(long))
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy, "the branching script, from localcap itself only"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    [style] = re.findall(r"<style>(.*?)</style>", page.text, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy, "the page's own stylesheet is allowed"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer", "a survey link is a credential"
    assert page.headers["Cache-Control"] == "no-store"
    api = post(server, token=SUPER_TOKEN, content="version")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["X-Frame-Options"] == "DENY"


# --- the database file -------------------------------------------------------------------


def test_the_database_file_is_its_owners_only(tmp_path: Path) -> None:
    made = tmp_path / "new.sqlite"
    create_app(made, super_token=SUPER_TOKEN)
    assert made.stat().st_mode & 0o777 == 0o600
    wal = made.with_name(made.name + "-wal")
    assert not wal.exists() or wal.stat().st_mode & 0o777 == 0o600
    older = tmp_path / "older.sqlite"
    older.touch(mode=0o644)
    older.chmod(0o644)
    create_app(older)
    assert older.stat().st_mode & 0o777 == 0o600, "one an older localcap left open is narrowed"


@pytest.mark.parametrize("name", ["localcap_db", "service_db", "snapshots", "invitations"])
def test_an_instance_hands_out_owner_only_files(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = getattr(Instance(folder), name)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert path.parent == folder and path.stat().st_mode & 0o777 == 0o600
