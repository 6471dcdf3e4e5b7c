"""Properties of the engine, checked with hypothesis, and a fuzz pass over the parser."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.iam import PolicyError, Principal, Request, evaluate, evaluate_request, parse_policy, validate_policy
from accounts.iam.patterns import arn_match, glob_match

ALICE = Principal("arn:aws:iam::111122223333:user/alice", "111122223333")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_glob(pattern: str, value: str) -> bool:
    """A deliberately naive matcher: `*` any run, `?` one character, everything else literal."""
    if not pattern:
        return not value
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(reference_glob(rest, value[i:]) for i in range(len(value) + 1))
    if not value:
        return False
    return (head == "?" or head == value[0]) and reference_glob(rest, value[1:])


def reference_arn(pattern: str, arn: str) -> bool:
    p, a = pattern.split(":", 5), arn.split(":", 5)
    return len(p) == len(a) == 6 and all(reference_glob(x, y) for x, y in zip(p, a, strict=True))


alphabet = st.sampled_from(list("ab/*?.-"))
text = st.text(alphabet=st.sampled_from(list("ab/.-")), max_size=8)
pattern = st.text(alphabet=alphabet, max_size=8)


@FAST
@given(pattern, text)
def test_glob_agrees_with_reference(p: str, v: str) -> None:
    assert glob_match(p, v) == reference_glob(p, v)


segment = st.text(alphabet=st.sampled_from(list("ab*?")), max_size=3)
value_segment = st.text(alphabet=st.sampled_from(list("ab")), max_size=3)


@FAST
@given(
    st.lists(segment, min_size=6, max_size=6),
    st.lists(value_segment, min_size=6, max_size=6),
    st.text(alphabet=st.sampled_from(list("ab/:")), max_size=4),
)
def test_arn_matching_is_segment_wise(pattern_parts: list[str], value_parts: list[str], tail: str) -> None:
    pattern, arn = ":".join(pattern_parts), ":".join(value_parts) + tail
    if pattern == "*":
        return
    assert arn_match(pattern, arn) == reference_arn(pattern, arn)


actions = st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*", "ec2:*", "*", "iam:?etUser"])
resources = st.sampled_from(
    ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:s3:::c/${aws:username}", "arn:aws:iam::*:user/*"]
)
conditions = st.sampled_from(
    [
        None,
        {"StringEquals": {"aws:username": "alice"}},
        {"StringNotEquals": {"aws:username": "alice"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "60"}},
    ]
)


@st.composite
def statement(draw, effect=None):
    body = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(st.lists(actions, min_size=1, max_size=3)),
        draw(st.sampled_from(["Resource", "NotResource"])): draw(st.lists(resources, min_size=1, max_size=2)),
    }
    condition = draw(conditions)
    if condition:
        body["Condition"] = condition
    return body


request_strategy = st.builds(
    lambda action, resource, ctx: Request(ALICE, action, resource, ctx),
    st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "iam:GetUser"]),
    st.sampled_from(["arn:aws:s3:::b/k", "arn:aws:s3:::b", "arn:aws:s3:::c/alice", "arn:aws:iam::1:user/x"]),
    st.fixed_dictionaries(
        {"aws:username": st.sampled_from(["alice", "bob"])},
        optional={
            "aws:SourceIp": st.sampled_from(["10.1.1.1", "192.168.0.1"]),
            "aws:MultiFactorAuthPresent": st.booleans(),
        },
    ),
)


def _policy(statements: list[dict]) -> object:
    return parse_policy({"Version": "2012-10-17", "Statement": statements}, "p")


@FAST
@given(st.lists(statement(), min_size=1, max_size=5), statement(effect="Deny"), request_strategy)
def test_adding_a_deny_never_turns_a_refusal_into_an_allow(statements, deny, request) -> None:
    before = evaluate(request, [_policy(statements)]).decision
    after = evaluate(request, [_policy(statements + [deny])]).decision
    if before != "allowed":
        assert after != "allowed"
    if before == "explicitDeny":
        assert after == "explicitDeny"


@FAST
@given(st.lists(statement(), min_size=1, max_size=5), statement(effect="Allow"), request_strategy)
def test_adding_an_allow_never_overrides_an_explicit_deny(statements, allow, request) -> None:
    before = evaluate(request, [_policy(statements)]).decision
    after = evaluate(request, [_policy(statements + [allow])]).decision
    if before == "explicitDeny":
        assert after == "explicitDeny"
    if before == "allowed":
        assert after == "allowed"


@FAST
@given(st.lists(statement(), min_size=1, max_size=6), request_strategy)
def test_statement_order_and_policy_split_do_not_matter(statements, request) -> None:
    together = evaluate(request, [_policy(statements)]).decision
    reversed_ = evaluate(request, [_policy(list(reversed(statements)))]).decision
    split = evaluate(request, [_policy([s]) for s in statements]).decision
    assert together == reversed_ == split


# --- Statements that cannot match a request change nothing ------------------------------------

DEV, PROD = "111122223333", "123456789012"
CALLERS = [
    ALICE,
    Principal(f"arn:aws:sts::{DEV}:assumed-role/Deployer/alice", DEV),
    Principal(f"arn:aws:iam::{PROD}:user/carol", PROD),
]
principal_elements = st.sampled_from(
    [
        "*",
        {"AWS": DEV},
        {"AWS": f"arn:aws:iam::{DEV}:root"},
        {"AWS": ALICE.arn},
        {"AWS": f"arn:aws:iam::{DEV}:role/Deployer"},
        {"AWS": f"arn:aws:sts::{DEV}:assumed-role/Deployer/alice"},
        {"AWS": [PROD, f"arn:aws:iam::{PROD}:user/carol"]},
    ]
)


@st.composite
def resource_statement(draw):
    body = draw(statement())
    if body["Effect"] == "Deny" and draw(st.booleans()):
        body["NotPrincipal"] = draw(principal_elements)
    else:
        body["Principal"] = draw(principal_elements)
    return body


# Each cannot match any request drawn below: no such action or resource, another account, a key
# no request carries.
unmatchable_parts = st.sampled_from(
    [
        {"Action": "nosuch:Action", "Resource": "*"},
        {"NotAction": "*", "Resource": "*"},
        {"Action": "*", "Resource": "arn:aws:nosuch:::thing"},
        {"Action": "*", "NotResource": "*"},
        {"Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:NoSuchKey": "x"}}},
        {"Action": "*", "Resource": "*", "Condition": {"ForAnyValue:StringLike": {"aws:NoSuchKey": "*"}}},
    ]
)
other_account_principal = st.sampled_from([{"AWS": "999988887777"}, {"AWS": "arn:aws:iam::999988887777:user/x"}])


@st.composite
def scenario(draw):
    principal = draw(st.sampled_from(CALLERS))
    action = draw(st.sampled_from(["s3:GetObject", "s3:PutObject", "sts:AssumeRole"]))
    resource = draw(st.sampled_from(["arn:aws:s3:::b/k", f"arn:aws:iam::{PROD}:role/R", f"arn:aws:iam::{DEV}:role/R"]))
    context = draw(
        st.fixed_dictionaries(
            {"aws:username": st.just("alice")},
            optional={
                "aws:SourceIp": st.sampled_from(["10.1.1.1", "192.168.0.1"]),
                "aws:MultiFactorAuthPresent": st.booleans(),
            },
        )
    )
    return {
        "request": Request(principal, action, resource, context),
        # Often a broad Allow, so that cross-account and boundary cases get decided by the other sides.
        "identity": draw(st.lists(statement(), max_size=4)) + draw(st.sampled_from([[], [ALLOW_ALL]])),
        "boundary": draw(st.none() | st.lists(statement(), min_size=1, max_size=2)),
        "resource": draw(st.none() | st.lists(resource_statement(), min_size=1, max_size=3)),
        "kind": draw(st.sampled_from(["trust", "bucket", "generic"])),
        "owner": draw(st.sampled_from([None, DEV, PROD])),
    }


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _decide(case: dict) -> str:
    def policies(statements: list[dict] | None) -> list | None:
        return None if statements is None else [_policy(statements)] if statements else []

    return evaluate_request(
        case["request"],
        policies(case["identity"]),
        resource_policies=policies(case["resource"]),
        permissions_boundary=policies(case["boundary"]),
        resource_owner=case["owner"],
        resource_kind=case["kind"],
    ).decision


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario(),
    st.sampled_from(["identity", "boundary", "resource"]),
    st.sampled_from(["Allow", "Deny"]),
    unmatchable_parts,
    other_account_principal,
    st.booleans(),
)
def test_a_statement_that_cannot_match_changes_no_decision(case, where, effect, parts, stranger, by_principal) -> None:
    """Added to any existing policy (identity, boundary or resource), in any position."""
    if case[where] is None:
        where = "identity"
    extra = {"Effect": effect, **parts}
    if where == "resource":
        if by_principal:  # a Principal naming someone else is enough for a resource statement
            extra = {"Effect": effect, "Action": "*", "Resource": "*", "Principal": stranger}
        else:
            extra["Principal"] = "*"
    before = _decide(case)
    for position in (0, len(case[where])):
        changed = {**case, where: case[where][:position] + [extra] + case[where][position:]}
        assert _decide(changed) == before


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["Allow", "Deny", "*", "s3:*", "arn:aws:s3:::b", "2012-10-17", "aws:username"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Version",
                    "Statement",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "Principal",
                    "Condition",
                    "Sid",
                    "StringEquals",
                    "AWS",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(json_values, st.sampled_from(["managed", "user", "group", "role", "trust", "boundary", "bucket", "generic"]))
def test_fuzz_structures_only_ever_give_findings_or_policy_errors(value, kind: str) -> None:
    text = json.dumps(value)
    result = validate_policy(text, kind)
    assert isinstance(result.errors, list) and isinstance(result.warnings, list)
    _parse_and_evaluate(text)


def _parse_and_evaluate(text: str) -> None:
    """Parsing raises only PolicyError; whatever parses evaluates without raising."""
    try:
        policy = parse_policy(text, "fuzz")
    except PolicyError:
        return
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:username": "alice", "aws:TagKeys": ["a"]})
    assert evaluate(request, [policy]).decision in ("allowed", "explicitDeny", "implicitDeny")


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_raw_text_never_crashes(raw: str) -> None:
    result = validate_policy(raw, "managed")
    if not result.ok:
        assert all(isinstance(e.message, str) and e.message for e in result.errors)
    _parse_and_evaluate(raw)


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    text = "[" * 5000 + "]" * 5000
    result = validate_policy(text, "managed")
    assert not result.ok
    assert re.search(r"Syntax errors in policy", str(result.errors[0]))
