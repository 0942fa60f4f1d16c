"""The accessibility check of a page open in a real browser: axe-core, the engine from the npm
registry (pinned in package-lock.json, installed by ``npm ci``; ``make test`` runs it).

axe-core is put into the page through WebDriver rather than by a ``<script>`` tag: a script run
by the driver is not subject to the page's Content-Security-Policy, so the survey pages are
checked exactly as they are served, with their strict policy. Where axe-core is not installed
the check is skipped; in CI (``CI`` set) that is a failure, as for Chromium itself.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
TIMEOUT = 60  # seconds for axe.run on one page

RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (results) => done({violations: results.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    helpUrl: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({
      target: node.target,
      html: node.html,
      impact: node.impact,
      summary: node.failureSummary,
    })),
  }))}),
  (error) => done({error: String(error)}),
);
"""


@cache
def axe_source() -> str:
    """axe.min.js; the test is skipped without it (a failure in CI)."""
    if AXE.is_file():
        return AXE.read_text(encoding="utf-8")
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI runs the accessibility check: `make test` installs axe-core (npm ci)"
        )
    pytest.skip("axe-core is not installed: run `npm ci` (make test does)")


def violations(driver: WebDriver, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations on the page the driver shows, at ``impacts``: each rule's ``id``,
    ``impact``, ``help``, ``helpUrl`` and failing ``nodes`` (``target`` selectors, ``html``,
    ``summary``), only the nodes at those impacts."""
    driver.execute_script(axe_source())
    if not driver.execute_script("return typeof window.axe === 'object'"):
        raise RuntimeError("axe-core did not load into the page")
    driver.set_script_timeout(TIMEOUT)
    answer = driver.execute_async_script(RUN)
    if "error" in answer:
        raise RuntimeError(f"axe.run failed on {driver.current_url}: {answer['error']}")
    found = []
    for rule in answer["violations"]:
        nodes = [node for node in rule["nodes"] if node["impact"] in impacts]
        if nodes:
            found.append({**rule, "nodes": nodes})
    return found


def describe(found: list[dict[str, Any]]) -> str:
    """Violations as lines for an assertion message: rule, impact, help, then each element."""
    lines = []
    for rule in found:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"  {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"    {summary[:300]}")
    return "\n".join(lines) if lines else "no violations"
