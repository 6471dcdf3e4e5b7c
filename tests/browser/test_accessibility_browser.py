"""axe-core over every admin page an administrator reaches, and the error pages: no serious or
critical violations (WCAG 2.x A/AA, colour contrast included). The console's own pages can be
added the same way: navigate, then yield (label, page) to `a11y.assert_accessible`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.template import loader
from playwright.sync_api import Page

from accounts.models import Role, User
from tests.browser import a11y
from tests.browser.a11y import axe_page  # noqa: F401 - the fixture
from tests.conftest import PASSWORD, enrol


def sign_in(page: Page, username: str) -> None:
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def admin_urls(page: Page) -> list[str]:
    """The index, every list the index links to, each list's first object and its add form."""
    page.goto(page.base_url + "/admin/")
    lists = sorted(
        {
            path
            for path in page.eval_on_selector_all("#content-main a", "links => links.map(a => a.pathname)")
            if re.fullmatch(r"/admin/\w+/\w+/", path)
        }
    )
    assert "/admin/console/auditevent/" in lists and "/admin/accounts/role/" in lists
    urls = ["/admin/"]
    for url in lists:
        urls.append(url)
        page.goto(page.base_url + url)
        first = page.query_selector("#result_list tbody tr th a")
        if first is not None:
            urls.append(first.get_attribute("href"))
        if page.query_selector(".object-tools a.addlink"):
            urls.append(url + "add/")
    return urls


def admin_pages(page: Page) -> Iterator[tuple[str, Page]]:
    for url in admin_urls(page):
        page.goto(page.base_url + url)
        yield url, page
    role = Role.objects.get(name="UpdateAPP-MFA")
    for url in (
        f"/admin/accounts/role/{role.pk}/who-can-switch/",
        f"/admin/accounts/role/{role.pk}/email-link/",
        "/admin/accounts/role/access-matrix/",
        "/admin/accounts/role/simulator/",
        f"/admin/accounts/role/{role.pk}/history/",
    ):
        page.goto(page.base_url + url)
        yield url, page
    # Pages with answers on them: errors, warnings, results, messages.
    page.goto(page.base_url + f"/admin/accounts/role/{role.pk}/email-link/")
    page.get_by_label("Other email addresses").fill("not-an-email")
    page.get_by_role("button", name="Send").click()
    yield "email link with errors", page
    page.goto(page.base_url + f"/admin/accounts/role/{role.pk}/email-link/")
    page.get_by_label("bob").check()
    page.get_by_role("button", name="Send").click()
    yield "email link warning", page
    page.get_by_role("button", name="Send anyway").click()
    yield "role page after sending (success and warning messages)", page
    page.goto(page.base_url + "/admin/accounts/role/simulator/")
    page.locator("#id_user").select_option(label="alice")
    page.get_by_label("Actions").fill("sts:AssumeRole")
    page.get_by_label("Resources").fill(f"{role.arn}\narn:aws:iam::123456789012:role/UpdateAPP")
    page.get_by_role("button", name="Run simulation").click()
    yield "simulator results", page


def error_pages(page: Page) -> Iterator[tuple[str, Page]]:
    page.goto(page.base_url + "/no/such/page")
    yield "404", page
    page.goto(page.base_url + "/admin/no/such/page/")
    yield "404 under /admin/", page
    for code in ("400", "403", "403_csrf", "500"):
        # Rendered as Django renders them; shown at the live server's address so styles load.
        page.set_content(loader.get_template(f"{code}.html").render({}))
        yield code, page


def test_admin_and_error_pages_have_no_serious_accessibility_problems(axe_page: Page, smtp_server) -> None:  # noqa: ANN001, F811
    enrol(User.objects.get(username="alice"))  # the user page then shows an MFA device
    sign_in(axe_page, "admin")
    a11y.assert_accessible(admin_pages(axe_page))
    a11y.assert_accessible(error_pages(axe_page))


def test_the_checker_finds_problems(axe_page: Page) -> None:  # noqa: F811
    """The check is real: a page with an unlabelled field and grey-on-white text fails."""
    page = axe_page
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><input type="text">'
        '<p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    problems = a11y.check(page)
    assert any(p.startswith("label (critical)") for p in problems)
    assert any(p.startswith("color-contrast (serious)") for p in problems)
