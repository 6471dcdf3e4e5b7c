"""Validation: errors read like MalformedPolicyDocument and point at the statement."""

from __future__ import annotations

import json

import pytest

from accounts.iam import validate_policy
from accounts.iam.validate import SIZE_LIMITS


def doc(*statements: dict, version: str | None = "2012-10-17", **top) -> str:
    body = {"Statement": list(statements), **top}
    if version is not None:
        body = {"Version": version, **body}
    return json.dumps(body, indent=2)


OK = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
TRUST = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
BUCKET = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
}
QUEUE = {
    "Effect": "Allow",
    "Principal": {"AWS": "111122223333"},
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
}

# (id, text, kind, expected error substring or None when valid)
ERRORS = [
    ("valid identity", doc(OK), "managed", None),
    ("valid trust", doc(TRUST), "trust", None),
    (
        "syntax error position",
        '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}',
        "managed",
        "Syntax errors in policy",
    ),
    ("not an object", "[]", "managed", "must be a JSON object"),
    ("bad version", doc(OK, version="2012-10-18"), "managed", "valid version string"),
    ("unknown top-level", doc(OK, Foo=1), "managed", "Unknown field Foo"),
    ("no statement", json.dumps({"Version": "2012-10-17"}), "managed", "Missing required field Statement"),
    ("empty statement list", doc(), "managed", "non-empty list"),
    ("statement not object", doc("x"), "managed", "must be a JSON object"),
    ("missing effect", doc({"Action": "s3:*", "Resource": "*"}), "managed", "Missing required field Effect"),
    ("bad effect", doc({**OK, "Effect": "allow"}), "managed", "Invalid effect: allow"),
    ("no actions", doc({"Effect": "Allow", "Resource": "*"}), "managed", "must contain actions"),
    ("empty action list", doc({**OK, "Action": []}), "managed", "must contain actions"),
    ("action and notaction", doc({**OK, "NotAction": "s3:Put*"}), "managed", "both Action and NotAction"),
    ("action without vendor", doc({**OK, "Action": "GetObject"}), "managed", "prefaced by a vendor"),
    ("no resources", doc({"Effect": "Allow", "Action": "s3:*"}), "managed", "must contain resources"),
    ("resource not arn", doc({**OK, "Resource": "my-bucket"}), "managed", "must be in ARN format"),
    ("resource and notresource", doc({**OK, "NotResource": "*"}), "managed", "both Resource and NotResource"),
    ("principal in identity policy", doc({**OK, "Principal": "*"}), "managed", "should not specify a principal"),
    ("principal in inline user policy", doc({**OK, "Principal": "*"}), "user", "should not specify a principal"),
    (
        "trust without principal",
        doc({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        "trust",
        "Missing required field Principal",
    ),
    ("trust with resource", doc({**TRUST, "Resource": "*"}), "trust", "Has prohibited field Resource"),
    (
        "bad principal arn",
        doc({**TRUST, "Principal": {"AWS": "arn:aws::iam::111122223333:root"}}),
        "trust",
        "Invalid principal in policy",
    ),
    ("short account principal", doc({**TRUST, "Principal": {"AWS": "12345"}}), "trust", "Invalid principal"),
    ("unknown principal type", doc({**TRUST, "Principal": {"Person": "alice"}}), "trust", "unknown principal type"),
    ("sid not alphanumeric", doc({**OK, "Sid": "my sid"}), "managed", "must be alpha-numeric"),
    ("duplicate sid", doc({**OK, "Sid": "A"}, {**OK, "Sid": "A"}), "managed", "must be unique"),
    (
        "duplicate key",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", '
        '"Action": "s3:*", "Resource": "*"}]}',
        "managed",
        "Duplicate field Effect",
    ),
    ("unknown statement field", doc({**OK, "Actions": "s3:*"}), "managed", "Unknown field Actions"),
    (
        "unknown condition operator",
        doc({**OK, "Condition": {"StringEqualz": {"aws:username": "a"}}}),
        "managed",
        "Invalid Condition type : StringEqualz",
    ),
    (
        "null with IfExists",
        doc({**OK, "Condition": {"NullIfExists": {"aws:username": "true"}}}),
        "managed",
        "Invalid Condition type",
    ),
    (
        "numeric value not number",
        doc({**OK, "Condition": {"NumericLessThan": {"s3:max-keys": "ten"}}}),
        "managed",
        "is not a number",
    ),
    (
        "date value not date",
        doc({**OK, "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}}),
        "managed",
        "is not a date",
    ),
    (
        "bool value",
        doc({**OK, "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}),
        "managed",
        "must be true or false",
    ),
    (
        "ip value",
        doc({**OK, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}}),
        "managed",
        "is not an IP address",
    ),
    (
        "condition key without vendor",
        doc({**OK, "Condition": {"StringEquals": {"username": "a"}}}),
        "managed",
        "prefaced by a vendor",
    ),
    (
        "condition value object",
        doc({**OK, "Condition": {"StringEquals": {"aws:username": {"a": 1}}}}),
        "managed",
        "values must be strings",
    ),
    ("size limit user inline", doc(*[{**OK, "Sid": f"S{i}"} for i in range(40)]), "user", "PolicySize: 2048"),
    # Each kind of resource-based policy has its own required and prohibited elements.
    ("valid bucket policy", doc(BUCKET), "bucket", None),
    (
        "bucket policy without principal",
        doc({k: v for k, v in BUCKET.items() if k != "Principal"}),
        "bucket",
        "Missing required field Principal",
    ),
    (
        "bucket policy without resource",
        doc({k: v for k, v in BUCKET.items() if k != "Resource"}),
        "bucket",
        "must contain resources",
    ),
    (
        "bucket policy naming another service",
        doc({**BUCKET, "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}),
        "bucket",
        "Policy has invalid resource",
    ),
    ("bucket policy with Resource *", doc({**BUCKET, "Resource": "*"}), "bucket", "Policy has invalid resource"),
    (
        "bucket policy with another service's action",
        doc({**BUCKET, "Action": ["s3:GetObject", "sqs:SendMessage"]}),
        "bucket",
        "Policy has invalid action",
    ),
    (
        "bucket policy NotPrincipal with Allow",
        doc({**{k: v for k, v in BUCKET.items() if k != "Principal"}, "NotPrincipal": {"AWS": "111122223333"}}),
        "bucket",
        'NotPrincipal must be used with "Effect": "Deny"',
    ),
    ("bucket policy size limit", doc(*[{**BUCKET, "Sid": f"S{i}"} for i in range(160)]), "bucket", "PolicySize: 20480"),
    (
        "trust policy with NotPrincipal",
        doc(
            {
                **{k: v for k, v in TRUST.items() if k != "Principal"},
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "111122223333"},
            }
        ),
        "trust",
        "Has prohibited field NotPrincipal",
    ),
    ("valid generic resource policy", doc(QUEUE), "generic", None),
    (
        "generic resource policy without principal",
        doc({k: v for k, v in QUEUE.items() if k != "Principal"}),
        "generic",
        "Missing required field Principal",
    ),
    (
        "generic resource policy without resource",
        doc({k: v for k, v in QUEUE.items() if k != "Resource"}),
        "generic",
        "must contain resources",
    ),
]


@pytest.mark.parametrize(("text", "kind", "expected"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_validation_errors(text: str, kind: str, expected: str | None) -> None:
    result = validate_policy(text, kind)
    if expected is None:
        assert result.ok, result.errors
    else:
        assert any(expected in str(e) for e in result.errors), [str(e) for e in result.errors]


def test_error_names_the_statement_and_its_line() -> None:
    text = doc(OK, {**OK, "Sid": "Second", "Resource": "bucket"})
    [error] = validate_policy(text, "managed").errors
    assert error.statement == "statement 2 (Second)"
    statement_lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "{"][1:]
    assert (error.line, error.column) == (statement_lines[1], 5)  # the second statement's opening brace
    assert 'Resource bucket must be in ARN format or "*".' in str(error)


def test_syntax_error_reports_line_and_column() -> None:
    [error] = validate_policy('{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}', "managed").errors
    assert (error.line, error.column) == (3, 17)


def test_whitespace_does_not_count_toward_size() -> None:
    statements = [{**OK, "Sid": f"S{i}"} for i in range(22)]
    compact = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    assert len(compact) <= SIZE_LIMITS["user"]
    padded = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=8)
    assert len(padded) > SIZE_LIMITS["user"]
    assert validate_policy(padded, "user").ok


def test_limits_per_kind() -> None:
    big = doc(*[{**OK, "Sid": f"S{i}"} for i in range(60)])  # ~5,000 characters compact
    assert validate_policy(big, "managed").ok
    assert validate_policy(big, "role").ok
    assert not validate_policy(big, "user").ok


WARNINGS = [
    (
        "allow notaction",
        doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        "managed",
        "Allow with NotAction",
    ),
    (
        "allow notresource",
        doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::x"}),
        "managed",
        "Allow with NotResource",
    ),
    ("star principal trust", doc({**TRUST, "Principal": "*"}), "trust", "lets anyone in any AWS account"),
    ("star aws principal trust", doc({**TRUST, "Principal": {"AWS": "*"}}), "trust", "lets anyone"),
    ("admin", doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), "managed", "full administrator"),
    ("public bucket", doc({**BUCKET, "Principal": "*"}), "bucket", "including anonymous requests"),
    ("no version", doc(OK, version=None), "managed", "has no Version"),
    (
        "variables in 2008",
        doc({**OK, "Resource": "arn:aws:s3:::b/${aws:username}/*"}, version="2008-10-17"),
        "managed",
        "not substituted",
    ),
]


@pytest.mark.parametrize(("text", "kind", "expected"), [c[1:] for c in WARNINGS], ids=[c[0] for c in WARNINGS])
def test_warnings_for_dangerous_patterns(text: str, kind: str, expected: str) -> None:
    result = validate_policy(text, kind)
    assert result.ok, result.errors
    assert any(expected in str(w) for w in result.warnings), [str(w) for w in result.warnings]


def test_deny_with_notaction_is_not_warned() -> None:
    text = doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})
    assert validate_policy(text, "managed").warnings == []


def test_star_principal_with_condition_is_not_warned() -> None:
    text = doc({**TRUST, "Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})
    assert validate_policy(text, "trust").warnings == []


def test_bucket_policy_deny_with_not_principal_is_valid() -> None:
    statement = {k: v for k, v in BUCKET.items() if k != "Principal"}
    text = doc({**statement, "Effect": "Deny", "NotPrincipal": {"AWS": ["111122223333", BUCKET["Principal"]["AWS"]]}})
    assert validate_policy(text, "bucket").ok
