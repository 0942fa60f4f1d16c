"""``qiscan invite`` end to end on the embedded default: records, personal links that open the
survey on a lasting localcap over the same database, and each member's state from REDCap's
participant list once they have answered (or started to)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from redcap import Project

from instruments import load_shipped
from plugin.cli import main
from plugin.invite import InvitationStore, invite, organisation_field, read_members
from plugin.localcap import RunningServer, create_app, serve_in_thread
from plugin.target import DEFAULT_BASE_URL, Instance, open_for
from tests.invite.conftest import as_a_browser

LINK = r"http://127\.0\.0\.1:8765/surveys/\?s=[A-Z0-9]{16}"
MEMBERS = (
    "name,email,organisation_type\n"
    "Alpha CME,alpha@example.org,1\n"
    "=Beta Education,beta@example.org,medical education company\n"
    "Gamma Society,gamma@example.org,\n"
)


def qiscan(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def deployed(instance: Instance, tmp_path: Path) -> Path:
    qiscan("deploy", "provider_scan", "--apply")
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    return members


@pytest.fixture
def lasting(instance: Instance, deployed: Path) -> Iterator[RunningServer]:
    """``qiscan localcap serve`` over the instance's database, as a committee would run it."""
    server = serve_in_thread(create_app(instance.localcap_db))
    yield server
    server.shutdown()


def mail_merge(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def opened(link: str, server: RunningServer) -> str:
    """The link as the lasting server answers it (the test's port instead of 8765)."""
    assert link.startswith(DEFAULT_BASE_URL)
    return link.replace(DEFAULT_BASE_URL, f"http://127.0.0.1:{server.port}/")


def test_invite_creates_records_links_and_a_mail_merge_file(
    instance: Instance, deployed: Path, lasting: RunningServer, tmp_path: Path
) -> None:
    result = qiscan("invite", "provider_scan", str(deployed), "-o", str(tmp_path / "mm.csv"))
    assert "invited 3 new member(s), 3 in all" in result.stderr
    rows = mail_merge(tmp_path / "mm.csv")
    assert [row["record"] for row in rows] == ["1", "2", "3"]
    assert rows[1]["name"] == "'=Beta Education", "a typed name never runs as a formula"
    assert [row["organisation_type"] for row in rows][2] == ""
    for row in rows:
        assert re.fullmatch(
            r"http://127\.0\.0\.1:8765/surveys/\?s=[A-Z0-9]{16}", row["survey_link"]
        )
        assert re.fullmatch(r"[A-Z0-9]{8}", row["return_code"])
    token = instance.read_secrets()["project:provider_scan"]
    records = Project(lasting.url, token).export_records()
    assert [r["record_id"] for r in records] == ["1", "2", "3"]
    assert "alpha@example.org" not in str(records), "contact details stay out of REDCap"
    page = requests.get(opened(rows[0]["survey_link"], lasting), timeout=30)
    assert page.status_code == 200
    assert 'value="1" checked' in page.text, "the organisation type is filled in already"


def test_status_follows_what_members_did_with_their_links(
    deployed: Path, lasting: RunningServer, tmp_path: Path
) -> None:
    qiscan("invite", "provider_scan", str(deployed), "-o", str(tmp_path / "mm.csv"))
    rows = mail_merge(tmp_path / "mm.csv")
    # As a browser sends it: the pre-filled organisation type, and the required answer given.
    done = as_a_browser(opened(rows[0]["survey_link"], lasting), qi_involvement="1",
                        __action="submit")  # fmt: skip
    assert "Thank you" in done.text
    requests.post(opened(rows[1]["survey_link"], lasting), data={"__action": "save"})
    status = qiscan("invite", "provider_scan", "--status")
    states = {line.split()[0]: line.split()[1] for line in status.stdout.splitlines()}
    assert states == {"1": "complete", "2": "partial", "3": "not"}
    assert "1 complete, 1 partial, 1 not started of 3 invited" in status.stderr


def test_a_second_run_invites_only_new_members_and_keeps_links(
    deployed: Path, tmp_path: Path
) -> None:
    qiscan("invite", "provider_scan", str(deployed), "-o", str(tmp_path / "first.csv"))
    deployed.write_text(MEMBERS + "Delta Hospital,delta@example.org,3\n", encoding="utf-8")
    result = qiscan("invite", "provider_scan", str(deployed), "-o", str(tmp_path / "second.csv"))
    assert "invited 1 new member(s), 4 in all" in result.stderr
    first, second = mail_merge(tmp_path / "first.csv"), mail_merge(tmp_path / "second.csv")
    assert second[:3] == first
    assert second[3]["record"] == "4"


def test_a_bad_member_list_creates_nothing(
    instance: Instance, deployed: Path, lasting: RunningServer, tmp_path: Path
) -> None:
    deployed.write_text(MEMBERS + "Alpha CME,other@example.org,1\nEps,,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["invite", "provider_scan", str(deployed)])
    assert result.exit_code == 1
    assert "line 5: member 'Alpha CME' is already on line 2" in result.stderr
    assert "line 6: the e-mail is blank" in result.stderr
    token = instance.read_secrets()["project:provider_scan"]
    assert Project(lasting.url, token).export_records() == []
    assert not (tmp_path / "out" / "provider_scan-invitations.csv").exists()


def test_inviting_tells_its_progress_link_by_link(instance: Instance, deployed: Path) -> None:
    """Issue 13: 200 members took 44 s with nothing shown; each link is now told."""
    scan = load_shipped("provider_scan").unwrap()
    people = read_members(deployed.read_bytes(), file="m.csv", org_field=organisation_field(scan))
    told: list[tuple[int, int]] = []
    with open_for([scan]) as client:
        made = invite(
            client, scan, people, InvitationStore(instance.invitations), lambda *s: told.append(s)
        )
    assert made.created == 3 and told == [(1, 3), (2, 3), (3, 3)]


def test_a_member_invited_in_french_gets_a_link_that_opens_in_french(
    instance: Instance, lasting: RunningServer, tmp_path: Path
) -> None:
    members = tmp_path / "members-fr.csv"
    members.write_text("name,email,language\nAlpha CME,alpha@example.org,fr\n", encoding="utf-8")
    qiscan("invite", "provider_scan", str(members), "-o", str(tmp_path / "mm.csv"))
    [row] = mail_merge(tmp_path / "mm.csv")
    assert row["survey_link"].endswith("&lang=fr")
    page = requests.get(opened(row["survey_link"], lasting), timeout=30)
    assert '<html lang="fr">' in page.text and "Suivant" in page.text
