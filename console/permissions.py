"""What the current role may do, asked of the IAM engine before S3 is asked.

The S3 pages show an action that the role's permissions policy (and the bucket policy, when the
role may read it) cannot allow as disabled, with the reason in the words of a refused switch
(see `switch_decision.explain`). This is advice for the page, never the enforcement: S3 decides, and a
request that gets past a stale answer meets S3's own refusal. Where the answer hangs on what the
console cannot know (a condition key missing from the context below, such as the address S3
sees the console's calls come from), the action stays enabled and S3 decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from accounts import iam, switch_decision

from . import aws, switching
from .models import RoleSession

log = logging.getLogger(__name__)
S3_ARN = "arn:aws:s3:::"


@dataclass(frozen=True)
class Verdict:
    action: str
    resource: str
    allowed: bool
    reason: str = ""  # why not, in plain words; empty when allowed


def session_context(session: RoleSession) -> dict[str, object]:
    """The condition context of the role session's calls to S3, as far as the console knows it.
    The calls come from the console, so aws:SecureTransport is the console's own connection to
    AWS, and aws:SourceIp (the console's address as S3 sees it) is left out."""
    moment = switching.now()
    return {
        "aws:PrincipalArn": session.role_arn,  # for a role session AWS gives the role's ARN
        "aws:PrincipalAccount": session.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:SourceIdentity": switch_decision.session_name(session.user.username),
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(moment.timestamp())),
        "aws:TokenIssueTime": session.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:SecureTransport": aws.transport_is_secure(),
        "aws:MultiFactorAuthPresent": False,  # the broker calls AssumeRole without an MFA token
        "aws:ViaAWSService": False,
    }


def bucket_of(resource: str) -> str | None:
    """The bucket an S3 ARN names (arn:aws:s3:::bucket or arn:aws:s3:::bucket/key), else None."""
    if not resource.startswith(S3_ARN):
        return None
    return resource[len(S3_ARN) :].split("/", 1)[0] or None


class RolePermissions:
    """The engine's answers for one role session, within one request (policies read once)."""

    def __init__(self, session: RoleSession, creds: aws.TemporaryCredentials | None) -> None:
        self.session = session
        self.creds = creds  # to read bucket policies; None: permissions policy only
        self.context = session_context(session)
        self._bucket_policies: dict[str, iam.Policy | None] = {}

    @cached_property
    def role_name(self) -> str:
        return self.session.role.name if self.session.role else self.session.role_arn.rsplit("/", 1)[-1]

    @cached_property
    def principal(self) -> iam.Principal:
        name = switch_decision.session_name(self.session.user.username)
        arn = f"arn:aws:sts::{self.session.account_id}:assumed-role/{self.role_name}/{name}"
        return iam.Principal(arn, self.session.account_id)

    @cached_property
    def permissions_policy(self) -> iam.Policy | None:
        try:
            return self.session.role.parsed_permissions_policy() if self.session.role else None
        except iam.PolicyError:
            return None

    def check(self, action: str, resource: str) -> Verdict:
        """May the role do `action` on `resource`, as far as its policies say?"""
        if self.permissions_policy is None:  # the role left the registry: nothing to go on
            return Verdict(action, resource, True)
        bucket = bucket_of(resource)
        result = self._evaluate(action, resource, self.bucket_policy(bucket) if bucket else None)
        if result.allowed or result.missing_context:
            return Verdict(action, resource, True)
        return Verdict(action, resource, False, self.explain(result, action, resource, bucket))

    def explain(self, result: iam.Evaluation, action: str, resource: str, bucket: str | None) -> str:
        """The refusal in the words `switch_decision.explain` uses for a refused switch."""
        if result.decision == "explicitDeny":
            where = ", ".join(str(m) for m in result.matched)
            return f"An explicit Deny in {where} refuses {action} on {resource}."
        if result.refused_by == "resource":
            return f"The bucket policy of {bucket} does not allow {action} on {resource}."
        if result.refused_by == "boundary":
            return f"{self.role_name}'s permissions boundary does not allow {action} on {resource}."
        return f"{self.role_name}'s permissions policy does not allow {action} on {resource}."

    def bucket_policy(self, bucket: str) -> iam.Policy | None:
        """The bucket's policy, read once, and only when the role may read it."""
        if bucket not in self._bucket_policies:
            self._bucket_policies[bucket] = self._read_bucket_policy(bucket)
        return self._bucket_policies[bucket]

    def _read_bucket_policy(self, bucket: str) -> iam.Policy | None:
        if self.creds is None or not self._evaluate("s3:GetBucketPolicy", aws.bucket_arn(bucket), None).allowed:
            return None
        try:
            text = aws.get_bucket_policy(self.creds, bucket)
        except aws.CredentialsExpired:
            raise
        except aws.AwsError as exc:  # advice only: without the bucket policy, the role's policy decides
            log.info("Could not read the bucket policy of %s: %s", bucket, exc.code or exc.message)
            return None
        try:
            return iam.parse_policy(text, f"{bucket} bucket policy") if text else None
        except iam.PolicyError:
            return None

    def _evaluate(self, action: str, resource: str, bucket_policy: iam.Policy | None) -> iam.Evaluation:
        # The bucket's owner is not known here; like AWS's simulator, take the caller's account.
        return iam.evaluate_request(
            iam.Request(self.principal, action, resource, self.context),
            [self.permissions_policy] if self.permissions_policy else [],
            resource_policies=[bucket_policy] if bucket_policy else None,
            resource_kind="bucket",
        )


def for_session(session: RoleSession | None, creds: aws.TemporaryCredentials | None = None) -> RolePermissions | None:
    return RolePermissions(session, creds) if session is not None else None
