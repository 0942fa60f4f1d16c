"""The analysts' web page in a real browser: Debian's headless Chromium (driven by its
chromedriver through Selenium) signs in with an API key, starts a pull, watches the job's page
follow it to the end, makes a report, downloads it and reads the file. ``.ci/run`` installs
Chromium; elsewhere the test is skipped when it is missing, in CI it fails."""

from __future__ import annotations

import csv
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from plugin.service.auth import create_key
from plugin.service.db import session
from plugin.service.tasks import SNAPSHOT_STEPS
from tests.live import Live
from tests.service.conftest import Service
from tests.service.test_pulls import READINESS, add_connection, live_project

pytestmark = pytest.mark.slow  # a real browser: seconds per test

PRACTICES = 8
WAIT = 60  # seconds for a job to finish in the browser


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.environ.get("CI"):
        raise RuntimeError("CI runs the browser test: .ci/run installs chromium and its driver")
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium-driver)")


def headless_chromium(
    profile: Path, *arguments: str, prefs: dict[str, object] | None = None
) -> WebDriver:
    """Debian's Chromium, headless, through its chromedriver by explicit path (nothing is
    downloaded), with its console log kept and a page-load limit; ``arguments`` are added to
    the common ones, ``prefs`` set as Chromium's preferences."""
    binary, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        *arguments,
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    started = webdriver.Chrome(service=DriverService(executable_path=driver), options=options)
    started.set_page_load_timeout(30)
    return started


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path, tmp_path: Path) -> Iterator[WebDriver]:
    started = headless_chromium(
        tmp_path / "profile",
        "--window-size=1280,900",
        prefs={
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    yield started
    started.quit()


def downloaded(folder: Path, name: str) -> Path:
    deadline = time.monotonic() + WAIT
    target = folder / name
    while time.monotonic() < deadline:
        if target.is_file() and not list(folder.glob("*.crdownload")):
            return target
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; the folder holds {os.listdir(folder)}")


def job_finishes(browser: WebDriver) -> str:
    """Wait on a job's page until its own polling shows it finished; its final state. The page
    reloads itself when the job ends, so a state element read just then may be gone: read
    again."""
    WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda page: page.find_element(By.ID, "job-state").text in ("done", "failed")
    )
    return browser.find_element(By.ID, "job-state").text


def test_an_analyst_signs_in_pulls_and_downloads_a_report(
    service: Service, live: Live, browser: WebDriver, downloads: Path
) -> None:
    token = live_project(live, READINESS, n=PRACTICES, seed=21)
    connection_id = add_connection(service.app, live, token, "practice_readiness", "Cohort B")
    with service.app.app_context():
        _, key = create_key("analyst", "Ana Analyst")
        session().commit()

    browser.get(service.url + "/")
    assert browser.title == "Sign in · qiscan"
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    row = WebDriverWait(browser, 10).until(
        shown.presence_of_element_located((By.CSS_SELECTOR, "tr[data-project='Cohort B']"))
    )
    assert "none yet" in row.text
    assert "Ana Analyst" in browser.find_element(By.CSS_SELECTOR, ".who").text

    # REDCap is slow to export the records, so the job's page shows the pull running: its
    # script follows the state and loads the page again once the pull has finished.
    live.faults.add("slow", content="record", token=token, delay=2.0)
    row.find_element(By.CSS_SELECTOR, "button[aria-label='Pull Cohort B']").click()
    WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda page: page.find_element(By.ID, "job-state").text == "running"
    )
    assert job_finishes(browser) == "done"
    navigation = "return performance.getEntriesByType('navigation')[0].type"
    assert browser.execute_script(navigation) == "reload", "the script reloaded the page"
    # The job counts its records, then each step that builds the snapshot's results, and its
    # page says so in those words.
    said = (
        f"{PRACTICES} of {PRACTICES} records pulled, then {len(SNAPSHOT_STEPS)} result tables "
        "built (100%)"
    )
    assert said in browser.find_element(By.ID, "job").text
    assert f"{PRACTICES} records" in browser.find_element(By.ID, "job-result").text

    browser.find_element(By.LINK_TEXT, "Make a report of it").click()
    assert browser.current_url.endswith(f"/web/projects/{connection_id}")
    snapshot = browser.find_element(By.CSS_SELECTOR, "tr[data-snapshot]")
    snapshot_id = snapshot.get_attribute("data-snapshot")
    Select(snapshot.find_element(By.NAME, "kind")).select_by_value("cohort")
    Select(snapshot.find_element(By.NAME, "format")).select_by_value("csv")
    snapshot.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert job_finishes(browser) == "done"

    name = f"cohort-snapshot-{snapshot_id}.csv"
    browser.find_element(By.ID, "download").click()
    with downloaded(downloads, name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {row["instrument"] for row in rows} == {"practice_readiness"}
    counts = [row for row in rows if row["statistic"] == "n" and row["wave"] == "baseline"]
    assert counts and max(float(row["value"]) for row in counts) == PRACTICES

    browser.find_element(By.LINK_TEXT, "Reports").click()
    assert name in browser.find_element(By.CSS_SELECTOR, "table.list").text
    problems = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not problems, "the pages ran without a script or policy error: " + str(problems)
