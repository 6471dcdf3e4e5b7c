"""The seed scenario through the console, against a real moto server with auth enforced."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts import switch_decision
from accounts.models import Account, InlinePolicy, Role, User
from console import aws, switching
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, csrf_token, in_new_session
from tests.pages import page_text

pytestmark = pytest.mark.integration

UPDATEAPP_ARN = "arn:aws:iam::123456789012:role/UpdateAPP"


def test_alice_switches_and_lands_on_s3(alice_client: Client) -> None:
    response = alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP, follow=True)
    assert in_new_session(response.redirect_chain[-1][0])
    html = response.content.decode()
    assert 'data-testid="identity"' in html and "Prod" in html
    assert "identity role color-F2B0A9" in html
    session = RoleSession.objects.get(user__username="alice", ended_at=None)
    assert session.role_arn == UPDATEAPP_ARN
    # The temporary credentials really are the role's, as AWS (the emulator) sees them.
    assert aws.caller_identity(switching.credentials(session)) == (
        "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
    )
    event = AuditEvent.objects.filter(kind="switch_allowed").latest("time")
    assert event.username == "alice" and event.role_arn == UPDATEAPP_ARN
    assert "AllowSwitchToUpdateAPP" in event.detail and "TrustDevelopmentAccount" in event.detail


def test_bob_is_refused_with_the_reason(bob_client: Client) -> None:
    response = bob_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    assert response.status_code == 403
    assert "Your groups' policies do not allow sts:AssumeRole on arn:aws:iam::123456789012:role/UpdateAPP" in (
        page_text(response)
    )
    assert not RoleSession.objects.filter(user__username="bob").exists()
    assert AuditEvent.objects.filter(kind="switch_refused", username="bob", role_arn=UPDATEAPP_ARN).exists()


def test_refusal_does_not_reveal_whether_a_role_exists(bob_client: Client) -> None:
    exists = bob_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    missing = bob_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "roleName": "NoSuchRole"})
    exists_text = exists.content.decode().replace("UpdateAPP", "X")
    missing_text = missing.content.decode().replace("NoSuchRole", "X")
    assert exists.status_code == missing.status_code == 403
    assert _refusal(exists_text) == _refusal(missing_text)


def _refusal(html: str) -> str:
    start = html.index('data-testid="refusal"')
    return html[start : html.index("</div>", start)]


def test_trust_policy_refusal_is_the_consoles_even_though_moto_would_issue(alice_client: Client) -> None:
    # alice's identity policy allows every production role, so only the trust policy can refuse.
    alice = User.objects.get(username="alice")
    InlinePolicy.objects.create(
        user=alice,
        name="AnyProdRole",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/*"}
                ],
            }
        ),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    Role.objects.create(
        account=Account.objects.get(account_id="123456789012"),
        name="UpdateAPP-Partner",
        trust_policy=json.dumps(trust),
        permissions_policy=Role.objects.get(name="UpdateAPP").permissions_policy,
    )
    arn = "arn:aws:iam::123456789012:role/UpdateAPP-Partner"
    # The emulator ignores trust policies: the broker gets credentials for a role it may not use
    # (moto issues them even for roles it does not hold).
    assert aws.assume_role(arn, "probe", "probe", 900).access_key_id

    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "roleName": "UpdateAPP-Partner"})
    assert response.status_code == 403
    assert f"Role {arn} does not exist, or its trust policy does not allow you to assume it." in page_text(response)
    assert not RoleSession.objects.filter(user__username="alice").exists()


def test_explicit_deny_wins_and_is_named(alice_client: Client) -> None:
    alice = User.objects.get(username="alice")
    InlinePolicy.objects.create(
        user=alice,
        name="NoProduction",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "DenyProd", "Effect": "Deny", "Action": "sts:*", "Resource": "*"}],
            }
        ),
    )
    response = alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    assert response.status_code == 403
    assert "An explicit Deny in alice/NoProduction (DenyProd) refuses sts:AssumeRole" in response.content.decode()


def test_switch_back_restores_own_identity_and_cycles_session(alice_in_role: Client) -> None:
    key_in_role = alice_in_role.cookies["sessionid"].value
    response = alice_in_role.post("/switchback", follow=True)
    html = response.content.decode()
    assert "alice @ example-dev (111122223333)" in html
    assert "You left Prod" in html
    assert alice_in_role.cookies["sessionid"].value != key_in_role
    session = RoleSession.objects.get(user__username="alice")
    assert session.ended_at is not None and session.sealed_credentials == ""
    # Without a role, S3 is not reachable.
    assert alice_in_role.get("/s3/").url == "/switchrole"


def test_switch_cycles_the_session_key(alice_client: Client) -> None:
    before = alice_client.cookies["sessionid"].value
    alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    assert alice_client.cookies["sessionid"].value != before


def test_expired_credentials_end_the_role_session(alice_in_role: Client, clock) -> None:
    session = RoleSession.objects.get(user__username="alice", ended_at=None)
    clock.advance((session.expiration - switching.now()).total_seconds() + 1)
    response = alice_in_role.get(alice_in_role.prefix + "/", follow=True)
    html = response.content.decode()
    assert "Your session in Prod expired at" in html
    assert "alice @ example-dev (111122223333)" in html
    session.refresh_from_db()
    assert session.end_reason == "expired" and session.sealed_credentials == ""
    assert AuditEvent.objects.filter(kind="session_expired", username="alice").exists()


def test_duration_is_clipped_to_the_roles_maximum(alice_client: Client, settings) -> None:
    settings.ROLE_SESSION_SECONDS = 43200
    alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    session = RoleSession.objects.get(user__username="alice", ended_at=None)
    remaining = (session.expiration - switching.now()).total_seconds()
    assert 3500 < remaining <= 3600


def test_get_only_prefills_and_escapes(alice_client: Client) -> None:
    response = alice_client.get(
        "/switchrole",
        {
            "account": "example-prod",
            "roleName": "UpdateAPP",
            "displayName": "<script>alert(1)</script>",
            "color": "not-a-colour",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="example-prod"' in html and 'value="UpdateAPP"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The unknown colour was dropped: "None" is the selected colour, and only it.
    assert re.findall(r'name="color" value="([^"]*)"[^>]*checked', html) == [""]
    assert not RoleSession.objects.exists()


def test_prefill_keeps_known_colour(alice_client: Client) -> None:
    html = alice_client.get("/switchrole", {"color": "83d4e8"}).content.decode()
    assert re.search(r'value="83D4E8"[^>]*checked', html)


def test_switch_requires_csrf(demo_world) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/signin")
    client.post(
        "/signin",
        {
            "account": "example-dev",
            "username": "alice",
            "password": "correct-horse-battery-staple",
            "csrfmiddlewaretoken": csrf_token(page.content.decode()),
        },
    )
    assert client.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 403
    assert not RoleSession.objects.exists()
    form = client.get("/switchrole").content.decode()
    ok = client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "csrfmiddlewaretoken": csrf_token(form)})
    assert ok.status_code == 302


def test_switch_back_and_signout_are_post_only(alice_in_role: Client) -> None:
    assert alice_in_role.get("/switchback").status_code == 405
    assert alice_in_role.get("/signout").status_code == 405
    assert RoleSession.objects.filter(ended_at=None).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"account": "no-such-alias"}, "The console knows no account with that ID or alias."),
        ({"account": "12345"}, "Enter a 12-digit account ID, or an alias the console knows."),
        ({"account": "999999999999"}, "The console knows no account with that ID or alias."),
        ({"roleName": "bad name!"}, "A role name is up to 64 letters"),
        ({"roleName": ""}, "This field is required."),
        ({"displayName": "x" * 65}, "Ensure this value has at most 64 characters"),
    ],
)
def test_bad_input_gets_a_specific_error(alice_client: Client, fields: dict, message: str) -> None:
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoleSession.objects.exists()


def test_a_well_formed_unknown_account_id_is_unknown_not_malformed(alice_client: Client) -> None:
    """999999999999 is a valid account ID the console does not know: said like an unknown alias,
    not as a typing mistake."""
    response = alice_client.post(reverse("console:switchrole"), {**SWITCH_TO_UPDATEAPP, "account": "999999999999"})
    assertContains(response, "The console knows no account with that ID or alias.", status_code=400)
    assertNotContains(response, "Enter a 12-digit account ID", status_code=400)
    # The same answer for an alias nobody registered.
    alias = alice_client.post(reverse("console:switchrole"), {**SWITCH_TO_UPDATEAPP, "account": "no-such-alias"})
    assertContains(alias, "The console knows no account with that ID or alias.", status_code=400)


def test_credentials_never_reach_the_browser_or_a_log(alice_client: Client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    responses = [alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP, follow=True)]
    session = RoleSession.objects.get(user__username="alice", ended_at=None)
    creds = switching.credentials(session)
    for url in [
        "/",
        "/s3/",
        "/s3/buckets/productionapp/",
        "/s3/buckets/productionapp/?prefix=config/",
        "/s3/buckets/finance-reports/",
        "/switchrole",
    ]:
        responses.append(alice_client.get(url))
    download = alice_client.get("/s3/buckets/productionapp/download", {"key": "config/app.json"})
    responses.append(download)
    secrets_ = [creds.access_key_id, creds.secret_access_key, creds.session_token]
    assert all(secrets_)
    for response in responses:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = str(response.headers) + str(response.cookies)
        for secret in secrets_:
            assert secret.encode() not in body
            assert secret not in headers
    for cookie in alice_client.cookies.values():
        assert all(secret not in cookie.value for secret in secrets_)
    assert all(secret not in caplog.text for secret in secrets_)
    # At rest they are sealed too: the database row does not hold them in clear text.
    assert all(secret not in session.sealed_credentials for secret in secrets_)


def test_permissions_boundary_refuses_the_switch(alice_client: Client) -> None:
    from accounts.models import Policy

    alice = User.objects.get(username="alice")
    alice.permissions_boundary = Policy.objects.create(
        account=alice.account,
        name="S3Only",
        document=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    alice.save()
    response = alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    assert response.status_code == 403
    assert "Your permissions boundary does not allow sts:AssumeRole" in response.content.decode()


def test_secure_transport_comes_from_the_request(demo_world, settings, rf) -> None:
    alice = User.objects.get(username="alice")
    plain = rf.get("/switchrole")
    plain.session = {}
    assert switch_decision.request_context(plain, alice)["aws:SecureTransport"] is False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_TLS_PROXY=true
    proxied = rf.get("/switchrole", HTTP_X_FORWARDED_PROTO="https")
    proxied.session = {}
    context = switch_decision.request_context(proxied, alice)
    assert context["aws:SecureTransport"] is True
    assert "aws:MultiFactorAuthAge" not in context and context["aws:MultiFactorAuthPresent"] is False
