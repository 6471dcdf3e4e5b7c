"""An administrator grants bob the switch; bob then switches, in headless Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def _sign_in(page: Page, username: str) -> None:
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_admin_adds_bob_to_developers_and_bob_switches(page: Page, browser) -> None:  # noqa: ANN001
    _sign_in(page, "admin")
    page.goto(page.base_url + "/admin/")
    page.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Developers").click()
    page.locator("#id_members_from").select_option(label="bob")
    page.locator("#id_members_add").click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    bob_context = browser.new_context()
    bob = bob_context.new_page()
    bob.base_url = page.base_url
    _sign_in(bob, "bob")
    bob.goto(bob.base_url + "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Prod")
    bob.get_by_role("button", name="Switch Role").click()
    expect(bob.get_by_test_id("identity")).to_have_text("Prod")
    bob.get_by_role("link", name="productionapp").click()
    expect(bob.get_by_test_id("objects")).to_contain_text("config/")
    bob_context.close()
