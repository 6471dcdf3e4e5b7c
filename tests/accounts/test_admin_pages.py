"""The admin's messages and pages (issue 14): third-person reasons, the simulator's context
keys, the email-link form, the MFA device field, read-only lists, the policy editors."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts.models import Group, InlinePolicy, Role, User
from tests.conftest import enrol, sign_in
from tests.pages import page_text, table_rows

UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"


@pytest.fixture
def admin_client(demo_world) -> Client:
    client = Client()
    sign_in(client, "admin")
    return client


def _who_rows(client: Client, role: Role) -> dict[str, str]:
    html = client.get(reverse("admin:accounts_role_who", args=[role.pk])).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    return {page_text(r).split(" ", 1)[0]: page_text(r) for r in rows}


def test_who_can_switch_speaks_about_the_user_not_to_them(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    response = admin_client.get(reverse("admin:accounts_role_who", args=[role.pk]))
    text = page_text(response)
    assert f"bob's groups' policies do not allow sts:AssumeRole on {UPDATEAPP}." in text
    assert "Your" not in text and " you " not in text


def test_who_can_switch_says_a_row_is_allowed_only_with_mfa(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP-MFA")
    rows = _who_rows(admin_client, role)
    assert "does not exist" not in rows["alice"] and "does not allow you" not in rows["alice"]
    assert (
        f"Allowed only with MFA: the trust policy of {role.arn} requires a recent MFA check; "
        "alice has no MFA device yet: assign one first." in rows["alice"]
    )
    enrol(User.objects.get(username="alice"))
    rows = _who_rows(admin_client, role)
    assert "alice has an MFA device and is asked for a code when switching." in rows["alice"]
    # bob's own side refuses: that is what his row says, MFA or not.
    assert f"bob's groups' policies do not allow sts:AssumeRole on {role.arn}." in rows["bob"]


def test_who_can_switch_names_the_trust_policy_when_it_refuses(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    role.trust_policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '"arn:aws:iam::111122223333:user/nobody"}, "Action": "sts:AssumeRole"}]}'
    )
    role.save()
    rows = _who_rows(admin_client, role)
    assert f"The trust policy of {UPDATEAPP} does not allow alice to assume it." in rows["alice"]


def test_access_matrix_reasons_are_in_the_third_person(admin_client: Client) -> None:
    html = admin_client.get(reverse("admin:accounts_access_matrix")).content.decode()
    assert f'title="bob&#x27;s groups&#x27; policies do not allow sts:AssumeRole on {UPDATEAPP}."' in html
    assert "Your " not in html


def test_user_page_shows_the_mfa_device(admin_client: Client) -> None:
    alice = User.objects.get(username="alice")
    enrol(alice)
    device = alice.mfa_device
    response = admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    text = page_text(response)
    assert f"MFA device: arn:aws:iam::111122223333:mfa/alice (assigned {device.enabled_at:%Y-%m-%d})" in text
    bob = User.objects.get(username="bob")
    assert "MFA device: None assigned" in page_text(
        admin_client.get(reverse("admin:accounts_user_change", args=[bob.pk]))
    )


def test_simulator_lists_missing_context_keys_as_aws_writes_them(admin_client: Client) -> None:
    alice = User.objects.get(username="alice")
    role = Role.objects.get(name="UpdateAPP-MFA")
    form = {"user": alice.pk, "actions": "sts:AssumeRole", "resources": role.arn}
    rows = table_rows(admin_client.post(reverse("admin:accounts_policy_simulator"), form), "simulation-results")
    assert [(r[2], r[4]) for r in rows] == [("implicitDeny", "aws:MultiFactorAuthAge, aws:MultiFactorAuthPresent")]
    with_mfa = {
        **form,
        "context": "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean\n"
        "ContextKeyName=aws:MultiFactorAuthAge,ContextKeyValues=60,ContextKeyType=numeric",
    }
    rows = table_rows(admin_client.post(reverse("admin:accounts_policy_simulator"), with_mfa), "simulation-results")
    assert [(r[2], r[4]) for r in rows] == [("allowed", "")]


def _field_errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_email_link_form_reports_errors_on_their_fields(admin_client: Client, smtp_server) -> None:
    role = Role.objects.get(name="UpdateAPP")
    url = reverse("admin:accounts_role_email_link", args=[role.pk])
    empty = admin_client.post(url, {})
    assert _field_errors(empty, "users") == ["Choose at least one user or group, or enter an email address."]
    assertContains(empty, "Choose at least one user or group, or enter an email address.")
    assert "group:Name" not in page_text(empty) and "No recipients" not in page_text(empty)

    bad = admin_client.post(url, {"addresses": "ops@example.com, not-an-email"})
    assert _field_errors(bad, "addresses") == ["not-an-email is not a valid email address."]
    assert "No console user named" not in page_text(bad)

    User.objects.filter(username="bob").update(email="")
    bob = User.objects.get(username="bob")
    no_address = admin_client.post(url, {"users": [bob.pk]})
    assert _field_errors(no_address, "users") == [
        "No email address for bob: add one on the user's page, or leave them out."
    ]
    assert smtp_server.messages == []


def test_email_link_warns_with_the_engines_reason_then_sends_anyway(admin_client: Client, smtp_server) -> None:
    role = Role.objects.get(name="UpdateAPP")
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    url = reverse("admin:accounts_role_email_link", args=[role.pk])
    warned = admin_client.post(url, {"users": [alice.pk, bob.pk]})
    assertContains(warned, "Some recipients cannot use this role.")
    assert (
        f"Recipient bob cannot switch to UpdateAPP: bob's groups' policies do not allow sts:AssumeRole on {UPDATEAPP}."
        in page_text(warned)
    )
    assert "alice cannot" not in page_text(warned) and smtp_server.messages == []
    sent = admin_client.post(url, {"users": [alice.pk, bob.pk], "send_anyway": "1"}, follow=True)
    assert sorted(m["To"] for m in smtp_server.messages) == ["alice@example.com", "bob@example.com"]
    text = page_text(sent)
    assert "Sent the switch link for UpdateAPP to 2 recipient(s)." in text
    assert "Recipient bob cannot switch to UpdateAPP" in text  # the warning stays with the confirmation


def test_email_link_to_people_who_can_switch_sends_at_once(admin_client: Client, smtp_server) -> None:
    role = Role.objects.get(name="ViewAPP")
    bob = User.objects.get(username="bob")
    url = reverse("admin:accounts_role_email_link", args=[role.pk])
    response = admin_client.post(url, {"users": [bob.pk], "addresses": "ops@example.com"})
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == ["bob@example.com", "ops@example.com"]


def test_a_groups_inline_policy_has_no_user_field(admin_client: Client) -> None:
    group = Group.objects.get(name="Developers")
    form = admin_client.get(reverse("admin:accounts_group_change", args=[group.pk])).context["adminform"]
    inline = admin_client.get(reverse("admin:accounts_group_change", args=[group.pk])).context["inline_admin_formsets"]
    [policies] = [f for f in inline if f.formset.model is InlinePolicy]
    assert set(policies.formset.form.base_fields) == {"name", "document"}
    assert form is not None
    alice = User.objects.get(username="alice")
    inline = admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk])).context["inline_admin_formsets"]
    [policies] = [f for f in inline if f.formset.model is InlinePolicy]
    assert set(policies.formset.form.base_fields) == {"name", "document"}


def test_policy_editors_are_sized_to_the_document(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP-MFA")
    html = admin_client.get(reverse("admin:accounts_role_change", args=[role.pk])).content.decode()
    editor = re.search(r'<textarea [^>]*name="trust_policy"[^>]*>', html).group(0)
    assert 'class="policy-editor"' in editor and 'spellcheck="false"' in editor
    assert f'rows="{min(40, role.trust_policy.count(chr(10)) + 2)}"' in editor
    assert 'id="id_trust_policy_status"' in html  # where admin.js writes the JSON check
    assert re.search(r'<script src="/static/js/admin\.js[^"]*" defer>', html)


def test_read_only_role_sessions_offer_no_delete(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:console_rolesession_changelist"))
    assert response.status_code == 200
    assert "Delete selected" not in page_text(response)
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)


def test_role_tools_are_buttons_and_revoke_is_a_danger_button(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    html = admin_client.get(reverse("admin:accounts_role_change", args=[role.pk])).content.decode()
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', html, re.S).group(1)
    assert re.search(r'<li class="danger"><form method="post" action="[^"]+/revoke/"\s+data-confirm="End every', tools)
    assert " on" not in re.sub(r"\s+", " ", tools).replace(" one ", " ")  # no onsubmit/onclick handlers
    assert [page_text(t) for t in re.findall(r"<li[^>]*>(.*?)</li>", tools, re.S)] == [
        "Who can switch",
        "Email switch link",
        "Sync to AWS",
        "Revoke active sessions",
        "History",
    ]


def test_admin_header_is_the_consoles(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    header = re.search(r'<header id="header">(.*?)</header>', response.content.decode(), re.S).group(1)
    assert "View site" not in header and "Console</a> /" not in header
    assert [page_text(a) for a in re.findall(r"<a [^>]*>(.*?)</a>", header, re.S)] == [
        "⇄ Switchrole Console",
        "S3",
        "Administration",
        "Change password",
    ]
    assert "admin @ example-dev" in page_text(header)
    assert re.search(r'<form method="post" action="/signout">', header)
    assert '<a href="/password">Change password</a>' in header  # the console's page, with re-authentication
    assert "<style" not in response.content.decode()  # styles come from static/css/admin.css


def test_arns_break_only_after_slash_and_colon(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    html = admin_client.get(reverse("admin:accounts_role_change", args=[role.pk])).content.decode()
    assert '<span class="arn">arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>role/<wbr>UpdateAPP</span>' in html
