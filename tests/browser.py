"""Moving through pages in a real browser: a click that leads to a new page, waited for until
the new page has loaded (not merely until the old element is gone, which chromedriver can report
with a transient "Node ... does not belong to the document" while the page changes)."""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 30  # seconds for a page to follow a click


def click_through(browser: WebDriver, element: WebElement) -> None:
    """Click ``element`` and wait for the page it leads to (the old page's mark gone)."""
    browser.execute_script("window.__before = true")
    element.click()
    WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda page: page.execute_script(
            "return !window.__before && document.readyState === 'complete'"
        )
    )
