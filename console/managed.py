"""Roles the console manages in AWS: drift, sync, and revoking sessions."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction

from accounts import clock, crypto
from accounts.models import Account, Role

from . import aws
from .models import RoleSession


class NotManaged(Exception):
    """The console holds no management credentials for the role's account."""


def admin_for(account: Account) -> aws.AccountAdmin:
    source = account.credentials_source
    if source == Account.CredentialsSource.EMULATOR:
        creds = crypto.unseal(account.sealed_admin_credentials) if account.sealed_admin_credentials else None
        if not creds:
            raise NotManaged(f"The emulator has not been seeded with management keys for {account}.")
        return aws.AccountAdmin(key=creds["key"], secret=creds["secret"])
    if source == Account.CredentialsSource.PROFILE and account.profile_name:
        return aws.AccountAdmin(profile=account.profile_name)
    raise NotManaged(f"The console does not manage account {account} (credentials source: none).")


@dataclass(frozen=True)
class Drift:
    exists: bool
    differences: tuple[str, ...]

    @property
    def in_sync(self) -> bool:
        return self.exists and not self.differences


def drift(role: Role) -> Drift:
    """How the role in AWS differs from the console's copy."""
    state = admin_for(role.account).role_state(role.name)
    if state is None:
        return Drift(False, (f"{role.arn} does not exist in AWS.",))
    differences = []
    if state.trust_policy != json.loads(role.trust_policy):
        differences.append("The trust policy in AWS differs from the console's.")
    if state.permissions_policy != json.loads(role.permissions_policy):
        differences.append(
            "The permissions policy in AWS differs from the console's."
            if state.permissions_policy is not None
            else f"The role in AWS has no inline policy named {aws.PERMISSIONS_POLICY_NAME!r}."
        )
    if state.max_session_duration != role.max_session_duration:
        differences.append(
            f"Maximum session duration is {state.max_session_duration} s in AWS, "
            f"{role.max_session_duration} s in the console."
        )
    return Drift(True, tuple(differences))


def sync(role: Role) -> None:
    admin_for(role.account).ensure_role(
        role.name, role.path, role.trust_policy, role.permissions_policy, role.max_session_duration, role.description
    )


@dataclass(frozen=True)
class Revocation:
    ended: int
    aws_revoked: bool
    aws_note: str


def revoke_sessions(role: Role) -> Revocation:
    """End every console session inside the role now (their credentials are dropped) and, where
    the console manages the role in AWS, deny credentials issued before now there too."""
    moment = clock.now()
    with transaction.atomic():
        ended = RoleSession.objects.filter(role=role, ended_at=None).update(
            ended_at=moment, end_reason="revoked by an administrator", sealed_credentials=""
        )
    try:
        admin_for(role.account).revoke_older_sessions(role.name, moment)
    except NotManaged as exc:
        return Revocation(ended, False, str(exc))
    except aws.AwsError as exc:
        return Revocation(ended, False, f"AWS refused: {exc.message}")
    return Revocation(ended, True, f"Credentials issued before {moment:%Y-%m-%d %H:%M:%S} UTC are denied in AWS.")
