"""S3 pages ask the IAM engine first; S3 (the moto server, IAM auth on) stays the enforcer."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Account, Role, User
from console import aws, managed, permissions, switching
from console.emulator import world
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, switch
from tests.helpers import deny, role_s3
from tests.pages import page_text

SWITCH_TO_VIEWAPP = {**SWITCH_TO_UPDATEAPP, "roleName": "ViewAPP", "displayName": "Production (read-only)"}
PUT_REFUSED = "ViewAPP&#x27;s permissions policy does not allow s3:PutObject on arn:aws:s3:::productionapp/config/*."


def _session() -> RoleSession:
    return RoleSession.objects.select_related("role", "user").get(ended_at=None)


@pytest.fixture
def bob_in_viewapp(bob_client: Client) -> Client:
    bob_client.prefix = switch(bob_client, SWITCH_TO_VIEWAPP)
    return bob_client


def test_bob_switches_to_viewapp_but_still_not_to_updateapp(bob_client: Client) -> None:
    assert bob_client.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 403
    assert bob_client.post("/switchrole", SWITCH_TO_VIEWAPP).status_code == 302
    assert aws.caller_identity(switching.credentials(_session())) == (
        "arn:aws:sts::123456789012:assumed-role/ViewAPP/bob"
    )


def test_in_viewapp_upload_and_delete_are_disabled_with_the_reason(bob_in_viewapp: Client) -> None:
    page = bob_in_viewapp.get(
        bob_in_viewapp.prefix + "/s3/buckets/productionapp/", {"prefix": "config/"}
    ).content.decode()
    assert 'data-testid="upload-refused">' + PUT_REFUSED + "</p>" in page
    assert '<button class="btn primary" type="submit" disabled aria-describedby="upload-refused">Upload' in page
    assert (
        'data-testid="delete-refused">Delete is unavailable: ViewAPP&#x27;s permissions policy does not allow '
        "s3:DeleteObject on arn:aws:s3:::productionapp/config/*.</p>" in page
    )
    for key in ("config/app.json", "config/limits.json"):
        reason = (
            f"ViewAPP&#x27;s permissions policy does not allow s3:DeleteObject on arn:aws:s3:::productionapp/{key}."
        )
        assert f'disabled title="{reason}">Delete</button>' in page
        download = f"{bob_in_viewapp.prefix}/s3/buckets/productionapp/download?key={key.replace('/', '%2F')}"
        assert f'href="{download}">Download</a>' in page
    assert "/s3/buckets/productionapp/delete?key=" not in page
    confirm = bob_in_viewapp.get(
        bob_in_viewapp.prefix + "/s3/buckets/productionapp/delete", {"key": "config/app.json"}
    ).content.decode()
    assert 'data-testid="delete-refused">ViewAPP&#x27;s permissions policy does not allow s3:DeleteObject' in confirm
    assert confirm.count("permissions policy does not allow s3:DeleteObject") == 1  # said once, not twice
    assert 'type="submit" disabled' in confirm


def test_in_updateapp_nothing_is_disabled(alice_in_role: Client) -> None:
    page = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/", {"prefix": "config/"}
    ).content.decode()
    assert "disabled" not in page and "refused" not in page
    assert f'href="{alice_in_role.prefix}/s3/buckets/productionapp/delete?key=config%2Fapp.json">Delete</a>' in page
    confirm = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/delete", {"key": "config/app.json"}
    ).content.decode()
    assert '<button class="btn danger" type="submit">Delete</button>' in confirm


def test_s3_refuses_what_gets_past_a_stale_allowed_decision(alice_client: Client) -> None:
    """The page said Upload and Delete were allowed; the role was tightened in AWS before the
    person pressed them: S3 refuses, and the console shows a clear page, not a 500."""
    prod = Account.objects.get(account_id=world.PROD_ACCOUNT)
    role = Role.objects.create(
        account=prod,
        name="StaleWriter",
        trust_policy=world.UPDATEAPP_TRUST,
        permissions_policy=world.UPDATEAPP_PERMISSIONS,
    )
    managed.sync(role)  # in AWS as the console has it: may write
    User.objects.get(username="alice").inline_policies.create(
        name="Stale",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn}],
            }
        ),
    )
    prefix = switch(alice_client, {**SWITCH_TO_UPDATEAPP, "roleName": "StaleWriter"})
    page = alice_client.get(prefix + "/s3/buckets/productionapp/", {"prefix": "config/"}).content.decode()
    assert (
        "upload-refused" not in page
        and f'href="{prefix}/s3/buckets/productionapp/delete?key=config%2Fapp.json"' in page
    )

    # Meanwhile the role becomes read-only in AWS (the console's copy too, a moment later).
    role.permissions_policy = world.VIEWAPP_PERMISSIONS
    managed.sync(role)

    upload = alice_client.post(
        prefix + "/s3/buckets/productionapp/upload?prefix=config/",
        {"file": SimpleUploadedFile("late.txt", b"too late")},
    )
    assert upload.status_code == 403
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.unescape(upload.content.decode())))
    assert "Access denied" in text
    assert "The role Prod may not perform s3:PutObject on arn:aws:s3:::productionapp/config/late.txt." in text
    assert "late.txt" not in [
        o.name for o in aws.list_objects(switching.credentials(_session()), "productionapp", "config/").objects
    ]
    assert not AuditEvent.objects.filter(kind="s3_put", detail__endswith="late.txt").exists()

    delete = alice_client.post(prefix + "/s3/buckets/productionapp/delete", {"key": "config/app.json"})
    assert delete.status_code == 403
    assert "s3:DeleteObject on arn:aws:s3:::productionapp/config/app.json" in page_text(delete)

    role.save()  # the console's copy catches up: the next page load says so
    page = alice_client.get(prefix + "/s3/buckets/productionapp/", {"prefix": "config/"}).content.decode()
    assert "StaleWriter&#x27;s permissions policy does not allow s3:PutObject" in page


BUCKET = "issue9-bucket-policy"
PROTECT_LOCKED = deny("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/locked/*", "ProtectLocked")


def test_a_bucket_policy_the_role_may_read_is_consulted(alice_client: Client) -> None:
    prod = Account.objects.get(account_id=world.PROD_ACCOUNT)
    everything = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}
        ],
    }
    role = Role.objects.create(
        account=prod, name="PolicyReader", trust_policy=world.UPDATEAPP_TRUST, permissions_policy=json.dumps(everything)
    )
    managed.sync(role)
    User.objects.get(username="alice").inline_policies.create(
        name="Reader",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn}],
            }
        ),
    )
    prefix = switch(alice_client, {**SWITCH_TO_UPDATEAPP, "roleName": "PolicyReader"})
    creds = switching.credentials(_session())
    s3 = role_s3(creds)
    s3.create_bucket(Bucket=BUCKET)
    try:
        for key in ("locked/contract.pdf", "open/notes.txt"):
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PROTECT_LOCKED))

        locked = alice_client.get(prefix + f"/s3/buckets/{BUCKET}/", {"prefix": "locked/"}).content.decode()
        reason = (
            f"An explicit Deny in {BUCKET} bucket policy (ProtectLocked) refuses s3:DeleteObject on "
            f"arn:aws:s3:::{BUCKET}/locked/contract.pdf."
        )
        assert f'disabled title="{reason}">Delete</button>' in locked
        assert "upload-refused" not in locked  # the bucket policy denies deletes only
        opened = alice_client.get(prefix + f"/s3/buckets/{BUCKET}/", {"prefix": "open/"}).content.decode()
        assert "disabled" not in opened
    finally:
        s3.delete_bucket_policy(Bucket=BUCKET)
        for key in ("locked/contract.pdf", "open/notes.txt"):
            s3.delete_object(Bucket=BUCKET, Key=key)
        s3.delete_bucket(Bucket=BUCKET)


def test_the_bucket_policy_is_not_read_without_s3_get_bucket_policy(bob_in_viewapp: Client, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(aws, "get_bucket_policy", lambda creds, bucket: calls.append(bucket))
    assert bob_in_viewapp.get(bob_in_viewapp.prefix + "/s3/buckets/productionapp/").status_code == 200
    assert calls == []


# --- The permissions module on its own ---------------------------------------------------------


def _perms_for(permissions_policy: dict, demo_world) -> permissions.RolePermissions:
    role = Role.objects.create(
        account=Account.objects.get(account_id=world.PROD_ACCOUNT),
        name="Scratch",
        trust_policy=world.UPDATEAPP_TRUST,
        permissions_policy=json.dumps(permissions_policy),
    )
    session = RoleSession.objects.create(
        user=User.objects.get(username="alice"),
        role=role,
        role_arn=role.arn,
        account_id=role.account.account_id,
        display_name="Scratch",
        sealed_credentials="",
        expiration=switching.now(),
    )
    return permissions.for_session(session)


def test_explicit_deny_in_the_permissions_policy_is_named(demo_world) -> None:
    perms = _perms_for(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {
                    "Sid": "KeepConfig",
                    "Effect": "Deny",
                    "Action": "s3:DeleteObject",
                    "Resource": "arn:aws:s3:::b/config/*",
                },
            ],
        },
        demo_world,
    )
    verdict = perms.check("s3:DeleteObject", "arn:aws:s3:::b/config/app.json")
    assert not verdict.allowed
    assert verdict.reason == (
        "An explicit Deny in Scratch permissions policy (KeepConfig) refuses s3:DeleteObject on "
        "arn:aws:s3:::b/config/app.json."
    )
    assert perms.check("s3:DeleteObject", "arn:aws:s3:::b/releases/x").allowed


def test_what_the_console_cannot_know_is_left_to_s3(demo_world) -> None:
    """A Deny unless the call comes from an address S3 sees (unknown here): not disabled. A Deny
    on plain HTTP is decided: the console's own connection to the emulator is plain HTTP."""
    perms = _perms_for(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "s3:PutObject",
                    "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
                {
                    "Sid": "TLSOnly",
                    "Effect": "Deny",
                    "Action": "s3:DeleteObject",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
        demo_world,
    )
    assert perms.check("s3:PutObject", "arn:aws:s3:::b/k").allowed
    assert settings.AWS_ENDPOINT_URL.startswith("http://")
    assert not perms.check("s3:DeleteObject", "arn:aws:s3:::b/k").allowed
