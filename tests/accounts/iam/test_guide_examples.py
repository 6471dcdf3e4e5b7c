"""Cases modelled on the IAM User Guide's example policies, table-driven.

Each case: (id, statements, action, resource, context, expected decision).
"""

from __future__ import annotations

import pytest

from accounts.iam import Principal, Request, evaluate, parse_policy

ACCT = "111122223333"
ALICE = Principal(f"arn:aws:iam::{ACCT}:user/alice", ACCT)
BASE = {
    "aws:username": "alice",
    "aws:userid": "AIDAEXAMPLE",
    "aws:PrincipalArn": ALICE.arn,
    "aws:PrincipalAccount": ACCT,
    "aws:PrincipalTag/project": "apollo",
    "aws:PrincipalTag/department": "eng",
    "aws:CurrentTime": "2026-11-28T12:00:00Z",
    "aws:EpochTime": "1795867200",
    "aws:SourceIp": "203.0.113.10",
    "aws:SecureTransport": True,
    "aws:RequestedRegion": "eu-west-1",
}

TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/Books"
HOME = {
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::home",
    "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}},
}
HOME_OBJECTS = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/home/${aws:username}/*"}
REGION_GUARD = {
    "Effect": "Deny",
    "NotAction": ["iam:*", "sts:*", "support:*"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
}
MFA_GUARD = {
    "Sid": "DenyAllExceptListedIfNoMFA",
    "Effect": "Deny",
    "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "sts:GetSessionToken",
    ],
    "Resource": "*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
}
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
TIME_WINDOW = {
    "Effect": "Allow",
    "Action": "ec2:*",
    "Resource": "*",
    "Condition": {
        "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
        "DateLessThan": {"aws:CurrentTime": "2026-12-31T23:59:59Z"},
    },
}
IP_DENY = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {
        "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
        "Bool": {"aws:ViaAWSService": "false"},
    },
}
TAG_MATCH = {
    "Effect": "Allow",
    "Action": ["ec2:StartInstances", "ec2:StopInstances"],
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}},
}
TAG_KEYS = {
    "Effect": "Allow",
    "Action": "ec2:CreateTags",
    "Resource": "*",
    "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["project", "owner"]}},
}
REQUIRE_TAG = {
    "Effect": "Allow",
    "Action": "ec2:CreateTags",
    "Resource": "*",
    "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost-center"]}},
}
LONG_TERM_DENY = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"Null": {"aws:TokenIssueTime": "true"}},
}
SSL_ONLY = {
    "Effect": "Deny",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
MAX_KEYS = {
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::b",
    "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}},
}
SOURCE_ARN = {
    "Effect": "Allow",
    "Action": "sns:Publish",
    "Resource": "*",
    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::reports-*"}},
}
SELF_KEYS = {
    "Effect": "Allow",
    "Action": ["iam:*AccessKey*", "iam:GetUser"],
    "Resource": "arn:aws:iam::*:user/${aws:username}",
}
DEPT_BUCKET = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::corp/${aws:PrincipalTag/department}/*",
}
IPV6 = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}},
}
EPOCH = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {"NumericGreaterThan": {"aws:EpochTime": "1700000000"}},
}
IGNORE_CASE = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/department": "ENG"}},
}
EXCEPT_PREFIX = {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::public", "arn:aws:s3:::public/*"]}
READ_ONLY = {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}

CASES = [
    (
        "dynamodb table allowed",
        [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE}],
        "dynamodb:GetItem",
        TABLE,
        {},
        "allowed",
    ),
    (
        "dynamodb other table",
        [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE}],
        "dynamodb:GetItem",
        TABLE.replace("Books", "Films"),
        {},
        "implicitDeny",
    ),
    (
        "dynamodb index is not the table",
        [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE}],
        "dynamodb:Query",
        TABLE + "/index/ByAuthor",
        {},
        "implicitDeny",
    ),
    ("home folder: list root", [HOME], "s3:ListBucket", "arn:aws:s3:::home", {"s3:prefix": ""}, "allowed"),
    ("home folder: list own", [HOME], "s3:ListBucket", "arn:aws:s3:::home", {"s3:prefix": "home/alice/x"}, "allowed"),
    (
        "home folder: list other",
        [HOME],
        "s3:ListBucket",
        "arn:aws:s3:::home",
        {"s3:prefix": "home/bob/"},
        "implicitDeny",
    ),
    ("home folder: no prefix key", [HOME], "s3:ListBucket", "arn:aws:s3:::home", {}, "implicitDeny"),
    ("home folder: own object", [HOME_OBJECTS], "s3:PutObject", "arn:aws:s3:::home/home/alice/cv.pdf", {}, "allowed"),
    (
        "home folder: other object",
        [HOME_OBJECTS],
        "s3:PutObject",
        "arn:aws:s3:::home/home/bob/cv.pdf",
        {},
        "implicitDeny",
    ),
    ("region guard: allowed region", [ALLOW_ALL, REGION_GUARD], "ec2:RunInstances", "*", {}, "allowed"),
    (
        "region guard: other region",
        [ALLOW_ALL, REGION_GUARD],
        "ec2:RunInstances",
        "*",
        {"aws:RequestedRegion": "us-east-1"},
        "explicitDeny",
    ),
    (
        "region guard: global service exempt",
        [ALLOW_ALL, REGION_GUARD],
        "iam:ListUsers",
        "*",
        {"aws:RequestedRegion": "us-east-1"},
        "allowed",
    ),
    (
        "region guard: no region key",
        [ALLOW_ALL, REGION_GUARD],
        "s3:ListAllMyBuckets",
        "*",
        {"aws:RequestedRegion": None},
        "explicitDeny",
    ),
    (
        "mfa guard: without MFA",
        [ALLOW_ALL, MFA_GUARD],
        "s3:GetObject",
        "*",
        {"aws:MultiFactorAuthPresent": False},
        "explicitDeny",
    ),
    ("mfa guard: key absent (long-term keys)", [ALLOW_ALL, MFA_GUARD], "s3:GetObject", "*", {}, "explicitDeny"),
    (
        "mfa guard: with MFA",
        [ALLOW_ALL, MFA_GUARD],
        "s3:GetObject",
        "*",
        {"aws:MultiFactorAuthPresent": True},
        "allowed",
    ),
    (
        "mfa guard: enrol without MFA",
        [ALLOW_ALL, MFA_GUARD],
        "iam:EnableMFADevice",
        "*",
        {"aws:MultiFactorAuthPresent": False},
        "allowed",
    ),
    ("time window: inside", [TIME_WINDOW], "ec2:DescribeInstances", "*", {}, "allowed"),
    (
        "time window: after",
        [TIME_WINDOW],
        "ec2:DescribeInstances",
        "*",
        {"aws:CurrentTime": "2027-02-01T00:00:00Z"},
        "implicitDeny",
    ),
    (
        "time window: before",
        [TIME_WINDOW],
        "ec2:DescribeInstances",
        "*",
        {"aws:CurrentTime": "2025-06-01T00:00:00Z"},
        "implicitDeny",
    ),
    ("ip deny: office ip", [ALLOW_ALL, IP_DENY], "s3:GetObject", "*", {"aws:ViaAWSService": False}, "allowed"),
    (
        "ip deny: elsewhere",
        [ALLOW_ALL, IP_DENY],
        "s3:GetObject",
        "*",
        {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": False},
        "explicitDeny",
    ),
    (
        "ip deny: via AWS service",
        [ALLOW_ALL, IP_DENY],
        "s3:GetObject",
        "*",
        {"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": True},
        "allowed",
    ),
    (
        "tag match: same project",
        [TAG_MATCH],
        "ec2:StopInstances",
        "*",
        {"aws:ResourceTag/project": "apollo"},
        "allowed",
    ),
    (
        "tag match: other project",
        [TAG_MATCH],
        "ec2:StopInstances",
        "*",
        {"aws:ResourceTag/project": "gemini"},
        "implicitDeny",
    ),
    ("tag match: untagged resource", [TAG_MATCH], "ec2:StopInstances", "*", {}, "implicitDeny"),
    (
        "tag match: principal untagged",
        [TAG_MATCH],
        "ec2:StopInstances",
        "*",
        {"aws:ResourceTag/project": "apollo", "aws:PrincipalTag/project": None},
        "implicitDeny",
    ),
    ("tag keys: allowed keys", [TAG_KEYS], "ec2:CreateTags", "*", {"aws:TagKeys": ["project"]}, "allowed"),
    ("tag keys: extra key", [TAG_KEYS], "ec2:CreateTags", "*", {"aws:TagKeys": ["project", "secret"]}, "implicitDeny"),
    ("tag keys: none given (vacuous)", [TAG_KEYS], "ec2:CreateTags", "*", {}, "allowed"),
    (
        "require tag: present",
        [REQUIRE_TAG],
        "ec2:CreateTags",
        "*",
        {"aws:TagKeys": ["owner", "cost-center"]},
        "allowed",
    ),
    ("require tag: absent", [REQUIRE_TAG], "ec2:CreateTags", "*", {"aws:TagKeys": ["owner"]}, "implicitDeny"),
    ("require tag: empty list", [REQUIRE_TAG], "ec2:CreateTags", "*", {"aws:TagKeys": []}, "implicitDeny"),
    ("long-term credentials denied", [ALLOW_ALL, LONG_TERM_DENY], "s3:GetObject", "*", {}, "explicitDeny"),
    (
        "temporary credentials pass",
        [ALLOW_ALL, LONG_TERM_DENY],
        "s3:GetObject",
        "*",
        {"aws:TokenIssueTime": "2026-11-28T11:00:00Z"},
        "allowed",
    ),
    ("tls only: https", [ALLOW_ALL, SSL_ONLY], "s3:GetObject", "arn:aws:s3:::b/k", {}, "allowed"),
    (
        "tls only: http",
        [ALLOW_ALL, SSL_ONLY],
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        {"aws:SecureTransport": False},
        "explicitDeny",
    ),
    (
        "tls only: other bucket",
        [ALLOW_ALL, SSL_ONLY],
        "s3:GetObject",
        "arn:aws:s3:::c/k",
        {"aws:SecureTransport": False},
        "allowed",
    ),
    ("max keys: small page", [MAX_KEYS], "s3:ListBucket", "arn:aws:s3:::b", {"s3:max-keys": "5"}, "allowed"),
    ("max keys: large page", [MAX_KEYS], "s3:ListBucket", "arn:aws:s3:::b", {"s3:max-keys": "500"}, "implicitDeny"),
    ("max keys: not a number", [MAX_KEYS], "s3:ListBucket", "arn:aws:s3:::b", {"s3:max-keys": "many"}, "implicitDeny"),
    ("source arn like", [SOURCE_ARN], "sns:Publish", "*", {"aws:SourceArn": "arn:aws:s3:::reports-2026"}, "allowed"),
    ("source arn other", [SOURCE_ARN], "sns:Publish", "*", {"aws:SourceArn": "arn:aws:s3:::logs"}, "implicitDeny"),
    (
        "source arn segment",
        [SOURCE_ARN],
        "sns:Publish",
        "*",
        {"aws:SourceArn": "arn:aws:sqs:::reports-x"},
        "implicitDeny",
    ),
    ("own access keys", [SELF_KEYS], "iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/alice", {}, "allowed"),
    ("other user's keys", [SELF_KEYS], "iam:DeleteAccessKey", f"arn:aws:iam::{ACCT}:user/bob", {}, "implicitDeny"),
    (
        "access key wildcard middle",
        [SELF_KEYS],
        "iam:UpdateAccessKey",
        f"arn:aws:iam::{ACCT}:user/alice",
        {},
        "allowed",
    ),
    ("action not covered", [SELF_KEYS], "iam:DeleteUser", f"arn:aws:iam::{ACCT}:user/alice", {}, "implicitDeny"),
    ("department bucket", [DEPT_BUCKET], "s3:GetObject", "arn:aws:s3:::corp/eng/plan.txt", {}, "allowed"),
    ("department bucket other", [DEPT_BUCKET], "s3:GetObject", "arn:aws:s3:::corp/sales/plan.txt", {}, "implicitDeny"),
    ("ipv6 in range", [IPV6], "s3:GetObject", "x", {"aws:SourceIp": "2001:db8::1"}, "allowed"),
    ("ipv4 not in ipv6 range", [IPV6], "s3:GetObject", "x", {}, "implicitDeny"),
    ("epoch numeric", [EPOCH], "s3:GetObject", "x", {}, "allowed"),
    ("ignore case tag", [IGNORE_CASE], "s3:GetObject", "x", {}, "allowed"),
    ("deny except public: public", [ALLOW_ALL, EXCEPT_PREFIX], "s3:GetObject", "arn:aws:s3:::public/a", {}, "allowed"),
    (
        "deny except public: private",
        [ALLOW_ALL, EXCEPT_PREFIX],
        "s3:GetObject",
        "arn:aws:s3:::private/a",
        {},
        "explicitDeny",
    ),
    ("deny except public: other service", [ALLOW_ALL, EXCEPT_PREFIX], "ec2:RunInstances", "*", {}, "allowed"),
    ("read only: get", [READ_ONLY], "s3:GetBucketPolicy", "arn:aws:s3:::b", {}, "allowed"),
    ("read only: put", [READ_ONLY], "s3:PutBucketPolicy", "arn:aws:s3:::b", {}, "implicitDeny"),
    ("read only: case of action name", [READ_ONLY], "S3:LISTBUCKET", "arn:aws:s3:::b", {}, "allowed"),
]


@pytest.mark.parametrize(
    ("statements", "action", "resource", "extra", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_guide_example(statements, action, resource, extra, expected) -> None:
    context = {k: v for k, v in {**BASE, **extra}.items() if v is not None}
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements}, "example")
    assert evaluate(Request(ALICE, action, resource, context), [policy]).decision == expected
