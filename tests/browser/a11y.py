"""Accessibility checks with axe-core in Chromium, for any page a browser test reaches.

`axe-playwright-python` ships axe-core's `axe.min.js`; `check(page)` injects it into the page
(through the DevTools protocol, so a Content-Security-Policy does not stop it) and returns
the serious and critical violations, each as one readable line. Extend the page lists in the
tests that use it; `assert_accessible` fails with every problem of every page at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

BLOCKING = ("serious", "critical")
# WCAG 2.x A and AA (colour contrast included) and axe's best practices.
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}
_axe = Axe()


@pytest.fixture
def axe_page(browser: Browser, live_server, demo_world) -> Iterator[Page]:
    """A page for axe: like the `page` fixture, but in a context that bypasses the pages'
    Content-Security-Policy, because axe-core applies inline styles while it measures (the CSP
    would block them and make its results incomplete). The CSP itself is checked by every
    other browser test. Use it with `from tests.browser.a11y import axe_page`."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def check(page: Page) -> list[str]:
    """The page's serious and critical violations, as `rule (impact): help at [targets]`."""
    page.wait_for_load_state("load")  # a click may have started a navigation
    results = _axe.run(page, options=OPTIONS).response
    problems = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            problems.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return problems


def assert_accessible(pages: Iterable[tuple[str, Page]]) -> None:
    """Every (label, page) pair checked; one failure lists them all."""
    report = {label: problems for label, page in pages if (problems := check(page))}
    assert not report, "axe-core found serious or critical problems:\n" + "\n".join(
        f"- {label}: {problem}" for label, problems in report.items() for problem in problems
    )
