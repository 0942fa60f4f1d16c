"""localcap's project setup over HTTP, through ``LocalcapAdmin``: each setting takes effect in
what REDCap's API and the survey pages then do; only the super token may change one, and no
answer names a token."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from plugin.localcap.admin import PATH, LocalcapAdmin
from plugin.redcap import RedcapApiError
from tests.localcap.conftest import FRENCH_CHECKIN, SUPER_TOKEN, checkin_dictionary
from tests.localcap.test_surveys import Receiver, open_page


@pytest.fixture
def admin(server: RunningServer) -> LocalcapAdmin:
    return LocalcapAdmin(server.url, SUPER_TOKEN)


@pytest.fixture
def designed(make_project: Callable[[str], Project]) -> Project:
    """A project with the check-in form and record 1, no survey enabled yet."""
    project = make_project("test_simple_project")
    project.import_metadata(checkin_dictionary())
    project.import_records([{"record_id": "1"}])
    return project


def setup_call(server: RunningServer, setting: str, **data: str) -> requests.Response:
    address = server.url.removesuffix("api/") + PATH.lstrip("/") + setting
    return requests.post(address, data=data, timeout=30)


def test_enabled_surveys_have_working_links(admin: LocalcapAdmin, designed: Project) -> None:
    with pytest.raises(RedcapError):
        designed.export_survey_link("1", "checkin")
    admin.enable_surveys(str(designed.token), {"checkin": "Check-in"})
    page = open_page(designed.export_survey_link("1", "checkin"))
    assert page.status_code == 200 and "Check-in" in page.text
    assert designed.export_project_info()["surveys_enabled"] == 1


def test_survey_settings_language_and_translation_reach_the_page(
    admin: LocalcapAdmin, designed: Project
) -> None:
    token = str(designed.token)
    admin.enable_surveys(token, {"checkin": "Check-in"})
    admin.set_survey_settings(token, "checkin", title="Weekly check-in", instructions="Be brief.")
    admin.set_survey_language(token, "en", "English")
    admin.set_translation(token, "fr", json.dumps(FRENCH_CHECKIN))
    page = open_page(designed.export_survey_link("1", "checkin")).text
    assert "Weekly check-in" in page and "Be brief." in page
    assert "Français" in page


def test_missing_data_codes_are_exported_and_accepted_on_import(
    admin: LocalcapAdmin, designed: Project
) -> None:
    with pytest.raises(RedcapError):
        designed.import_records([{"record_id": "1", "staff": "UNK"}])
    admin.set_missing_data_codes(str(designed.token), "NA, Not applicable | UNK, Unknown")
    assert designed.export_project_info()["missing_data_codes"] == (
        "NA, Not applicable | UNK, Unknown"
    )
    designed.import_records([{"record_id": "1", "staff": "UNK"}])
    assert designed.export_records(records=["1"], fields=["staff"])[0]["staff"] == "UNK"


def test_the_trigger_set_is_called_when_a_survey_is_saved(
    admin: LocalcapAdmin, designed: Project
) -> None:
    receiver = Receiver()
    try:
        admin.enable_surveys(str(designed.token), {"checkin": "Check-in"})
        admin.set_data_entry_trigger(str(designed.token), receiver.url)
        open_page(designed.export_survey_link("1", "checkin"), __action="save", role="1")
        [fields] = receiver.calls
        assert ("instrument", "checkin") in fields and ("record", "1") in fields
        admin.set_data_entry_trigger(str(designed.token), "")
        open_page(designed.export_survey_link("1", "checkin"), __action="save", role="2")
        assert len(receiver.calls) == 1, "a cleared trigger is not called"
    finally:
        receiver.server.shutdown()


@pytest.mark.parametrize("who", ["wrong super token", "project token", "no token"])
def test_only_the_super_token_changes_a_setting(
    server: RunningServer, designed: Project, who: str
) -> None:
    token = str(designed.token)
    sent = {"wrong super token": "0" * 64, "project token": token, "no token": ""}[who]
    answer = setup_call(
        server, "missing_data_codes", token=sent, project_token=token, codes="NA, Not applicable"
    )
    assert answer.status_code == 403
    assert answer.json() == {"error": "You do not have permissions to use the API"}
    assert designed.export_project_info()["missing_data_codes"] == ""


def test_a_project_token_is_not_enough_for_the_admin_either(
    server: RunningServer, designed: Project
) -> None:
    token = str(designed.token)
    with pytest.raises(RedcapApiError, match="permissions to use the API") as caught:
        LocalcapAdmin(server.url, token).enable_surveys(token, {"checkin": "Check-in"})
    assert caught.value.status == 403 and token not in str(caught.value)
    assert designed.export_project_info()["surveys_enabled"] == 0


def test_requests_to_fix_are_answered_as_redcap_answers_them(
    server: RunningServer, designed: Project
) -> None:
    token = str(designed.token)
    unknown = setup_call(server, "production", token=SUPER_TOKEN, project_token=token)
    assert unknown.status_code == 404
    assert "settings are: missing_data_codes, surveys," in unknown.json()["error"]
    missing = setup_call(server, "surveys", token=SUPER_TOKEN, project_token=token)
    assert (missing.status_code, missing.json()) == (
        400,
        {"error": "The parameter 'surveys' is missing: the setting 'surveys' needs it."},
    )
    bad = setup_call(server, "surveys", token=SUPER_TOKEN, project_token=token, surveys="[1]")
    assert bad.status_code == 400 and "JSON object of form names" in bad.json()["error"]
    stranger = "F" * 32
    nowhere = setup_call(server, "surveys", token=SUPER_TOKEN, project_token=stranger)
    assert nowhere.status_code == 400 and "does not name a project" in nowhere.json()["error"]
    for answer in (unknown, missing, bad, nowhere):
        assert SUPER_TOKEN not in answer.text and token not in answer.text
        assert stranger not in answer.text
    got = requests.get(
        server.url.removesuffix("api/") + "localcap/project-setup/surveys", timeout=30
    )
    assert got.status_code == 405 and "POST requests only" in got.json()["error"]
