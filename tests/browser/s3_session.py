"""Sign in and switch to a role in Chromium, for the S3 page tests; the role session's
credentials for checking what S3 holds."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from console import aws, switching
from console.models import RoleSession
from tests.conftest import PASSWORD


def sign_in_and_switch(page: Page, role: str = "UpdateAPP", display_name: str = "Prod") -> None:
    """alice signs in and switches to `role` in example-prod (shown as `display_name`)."""
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(
        page.base_url + f"/switchrole?account=example-prod&roleName={role}&displayName={display_name}&color=F2B0A9"
    )
    page.get_by_role("button", name="Switch Role").click()
    expect(page.get_by_test_id("role-name")).to_have_text(display_name)


def role_credentials() -> aws.TemporaryCredentials:
    """The credentials of the one role session open."""
    return switching.credentials(RoleSession.objects.get(ended_at=None))
