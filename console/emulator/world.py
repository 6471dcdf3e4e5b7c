"""The demo world: a development account with people, a production account with the app.

`seed_database` writes it into the console's database (idempotent; it never overwrites what
people changed in the console). `seed_emulator` then builds the AWS side in a fresh emulator
from the database (the source of truth), plus the demo buckets and a broker principal.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from accounts import crypto
from accounts.models import Account, Group, InlinePolicy, Policy, Role, User
from console.emulator import seeding

DEV_ACCOUNT = "111122223333"
PROD_ACCOUNT = "123456789012"
BROKER_USER = "console-broker"
MANAGER_USER = "console-admin"
DEMO_USERS = ("alice", "bob", "admin")


def _json(document: dict) -> str:
    return json.dumps(document, indent=2)


DEVELOPERS_POLICY = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SwitchToUpdateAPP",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                # UpdateAPP-MFA's own trust policy demands recent MFA; the group only names the roles.
                "Resource": [
                    f"arn:aws:iam::{PROD_ACCOUNT}:role/UpdateAPP",
                    f"arn:aws:iam::{PROD_ACCOUNT}:role/UpdateAPP-MFA",
                ],
            }
        ],
    }
)

TESTERS_POLICY = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOwnUser",
                "Effect": "Allow",
                "Action": ["iam:GetUser", "iam:ListGroupsForUser"],
                "Resource": f"arn:aws:iam::{DEV_ACCOUNT}:user/${{aws:username}}",
            }
        ],
    }
)

UPDATEAPP_TRUST = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustDevelopmentAccount",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
                # SetSourceIdentity and TagSession: the broker passes the person's name along.
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            }
        ],
    }
)

UPDATEAPP_MFA_TRUST = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustDevelopmentAccountWithRecentMFA",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                },
            }
        ],
    }
)

UPDATEAPP_PERMISSIONS = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListProductionApp",
                "Effect": "Allow",
                # Versions: the S3 pages' Show versions (productionapp has versioning on).
                "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"],
                "Resource": "arn:aws:s3:::productionapp",
            },
            {
                "Sid": "ReadWriteProductionApp",
                "Effect": "Allow",
                # AbortMultipartUpload: an upload refused or cut off midway is discarded, not left behind.
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                "Resource": "arn:aws:s3:::productionapp/*",
            },
            {
                # S3 authorizes a DeleteObjects call key by key; the emulator asks for
                # s3:DeleteObject on the bucket itself (AWS ignores this statement).
                "Sid": "DeleteObjectsInTheEmulator",
                "Effect": "Allow",
                "Action": "s3:DeleteObject",
                "Resource": "arn:aws:s3:::productionapp",
            },
            {
                "Sid": "VersionsOfProductionApp",
                "Effect": "Allow",
                # Download an older version, or delete one (or a delete marker) for good.
                "Action": ["s3:GetObjectVersion", "s3:DeleteObjectVersion"],
                "Resource": "arn:aws:s3:::productionapp/*",
            },
        ],
    }
)

# ViewAPP: production read-only. No s3:ListAllMyBuckets: the role needs nothing outside
# productionapp, and listing every bucket would show names (finance-reports) it cannot open; the
# console's S3 page offers the buckets a role's permissions policy names instead.
VIEWAPP_PERMISSIONS = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListProductionApp",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"],
                "Resource": "arn:aws:s3:::productionapp",
            },
            {
                "Sid": "ReadProductionApp",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": "arn:aws:s3:::productionapp/*",
            },
        ],
    }
)

# A managed policy attached to both groups: Developers and Testers may switch to ViewAPP.
VIEWAPP_SWITCH_POLICY = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SwitchToViewAPP",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{PROD_ACCOUNT}:role/ViewAPP",
            }
        ],
    }
)

BROKER_POLICY = _json(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BrokerAssumeRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Resource": "arn:aws:iam::*:role/*",
            }
        ],
    }
)

MANAGER_POLICY = _json(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ManageRoles", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    }
)

BUCKETS: dict[str, dict[str, bytes]] = {
    "productionapp": {
        "index.html": b"<!doctype html><title>Production app</title><h1>Hello from production</h1>\n",
        "config/app.json": b'{"feature_flags": {"new_checkout": true}, "version": "1.1.0"}\n',
        "config/limits.json": b'{"max_upload_mb": 25}\n',
        "releases/v1.0.0/CHANGELOG.md": b"# 1.0.0\n\n- First release.\n",
        "releases/v1.1.0/CHANGELOG.md": b"# 1.1.0\n\n- New checkout.\n",
    },
    "finance-reports": {
        "2026/q1-revenue.csv": b"month,revenue\njan,100\nfeb,120\nmar,130\n",
        "2026/q2-revenue.csv": b"month,revenue\napr,140\nmay,150\njun,155\n",
    },
}

VERSIONED_BUCKETS = {"productionapp"}  # the S3 pages' Show versions has something to show


@dataclass
class SeedResult:
    password: str | None  # set when passwords were (re)set by this run
    created: list[str] = field(default_factory=list)


ACCOUNTS = (
    (DEV_ACCOUNT, {"alias": "example-dev", "name": "Development", "is_home": True}),
    (PROD_ACCOUNT, {"alias": "example-prod", "name": "Production"}),
)
GROUPS = (("Developers", "AllowSwitchToUpdateAPP", DEVELOPERS_POLICY), ("Testers", "ReadOwnUser", TESTERS_POLICY))
ROLES = {
    "UpdateAPP": {
        "description": "Update the production app's files in S3.",
        "trust_policy": UPDATEAPP_TRUST,
        "permissions_policy": UPDATEAPP_PERMISSIONS,
        "display_name": "Production (UpdateAPP)",
        "color": "F2B0A9",
    },
    "UpdateAPP-MFA": {
        "description": "Like UpdateAPP, for people who signed in with MFA in the last hour.",
        "trust_policy": UPDATEAPP_MFA_TRUST,
        "permissions_policy": UPDATEAPP_PERMISSIONS,
        "display_name": "Production (MFA)",
        "color": "FBC8AA",
    },
    "ViewAPP": {
        "description": "Read the production app's files in S3 (list and download only).",
        # The same trust as UpdateAPP: the development account, with SourceIdentity and tags.
        "trust_policy": UPDATEAPP_TRUST,
        "permissions_policy": VIEWAPP_PERMISSIONS,
        "display_name": "Production (read-only)",
        "color": "83D4E8",
    },
}
USERS = (("alice", "Developers", False), ("bob", "Testers", False), ("admin", None, True))


def _accounts(result: SeedResult) -> tuple[Account, Account]:
    accounts = []
    for account_id, defaults in ACCOUNTS:
        account, made = Account.objects.get_or_create(
            account_id=account_id, defaults={**defaults, "credentials_source": "emulator"}
        )
        if made:
            result.created.append(f"account {account}")
        accounts.append(account)
    return accounts[0], accounts[1]


def _groups(dev: Account, result: SeedResult) -> dict[str, Group]:
    groups = {}
    for name, policy_name, document in GROUPS:
        group, made = Group.objects.get_or_create(account=dev, name=name)
        if made:
            InlinePolicy.objects.create(group=group, name=policy_name, document=document)
            result.created.append(f"group {name}")
        groups[name] = group
    return groups


def _roles(prod: Account, result: SeedResult) -> None:
    for name, defaults in ROLES.items():
        role, made = Role.objects.get_or_create(account=prod, name=name, defaults=defaults)
        if made:
            result.created.append(f"role {role.arn}")


def _switch_policy(dev: Account, groups: dict[str, Group], result: SeedResult) -> None:
    switch, made = Policy.objects.get_or_create(
        account=dev,
        name="AllowSwitchToViewAPP",
        defaults={
            "description": "Switch to the production read-only role ViewAPP.",
            "document": VIEWAPP_SWITCH_POLICY,
        },
    )
    if made:  # attached once, when created: detaching it in the console sticks
        for group in groups.values():
            group.managed_policies.add(switch)
        result.created.append(f"managed policy {switch.arn}")


@sensitive_variables("password", "initial_password", "new_password")
def _users(
    dev: Account, groups: dict[str, Group], password: str | None, initial_password: str | None, result: SeedResult
) -> None:
    new_password = password
    for username, group, staff in USERS:
        user, made = User.objects.get_or_create(
            username=username,
            defaults={"account": dev, "is_staff": staff, "is_superuser": staff, "email": f"{username}@example.com"},
        )
        if made:
            result.created.append(f"user {username}")
            if group:
                groups[group].members.add(user)
            new_password = new_password or initial_password or secrets.token_urlsafe(12)
        if made or password:
            user.set_password(new_password)
            user.save(update_fields=["password"])
            result.password = new_password


@transaction.atomic
def seed_database(password: str | None, initial_password: str | None = None) -> SeedResult:
    """Create whatever of the demo world is missing. With `password` (DEMO_PASSWORD), (re)set the
    demo users' passwords to it. Otherwise only new demo users get one: `initial_password`, or a
    generated one. The password set, if any, is returned in the result."""
    result = SeedResult(password=None)
    dev, prod = _accounts(result)
    groups = _groups(dev, result)
    _roles(prod, result)
    _switch_policy(dev, groups, result)
    _users(dev, groups, password, initial_password, result)
    return result


@sensitive_variables("key", "secret")
def seed_emulator(endpoint: str) -> tuple[str, str]:
    """Build the AWS side in a fresh emulator (auth still off). Returns the broker's keys."""
    for role in Role.objects.select_related("account"):
        seeding.admin(role.account.account_id, endpoint).ensure_role(
            role.name,
            role.path,
            role.trust_policy,
            role.permissions_policy,
            role.max_session_duration,
            role.description,
        )
    for bucket, objects in BUCKETS.items():
        seeding.ensure_bucket(PROD_ACCOUNT, endpoint, bucket, objects, versioned=bucket in VERSIONED_BUCKETS)
    # Accounts the console manages through the emulator get a management user; its keys are
    # sealed on the account row (the emulator is new at each start, so are the keys).
    for account in Account.objects.filter(credentials_source=Account.CredentialsSource.EMULATOR):
        key, secret = seeding.create_user_with_key(
            account.account_id, endpoint, MANAGER_USER, "manage-roles", MANAGER_POLICY
        )
        account.sealed_admin_credentials = crypto.seal({"key": key, "secret": secret})
        account.save(update_fields=["sealed_admin_credentials"])
    return seeding.create_user_with_key(
        settings.CONSOLE_HOME_ACCOUNT_ID, endpoint, BROKER_USER, "broker", BROKER_POLICY
    )
