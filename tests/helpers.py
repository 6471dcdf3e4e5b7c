"""Helpers shared by the tests (tests/conftest.py re-exports them for older imports).

- Persona helpers for the demo world: `sign_in`, `switch`, `csrf_token`, `in_new_session`.
- A person's phone for MFA: `Authenticator`, `enrol`.
- The role's own S3, as S3 decides: `role_s3(creds)`; a bucket policy `deny(action, resource)`.
- Small factories for identity tests that need neither the demo world nor the emulator:
  `make_account`, `make_user(groups=, policies=, mfa=)`, `make_group`, `make_role(trust=, policy=)`.
  They create only the rows asked for, with names that cannot clash with the demo world's.
"""

from __future__ import annotations

import itertools
import json
import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

from console import aws

PASSWORD = "correct-horse-battery-staple"

SWITCH_TO_UPDATEAPP = {"account": "example-prod", "roleName": "UpdateAPP", "displayName": "Prod", "color": "F2B0A9"}

ROLE_PREFIX = re.compile(r"^/r/[a-z0-9]{10}(?=/)")


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(client: Client, username: str, account: str = "example-dev", password: str = PASSWORD, next_url: str = ""):
    data = {"account": account, "username": username, "password": password}
    return client.post(reverse("accounts:signin"), {**data, "next": next_url} if next_url else data)


def in_new_session(url: str, page: str = "/s3/") -> bool:
    """Is `url` the page `page` inside some role session's URL space?"""
    return re.fullmatch(r"/r/[a-z0-9]{10}" + re.escape(page), url) is not None


def switch(client: Client, fields: dict) -> str:
    """Switch (a POST, as the form does) and return the new role session's URL space, `/r/<slug>`."""
    response = client.post(reverse("console:switchrole"), fields)
    assert response.status_code == 302, response.content
    return ROLE_PREFIX.match(response.url).group(0)


class Authenticator:
    """The person's phone: computes TOTP codes for a device at the console's (test) clock."""

    def __init__(self, secret: str) -> None:
        import pyotp

        self.totp = pyotp.TOTP(secret)

    def code(self, offset_steps: int = 0) -> str:
        from accounts import clock as clock_module

        return self.totp.at(int(clock_module.now().timestamp()) + 30 * offset_steps)


def enrol(user) -> Authenticator:
    """Give `user` an active MFA device, activated with two consecutive codes as a person would."""
    from accounts import mfa

    device = mfa.start_enrollment(user)
    phone = Authenticator(mfa.secret_of(device))
    assert mfa.activate(device, phone.code(-1), phone.code(0))
    return phone


# --- Factories ----------------------------------------------------------------------------------

_serial = itertools.count(1)


def _document(policy: str | dict) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: object) -> dict:
    """A one-statement identity policy document."""
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def deny(action: str, resource: str, sid: str) -> dict:
    """A one-statement bucket policy denying `action` on `resource` to everyone."""
    statement = {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": action, "Resource": resource}
    return {"Version": "2012-10-17", "Statement": [statement]}


def role_s3(creds: aws.TemporaryCredentials):
    """A plain S3 client (the console's factory, uncached) acting with a role session's
    credentials: what the test sees is what S3 lets that role see."""
    return aws.new_client(
        "s3",
        settings.AWS_ENDPOINT_URL,
        settings.AWS_REGION,
        creds.access_key_id,
        creds.secret_access_key,
        creds.session_token,
    )


def make_account(account_id: str | None = None, alias: str | None = None, *, home: bool = False):
    """An account row (default: a fresh 12-digit ID starting 9999, no alias)."""
    from accounts.models import Account

    n = next(_serial)
    account_id = account_id or f"9999{n:08d}"
    account, _ = Account.objects.get_or_create(
        account_id=account_id, defaults={"alias": alias, "name": f"Test {n}", "is_home": home}
    )
    return account


def make_group(name: str, account=None, policies: list[str | dict] = ()):
    from accounts.models import Group, InlinePolicy

    group = Group.objects.create(account=account or make_account(home=True), name=name)
    for i, policy in enumerate(policies):
        InlinePolicy.objects.create(group=group, name=f"{name}Policy{i}", document=_document(policy))
    return group


def make_user(
    username: str | None = None,
    *,
    account=None,
    groups: list[str] = (),
    policies: list[str | dict] = (),
    mfa: bool = False,
    password: str = PASSWORD,
    **fields: object,
):
    """A user in `account` (default: a fresh home account) with inline `policies`, member of
    `groups` (created in that account when missing), and with `mfa=True` an active MFA device:
    then `user.phone` is its Authenticator."""
    from accounts.models import Group, InlinePolicy, User

    account = account or make_account(home=True)
    user = User(username=username or f"user{next(_serial)}", account=account, **fields)
    user.set_password(password)
    user.save()
    for name in groups:
        group = Group.objects.filter(account=account, name=name).first() or make_group(name, account)
        group.members.add(user)
    for i, policy in enumerate(policies):
        InlinePolicy.objects.create(user=user, name=f"Inline{i}", document=_document(policy))
    user.phone = enrol(user) if mfa else None
    return user


def trust_account(account_id: str, **condition: dict) -> dict:
    """A trust policy letting `account_id`'s principals assume the role (with an optional Condition)."""
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}}
    statement["Action"] = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def make_role(
    name: str | None = None,
    *,
    account=None,
    trust: str | dict | None = None,
    policy: str | dict | None = None,
    path: str = "/",
    **fields: object,
):
    """A role in `account` (default: a fresh account) trusting `trust` (default: a fresh home
    account's principals) with the permissions `policy` (default: s3:ListAllMyBuckets)."""
    from accounts.models import Role

    account = account or make_account()
    if trust is None:
        trust = trust_account(make_account(home=True).account_id)
    return Role.objects.create(
        account=account,
        name=name or f"Role{next(_serial)}",
        path=path,
        trust_policy=_document(trust),
        permissions_policy=_document(policy or allow("s3:ListAllMyBuckets")),
        **fields,
    )
