"""The admin's messages and pages (issue 14): third-person reasons, the simulator's context
keys, the email-link form, the MFA device field, read-only lists, the policy editors."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests.conftest import enrol, sign_in
from tests.pages import page_text

UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"


@pytest.fixture
def admin_client(demo_world) -> Client:  # noqa: ANN001
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
    text = page_text(admin_client.post(reverse("admin:accounts_policy_simulator"), form))
    assert "implicitDeny" in text
    assert "aws:MultiFactorAuthAge, aws:MultiFactorAuthPresent" in text
    assert "multifactorauthage" not in text
    with_mfa = {
        **form,
        "context": "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean\n"
        "ContextKeyName=aws:MultiFactorAuthAge,ContextKeyValues=60,ContextKeyType=numeric",
    }
    html = admin_client.post(reverse("admin:accounts_policy_simulator"), with_mfa).content.decode()
    assert re.findall(r'class="decision-\w+">(\w+)</td>', html) == ["allowed"]
    assert "aws:MultiFactorAuth" not in page_text(html).split("Missing context", 1)[1].split("UpdateAPP-MFA trust")[0]
