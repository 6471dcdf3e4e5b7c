"""Resource-based policies of every kind with identity policies and boundaries, table-driven.

Cases follow the IAM User Guide: "Policy evaluation logic" (the carlossalazar bucket, the table of
resource-based policies and implicit denies by principal type), "Cross-account policy evaluation
logic" (the Production bucket in another account), "AWS JSON policy elements: NotPrincipal" (list
the account too; a principal with a permissions boundary is always denied), the S3 User Guide's
aws:SecureTransport bucket policy, and "IAM policy elements: Variables and tags" (${*}, ${?}, ${$}).
"""

from __future__ import annotations

import pytest

from accounts.iam import Principal, Request, evaluate_assume_role, evaluate_request, parse_policy

ACCT = "123456789012"  # the single-account example
TRUSTED, TRUSTING = "111111111111", "222222222222"  # the cross-account example
CARLOS = Principal(f"arn:aws:iam::{ACCT}:user/carlossalazar", ACCT)
CARLOS_X = Principal(f"arn:aws:iam::{TRUSTED}:user/carlossalazar", TRUSTED)
SESSION = Principal(f"arn:aws:sts::{ACCT}:assumed-role/Deployer/alice", ACCT)
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/Deployer"

# The User Guide's identity policy for carlossalazar (single account).
CARLOS_IDENTITY = [
    {
        "Sid": "AllowS3ListRead",
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation",
            "s3:GetAccountPublicAccessBlock",
            "s3:ListAccessPoints",
            "s3:ListAllMyBuckets",
        ],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Sid": "AllowS3Self",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
]


def bucket_grant(principal: object, bucket: str = "carlossalazar", actions: object = "s3:*", **extra) -> dict:
    return {
        "Effect": "Allow",
        "Principal": principal if principal == "*" else {"AWS": principal},
        "Action": actions,
        "Resource": [f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"],
        **extra,
    }


CARLOS_BUCKET = bucket_grant(CARLOS.arn)
PUT = ("s3:PutObject", "arn:aws:s3:::carlossalazar/notes.txt")
PUT_LOGS = ("s3:PutObject", "arn:aws:s3:::carlossalazar-logs/notes.txt")

# The cross-account example: carlossalazar in 111111111111, the Production bucket in 222222222222.
PRODUCTION_IDENTITY = [
    {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
    {
        "Sid": "AllowS3ProductionObjectActions",
        "Effect": "Allow",
        "Action": "s3:*Object*",
        "Resource": "arn:aws:s3:::Production/*",
    },
    {
        "Sid": "DenyS3Logs",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"],
    },
]
PRODUCTION_BUCKET = {
    "Effect": "Allow",
    "Action": ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
    "Principal": {"AWS": CARLOS_X.arn},
    "Resource": "arn:aws:s3:::Production/*",
}
PUT_PRODUCTION = ("s3:PutObject", "arn:aws:s3:::Production/report.csv")

ALLOW_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
ONLY_EC2 = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}  # a boundary that excludes S3

# The S3 User Guide's "deny requests that do not use TLS" bucket policy.
TLS_ONLY = {
    "Sid": "RestrictToTLSRequestsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::carlossalazar", "arn:aws:s3:::carlossalazar/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def not_principal_deny(*listed: str) -> dict:
    """The NotPrincipal page's pattern: deny everyone except the principals listed."""
    return {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": list(listed)},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar", "arn:aws:s3:::carlossalazar/*"],
    }


def trust(principal: str) -> dict:
    return {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}


# (id, principal, identity, boundary or None, resource statements or None, kind, owner, (action, resource),
#  context, expected)
CASES = [
    # --- Same account: the union of identity and resource policies ---------------------------
    (
        "bucket policy naming the user, no identity policy",
        CARLOS,
        [],
        None,
        [CARLOS_BUCKET],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "identity and bucket policy both allow",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [CARLOS_BUCKET],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "identity allows, no bucket policy statement applies",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [bucket_grant(f"arn:aws:iam::{ACCT}:user/other")],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "identity Deny on log buckets wins",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [bucket_grant(CARLOS.arn, "carlossalazar-logs")],
        "bucket",
        None,
        PUT_LOGS,
        {},
        "explicitDeny",
    ),
    (
        "account-root principal defers: no identity policy",
        CARLOS,
        [],
        None,
        [bucket_grant(f"arn:aws:iam::{ACCT}:root")],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "account-ID principal defers: no identity policy",
        CARLOS,
        [],
        None,
        [bucket_grant(ACCT)],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "account-root principal defers: identity allows",
        CARLOS,
        [ALLOW_S3],
        None,
        [bucket_grant(f"arn:aws:iam::{ACCT}:root")],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "account and user listed: the user entry grants",
        CARLOS,
        [],
        None,
        [bucket_grant([ACCT, CARLOS.arn])],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "user grant is not limited by a boundary",
        CARLOS,
        [],
        [ONLY_EC2],
        [CARLOS_BUCKET],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "account grant is limited by a boundary",
        CARLOS,
        [ALLOW_S3],
        [ONLY_EC2],
        [bucket_grant(ACCT)],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "identity-only grant is limited by a boundary",
        CARLOS,
        [ALLOW_S3],
        [ONLY_EC2],
        [bucket_grant("arn:aws:iam::123456789012:user/x")],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "role ARN grant: session needs no identity allow",
        SESSION,
        [],
        None,
        [bucket_grant(ROLE_ARN)],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "role ARN grant is limited by the boundary",
        SESSION,
        [],
        [ONLY_EC2],
        [bucket_grant(ROLE_ARN)],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "role session ARN grant is not limited by the boundary",
        SESSION,
        [],
        [ONLY_EC2],
        [bucket_grant(SESSION.arn)],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "another session of the role is not named",
        Principal(f"arn:aws:sts::{ACCT}:assumed-role/Deployer/bob", ACCT),
        [],
        None,
        [bucket_grant(SESSION.arn)],
        "bucket",
        None,
        PUT,
        {},
        "implicitDeny",
    ),
    (
        "public bucket (Principal *) grants without identity policy",
        CARLOS,
        [],
        None,
        [bucket_grant("*", actions="s3:GetObject")],
        "bucket",
        None,
        ("s3:GetObject", PUT[1]),
        {},
        "allowed",
    ),
    (
        "other service's policy naming the user (SQS)",
        CARLOS,
        [],
        None,
        [
            {
                "Effect": "Allow",
                "Principal": {"AWS": CARLOS.arn},
                "Action": "sqs:SendMessage",
                "Resource": f"arn:aws:sqs:us-east-1:{ACCT}:jobs",
            }
        ],
        "generic",
        None,
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:jobs"),
        {},
        "allowed",
    ),
    # --- Explicit Deny in the bucket policy -----------------------------------------------------
    (
        "bucket policy Deny beats its own Allow",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [CARLOS_BUCKET, {**CARLOS_BUCKET, "Effect": "Deny", "Action": "s3:PutObject"}],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "aws:SecureTransport deny: over HTTP",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [CARLOS_BUCKET, TLS_ONLY],
        "bucket",
        None,
        PUT,
        {"aws:SecureTransport": False},
        "explicitDeny",
    ),
    (
        "aws:SecureTransport deny: over HTTPS",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [CARLOS_BUCKET, TLS_ONLY],
        "bucket",
        None,
        PUT,
        {"aws:SecureTransport": True},
        "allowed",
    ),
    (
        "aws:SecureTransport deny: key missing",
        CARLOS,
        CARLOS_IDENTITY,
        None,
        [CARLOS_BUCKET, TLS_ONLY],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    # --- NotPrincipal with Deny ----------------------------------------------------------------
    (
        "NotPrincipal spares the listed user and account",
        CARLOS,
        [ALLOW_S3],
        None,
        [not_principal_deny(CARLOS.arn, f"arn:aws:iam::{ACCT}:root")],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "NotPrincipal denies a user it does not list",
        Principal(f"arn:aws:iam::{ACCT}:user/other", ACCT),
        [ALLOW_S3],
        None,
        [not_principal_deny(CARLOS.arn, f"arn:aws:iam::{ACCT}:root")],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "NotPrincipal without the account denies the user too",
        CARLOS,
        [ALLOW_S3],
        None,
        [not_principal_deny(CARLOS.arn)],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "NotPrincipal with the account only denies its users",
        CARLOS,
        [ALLOW_S3],
        None,
        [not_principal_deny(ACCT)],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "NotPrincipal with role and account spares its sessions",
        SESSION,
        [ALLOW_S3],
        None,
        [not_principal_deny(ROLE_ARN, f"arn:aws:iam::{ACCT}:root")],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    (
        "NotPrincipal with session and account but not the role",
        SESSION,
        [ALLOW_S3],
        None,
        [not_principal_deny(SESSION.arn, ACCT)],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "NotPrincipal always denies a principal with a boundary",
        CARLOS,
        [ALLOW_S3],
        [ALLOW_S3],
        [not_principal_deny(CARLOS.arn, ACCT)],
        "bucket",
        None,
        PUT,
        {},
        "explicitDeny",
    ),
    (
        "NotPrincipal deny of other actions leaves the request",
        CARLOS,
        [ALLOW_S3],
        [ALLOW_S3],
        [{**not_principal_deny(CARLOS.arn, ACCT), "Action": "s3:DeleteObject"}],
        "bucket",
        None,
        PUT,
        {},
        "allowed",
    ),
    # --- Cross account: both sides must allow -------------------------------------------------
    (
        "cross account: identity and bucket policy allow",
        CARLOS_X,
        PRODUCTION_IDENTITY,
        None,
        [PRODUCTION_BUCKET],
        "bucket",
        TRUSTING,
        PUT_PRODUCTION,
        {},
        "allowed",
    ),
    (
        "cross account: bucket policy alone is not enough",
        CARLOS_X,
        [],
        None,
        [PRODUCTION_BUCKET],
        "bucket",
        TRUSTING,
        PUT_PRODUCTION,
        {},
        "implicitDeny",
    ),
    (
        "cross account: identity alone is not enough",
        CARLOS_X,
        PRODUCTION_IDENTITY,
        None,
        [PRODUCTION_BUCKET],
        "bucket",
        TRUSTING,
        ("s3:DeleteObject", PUT_PRODUCTION[1]),
        {},
        "implicitDeny",
    ),
    (
        "cross account: identity Deny on log buckets",
        CARLOS_X,
        PRODUCTION_IDENTITY,
        None,
        [bucket_grant(CARLOS_X.arn, "Production-logs")],
        "bucket",
        TRUSTING,
        ("s3:PutObject", "arn:aws:s3:::Production-logs/r.csv"),
        {},
        "explicitDeny",
    ),
    (
        "cross account: bucket policy naming the account",
        CARLOS_X,
        PRODUCTION_IDENTITY,
        None,
        [bucket_grant(f"arn:aws:iam::{TRUSTED}:root", "Production")],
        "bucket",
        TRUSTING,
        PUT_PRODUCTION,
        {},
        "allowed",
    ),
    (
        "cross account: the boundary limits the identity side",
        CARLOS_X,
        PRODUCTION_IDENTITY,
        [ONLY_EC2],
        [PRODUCTION_BUCKET],
        "bucket",
        TRUSTING,
        PUT_PRODUCTION,
        {},
        "implicitDeny",
    ),
    # --- Trust policies: required even within the account -------------------------------------
    (
        "trust naming a user of another account, no identity allow",
        CARLOS_X,
        [],
        None,
        [trust(CARLOS_X.arn)],
        "trust",
        TRUSTING,
        ("sts:AssumeRole", f"arn:aws:iam::{TRUSTING}:role/R"),
        {},
        "implicitDeny",
    ),
    (
        "trust naming a user of another account, identity allows",
        CARLOS_X,
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        None,
        [trust(CARLOS_X.arn)],
        "trust",
        TRUSTING,
        ("sts:AssumeRole", f"arn:aws:iam::{TRUSTING}:role/R"),
        {},
        "allowed",
    ),
    (
        "same-account trust naming the user suffices",
        CARLOS,
        [],
        None,
        [trust(CARLOS.arn)],
        "trust",
        ACCT,
        ("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/R"),
        {},
        "allowed",
    ),
    (
        "same-account trust naming the account defers",
        CARLOS,
        [],
        None,
        [trust(ACCT)],
        "trust",
        ACCT,
        ("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/R"),
        {},
        "implicitDeny",
    ),
    (
        "same-account identity allow without trust",
        CARLOS,
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        None,
        [trust(f"arn:aws:iam::{ACCT}:user/other")],
        "trust",
        ACCT,
        ("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/R"),
        {},
        "implicitDeny",
    ),
]


def _policy(statements: list[dict] | None, name: str) -> list | None:
    if statements is None:
        return None
    return [parse_policy({"Version": "2012-10-17", "Statement": statements}, name)] if statements else []


@pytest.mark.parametrize(
    ("principal", "identity", "boundary", "resource", "kind", "owner", "request_", "context", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_resource_policy_case(
    principal, identity, boundary, resource, kind, owner, request_, context, expected
) -> None:
    action, arn = request_
    result = evaluate_request(
        Request(principal, action, arn, context),
        _policy(identity, "identity"),
        resource_policies=_policy(resource, "resource"),
        permissions_boundary=_policy(boundary, "boundary"),
        resource_owner=owner,
        resource_kind=kind,
    )
    assert result.decision == expected


def test_same_account_union_reports_the_side_that_granted() -> None:
    granted = evaluate_request(
        Request(CARLOS, *PUT), [], resource_policies=_policy([CARLOS_BUCKET], "bucket"), resource_kind="bucket"
    )
    assert [(m.source, m.via) for m in granted.matched] == [("resource", "arn")]
    refused = evaluate_request(
        Request(CARLOS, *PUT),
        _policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}], "identity"),
        resource_policies=_policy([bucket_grant(ACCT)], "bucket"),
        resource_kind="bucket",
    )
    assert refused.decision == "implicitDeny" and refused.refused_by == "identity"


def test_bucket_policy_deny_is_reported_on_the_resource_side() -> None:
    result = evaluate_request(
        Request(CARLOS, *PUT, {"aws:SecureTransport": False}),
        _policy(CARLOS_IDENTITY, "identity"),
        resource_policies=_policy([TLS_ONLY], "carlossalazar bucket policy"),
        resource_kind="bucket",
    )
    assert result.refused_by == "resource"
    assert [str(m) for m in result.matched] == ["carlossalazar bucket policy (RestrictToTLSRequestsOnly)"]


def test_cross_account_trust_refusal_names_the_identity_side() -> None:
    decision = evaluate_assume_role(
        CARLOS_X,
        f"arn:aws:iam::{TRUSTING}:role/R",
        TRUSTING,
        [],
        parse_policy({"Version": "2012-10-17", "Statement": [trust(CARLOS_X.arn)]}, "trust"),
        {},
    )
    assert decision.decision == "implicitDeny" and decision.refused_by == "identity"


# --- ${*}, ${?} and ${$} are literal characters in every string and ARN operator --------------

ALICE = Principal("arn:aws:iam::111122223333:user/alice", "111122223333")
BASE = {"aws:username": "alice", "aws:PrincipalTag/team": "we*b"}

# (id, condition block, context, expected)
SPECIAL = [
    (
        "StringLike ${*} is a literal asterisk",
        {"StringLike": {"s3:prefix": "docs/${*}"}},
        {"s3:prefix": "docs/*"},
        "allowed",
    ),
    (
        "StringLike ${*} is not a wildcard",
        {"StringLike": {"s3:prefix": "docs/${*}"}},
        {"s3:prefix": "docs/report"},
        "implicitDeny",
    ),
    (
        "StringLike ${*} beside a real wildcard",
        {"StringLike": {"s3:prefix": "${*}/*"}},
        {"s3:prefix": "*/a/b"},
        "allowed",
    ),
    (
        "StringLike ${?} is a literal question mark",
        {"StringLike": {"s3:prefix": "faq${?}"}},
        {"s3:prefix": "faqs"},
        "implicitDeny",
    ),
    ("StringLike ${?} matches itself", {"StringLike": {"s3:prefix": "faq${?}"}}, {"s3:prefix": "faq?"}, "allowed"),
    ("StringLike ${$} is a dollar", {"StringLike": {"s3:prefix": "price${$}*"}}, {"s3:prefix": "price$10"}, "allowed"),
    (
        "StringNotLike ${*} excludes only the literal",
        {"StringNotLike": {"s3:prefix": "docs/${*}"}},
        {"s3:prefix": "docs/report"},
        "allowed",
    ),
    (
        "StringNotLike ${*} literal match refuses",
        {"StringNotLike": {"s3:prefix": "docs/${*}"}},
        {"s3:prefix": "docs/*"},
        "implicitDeny",
    ),
    ("StringEquals ${*}", {"StringEquals": {"s3:prefix": "${*}"}}, {"s3:prefix": "*"}, "allowed"),
    (
        "ArnLike ${*} is literal",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::reports-${*}"}},
        {"aws:SourceArn": "arn:aws:s3:::reports-2026"},
        "implicitDeny",
    ),
    (
        "ArnLike ${*} matches itself",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::reports-${*}"}},
        {"aws:SourceArn": "arn:aws:s3:::reports-*"},
        "allowed",
    ),
    (
        "ArnEquals ${?} is literal",
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t${?}"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:tx"},
        "implicitDeny",
    ),
    (
        "ArnNotLike ${*} excludes only the literal",
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::reports-${*}"}},
        {"aws:SourceArn": "arn:aws:s3:::reports-2026"},
        "allowed",
    ),
    (
        "a variable's value is literal in StringLike",
        {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
        {"s3:prefix": "web/x"},
        "implicitDeny",
    ),
    (
        "a variable's value matches itself in StringLike",
        {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
        {"s3:prefix": "we*b/x"},
        "allowed",
    ),
    (
        "StringLike keeps its wildcards",
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home/alice/a/b"},
        "allowed",
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected"), [c[1:] for c in SPECIAL], ids=[c[0] for c in SPECIAL])
def test_special_variables_in_conditions(condition: dict, context: dict, expected: str) -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": condition}],
        }
    )
    request = Request(ALICE, "s3:ListBucket", "arn:aws:s3:::b", {**BASE, **context})
    assert evaluate_request(request, [policy]).decision == expected


def test_special_variables_are_text_in_version_2008() -> None:
    policy = parse_policy(
        {
            "Version": "2008-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"s3:prefix": "docs/${*}"}},
                }
            ],
        }
    )
    assert evaluate_request(Request(ALICE, "s3:ListBucket", "b", {"s3:prefix": "docs/${*}"}), [policy]).allowed
    assert not evaluate_request(Request(ALICE, "s3:ListBucket", "b", {"s3:prefix": "docs/*"}), [policy]).allowed


def test_missing_context_lists_the_keys_of_statements_that_cover_the_request() -> None:
    """Keys the decision may depend on: from statements covering the action and resource, whether
    their conditions held (a Deny on NotIpAddress applies when aws:SourceIp is absent) or not;
    never from statements about other actions."""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
                {
                    "Effect": "Allow",
                    "Action": "ec2:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}},
                },
            ],
        }
    )
    result = evaluate_request(Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", {}), [policy])
    assert result.decision == "explicitDeny" and result.missing_context == ("aws:SourceIp",)
    inside = evaluate_request(
        Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "10.1.1.1"}), [policy]
    )
    assert inside.decision == "allowed" and inside.missing_context == ()
