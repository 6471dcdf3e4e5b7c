"""Prefilled links (escaping, Copy link, Host poisoning), role history, emailed links."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from console import links
from console.models import AuditEvent, RoleHistoryEntry, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, in_new_session, sign_in
from tests.pages import page_text

pytestmark = pytest.mark.integration

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    "{{ request.user }}{% debug %}",
    "\u202eevil\u202c",
    "a" * 300,
    "</textarea><svg onload=alert(1)>",
    "%3Cscript%3E",
    "&lt;b&gt;already-escaped",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_link_values_render_as_text(alice_client: Client, value: str) -> None:
    response = alice_client.get(
        "/switchrole", {"account": value, "roleName": value, "displayName": value, "color": value}
    )
    page = response.content.decode()
    assert response.status_code == 200
    # No markup from the link survives; template syntax stays inert text (checked by the round trip).
    for needle in ("<script>alert", "<img src=x", "<svg onload"):
        assert needle not in page
    fields = dict(re.findall(r'name="(account|roleName|displayName)"[^>]*value="([^"]*)"', page))
    assert html.unescape(fields["displayName"]) == value.strip()[:64].rstrip()
    assert len(html.unescape(fields["displayName"])) <= 64
    assert re.findall(r'name="color" value="([^"]*)"[^>]*checked', page) == [""]  # unknown colour dropped
    assert not RoleSession.objects.exists()


@pytest.mark.parametrize("color", ["F2B0A9;background:url(x)", '#F2B0A9"', "red", "000000", "F2B0A9F"])
def test_only_the_five_colours_survive(alice_client: Client, color: str) -> None:
    page = alice_client.get("/switchrole", {"color": color}).content.decode()
    assert re.findall(r'name="color" value="([^"]*)"[^>]*checked', page) == [""]


def test_a_hostile_role_name_cannot_be_switched_to(alice_client: Client) -> None:
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "roleName": '"><script>x</script>'})
    assert response.status_code == 400
    assert "A role name is up to 64 letters" in response.content.decode()


def test_copy_link_on_the_switch_role_page_uses_the_configured_base(alice_client: Client, settings) -> None:
    settings.CONSOLE_BASE_URL = "https://console.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    page = alice_client.get(
        "/switchrole",
        {"account": "example-prod", "roleName": "team/UpdateAPP", "displayName": "Prod & co", "color": "b7ca9d"},
        HTTP_HOST="evil.example",
    ).content.decode()
    link = html.unescape(re.search(r'id="switch-link" value="([^"]*)"', page).group(1))
    assert link == (
        "https://console.example.org/switchrole?account=example-prod&roleName=team%2FUpdateAPP"
        "&displayName=Prod+%26+co&color=B7CA9D"
    )
    assert "evil.example" not in page
    assert 'data-base-url="https://console.example.org"' in page
    assert ">Copy link</button>" in page


def test_role_pages_offer_copy_link_for_the_current_role(alice_in_role: Client, settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    page = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/", HTTP_HOST="evil.example")
    page = page.content.decode()
    link = html.unescape(re.search(r'id="role-link" value="([^"]*)"', page).group(1))
    assert (
        link == f"{settings.CONSOLE_BASE_URL}/switchrole?account=example-prod&roleName=UpdateAPP"
        "&displayName=Prod&color=F2B0A9"
    )
    assert "evil.example" not in page


def test_switch_link_builder() -> None:
    assert links.switch_link("123456789012", "UpdateAPP", " x" * 50, "nope").endswith(
        "?account=123456789012&roleName=UpdateAPP&displayName=" + "x+" * 31 + "x"
    )


# --- Role history -------------------------------------------------------------------------


def _switch(client: Client, role: str = "UpdateAPP", display: str = "Prod") -> None:
    assert (
        client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "roleName": role, "displayName": display}).status_code == 302
    )


def test_history_is_kept_on_the_server_newest_first(alice_client: Client) -> None:
    User.objects.get(username="alice").inline_policies.create(
        name="Lister",
        document=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
            ' "Resource": "arn:aws:iam::123456789012:role/BucketLister"}]}'
        ),
    )
    _switch(alice_client, "UpdateAPP", "First")
    _switch(alice_client, "BucketLister", "Second")
    entries = list(RoleHistoryEntry.objects.filter(user__username="alice"))
    assert [e.display_name for e in entries] == ["Second", "First"]
    # Survives sign-out and another browser.
    alice_client.post("/signout")
    other = Client()
    sign_in(other, "alice")
    menu = other.get("/").content.decode()
    section = menu[menu.index('data-testid="role-history"') :]
    assert section.index("Second") < section.index("First")


def test_history_length_is_a_setting_and_favourites_stay(alice_client: Client, settings) -> None:
    settings.ROLE_HISTORY_LENGTH = 2
    alice = User.objects.get(username="alice")
    pinned = RoleHistoryEntry.objects.create(
        user=alice,
        role_arn="arn:aws:iam::123456789012:role/Old",
        account="123456789012",
        role_name="Old",
        display_name="Pinned",
        last_used_at="2020-01-01T00:00:00Z",
        pinned=True,
    )
    for n in range(4):
        RoleHistoryEntry.objects.create(
            user=alice,
            role_arn=f"arn:aws:iam::123456789012:role/R{n}",
            account="123456789012",
            role_name=f"R{n}",
            display_name=f"R{n}",
            last_used_at=f"2021-01-0{n + 1}T00:00:00Z",
        )
    _switch(alice_client)
    names = [e.display_name for e in RoleHistoryEntry.objects.filter(user=alice)]
    assert names == ["Pinned", "Prod", "R3"]
    assert RoleHistoryEntry.objects.filter(pk=pinned.pk).exists()


def test_history_keys_on_the_role_arn_not_the_text_typed(alice_client: Client) -> None:
    """example-prod/UpdateAPP, 123456789012/UpdateAPP and /UpdateAPP/ are one role: one entry,
    moved to the top with the latest display name and colour."""
    for account, role, display in (
        ("example-prod", "UpdateAPP", "By alias"),
        ("123456789012", "UpdateAPP", "By ID"),
        (" EXAMPLE-PROD ", "/UpdateAPP/", "With slashes"),
    ):
        fields = {**SWITCH_TO_UPDATEAPP, "account": account, "roleName": role, "displayName": display}
        assert alice_client.post(reverse("console:switchrole"), fields).status_code == 302
    entry = RoleHistoryEntry.objects.get(user__username="alice")
    assert entry.role_arn == "arn:aws:iam::123456789012:role/UpdateAPP"
    assert (entry.account, entry.role_name, entry.display_name) == ("123456789012", "UpdateAPP", "With slashes")
    # The menu's one-click switch posts the ID and the name, which always find the role again.
    page = alice_client.get(reverse("console:home")).content.decode()
    menu = page[page.index('data-testid="role-history"') :]
    forms = re.findall(r'<form method="post" action="/switchrole" class="history-switch">(.*?)</form>', menu, re.S)
    assert len(forms) == 1
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', forms[0]))
    assert [fields[name] for name in ("account", "roleName", "displayName")] == [
        "123456789012",
        "UpdateAPP",
        "With slashes",
    ]


def test_pin_unpin_remove(alice_client: Client) -> None:
    _switch(alice_client)
    entry = RoleHistoryEntry.objects.get()
    assert alice_client.post(f"/history/{entry.pk}/pin", {"pinned": "1"}).status_code == 302
    entry.refresh_from_db()
    assert entry.pinned
    alice_client.post(f"/history/{entry.pk}/pin", {"pinned": "0"})
    entry.refresh_from_db()
    assert not entry.pinned
    assert alice_client.get(f"/history/{entry.pk}/remove").status_code == 405
    alice_client.post(f"/history/{entry.pk}/remove")
    assert not RoleHistoryEntry.objects.exists()


def test_history_entries_are_private(alice_client: Client, bob_client: Client) -> None:
    _switch(alice_client)
    entry = RoleHistoryEntry.objects.get()
    assert bob_client.post(f"/history/{entry.pk}/remove").status_code == 404
    assert RoleHistoryEntry.objects.filter(pk=entry.pk).exists()
    assert 'data-testid="role-history"' not in bob_client.get("/").content.decode()


def test_one_click_switch_from_the_navbar_is_a_post(alice_client: Client) -> None:
    _switch(alice_client, display="From history")
    alice_client.post("/switchback")
    page = alice_client.get("/").content.decode()
    form = re.search(r'<form method="post" action="/switchrole" class="history-switch">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    assert fields["displayName"] == "From history" and fields["csrfmiddlewaretoken"]
    response = alice_client.post("/switchrole", fields)
    assert in_new_session(response.url)
    assert RoleSession.objects.get(ended_at=None).display_name == "From history"


# --- Emailed links ------------------------------------------------------------------------


def test_send_switch_link_command_to_a_group(demo_world, smtp_server, settings) -> None:
    settings.CONSOLE_BASE_URL = "https://console.example.org"
    out = io.StringIO()
    call_command(
        "send_switch_link",
        "--role",
        "arn:aws:iam::123456789012:role/UpdateAPP",
        "--to",
        "group:Developers",
        "--to",
        "ops@example.net",
        "--display-name",
        "Prod <live>",
        "--color",
        "F2B0A9",
        stdout=out,
    )
    assert "Sent 2 message(s)" in out.getvalue()
    by_to = {m["To"]: m for m in smtp_server.messages}
    assert set(by_to) == {"alice@example.com", "ops@example.net"}
    message = by_to["alice@example.com"]
    assert message["Subject"] == "Switch role: Prod <live> in example-prod (123456789012)"
    text = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    link = (
        "https://console.example.org/switchrole?account=example-prod&roleName=UpdateAPP"
        "&displayName=Prod+%3Clive%3E&color=F2B0A9"
    )
    for part in (text, html.unescape(html_part)):
        assert "example-prod (123456789012)" in part
        assert "arn:aws:iam::123456789012:role/UpdateAPP" in part
        assert "Prod <live>" in part
        assert (
            "s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload on arn:aws:s3:::productionapp/*"
            in part
        )
        assert link in part
    assert "Prod &lt;live&gt;" in html_part and "<live>" not in html_part  # escaped in HTML


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("nobody", "No console user named 'nobody'."),
        ("group:Nope", "No group named 'Nope'."),
        ("not@an@address", "is not an email address"),
    ],
)
def test_send_switch_link_bad_recipient_sends_nothing(demo_world, smtp_server, to: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command(
            "send_switch_link", "--role", "arn:aws:iam::123456789012:role/UpdateAPP", "--to", "alice", "--to", to
        )
    assert message in str(raised.value) and raised.value.returncode == 2
    assert smtp_server.messages == []


def test_send_switch_link_unknown_role(demo_world) -> None:
    with pytest.raises(CommandError, match="No role arn:aws:iam::123456789012:role/Nope is registered"):
        call_command("send_switch_link", "--role", "arn:aws:iam::123456789012:role/Nope", "--to", "alice")


def test_admin_emails_a_link_to_chosen_users_and_groups(demo_world, smtp_server, settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    admin = Client()
    sign_in(admin, "admin")
    role = Role.objects.get(name="UpdateAPP-MFA")
    url = f"/admin/accounts/role/{role.pk}/email-link/"
    assert "Email switch link" in admin.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    page = admin.get(url, HTTP_HOST="evil.example")
    assert page.status_code == 200
    bob = User.objects.get(username="bob")
    from accounts.models import Group

    response = admin.post(
        url,
        {
            "users": [bob.pk],
            "groups": [Group.objects.get(name="Developers").pk],
            "addresses": "",
            "display_name": "",
            "color": "",
        },
        HTTP_HOST="evil.example",
    )
    # bob cannot use the role: the page says why and sends nothing until told to send anyway.
    assert response.status_code == 200 and smtp_server.messages == []
    assert "Recipient bob cannot switch to UpdateAPP-MFA: bob's groups' policies do not allow" in page_text(response)
    response = admin.post(
        url,
        {"users": [bob.pk], "groups": [Group.objects.get(name="Developers").pk], "send_anyway": "1"},
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == ["alice@example.com", "bob@example.com"]
    body = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "The role requires MFA" in body and "evil.example" not in body
    assert f"{settings.CONSOLE_BASE_URL}/switchrole?account=example-prod&roleName=UpdateAPP-MFA" in body
    assert AuditEvent.objects.filter(kind="switch_link_sent", username="admin").exists()


def test_admin_email_link_needs_staff(alice_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    response = alice_client.get(f"/admin/accounts/role/{role.pk}/email-link/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_permissions_summary_reads_not_action_and_not_resource(demo_world) -> None:
    from console.emails import permissions_summary

    role = Role(
        account=Role.objects.get(name="UpdateAPP").account,
        name="Odd",
        trust_policy="{}",
        permissions_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::scratch/*"},
                ],
            }
        ),
    )
    assert permissions_summary(role) == [
        "Allows every action except iam:* on *",
        "Denies s3:DeleteObject on every resource except arn:aws:s3:::scratch/*",
    ]
