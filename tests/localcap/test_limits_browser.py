"""The survey page in a real browser under its Content-Security-Policy: Debian's headless
Chromium (through chromedriver and Selenium) shows the page with its stylesheet, logs no policy
violation, and submits the answers. Skipped where Chromium is missing; in CI it must run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redcap import Project
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser import click_through
from tests.localcap.test_surveys import ENROLLMENT, contact_link
from tests.service.test_browser import headless_chromium


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    started = headless_chromium(tmp_path / "profile")
    yield started
    started.quit()


def test_the_survey_page_works_under_its_policy(browser: WebDriver, long: Project) -> None:
    browser.get(contact_link(long))
    # The inline stylesheet applied: allowed by its hash, not by 'unsafe-inline'.
    width = "return getComputedStyle(document.body).maxWidth"
    assert browser.execute_script(width) == "704px", "44rem of the page's own stylesheet"
    browser.find_element(By.ID, "dialysis_schedule_days").send_keys("Tuesdays")
    assert browser.execute_script("return typeof window.qiscanLogic") == "object", "script ran"
    while not browser.find_elements(By.CSS_SELECTOR, "button[value=submit]"):
        going = browser.find_element(By.CSS_SELECTOR, "button[value=next]")
        click_through(browser, going)  # page by page, on to the review
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "button[value=submit]"))
    assert "Thank you" in browser.find_element(By.TAG_NAME, "body").text
    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not problems, "the pages ran without a policy error: " + str(problems)
    [row] = long.export_records(records=["1"], events=[ENROLLMENT], forms=["contact_info"])
    assert row["dialysis_schedule_days"] == "Tuesdays"
