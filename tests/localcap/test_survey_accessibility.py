"""Every shipped instrument's survey pages pass the accessibility check: axe-core in Debian's
headless Chromium finds no serious or critical violation.

Each instrument is deployed to a real localcap and its survey forms enabled as surveys (the
assessment's forms too: a practice can fill them in as surveys). For a new record the test
opens the survey link, checks the first page, submits it blank (refused: a required answer is
missing) and checks the page that says so, then answers each page the way a respondent would
and checks every page up to the thank-you page. Save & Return is checked apart: the page that
shows the return code, the page that asks for it and the page after a wrong code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from instruments import load_shipped, shipped_names
from instruments.model import Instrument
from instruments.naming import unique_event_name
from plugin.deploy.apply import deploy
from plugin.localcap.admin import LocalcapAdmin
from plugin.redcap import RedcapClient
from plugin.target import describe_surveys
from tests.browser import click_through
from tests.live import SUPER_TOKEN, Live
from tests.localcap.axe import describe, violations
from tests.service.test_browser import headless_chromium

pytestmark = pytest.mark.slow  # a real browser: seconds per test

STEPS = 40  # pages a walk through one survey may take before it is called stuck

# Fill what a respondent must: the first option of each unanswered choice, the first real
# option of a list, and a plausible value in each empty box (by its input type), skipping the
# page's own controls (``__`` names, such as the language list) and what cannot be changed.
# With ``arguments[0]`` a text answer the page refused is tried again as a number, a number as
# a date. Each change is announced with the events a page's script listens to.
FILL = """
const form = document.querySelector("form");
if (!form) return 0;
let filled = 0;
const tell = (el) => {
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  filled += 1;
};
const samples = {date: "2024-01-15", "datetime-local": "2024-01-15T12:00", time: "12:00",
  email: "member@example.org", number: "1", tel: "5550100", url: "https://example.org"};
const retry = {"An answer": "1", "1": "2024-01-15"};
for (const el of form.querySelectorAll("input, select, textarea")) {
  if (!el.name || el.name.startsWith("__") || el.disabled || el.readOnly) continue;
  if (el.type === "hidden" || el.closest("[hidden]")) continue;
  if (el.type === "radio" || el.type === "checkbox") {
    const group = form.querySelectorAll(`input[name="${CSS.escape(el.name)}"]`);
    if (![...group].some((other) => other.checked)) { el.checked = true; tell(el); }
  } else if (el.tagName === "SELECT") {
    if (!el.value && el.options.length > 1) { el.selectedIndex = 1; tell(el); }
  } else if (!el.value) {
    const numeric = el.inputMode === "numeric" || el.inputMode === "decimal";
    el.value = el.min || samples[el.type] || (numeric ? "1" : "An answer");
    tell(el);
  } else if (arguments[0] && el.closest(".has-error, [aria-invalid=true]") && retry[el.value]) {
    el.value = retry[el.value];  // refused: a number or date box the page did not mark as one
    tell(el);
  }
}
return filled;
"""


@dataclass
class Deployed:
    client: RedcapClient
    instrument: Instrument
    records: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def link(self, form: str) -> str:
        """A survey link of ``form`` for a new record."""
        record = str(next(self.records))
        row = {self.instrument.record_id: record}
        event = self.event(form)
        if event:
            row["redcap_event_name"] = event
        self.client.import_records([row])
        options = {"event": event} if event else {}
        return str(self.client.call("export_survey_link", record, form, **options))

    def event(self, form: str) -> str:
        """The first event ``form`` is designated for ("" in a project without events)."""
        waves = self.instrument.waves
        if waves is None or waves.mode != "events":
            return ""
        first = next(wave for wave in waves.events if form in wave.forms)
        return unique_event_name(first.label, 1)


def checked_forms() -> list[tuple[str, str]]:
    """(instrument, form) for every survey form, and every form of an assessment."""
    found = []
    for name in shipped_names():
        instrument = load_shipped(name).unwrap()
        for form in instrument.forms:
            if form.survey or instrument.kind == "assessment":
                found.append((name, form.name))
    return found


FORMS = checked_forms()

# Take every label off its answer box: the ``for`` that ties it, and the text around a box.
UNLABEL = """
for (const label of document.querySelectorAll("label")) {
  label.removeAttribute("for");
  for (const node of [...label.childNodes]) if (node.nodeType === Node.TEXT_NODE) node.remove();
}
"""


@pytest.fixture(scope="module")
def deployed(live: Live) -> dict[str, Deployed]:
    """Each instrument with checked forms, deployed to a project of its own."""
    found = {}
    for name in sorted({name for name, _ in FORMS}):
        instrument = load_shipped(name).unwrap()
        token = live.create(title=name, longitudinal=instrument.waves is not None)
        client = live.client(token)
        deploy(client, [instrument])
        surveys = {form: instrument.form_map()[form].label for n, form in FORMS if n == name}
        # What the embedded default gives a survey, through localcap's project setup.
        admin = LocalcapAdmin(live.server.url, SUPER_TOKEN)
        admin.enable_surveys(token, surveys)
        describe_surveys(admin, token, [instrument])
        found[name] = Deployed(client, instrument)
    return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One browser for the module: each test opens its own survey link."""
    started = headless_chromium(tmp_path_factory.mktemp("profile"), "--window-size=1280,900")
    yield started
    started.quit()


class Findings:
    """Violations per page checked, for one assertion over all of them."""

    def __init__(self, browser: WebDriver) -> None:
        self.browser = browser
        self.pages: list[tuple[str, list[dict[str, Any]]]] = []

    def check(self, what: str) -> None:
        self.pages.append((f"{what} [{self.browser.title}]", violations(self.browser)))

    def assert_none(self) -> None:
        bad = [(what, found) for what, found in self.pages if found]
        report = "\n".join(f"== {what}\n{describe(found)}" for what, found in bad)
        assert not bad, f"serious or critical accessibility violations:\n{report}"


def press(browser: WebDriver, *actions: str) -> bool:
    """Click the first button of the form whose ``__action`` is one of ``actions`` and wait for
    the next page; False when the page has none."""
    for action in actions:
        found = browser.find_elements(By.CSS_SELECTOR, f"button[name=__action][value={action}]")
        if found:
            click_through(browser, found[0])
            return True
    return False


def errors_shown(browser: WebDriver) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, ".field-error, [role=alert]"))


@pytest.mark.parametrize(("name", "form"), FORMS, ids=[f"{n}.{f}" for n, f in FORMS])
def test_every_page_of_the_survey_passes_the_accessibility_check(
    browser: WebDriver, deployed: dict[str, Deployed], name: str, form: str
) -> None:
    findings = Findings(browser)
    browser.get(deployed[name].link(form))
    findings.check("first page")
    assert press(browser, "next", "submit"), "the first page has a button to go on"
    assert errors_shown(browser), "a blank required answer is refused, and said"
    findings.check("first page, refused")
    for step in range(1, STEPS + 1):
        browser.execute_script(FILL, True)
        browser.execute_script(FILL, False)  # again, for questions the answers brought up
        if not press(browser, "next", "submit"):
            break
        findings.check(f"page after step {step}")
    else:
        said = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".field-error")]
        pytest.fail(f"the survey did not end within {STEPS} pages; the page says {said}")
    assert "Thank you" in browser.find_element(By.TAG_NAME, "body").text, "it was submitted"
    findings.assert_none()


@pytest.mark.parametrize(("name", "form"), FORMS, ids=[f"{n}.{f}" for n, f in FORMS])
def test_save_and_return_pages_pass_the_accessibility_check(
    browser: WebDriver, deployed: dict[str, Deployed], name: str, form: str
) -> None:
    findings = Findings(browser)
    link = deployed[name].link(form)
    browser.get(link)
    assert press(browser, "save"), "the survey offers Save & Return"
    assert "return code" in browser.find_element(By.TAG_NAME, "body").text.lower()
    findings.check("saved, with the return code")
    browser.get(link)
    code = browser.find_element(By.CSS_SELECTOR, "input[name=__return_code]")
    findings.check("asks for the return code")
    code.send_keys("WRONGCODE")
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert errors_shown(browser), "a wrong return code is said"
    findings.check("after a wrong return code")
    findings.assert_none()


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_translated_survey_passes_the_accessibility_check(
    browser: WebDriver, deployed: dict[str, Deployed], language: str
) -> None:
    findings = Findings(browser)
    browser.get(deployed["provider_scan"].link("provider_scan") + f"&lang={language}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    findings.check(f"first page in {language}")
    assert press(browser, "next")
    assert errors_shown(browser)
    findings.check(f"first page in {language}, refused")
    for _ in range(STEPS):
        browser.execute_script(FILL, True)
        browser.execute_script(FILL, False)
        if not press(browser, "next"):
            break
    assert browser.find_elements(By.CSS_SELECTOR, "button[value=submit]"), "the review"
    findings.check(f"review in {language}")
    findings.assert_none()


def test_the_check_finds_a_question_without_its_label(
    browser: WebDriver, deployed: dict[str, Deployed]
) -> None:
    """The check runs under the page's strict policy and can fail: with the labels taken off a
    page's answer boxes, axe-core reports them (a critical violation)."""
    link = deployed["provider_scan"].link("provider_scan")
    policy = requests.get(link, timeout=30).headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    browser.get(link)
    browser.execute_script(UNLABEL)
    found = {rule["id"]: rule for rule in violations(browser)}
    assert "label" in found, describe(list(found.values()))
    assert found["label"]["impact"] == "critical"
    assert found["label"]["nodes"], "each unlabelled box is named"
