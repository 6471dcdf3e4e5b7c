"""STS: a role's temporary credentials (AssumeRole with the broker's keys), and who a set of
credentials is (GetCallerIdentity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.views.decorators.debug import sensitive_variables

from console.aws.clients import _broker, _with
from console.aws.errors import _translate


@dataclass(frozen=True)
class TemporaryCredentials:
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    assumed_role_arn: str = ""
    assumed_role_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "session_token": self.session_token,
        }


@sensitive_variables("response", "c")
def assume_role(role_arn: str, session_name: str, source_identity: str, duration_seconds: int) -> TemporaryCredentials:
    """AssumeRole with the broker's credentials. The person is named in the session name and
    the SourceIdentity, so CloudTrail shows who acted."""
    try:
        response = _broker("sts").assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name,
            SourceIdentity=source_identity,
            DurationSeconds=duration_seconds,
        )
    except Exception as exc:  # translated to a domain error
        raise _translate(exc, "sts:AssumeRole", role_arn) from None
    c = response["Credentials"]
    return TemporaryCredentials(
        c["AccessKeyId"],
        c["SecretAccessKey"],
        c["SessionToken"],
        c["Expiration"],
        response.get("AssumedRoleUser", {}).get("Arn", ""),
        response.get("AssumedRoleUser", {}).get("AssumedRoleId", ""),
    )


def caller_identity(creds: TemporaryCredentials | None = None) -> str:
    client = _with(creds, "sts") if creds else _broker("sts")
    try:
        return client.get_caller_identity()["Arn"]
    except Exception as exc:
        raise _translate(exc, "sts:GetCallerIdentity", "*") from None
