"""Sign-in: account + IAM username + password, no enumeration, safe redirects."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from console.models import AuditEvent
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.integration

GENERIC = "Sign-in failed. Check your account ID or alias, IAM username and password."


def test_signin_page_has_the_named_fields(db) -> None:
    html = Client().get("/signin").content.decode()
    for label in ("Account ID or alias", "IAM username", "Password"):
        assert f">{label}</label>" in html
    assert ">Sign in</button>" in html


@pytest.mark.parametrize("account", ["example-dev", "111122223333"])
def test_alice_signs_in_by_alias_or_id(demo_world, account: str) -> None:
    client = Client()
    response = sign_in(client, "alice", account=account)
    assert response.status_code == 302 and response.url == "/"
    assert "alice @ example-dev (111122223333)" in client.get("/").content.decode()
    assert AuditEvent.objects.filter(kind="signin", username="alice").exists()


@pytest.mark.parametrize(
    ("account", "username", "password"),
    [
        ("no-such-account", "alice", PASSWORD),  # wrong account
        ("123456789012", "alice", PASSWORD),  # a real account, but alice is not its user
        ("example-dev", "mallory", PASSWORD),  # wrong user
        ("example-dev", "alice", "wrong-password"),  # wrong password
    ],
)
def test_every_failure_looks_the_same_and_costs_a_hash(demo_world, account, username, password) -> None:
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as enc:
        response = Client().post("/signin", {"account": account, "username": username, "password": password})
    assert response.status_code == 200
    html = response.content.decode()
    assert GENERIC in html
    # The hasher ran once whatever was wrong: no timing difference between the cases.
    assert enc.call_count == 1
    assert AuditEvent.objects.filter(kind="signin_failed").count() == 1


def test_inactive_user_cannot_sign_in(demo_world) -> None:
    from accounts.models import User

    User.objects.filter(username="alice").update(is_active=False)
    response = sign_in(Client(), "alice")
    assert response.status_code == 200 and GENERIC in response.content.decode()


def test_next_is_followed_only_within_the_site(demo_world) -> None:
    target = "/switchrole?account=example-prod&roleName=UpdateAPP"
    client = Client()
    page = client.get("/switchrole?account=example-prod&roleName=UpdateAPP")
    assert page.status_code == 302 and page.url.startswith("/signin?next=")
    ok = client.post("/signin", {"account": "example-dev", "username": "alice", "password": PASSWORD, "next": target})
    assert ok.url == target
    evil = Client().post(
        "/signin",
        {"account": "example-dev", "username": "alice", "password": PASSWORD, "next": "https://evil.example/steal"},
    )
    assert evil.url == "/"


def test_signout_ends_the_role_session_too(alice_in_role: Client) -> None:
    from console.models import RoleSession

    response = alice_in_role.post("/signout")
    assert response.status_code == 302 and response.url == "/signin"
    assert RoleSession.objects.get().ended_at is not None
    assert alice_in_role.get("/").status_code == 302


def test_password_guessing_is_throttled_per_user_without_revealing_who_exists(demo_world, clock) -> None:
    from accounts import throttle

    def attempt(username: str, password: str):
        return Client().post("/signin", {"account": "example-dev", "username": username, "password": password})

    for _ in range(throttle.SIGNIN_USER.limit):
        assert GENERIC in attempt("alice", "guess").content.decode()
        assert GENERIC in attempt("nobody-here", "guess").content.decode()
    # Locked: even the right password is not checked, and a made-up user is locked the same way.
    for username, password in (("alice", PASSWORD), ("nobody-here", "guess")):
        locked = attempt(username, password)
        assert locked.status_code == 429 and 0 < int(locked["Retry-After"]) <= 15 * 60
        assert "Too many failed sign-in attempts. Wait 15 minute(s), then try again." in locked.content.decode()
    assert sign_in(Client(), "bob").status_code == 302  # other users are unaffected
    clock.advance(15 * 60 + 1)
    assert sign_in(Client(), "alice").status_code == 302
    # Success clears the count.
    assert GENERIC in attempt("alice", "guess").content.decode()
    assert sign_in(Client(), "alice").status_code == 302


def test_the_admins_log_out_ends_the_role_session_and_records_the_sign_out(demo_world) -> None:
    from accounts.models import Group, User
    from console.models import RoleSession
    from tests.conftest import SWITCH_TO_UPDATEAPP

    Group.objects.get(name="Developers").members.add(User.objects.get(username="admin"))
    admin = Client()
    sign_in(admin, "admin")
    assert admin.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 302
    admin.post("/admin/logout/")  # Django's own logout view, not the console's Sign out
    stay = RoleSession.objects.get()
    assert stay.ended_at is not None and stay.end_reason == "signed out" and stay.sealed_credentials == ""
    assert AuditEvent.objects.filter(kind="signout", username="admin").exists()
    assert admin.get("/").status_code == 302


def test_a_failed_sign_in_is_audited_with_the_username_as_typed(demo_world) -> None:
    typed = "<b>mal\u202elory</b>"
    Client().post(reverse("accounts:signin"), {"account": "example-dev", "username": typed, "password": "x"})
    event = AuditEvent.objects.get(kind="signin_failed")
    # Stored as typed, with the invisible bidi override written out; not "-".
    assert event.username == "<b>mal\\u202elory</b>" and event.user is None
    assert "account='example-dev'" in event.detail
    admin = Client()
    sign_in(admin, "admin")
    listing = admin.get(reverse("admin:console_auditevent_changelist"), {"username": event.username})
    assertContains(listing, "Sign-in failed")
    assertContains(listing, "&lt;b&gt;mal\\u202elory&lt;/b&gt;")  # escaped on the page
    assertNotContains(listing, "<b>mal")
    # The filter offers it among the usernames.
    everything = admin.get(reverse("admin:console_auditevent_changelist"))
    assertContains(everything, "?username=%3Cb%3Emal%5Cu202elory%3C%2Fb%3E")


def test_a_typed_username_is_cut_to_the_column_without_splitting_an_escape(demo_world) -> None:
    typed = "a" * 60 + "\u200b\u200b"  # two zero-width spaces: 6 characters each, written out
    Client().post(reverse("accounts:signin"), {"account": "example-dev", "username": typed, "password": "x"})
    assert AuditEvent.objects.get(kind="signin_failed").username == "a" * 60


def test_sign_out_says_so_on_the_sign_in_page(alice_client: Client) -> None:
    response = alice_client.post(reverse("accounts:signout"), follow=True)
    assertRedirects(response, reverse("accounts:signin"))
    assertContains(response, "You are signed out.")
    assertContains(response, ">Sign in</button>")
    # Shown once: the next visit to the sign-in page is quiet.
    assertNotContains(alice_client.get(reverse("accounts:signin")), "You are signed out.")


def test_djangos_password_change_leads_to_the_consoles_which_re_authenticates(demo_world) -> None:
    admin = Client()
    sign_in(admin, "admin")
    for url in ("/admin/password_change/", "/admin/password_change/done/"):
        assertRedirects(admin.get(url), reverse("accounts:new_password"), fetch_redirect_response=False)
        assert admin.post(url, {"old_password": PASSWORD, "new_password1": "n" * 20}).status_code == 302
    from accounts.models import User

    assert User.objects.get(username="admin").check_password(PASSWORD)  # nothing changed on the way
    assertContains(admin.get(reverse("accounts:new_password")), "Current password")
