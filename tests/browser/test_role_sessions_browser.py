"""Two tabs of one browser, two roles at once; a link that lands where it points."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

SESSION_URL = r"/r/[a-z0-9]{10}"
DEEP_LINK = (
    "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Deep%20link&color=B7CA9D"
    "&redirect_uri=%2Fs3%2Fbuckets%2Fproductionapp%2F%3Fprefix%3Dconfig%2F"
)
RED, BLUE, GREEN = "rgb(242, 176, 169)", "rgb(131, 212, 232)", "rgb(183, 202, 157)"


def _sign_in(page: Page, username: str) -> None:
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _in_role(page: Page, name: str, color: str) -> None:
    identity = page.get_by_test_id("identity")
    expect(identity.get_by_test_id("role-name")).to_have_text(name)
    expect(identity).to_contain_text("123456789012")
    expect(identity).to_have_css("background-color", color)


def _open_config(page: Page) -> None:
    page.get_by_role("link", name="productionapp").click()
    page.get_by_role("link", name="config/").click()
    expect(page.get_by_test_id("objects")).to_contain_text("app.json")


def test_two_tabs_keep_their_own_roles(page: Page) -> None:
    base = page.base_url
    _sign_in(page, "alice")
    tab_a = page
    # The home page lists the roles alice may use; one click switches (a POST).
    catalogue = tab_a.get_by_test_id("catalogue")
    expect(catalogue.get_by_test_id("role-ViewAPP")).to_contain_text("Production (read-only)")
    expect(catalogue.get_by_test_id("role-UpdateAPP-MFA")).to_contain_text("Needs MFA")
    catalogue.get_by_role("button", name="Switch to Production (UpdateAPP)", exact=True).click()
    expect(tab_a).to_have_url(re.compile(re.escape(base) + SESSION_URL + "/s3/$"))
    _in_role(tab_a, "Production (UpdateAPP)", RED)
    prefix_a = re.search(SESSION_URL, tab_a.url).group(0)

    # Tab B, same browser (same cookies): a URL without a session opens the home page as alice.
    tab_b = tab_a.context.new_page()
    tab_b.goto(base + "/")
    expect(tab_b.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")
    tab_b.get_by_role("button", name="Switch to Production (read-only)", exact=True).click()
    _in_role(tab_b, "Production (read-only)", BLUE)
    assert re.search(SESSION_URL, tab_b.url).group(0) != prefix_a

    # Each tab's S3 page keeps its own role and colour after the other switched.
    tab_a.reload()
    _in_role(tab_a, "Production (UpdateAPP)", RED)
    _open_config(tab_a)
    expect(tab_a.get_by_role("button", name="Upload")).to_be_enabled()  # UpdateAPP may write
    _open_config(tab_b)
    expect(tab_b.get_by_role("button", name="Upload")).to_be_disabled()  # ViewAPP may not
    tab_a.reload()
    expect(tab_a.get_by_role("button", name="Upload")).to_be_enabled()
    _in_role(tab_a, "Production (UpdateAPP)", RED)

    # The navbar's time left counts down without a reload; the menu lists both sessions.
    timer = tab_a.get_by_test_id("time-left")
    first = timer.inner_text()
    assert re.fullmatch(r"\d{1,2}:\d\d", first)
    expect(timer).not_to_have_text(first, timeout=3000)
    tab_a.get_by_test_id("identity").click()
    sessions = tab_a.get_by_test_id("role-sessions")
    expect(sessions.get_by_role("link")).to_have_count(2)
    expect(sessions.get_by_role("link", name=re.compile(r"Production \(UpdateAPP\) \(this tab\)"))).to_have_count(1)

    # A link with redirect_uri, opened in tab B: after the switch, that page, in the new session.
    tab_b.goto(base + DEEP_LINK)
    expect(tab_b.get_by_label("Page to open after switching")).to_have_value(
        "/s3/buckets/productionapp/?prefix=config/"
    )
    tab_b.get_by_role("button", name="Switch Role").click()
    expect(tab_b).to_have_url(
        re.compile(re.escape(base) + SESSION_URL + re.escape("/s3/buckets/productionapp/?prefix=config/") + "$")
    )
    _in_role(tab_b, "Deep link", GREEN)
    expect(tab_b.get_by_test_id("objects")).to_contain_text("limits.json")

    # Switch back in tab B ends only its session; tab A is still in its role.
    tab_b.get_by_test_id("identity").click()
    tab_b.get_by_role("button", name="Switch back").click()
    expect(tab_b.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")
    tab_a.reload()
    _in_role(tab_a, "Production (UpdateAPP)", RED)
