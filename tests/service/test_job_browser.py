"""Cancelling a report from its job page in a real browser (headless Chromium, as in
test_browser.py): the page's Cancel button stops the report being rendered, and the page, which
follows the job by itself, comes to show it cancelled and by whom."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from plugin.service.auth import create_key
from plugin.service.db import session
from tests.live import Live
from tests.service.conftest import Service
from tests.service.test_browser import WAIT, browser, downloads, job_finishes  # noqa: F401
from tests.service.test_pulls import READINESS, add_connection, live_project

pytestmark = pytest.mark.slow  # a real browser: seconds per test

PRACTICES = 12  # every practice's PDF takes many seconds: long enough to cancel


def test_an_analyst_cancels_a_report_from_its_page(
    service: Service,
    live: Live,
    browser: WebDriver,  # noqa: F811
) -> None:
    token = live_project(live, READINESS, n=PRACTICES, seed=23)
    connection_id = add_connection(service.app, live, token, "practice_readiness", "Cohort C")
    with service.app.app_context():
        _, key = create_key("analyst", "Ana Analyst")
        session().commit()

    browser.get(service.url + "/web/sign-in")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    # Leaving before the signed-in page arrives could abort the sign-in and its session cookie.
    WebDriverWait(browser, WAIT).until(
        shown.presence_of_element_located((By.CSS_SELECTOR, "tr[data-project='Cohort C']"))
    )
    browser.get(f"{service.url}/web/projects/{connection_id}")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Pull Cohort C']").click()
    assert job_finishes(browser) == "done"
    assert browser.find_elements(By.ID, "job-cancel") == [], "a finished job has no Cancel"

    browser.get(f"{service.url}/web/projects/{connection_id}")
    snapshot = browser.find_element(By.CSS_SELECTOR, "tr[data-snapshot]")
    Select(snapshot.find_element(By.NAME, "kind")).select_by_value("practice")
    Select(snapshot.find_element(By.NAME, "format")).select_by_value("pdf")
    snapshot.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(
        shown.element_to_be_clickable((By.CSS_SELECTOR, "#job-cancel button"))
    ).click()
    # The page reloads itself once the job has stopped: an element read just then may be gone.
    WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda page: page.find_element(By.ID, "job-state").text == "cancelled"
    )
    # ... and again just after: read the reason once the reloaded page shows it.
    error = WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda page: page.find_element(By.ID, "job-error").text
    )
    assert error == "cancelled by analyst key 'Ana Analyst'"
    assert browser.find_elements(By.ID, "job-cancel") == []
    problems = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not problems, "the pages ran without a script or policy error: " + str(problems)
