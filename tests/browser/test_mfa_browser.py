"""MFA and emailed links as a person uses them, in headless Chromium."""

from __future__ import annotations

import re

from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.conftest import PASSWORD, Authenticator, enrol


def _sign_in(page: Page, username: str = "alice") -> None:
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_mfa_from_the_displayed_secret_then_sign_in_with_it(page: Page, clock) -> None:
    base = page.base_url
    page.goto(base + "/signin")
    _sign_in(page)
    page.get_by_test_id("identity").click()
    page.get_by_role("link", name="Security credentials").click()
    page.get_by_label("Current password").fill(PASSWORD)  # a session cookie alone cannot assign one
    page.get_by_role("button", name="Assign MFA device").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    phone = Authenticator(secret)  # the person's authenticator app
    page.get_by_label("MFA code 1").fill(phone.code(-1))
    page.get_by_label("MFA code 2").fill(phone.code(0))
    page.get_by_role("button", name="Assign MFA").click()
    expect(page.get_by_test_id("mfa-devices")).to_contain_text("arn:aws:iam::111122223333:mfa/alice")

    page.get_by_test_id("identity").click()
    page.get_by_role("button", name="Sign out").click()
    clock.advance(30)  # the next code
    _sign_in(page)
    expect(page.get_by_label("MFA code")).to_be_visible()
    page.get_by_label("MFA code").fill(phone.code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")

    # Removing the device takes the current password and a current code.
    clock.advance(30)
    page.goto(base + "/security/")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Remove MFA device").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("MFA code").fill(phone.code())
    page.get_by_role("button", name="Remove MFA device").click()
    expect(page.get_by_text("Your MFA device was removed.")).to_be_visible()


def test_switch_into_the_mfa_role_from_an_emailed_link(page: Page, clock, smtp_server, settings) -> None:
    settings.CONSOLE_BASE_URL = page.base_url
    phone = enrol(User.objects.get(username="alice"))
    call_command(
        "send_switch_link",
        "--role",
        "arn:aws:iam::123456789012:role/UpdateAPP-MFA",
        "--to",
        "alice",
        "--display-name",
        "Prod with MFA",
        "--color",
        "83D4E8",
    )
    [message] = smtp_server.messages
    link = re.search(r"(http\S+/switchrole\?\S+)", message.get_body(("plain",)).get_content()).group(1)

    clock.advance(30)
    page.goto(link)  # signed out: sign in first, with MFA, then land on the prefilled form
    _sign_in(page)
    page.get_by_label("MFA code").fill(phone.code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("IAM role name")).to_have_value("UpdateAPP-MFA")
    expect(page.get_by_label("Display name")).to_have_value("Prod with MFA")
    expect(page.get_by_label("Blue")).to_be_checked()
    page.get_by_role("button", name="Switch Role").click()
    identity = page.get_by_test_id("identity")
    expect(identity.get_by_test_id("role-name")).to_have_text("Prod with MFA")
    expect(identity).to_have_css("background-color", "rgb(131, 212, 232)")
    expect(page.get_by_test_id("role-history")).to_contain_text("Prod with MFA")
