"""A survey page in a real browser (Debian's headless Chromium through chromedriver), with its
script: branching shows and hides questions as answers change, the server's refusals are said
at their questions with nothing stored, Save & Return and the review work, and the shipped
provider scan in French shows French words and stores the same codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from redcap import Project
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from instruments import load_shipped
from plugin.deploy.apply import deploy
from plugin.localcap.admin import LocalcapAdmin
from plugin.localcap.storage import set_translation
from plugin.target import describe_surveys, survey_titles
from tests.browser import click_through
from tests.live import SUPER_TOKEN, Live
from tests.localcap.conftest import FRENCH_CHECKIN
from tests.service.test_browser import headless_chromium

pytestmark = pytest.mark.slow  # a real browser: seconds per test


def started(folder: Path, language: str = "en") -> WebDriver:
    return headless_chromium(folder, "--window-size=1280,900", f"--accept-lang={language}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One browser for the module: each test opens its own project's survey link."""
    driver = started(tmp_path_factory.mktemp("profile"))
    yield driver
    driver.quit()


def press(browser: WebDriver, action: str) -> None:
    """Click the button that sends ``action`` and wait for the next page."""
    click_through(browser, browser.find_element(By.CSS_SELECTOR, f"button[value='{action}']"))


def shown(browser: WebDriver, name: str) -> bool:
    return browser.find_element(By.ID, f"{name}-question").is_displayed()


def choose(browser: WebDriver, name: str, code: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{code}']").click()


def stored(project: Project) -> dict[str, str]:
    [row] = project.export_records(records=["1"])
    return dict(row)


def test_branching_shows_and_hides_questions_as_the_respondent_answers(
    browser: WebDriver, checkin: Project
) -> None:
    browser.get(str(checkin.export_survey_link("1", "checkin")))
    assert not shown(browser, "role_other")
    choose(browser, "role", "3")
    assert shown(browser, "role_other"), "'Other' brings up its question at once"
    browser.find_element(By.ID, "role_other").send_keys("Librarian")
    choose(browser, "role", "1")
    assert not shown(browser, "role_other")
    choose(browser, "role", "3")
    assert browser.find_element(By.ID, "role_other").get_attribute("value") == "Librarian"
    press(browser, "next")
    assert "Page 2 of 3" in browser.page_source, "with the script, no second look is needed"


def test_a_blank_required_answer_and_an_invalid_value_are_refused_at_the_question(
    browser: WebDriver, checkin: Project
) -> None:
    browser.get(str(checkin.export_survey_link("1", "checkin")))
    press(browser, "next")
    role = browser.find_element(By.ID, "role-question")
    assert "This question needs an answer." in role.text
    summary = browser.find_element(By.CSS_SELECTOR, "[role=alert] a")
    assert summary.get_attribute("href").endswith("#role-question")
    choose(browser, "role", "1")
    press(browser, "next")
    box = browser.find_element(By.ID, "staff")
    box.send_keys("lots")
    press(browser, "next")
    staff = browser.find_element(By.ID, "staff-question")
    assert "Enter a whole number, for example 12." in staff.text
    box = browser.find_element(By.ID, "staff")
    assert box.get_attribute("value") == "lots" and box.get_attribute("aria-invalid") == "true"
    described = box.get_attribute("aria-describedby").split()
    said = browser.find_element(By.ID, described[0]).text
    assert said == "Enter a whole number, for example 12.", "the message is tied to its box"
    row = stored(checkin)
    assert (row["role"], row["staff"], row["checkin_complete"]) == ("", "", "0")


def test_save_and_return_and_the_review_work_in_a_browser(
    browser: WebDriver, checkin: Project
) -> None:
    link = str(checkin.export_survey_link("1", "checkin"))
    browser.get(link)
    choose(browser, "role", "2")
    press(browser, "next")
    browser.find_element(By.ID, "staff").send_keys("40")
    choose(browser, "tools", "1")
    press(browser, "save")
    code = browser.find_element(By.CSS_SELECTOR, ".code").text
    assert code == checkin.export_survey_return_code("1", "checkin")
    assert stored(checkin)["staff"] == "40"
    browser.get(link)
    browser.find_element(By.ID, "__return_code").send_keys(code)
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert browser.find_element(By.CSS_SELECTOR, "input[name=role][value='2']").is_selected()
    press(browser, "next")
    press(browser, "next")
    press(browser, "next")
    review = browser.find_element(By.TAG_NAME, "main").text
    assert "Review your answers" in review
    for answer in ("Supporter", "40", "Surveys", "S-01"):
        assert answer in review, answer
    press(browser, "page:1")
    box = browser.find_element(By.ID, "staff")
    box.clear()
    box.send_keys("41")
    press(browser, "next")
    press(browser, "next")
    press(browser, "submit")
    assert "Thank you for taking the survey." in browser.find_element(By.TAG_NAME, "main").text
    row = stored(checkin)
    assert (row["role"], row["staff"], row["tools___1"]) == ("2", "41", "1")
    assert row["checkin_complete"] == "2"


def test_a_page_switched_to_french_keeps_its_answers(
    browser: WebDriver, checkin: Project, database: str
) -> None:
    set_translation(database, str(checkin.token), "fr", json.dumps(FRENCH_CHECKIN))
    browser.get(str(checkin.export_survey_link("1", "checkin")))
    choose(browser, "role", "2")
    press(browser, "lang:fr")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert browser.find_element(By.CSS_SELECTOR, "input[name=role][value='2']").is_selected()
    assert "Soutien" in browser.find_element(By.ID, "role-question").text


def test_the_french_provider_scan_shows_french_words_and_stores_the_same_codes(
    live: Live, tmp_path: Path
) -> None:
    scan = load_shipped("provider_scan").unwrap()
    token = live.create(title="provider_scan")
    client = live.client(token)
    admin = LocalcapAdmin(live.server.url, SUPER_TOKEN)
    admin.enable_surveys(token, survey_titles([scan]))
    describe_surveys(admin, token, [scan])
    deploy(client, [scan])
    client.import_records([{"record_id": "1"}])
    link = client.project.export_survey_link("1", "provider_scan")
    french = started(tmp_path / "fr", "fr-CA")
    try:
        french.get(link)
        page = french.find_element(By.TAG_NAME, "main").text
        org = scan.field_map()["org_type"]
        translated = scan.translations["fr"].fields["org_type"]
        assert translated.label in page and org.label not in page
        assert all(translated.choices[c.code] in page for c in org.choices)
        assert french.find_element(By.CSS_SELECTOR, "button[value=next]").text == "Suivant"
        choose(french, "org_type", "2")
        press(french, "save")
        assert "Vos réponses ont été enregistrées." in french.page_source
    finally:
        french.quit()
    [row] = client.project.export_records(records=["1"], fields=["org_type"])
    assert row["org_type"] == "2", "the code, whatever the language"
