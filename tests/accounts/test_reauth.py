"""Sensitive changes need the person, not just their session cookie (OWASP ASVS V2/V3)."""

from __future__ import annotations

from django.test import Client

from accounts.models import MFADevice, User
from console.models import AuditEvent, RoleSession
from tests.conftest import PASSWORD, SWITCH_TO_UPDATEAPP, Authenticator, enrol, in_new_session, sign_in, switch

MFA_ROLE = {**SWITCH_TO_UPDATEAPP, "roleName": "UpdateAPP-MFA", "displayName": "Prod MFA"}


def _enrol_in_browser(client: Client) -> Authenticator:
    assert client.post("/security/mfa/start", {"current_password": PASSWORD}).url == "/security/mfa/assign"
    from accounts import mfa

    phone = Authenticator(mfa.secret_of(MFADevice.objects.get(user__username="alice")))
    assert client.post("/security/mfa/assign", {"code1": phone.code(-1), "code2": phone.code(0)}).status_code == 302
    return phone


def test_enrolling_does_not_open_the_mfa_role_in_that_session(alice_client: Client, clock) -> None:
    phone = _enrol_in_browser(alice_client)
    clock.advance(30)
    refused = alice_client.post("/switchrole", MFA_ROLE)
    assert refused.status_code == 403  # no step-up with the device just assigned here
    assert "sign out, then sign in again with the device" in refused.content.decode()
    assert not RoleSession.objects.exists()
    # Signed in again with the device, the role opens.
    alice_client.post("/signout")
    sign_in(alice_client, "alice")
    assert alice_client.post("/signin/mfa", {"code": phone.code()}).url == "/"
    assert in_new_session(alice_client.post("/switchrole", MFA_ROLE).url)


def test_removing_the_device_ends_role_sessions_that_needed_mfa_everywhere(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    inside, other = Client(), Client()
    sign_in(inside, "alice")
    inside.post("/signin/mfa", {"code": phone.code()})
    tab = switch(inside, MFA_ROLE)
    clock.advance(30)
    sign_in(other, "alice")
    other.post("/signin/mfa", {"code": phone.code()})
    clock.advance(30)
    removed = other.post("/security/mfa/remove", {"current_password": PASSWORD, "mfa_code": phone.code()})
    assert removed.status_code == 302 and not MFADevice.objects.exists()
    stay = RoleSession.objects.get()
    assert stay.ended_at is not None and stay.end_reason == "MFA device removed" and stay.sealed_credentials == ""
    # The first browser's MFA sign-in was made with the removed device: it counts no more.
    assert (
        "Your session in Prod MFA was ended (MFA device removed)" in inside.get(tab + "/", follow=True).content.decode()
    )
    again = inside.post("/switchrole", MFA_ROLE)
    assert again.status_code == 403 and "requires MFA" in again.content.decode()


def test_changing_the_password_needs_the_current_one_and_a_code_and_ends_other_sessions(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        sign_in(client, "alice")
        client.post("/signin/mfa", {"code": phone.code()})
        clock.advance(30)
    assert in_new_session(elsewhere.post("/switchrole", SWITCH_TO_UPDATEAPP).url)
    new = {"new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"}
    no_code = here.post("/password", {"current_password": PASSWORD, **new})
    assert no_code.status_code == 400 and "This field is required." in no_code.content.decode()
    assert here.post("/password", {"current_password": PASSWORD, "mfa_code": phone.code(), **new}).url == "/"
    assert User.objects.get(username="alice").check_password("a-brand-new-secret")
    assert here.get("/").status_code == 200  # this session stays signed in
    assert elsewhere.get("/").status_code == 302  # the other one is signed out
    stay = RoleSession.objects.get()
    assert stay.ended_at is not None and stay.sealed_credentials == ""


def test_a_half_finished_sign_in_is_void_after_a_password_change(demo_world, clock) -> None:
    alice = User.objects.get(username="alice")
    phone = enrol(alice)
    clock.advance(30)
    client = Client()
    assert sign_in(client, "alice").url == "/signin/mfa"
    alice.set_password("a-brand-new-secret")  # e.g. an administrator's reset, meanwhile
    alice.save()
    response = client.post("/signin/mfa", {"code": phone.code()})
    assert response.url == "/signin"
    assert client.get("/").status_code == 302


def _inside_the_mfa_role(clock) -> tuple[Client, MFADevice]:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    inside = Client()
    sign_in(inside, "alice")
    inside.post("/signin/mfa", {"code": phone.code()})
    switch(inside, MFA_ROLE)
    return inside, MFADevice.objects.get(user__username="alice")


def _mfa_role_session_ended() -> bool:
    session = RoleSession.objects.get()
    return session.ended_at is not None and session.end_reason == "MFA device removed"


def test_an_administrator_deleting_the_device_ends_role_sessions_that_needed_it(demo_world, clock) -> None:
    _, device = _inside_the_mfa_role(clock)
    admin = Client()
    sign_in(admin, "admin")
    assert admin.post(f"/admin/accounts/mfadevice/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not MFADevice.objects.exists()
    assert _mfa_role_session_ended()
    # Recorded once (Django 5.2 logs a single delete through log_deletions too).
    deleted = AuditEvent.objects.filter(kind=AuditEvent.Kind.ADMIN_CHANGE, detail__startswith="deleted ")
    assert deleted.count() == 1 and deleted.get().username == "admin"


def test_the_deactivate_mfa_action_ends_role_sessions_that_needed_it(demo_world, clock) -> None:
    _, device = _inside_the_mfa_role(clock)
    admin = Client()
    sign_in(admin, "admin")
    data = {"action": "deactivate_mfa", "_selected_action": [device.user_id]}
    assert admin.post("/admin/accounts/user/", data).status_code == 302
    assert not MFADevice.objects.exists()
    assert _mfa_role_session_ended()


def test_new_passwords_that_differ_are_a_form_error_and_change_nothing(alice_client: Client) -> None:
    data = {"current_password": PASSWORD, "new_password1": "a-brand-new-secret", "new_password2": "another-secret-x"}
    response = alice_client.post("/password", data)
    assert response.status_code == 400
    assert "The two password fields didn’t match." in response.content.decode()
    assert User.objects.get(username="alice").check_password(PASSWORD)
