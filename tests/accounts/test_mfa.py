"""Virtual MFA: enrolment, two-step sign-in, replay, expiry, rate limits, step-up at switch time."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts import mfa
from accounts.models import MFADevice, User
from console.models import AuditEvent, RoleSession
from tests.helpers import PASSWORD, SWITCH_TO_UPDATEAPP, Authenticator, enrol, in_new_session, sign_in
from tests.pages import page_text

pytestmark = pytest.mark.integration

MFA_ROLE = {**SWITCH_TO_UPDATEAPP, "roleName": "UpdateAPP-MFA", "displayName": "Prod MFA"}
SECURITY, MFA_START, MFA_ASSIGN = (
    reverse("accounts:security"),
    reverse("accounts:mfa_start"),
    reverse("accounts:mfa_assign"),
)
SIGNIN, SIGNIN_MFA, HOME = reverse("accounts:signin"), reverse("accounts:signin_mfa"), reverse("console:home")


def test_enrolment_shows_qr_and_secret_and_needs_two_consecutive_codes(alice_client: Client, clock) -> None:
    assertContains(alice_client.get(SECURITY), "No MFA device is assigned")
    # Assigning needs the current password: a session cookie alone cannot tie the account to a device.
    refused = alice_client.post(MFA_START, {"current_password": "not-it"})
    assertContains(refused, "Your current password is not correct.")
    assert not MFADevice.objects.exists()
    assertRedirects(
        alice_client.post(MFA_START, {"current_password": PASSWORD}), MFA_ASSIGN, fetch_redirect_response=False
    )
    html = alice_client.get(MFA_ASSIGN).content.decode()
    secret = re.search(r'value="([A-Z2-7]{32})"', html).group(1)
    assert "<svg" in html and 'aria-label="QR code"' in html
    assert ">MFA code 1</label>" in html and ">MFA code 2</label>" in html
    phone = Authenticator(secret)

    # Not consecutive: refused, device stays pending.
    bad = alice_client.post(MFA_ASSIGN, {"code1": phone.code(-2), "code2": phone.code(0)})
    assertContains(bad, "The codes are not valid")
    assert not MFADevice.objects.get(user__username="alice").active

    ok = alice_client.post(MFA_ASSIGN, {"code1": phone.code(-1), "code2": phone.code(0)}, follow=True)
    device = MFADevice.objects.get(user__username="alice")
    assert device.active and device.serial == "arn:aws:iam::111122223333:mfa/alice"
    assert "arn:aws:iam::111122223333:mfa/alice" in page_text(ok)
    assert AuditEvent.objects.filter(kind="mfa_enabled", username="alice").exists()
    # The secret is sealed at rest.
    assert secret not in device.sealed_secret


def test_sign_in_with_mfa_is_two_steps(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    first = sign_in(client, "alice")
    assertRedirects(first, SIGNIN_MFA, fetch_redirect_response=False)
    assert client.get(HOME).status_code == 302  # not signed in yet
    page = client.get(SIGNIN_MFA)
    assertContains(page, ">MFA code</label>")
    assert "arn:aws:iam::111122223333:mfa/alice" in page_text(page.content.decode())
    done = client.post(SIGNIN_MFA, {"code": phone.code()})
    assertRedirects(done, HOME, fetch_redirect_response=False)
    assertContains(client.get(HOME), "alice @ example-dev")
    assert client.session[mfa.SESSION_MFA_AT]


def test_a_code_is_accepted_once(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    # The activation's second code is already used.
    client = Client()
    sign_in(client, "alice")
    assertContains(client.post(SIGNIN_MFA, {"code": phone.code()}), "That code has already been used")
    clock.advance(30)
    code = phone.code()
    assert Client().post(SIGNIN, {"account": "example-dev", "username": "alice", "password": PASSWORD})
    first, second = Client(), Client()
    for c in (first, second):
        sign_in(c, "alice")
    assertRedirects(first.post(SIGNIN_MFA, {"code": code}), HOME, fetch_redirect_response=False)
    assertContains(second.post(SIGNIN_MFA, {"code": code}), "That code has already been used")
    assert second.get(HOME).status_code == 302


def test_replay_protection_holds_across_workers(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    # Two workers each loaded the device before either accepted the code.
    worker_a = MFADevice.objects.get(user__username="alice")
    worker_b = MFADevice.objects.get(user__username="alice")
    code = phone.code()
    assert mfa.verify(worker_a, code) is mfa.Result.OK
    assert mfa.verify(worker_b, code) is mfa.Result.REPLAYED


def test_pending_sign_in_expires(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    client = Client()
    sign_in(client, "alice")
    clock.advance(301)
    response = client.post(SIGNIN_MFA, {"code": phone.code()}, follow=True)
    assertRedirects(response, SIGNIN)
    assertContains(response, "Your sign-in expired")
    assert client.get(HOME).status_code == 302


def test_tampered_pending_state_is_refused(demo_world) -> None:
    enrol(User.objects.get(username="alice"))
    client = Client()
    sign_in(client, "alice")
    session = client.session
    session["mfa_pending_signin"] = session["mfa_pending_signin"].replace(":", "x", 1)
    session.save()
    assertRedirects(client.get(SIGNIN_MFA), SIGNIN, fetch_redirect_response=False)


def test_wrong_codes_are_rate_limited(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    wrong = "000000" if phone.code() != "000000" else "111111"
    for _ in range(5):  # the limit, written out: changing it must break this test
        assertContains(client.post(SIGNIN_MFA, {"code": wrong}), "That code is not valid.")
    locked = client.post(SIGNIN_MFA, {"code": phone.code()})
    assertContains(locked, "Too many wrong codes", status_code=429)
    assert locked["Retry-After"] == "900"  # 15 minutes from the first wrong code (the clock is frozen)
    assert client.get(HOME).status_code == 302
    clock.advance(15 * 60 + 30)  # the window has passed; the pending sign-in has expired too
    sign_in(client, "alice")
    assertRedirects(client.post(SIGNIN_MFA, {"code": phone.code()}), HOME, fetch_redirect_response=False)


def test_mfa_role_needs_mfa_and_no_device_gets_a_link(alice_client: Client) -> None:
    response = alice_client.post("/switchrole", MFA_ROLE)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Role arn:aws:iam::123456789012:role/UpdateAPP-MFA requires MFA." in page_text(html)
    assert 'href="/security/">Set up MFA</a>' in html
    assert not RoleSession.objects.exists()


def test_signed_in_with_mfa_switches_straight_in(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    client.post("/signin/mfa", {"code": phone.code()})
    response = client.post("/switchrole", MFA_ROLE)
    assert response.status_code == 302 and in_new_session(response.url)
    assert RoleSession.objects.get().role_arn == "arn:aws:iam::123456789012:role/UpdateAPP-MFA"


def test_step_up_when_signed_in_without_mfa(alice_client: Client, clock) -> None:
    # alice signed in without MFA; then an administrator gave her a device.
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    response = alice_client.post("/switchrole", MFA_ROLE)
    assert response.status_code == 302 and response.url == "/switchrole/mfa"
    page = alice_client.get("/switchrole/mfa").content.decode()
    assert "arn:aws:iam::123456789012:role/UpdateAPP-MFA requires MFA." in page_text(page)
    wrong = alice_client.post("/switchrole/mfa", {"code": "000000" if phone.code() != "000000" else "111111"})
    assert "That code is not valid." in wrong.content.decode()
    done = alice_client.post("/switchrole/mfa", {"code": phone.code()})
    assert done.status_code == 302 and in_new_session(done.url)
    assert RoleSession.objects.get(ended_at=None).display_name == "Prod MFA"
    assert AuditEvent.objects.filter(kind="mfa_step_up").exists()


def test_step_up_when_mfa_is_older_than_an_hour(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    client.post("/signin/mfa", {"code": phone.code()})
    clock.advance(3601)
    assert client.post("/switchrole", MFA_ROLE).url == "/switchrole/mfa"
    assert in_new_session(client.post("/switchrole/mfa", {"code": phone.code()}).url)


def test_bob_gets_no_mfa_hint_for_a_role_he_may_not_use(bob_client: Client) -> None:
    html = bob_client.post("/switchrole", MFA_ROLE).content.decode()
    assert "requires MFA" not in html
    assert "Your groups&#x27; policies do not allow sts:AssumeRole" in html


def test_user_can_remove_their_device_after_re_authenticating(alice_client: Client, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    page = alice_client.get("/security/").content.decode()
    assert ">Current password</label>" in page and ">MFA code</label>" in page
    # A session cookie alone is not enough: no password, no code, wrong code: all refused.
    for data in ({}, {"current_password": PASSWORD}, {"current_password": PASSWORD, "mfa_code": "000000"}):
        assert alice_client.post("/security/mfa/remove", data).status_code in (200, 400)
        assert MFADevice.objects.filter(enabled_at__isnull=False).exists()
    response = alice_client.post(
        "/security/mfa/remove", {"current_password": PASSWORD, "mfa_code": phone.code()}, follow=True
    )
    assert "Your MFA device was removed." in response.content.decode()
    assert not MFADevice.objects.exists()
    assert sign_in(Client(), "alice").url == "/"  # back to one-step sign-in


def test_mfa_state_changes_are_post_only(alice_client: Client) -> None:
    assert alice_client.get("/security/mfa/start").status_code == 405
    assert alice_client.get("/security/mfa/remove").status_code == 405


def test_step_up_state_expires(alice_client: Client, clock) -> None:
    enrol(User.objects.get(username="alice"))
    assert alice_client.post("/switchrole", MFA_ROLE).url == "/switchrole/mfa"
    clock.advance(301)
    response = alice_client.get("/switchrole/mfa", follow=True)
    assert "That switch request expired." in response.content.decode()


def test_administrator_deactivates_a_device(demo_world) -> None:
    enrol(User.objects.get(username="alice"))
    admin = Client()
    sign_in(admin, "admin")
    listing = admin.get("/admin/accounts/user/").content.decode()
    assert "Deactivate MFA device" in listing
    alice = User.objects.get(username="alice")
    response = admin.post(
        "/admin/accounts/user/", {"action": "deactivate_mfa", "_selected_action": [alice.pk]}, follow=True
    )
    assert "Deactivated 1 MFA device(s)." in response.content.decode()
    assert not MFADevice.objects.exists()
    assert AuditEvent.objects.filter(kind="mfa_disabled", username="admin").exists()
    assert sign_in(Client(), "alice").url == "/"


def test_qr_code_is_an_svg_made_on_the_server(demo_world) -> None:
    device = mfa.start_enrollment(User.objects.get(username="alice"))
    svg = mfa.qr_svg(device)
    assert svg.startswith("<svg") and "viewBox" in svg and "http" not in svg.split(">", 1)[1]
    assert mfa.provisioning_uri(device).startswith("otpauth://totp/Switchrole%20Console:alice%40example-dev?")


def test_security_page_title_is_plain_text(alice_client: Client) -> None:
    html = alice_client.get("/security/").content.decode()
    assert re.search(r"<title>([^<]*)</title>", html).group(1).strip() == "Security credentials · Switchrole Console"
    assert html.count("Access keys for the CLI and SDKs") == 1
