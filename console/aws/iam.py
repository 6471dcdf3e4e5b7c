"""IAM administration of an account: a role's state as AWS has it (drift), bringing a role in
line (sync), and revoking its older sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from django.conf import settings

from console.aws.clients import Service, _client, _profile_client
from console.aws.errors import _translate


@overload
def _as_document(value: None) -> None: ...
@overload
def _as_document(value: dict | str) -> dict: ...
def _as_document(value: dict | str | None) -> dict | None:
    """boto3 decodes policy documents to dicts; some backends return JSON text."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


@dataclass(frozen=True)
class RoleState:
    """A role as AWS has it."""

    trust_policy: dict
    permissions_policy: dict | None
    max_session_duration: int
    inline_policy_names: tuple[str, ...]


REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
PERMISSIONS_POLICY_NAME = "permissions"


class AccountAdmin:
    """IAM calls that manage an account: with that account's management keys, a boto3 `profile`
    (real AWS), or `clients`, a function from service name to client (the emulator's seeding,
    console/emulator/seeding.py)."""

    def __init__(
        self,
        key: str | None = None,
        secret: str | None = None,
        endpoint: str | None = None,
        profile: str | None = None,
        clients: Callable[[Service], Any] | None = None,
    ) -> None:
        self._profile = profile
        self._clients = clients
        self._args = (endpoint or settings.AWS_ENDPOINT_URL, settings.AWS_REGION, key, secret, None)

    def _c(self, service: Service):
        if self._clients:
            return self._clients(service)
        if self._profile:
            return _profile_client(self._profile, service, settings.AWS_ENDPOINT_URL, settings.AWS_REGION)
        return _client(service, *self._args)

    def role_state(self, name: str) -> RoleState | None:
        """The role as AWS holds it, or None when it does not exist there."""
        iam = self._c("iam")
        try:
            role = iam.get_role(RoleName=name)["Role"]
            names = tuple(iam.list_role_policies(RoleName=name)["PolicyNames"])
            permissions = None
            if PERMISSIONS_POLICY_NAME in names:
                permissions = iam.get_role_policy(RoleName=name, PolicyName=PERMISSIONS_POLICY_NAME)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            return None
        except Exception as exc:
            raise _translate(exc, "iam:GetRole", name) from None
        return RoleState(
            _as_document(role["AssumeRolePolicyDocument"]),
            _as_document(permissions),
            role.get("MaxSessionDuration", 3600),
            names,
        )

    def revoke_older_sessions(self, name: str, before: datetime) -> None:
        """AWS's own mechanism: deny everything to credentials issued before `before`."""
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:TokenIssueTime": before.strftime("%Y-%m-%dT%H:%M:%SZ")}},
                    }
                ],
            }
        )
        try:
            self._c("iam").put_role_policy(RoleName=name, PolicyName=REVOKE_POLICY_NAME, PolicyDocument=document)
        except Exception as exc:
            raise _translate(exc, "iam:PutRolePolicy", name) from None

    def ensure_role(
        self,
        name: str,
        path: str,
        trust_policy: str,
        permissions_policy: str,
        max_session_duration: int,
        description: str = "",
    ) -> None:
        """Create the role, or bring trust policy, duration and inline permissions policy in line."""
        try:
            iam = self._c("iam")
            try:
                iam.create_role(
                    RoleName=name,
                    Path=path,
                    AssumeRolePolicyDocument=trust_policy,
                    MaxSessionDuration=max_session_duration,
                    Description=description,
                )
            except iam.exceptions.EntityAlreadyExistsException:
                iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust_policy)
                iam.update_role(RoleName=name, MaxSessionDuration=max_session_duration, Description=description)
            iam.put_role_policy(RoleName=name, PolicyName=PERMISSIONS_POLICY_NAME, PolicyDocument=permissions_policy)
        except Exception as exc:
            raise _translate(exc, "iam:CreateRole", name) from None
