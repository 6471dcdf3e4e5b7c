"""axe-core over every page a person reaches: the console's pages (signed out, signed in, in a
role, with MFA), every admin page and the error pages: no serious or critical violations (WCAG
2.x A/AA, colour contrast included). The console's pages are also checked for ARNs that could
break mid-word and for sideways scrolling at 390 px. To add a page: navigate, then yield
(label, page)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.template import loader
from playwright.sync_api import Page

from accounts.models import Role, User
from tests.browser import a11y, layout
from tests.browser.a11y import axe_page  # noqa: F401 - the fixture
from tests.conftest import PASSWORD, enrol

LONG_NAME = "Production application for the quarterly finance reporting team"
# The object list is being rewritten (issue 12), narrow screens included: axe only, for now.
LAYOUT_CHECKED_ELSEWHERE = {"S3 bucket"}


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


def test_admin_and_error_pages_have_no_serious_accessibility_problems(axe_page: Page, smtp_server) -> None:  # noqa: F811
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


def switch(page: Page, query: str) -> None:
    page.goto(page.base_url + "/switchrole?" + query)
    page.get_by_role("button", name="Switch Role").click()


def console_pages(page: Page) -> Iterator[tuple[str, Page]]:
    """Every console page a person reaches, in the order they would. Needs MAX_ROLE_SESSIONS=2."""
    base = page.base_url
    page.goto(base + "/signin")
    yield "sign-in", page
    sign_in_with(page, "alice", "wrong")
    yield "sign-in, wrong password", page
    sign_in(page, "alice")
    yield "home with the catalogue", page
    page.goto(base + "/switchrole")
    yield "Switch Role, empty", page
    # (Open over the form, not over the catalogue's buttons: axe counts what an open menu covers.)
    page.get_by_test_id("identity").click()
    yield "user menu open", page
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Prod&color=F2B0A9")
    yield "Switch Role, prefilled", page
    switch(page, "account=999999999999&roleName=UpdateAPP")
    yield "Switch Role, unknown account", page
    switch(page, "account=example-prod&roleName=UpdateAPP-MFA")
    yield "Switch Role, refused: MFA needed", page
    page.goto(base + "/security/")
    yield "security credentials", page
    page.get_by_role("button", name="Assign MFA device").click()
    yield "security credentials, re-authentication error", page
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Assign MFA device").click()
    yield "MFA enrolment (QR code)", page
    page.goto(base + "/password")
    yield "change password", page
    page.get_by_role("button", name="Set new password").click()
    yield "change password, errors", page
    switch(page, "account=example-prod&roleName=UpdateAPP&color=EFDA95&displayName=" + LONG_NAME)
    yield "S3 buckets in a role (success banner, long display name)", page
    page.get_by_test_id("identity").click()
    yield "user menu in a role", page
    page.goto(base + "/s3/buckets/productionapp/?prefix=config/")
    yield "S3 bucket", page
    page.goto(base + "/s3/buckets/productionapp/?prefix=config/&versions=1&sort=size&order=desc")
    yield "S3 bucket with versions, sorted", page
    page.goto(base + "/s3/buckets/productionapp/?search=zzz")
    yield "S3 bucket, search with no match", page
    page.goto(base + "/s3/buckets/productionapp/object?key=config/app.json")
    yield "S3 object details", page
    page.goto(base + "/s3/buckets/productionapp/folder?prefix=config/")
    yield "S3 create folder", page
    page.get_by_role("button", name="Create folder").click()
    yield "S3 create folder, error", page
    page.goto(base + "/s3/buckets/productionapp/?prefix=config/")
    page.get_by_label("Select app.json").check()
    page.get_by_label("Select limits.json").check()
    page.get_by_test_id("delete-selected").click()
    yield "S3 delete a selection", page
    page.goto(base + "/")
    yield "home in a role", page
    page.goto(base + "/switchrole")
    yield "Switch Role with role history", page
    switch(page, "account=example-prod&roleName=ViewAPP")
    switch(page, "account=123456789012&roleName=UpdateAPP")
    yield "session limit", page
    page.get_by_role("button", name="End it and switch").click()
    # MFA: a device assigned elsewhere (by an administrator, say) while signed in without it.
    phone = enrol(User.objects.get(username="alice"))
    switch(page, "account=example-prod&roleName=UpdateAPP-MFA")
    yield "Switch Role, MFA step-up", page
    page.get_by_test_id("identity").click()
    page.get_by_role("button", name="Sign out").click()
    yield "signed out", page
    sign_in(page, "alice")
    yield "sign-in, MFA code", page
    page.get_by_label("MFA code").fill(phone.code(1))
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/security/")
    yield "security credentials with an MFA device", page
    page.get_by_role("button", name="Create access key").click()
    yield "security credentials, new access key", page
    page.goto(base + "/no/such/page")
    yield "404 signed in", page


def sign_in_with(page: Page, username: str, password: str) -> None:
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_console_pages_are_accessible_wrap_arns_at_separators_and_fit_a_phone(axe_page: Page, settings) -> None:  # noqa: F811
    settings.MAX_ROLE_SESSIONS = 2
    layout_problems = {}

    def checked() -> Iterator[tuple[str, Page]]:
        for label, page in console_pages(axe_page):
            page.wait_for_load_state("load")
            if label in LAYOUT_CHECKED_ELSEWHERE:
                yield label, page
                continue
            arns, overflow = layout.unbreakable_arns(page), layout.sideways_overflow(page, 390)
            if arns or overflow:
                layout_problems[label] = {"ARNs that break mid-word": arns, "wider than 390 px": overflow}
            yield label, page

    a11y.assert_accessible(checked())
    assert not layout_problems, layout_problems
