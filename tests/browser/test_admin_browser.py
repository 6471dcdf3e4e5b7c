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


def test_admin_adds_bob_to_developers_and_bob_switches(page: Page, browser) -> None:
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
    expect(bob.get_by_test_id("role-name")).to_have_text("Prod")
    bob.get_by_role("link", name="productionapp").click()
    expect(bob.get_by_test_id("objects")).to_contain_text("config/")
    bob_context.close()


def test_admin_log_out_ends_the_role_session_and_revoke_asks_first(page: Page) -> None:
    from console.models import AuditEvent, RoleSession

    _sign_in(page, "admin")
    # The admin may switch too (administrators are users): give the admin a role session first.
    page.goto(page.base_url + "/admin/accounts/role/")
    page.get_by_role("link", name="UpdateAPP", exact=True).click()
    # Revoke asks first (a data-confirm form handled by admin.js, not an inline handler).
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Revoke active sessions").click()
    expect(page.locator(".messagelist")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke active sessions").click()
    expect(page.locator(".messagelist")).to_contain_text("Ended 0 console session(s) in UpdateAPP.")

    # The admin header's "Sign out" (the console's) is a way out too: it writes the sign-out event.
    page.get_by_role("button", name="Sign out").click()
    assert AuditEvent.objects.filter(kind="signout", username="admin").exists()
    assert not RoleSession.objects.filter(ended_at=None).exists()
