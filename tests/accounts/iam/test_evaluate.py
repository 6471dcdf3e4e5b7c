"""The policy engine, table-driven. Cases follow the IAM User Guide's evaluation logic."""

from __future__ import annotations

import pytest

from accounts.iam import Principal, Request, evaluate, evaluate_assume_role, parse_policy

DEV, PROD = "111122223333", "123456789012"
ALICE = Principal(f"arn:aws:iam::{DEV}:user/alice", DEV)
ROLE = f"arn:aws:iam::{PROD}:role/UpdateAPP"


def pol(*statements: dict, version: str = "2012-10-17", name: str = "p") -> object:
    return parse_policy({"Version": version, "Statement": list(statements)}, name)


def allow(action="*", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


CTX = {
    "aws:username": "alice",
    "aws:MultiFactorAuthPresent": False,
    "aws:SourceIp": "10.1.2.3",
    "aws:CurrentTime": "2026-11-28T12:00:00Z",
    "aws:PrincipalTag/team": "web",
    "aws:TagKeys": ["env", "team"],
}

# (id, statements, action, resource, expected)
CASES = [
    ("no policies", [], "s3:GetObject", "arn:aws:s3:::b/k", "implicitDeny"),
    ("allow exact", [allow("s3:GetObject", "arn:aws:s3:::b/k")], "s3:GetObject", "arn:aws:s3:::b/k", "allowed"),
    ("action case-insensitive", [allow("S3:getobject", "*")], "s3:GetObject", "x", "allowed"),
    ("action wildcard", [allow("s3:Get*")], "s3:GetObjectAcl", "x", "allowed"),
    ("action ? wildcard", [allow("s3:?etObject")], "s3:GetObject", "x", "allowed"),
    ("action other service", [allow("s3:*")], "sts:AssumeRole", "x", "implicitDeny"),
    ("action list", [allow(["ec2:*", "s3:List*"])], "s3:ListBucket", "x", "allowed"),
    (
        "resource case-sensitive",
        [allow("*", "arn:aws:s3:::Bucket/*")],
        "s3:GetObject",
        "arn:aws:s3:::bucket/k",
        "implicitDeny",
    ),
    ("resource star spans slash", [allow("*", "arn:aws:s3:::b/*")], "s3:GetObject", "arn:aws:s3:::b/a/b/c", "allowed"),
    ("bucket pattern not object", [allow("*", "arn:aws:s3:::b")], "s3:GetObject", "arn:aws:s3:::b/k", "implicitDeny"),
    (
        "star does not cross segments",
        [allow("*", "arn:aws:iam::1*2:role/x")],
        "sts:AssumeRole",
        "arn:aws:iam::1:3:2:role/x",
        "implicitDeny",
    ),
    ("account wildcard segment", [allow("*", "arn:aws:iam::*:role/UpdateAPP")], "sts:AssumeRole", ROLE, "allowed"),
    ("question mark one char", [allow("*", "arn:aws:s3:::b/?")], "s3:GetObject", "arn:aws:s3:::b/ab", "implicitDeny"),
    ("explicit deny wins", [allow(), deny("s3:*")], "s3:GetObject", "x", "explicitDeny"),
    ("deny other action leaves allow", [allow(), deny("s3:Delete*")], "s3:GetObject", "x", "allowed"),
    ("NotAction allow", [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "s3:GetObject", "x", "allowed"),
    (
        "NotAction excludes",
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        "iam:CreateUser",
        "x",
        "implicitDeny",
    ),
    (
        "NotAction deny",
        [allow(), {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"}],
        "s3:PutObject",
        "x",
        "explicitDeny",
    ),
    (
        "NotResource allow",
        [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}],
        "s3:GetObject",
        "arn:aws:s3:::public/k",
        "allowed",
    ),
    (
        "NotResource excludes",
        [{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}],
        "s3:GetObject",
        "arn:aws:s3:::secret/k",
        "implicitDeny",
    ),
    (
        "variable in resource",
        [allow("*", "arn:aws:s3:::home/${aws:username}/*")],
        "s3:GetObject",
        "arn:aws:s3:::home/alice/x",
        "allowed",
    ),
    (
        "variable for someone else",
        [allow("*", "arn:aws:s3:::home/${aws:username}/*")],
        "s3:GetObject",
        "arn:aws:s3:::home/bob/x",
        "implicitDeny",
    ),
    (
        "variable is literal, not wildcard",
        [allow("*", "arn:aws:s3:::b/${aws:PrincipalTag/team}")],
        "s3:GetObject",
        "arn:aws:s3:::b/web",
        "allowed",
    ),
    (
        "missing variable matches nothing",
        [allow("*", "arn:aws:s3:::b/${aws:PrincipalTag/none}")],
        "s3:GetObject",
        "arn:aws:s3:::b/",
        "implicitDeny",
    ),
    (
        "variable default",
        [allow("*", "arn:aws:s3:::b/${aws:PrincipalTag/none, 'shared'}/*")],
        "s3:GetObject",
        "arn:aws:s3:::b/shared/x",
        "allowed",
    ),
    ("escaped star", [allow("*", "arn:aws:s3:::b/${*}")], "s3:GetObject", "arn:aws:s3:::b/x", "implicitDeny"),
    ("escaped star literal", [allow("*", "arn:aws:s3:::b/${*}")], "s3:GetObject", "arn:aws:s3:::b/*", "allowed"),
    ("StringEquals", [allow(Condition={"StringEquals": {"aws:username": "alice"}})], "a:b", "x", "allowed"),
    (
        "StringEquals key case-insensitive",
        [allow(Condition={"StringEquals": {"AWS:UserName": "alice"}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "StringEquals value case-sensitive",
        [allow(Condition={"StringEquals": {"aws:username": "Alice"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "StringEqualsIgnoreCase",
        [allow(Condition={"StringEqualsIgnoreCase": {"aws:username": "ALICE"}})],
        "a:b",
        "x",
        "allowed",
    ),
    ("values OR", [allow(Condition={"StringEquals": {"aws:username": ["bob", "alice"]}})], "a:b", "x", "allowed"),
    (
        "keys AND",
        [allow(Condition={"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "db"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "operators AND",
        [allow(Condition={"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "StringNotEquals matches none",
        [allow(Condition={"StringNotEquals": {"aws:username": ["bob", "carol"]}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "StringNotEquals one matches",
        [allow(Condition={"StringNotEquals": {"aws:username": ["bob", "alice"]}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    ("negated missing key is true", [allow(Condition={"StringNotEquals": {"aws:nope": "x"}})], "a:b", "x", "allowed"),
    (
        "positive missing key is false",
        [allow(Condition={"StringEquals": {"aws:nope": "x"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "IfExists missing key is true",
        [allow(Condition={"StringEqualsIfExists": {"aws:nope": "x"}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "IfExists present key still checked",
        [allow(Condition={"StringEqualsIfExists": {"aws:username": "bob"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    ("StringLike", [allow(Condition={"StringLike": {"aws:username": "al*"}})], "a:b", "x", "allowed"),
    ("StringNotLike", [allow(Condition={"StringNotLike": {"aws:username": "al*"}})], "a:b", "x", "implicitDeny"),
    (
        "Bool false matches false",
        [allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
        "a:b",
        "x",
        "allowed",
    ),
    ("Bool json true", [allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": True}})], "a:b", "x", "implicitDeny"),
    (
        "deny without MFA",
        [allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})],
        "a:b",
        "x",
        "explicitDeny",
    ),
    ("Null true for missing", [allow(Condition={"Null": {"aws:MultiFactorAuthAge": "true"}})], "a:b", "x", "allowed"),
    (
        "Null false for missing",
        [allow(Condition={"Null": {"aws:MultiFactorAuthAge": "false"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    ("IpAddress in range", [allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})], "a:b", "x", "allowed"),
    (
        "IpAddress out of range",
        [allow(Condition={"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "NotIpAddress",
        [deny(Condition={"NotIpAddress": {"aws:SourceIp": ["192.168.0.0/16"]}}), allow()],
        "a:b",
        "x",
        "explicitDeny",
    ),
    (
        "DateLessThan",
        [allow(Condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "DateGreaterThan",
        [allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "Date epoch value",
        [allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "1700000000"}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "NumericLessThan",
        [allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "ForAnyValue",
        [allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "cost"]}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "ForAllValues subset fails",
        [allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "ForAllValues subset holds",
        [allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env", "x"]}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "ForAllValues missing key is true",
        [allow(Condition={"ForAllValues:StringEquals": {"aws:nope": ["a"]}})],
        "a:b",
        "x",
        "allowed",
    ),
    (
        "ForAnyValue missing key is false",
        [allow(Condition={"ForAnyValue:StringEquals": {"aws:nope": ["a"]}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    ("ArnLike", [allow(Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/al*"}})], "a:b", "x", "allowed"),
    (
        "ArnNotEquals",
        [allow(Condition={"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{DEV}:user/alice"}})],
        "a:b",
        "x",
        "implicitDeny",
    ),
    (
        "variable in condition",
        [allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}})],
        "a:b",
        "x",
        "allowed",
    ),
]


@pytest.mark.parametrize(
    ("statements", "action", "resource", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_identity_policy_cases(statements, action, resource, expected) -> None:
    policies = [pol(*statements)] if statements else []
    context = {**CTX, "aws:PrincipalArn": ALICE.arn}
    assert evaluate(Request(ALICE, action, resource, context), policies).decision == expected


def test_version_2008_does_not_substitute_variables() -> None:
    policy = pol(allow("*", "arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::home/alice/x", CTX)
    assert evaluate(request, [policy]).decision == "implicitDeny"
    literal = Request(ALICE, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", CTX)
    assert evaluate(literal, [policy]).decision == "allowed"


def test_permissions_boundary_limits_identity_policies() -> None:
    request = Request(ALICE, "s3:PutObject", "arn:aws:s3:::b/k", CTX)
    boundary = [pol(allow("s3:Get*"))]
    assert evaluate(request, [pol(allow())], permissions_boundary=boundary).decision == "implicitDeny"
    assert evaluate(request, [pol(allow())], permissions_boundary=[pol(allow("s3:*"))]).decision == "allowed"


def test_matched_statements_name_policy_and_sid() -> None:
    decision = evaluate(
        Request(ALICE, "s3:GetObject", "x", CTX),
        [pol(dict(allow(), Sid="ReadAll"), name="Readers"), pol(deny("s3:Get*"), name="NoGet")],
    )
    assert decision.decision == "explicitDeny"
    assert [str(m) for m in decision.matched] == ["NoGet (statement 1)"]


# --- AssumeRole: identity side AND trust side -----------------------------------------------

TRUST_DEV_ROOT = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEV}:root"}, "Action": "sts:AssumeRole"}
IDENTITY_ALLOW = allow("sts:AssumeRole", ROLE)


def assume(
    identity: list,
    trust: list | None,
    principal: Principal = ALICE,
    role_account: str = PROD,
    context: dict | None = None,
):
    return evaluate_assume_role(
        principal,
        ROLE if role_account == PROD else f"arn:aws:iam::{role_account}:role/R",
        role_account,
        [pol(*identity)] if identity else [],
        pol(*trust, name="trust") if trust else None,
        context or CTX,
    )


def test_cross_account_needs_both_sides() -> None:
    assert assume([IDENTITY_ALLOW], [TRUST_DEV_ROOT]).allowed
    no_identity = assume([], [TRUST_DEV_ROOT])
    assert no_identity.decision == "implicitDeny" and no_identity.refused_by == "identity"
    no_trust = assume([IDENTITY_ALLOW], [{**TRUST_DEV_ROOT, "Principal": {"AWS": "999988887777"}}])
    assert no_trust.decision == "implicitDeny" and no_trust.refused_by == "trust"


def test_unknown_role_refuses_on_trust_side() -> None:
    decision = assume([IDENTITY_ALLOW], None)
    assert decision.decision == "implicitDeny" and decision.refused_by == "trust"


def test_identity_refusal_is_reported_first_so_role_existence_stays_hidden() -> None:
    assert assume([], None).refused_by == assume([], [TRUST_DEV_ROOT]).refused_by == "identity"


@pytest.mark.parametrize("principal", [DEV, f"arn:aws:iam::{DEV}:root", ALICE.arn, "*"])
def test_trust_principal_forms(principal: str) -> None:
    trust = {**TRUST_DEV_ROOT, "Principal": "*" if principal == "*" else {"AWS": [principal]}}
    assert assume([IDENTITY_ALLOW], [trust]).allowed


def test_trust_naming_another_user_refuses() -> None:
    trust = {**TRUST_DEV_ROOT, "Principal": {"AWS": f"arn:aws:iam::{DEV}:user/bob"}}
    assert not assume([IDENTITY_ALLOW], [trust]).allowed


def test_explicit_deny_in_trust_wins() -> None:
    trust_deny = {"Effect": "Deny", "Principal": {"AWS": ALICE.arn}, "Action": "sts:AssumeRole"}
    decision = assume([IDENTITY_ALLOW], [TRUST_DEV_ROOT, trust_deny])
    assert decision.decision == "explicitDeny" and decision.refused_by == "trust"


def test_explicit_deny_in_identity_wins() -> None:
    decision = assume([IDENTITY_ALLOW, deny("sts:*")], [TRUST_DEV_ROOT])
    assert decision.decision == "explicitDeny" and decision.refused_by == "identity"


def test_same_account_trust_naming_user_suffices_without_identity_policy() -> None:
    trust = {**TRUST_DEV_ROOT, "Principal": {"AWS": ALICE.arn}}
    assert assume([], [trust], role_account=DEV).allowed


def test_same_account_trust_naming_account_defers_to_identity() -> None:
    trust = {**TRUST_DEV_ROOT, "Principal": {"AWS": DEV}}
    assert not assume([], [trust], role_account=DEV).allowed
    assert assume([allow("sts:AssumeRole", f"arn:aws:iam::{DEV}:role/R")], [trust], role_account=DEV).allowed


def test_not_principal_in_trust() -> None:
    trust = {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{DEV}:user/bob"}, "Action": "sts:AssumeRole"}
    assert assume([IDENTITY_ALLOW], [trust]).allowed
    bob = Principal(f"arn:aws:iam::{DEV}:user/bob", DEV)
    assert not assume([IDENTITY_ALLOW], [trust], principal=bob).allowed


def test_mfa_condition_in_trust() -> None:
    trust = {
        **TRUST_DEV_ROOT,
        "Condition": {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        },
    }
    assert not assume([IDENTITY_ALLOW], [trust]).allowed
    with_mfa = {**CTX, "aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": "120"}
    assert assume([IDENTITY_ALLOW], [trust], context=with_mfa).allowed
    stale = {**with_mfa, "aws:MultiFactorAuthAge": "7200"}
    assert not assume([IDENTITY_ALLOW], [trust], context=stale).allowed


def test_role_arn_principal_matches_its_sessions() -> None:
    session = Principal(f"arn:aws:sts::{DEV}:assumed-role/Deployer/alice", DEV)
    trust = {**TRUST_DEV_ROOT, "Principal": {"AWS": f"arn:aws:iam::{DEV}:role/Deployer"}}
    assert assume([IDENTITY_ALLOW], [trust], principal=session).allowed
    other = Principal(f"arn:aws:sts::{DEV}:assumed-role/Other/alice", DEV)
    assert not assume([IDENTITY_ALLOW], [trust], principal=other).allowed


def test_missing_context_keys_are_spelled_as_aws_writes_them() -> None:
    """Keys match case-insensitively, but the simulator shows AWS's spelling for global keys
    (whatever case the policy used) and other keys as the policy wrote them, once each."""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {
                        "Bool": {"aws:multifactorauthpresent": "true"},
                        "NumericLessThan": {"AWS:MULTIFACTORAUTHAGE": "3600"},
                        "StringEquals": {"aws:principaltag/CostCenter": "42", "myservice:SomeKey": "x"},
                    },
                },
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                },
            ],
        }
    )
    decision = evaluate(Request(ALICE, "sts:AssumeRole", "*"), [policy])
    assert decision.missing_context == (
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalTag/CostCenter",
        "myservice:SomeKey",
    )


def test_assumed_context_keys_decide_and_are_reported_missing() -> None:
    """A key filled in by default (the simulator's "without MFA") is used for the decision, so a
    Deny on it applies, and it is still listed for the person to supply."""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
                },
            ],
        }
    )
    context = {"aws:MultiFactorAuthPresent": False}
    assumed = evaluate(
        Request(ALICE, "s3:GetObject", "*", context, frozenset({"aws:MultiFactorAuthPresent"})), [policy]
    )
    assert assumed.decision == "explicitDeny" and assumed.missing_context == ("aws:MultiFactorAuthPresent",)
    given = evaluate(Request(ALICE, "s3:GetObject", "*", context), [policy])
    assert given.decision == "explicitDeny" and given.missing_context == ()
