"""Condition operators at their edges, through the engine's public `evaluate`: each operator just
below, exactly at and just above its value; multi-valued keys with plain, negated and set
operators; missing, empty and None keys; values of the wrong type; variables by policy version.
The IAM User Guide's "Condition operators" and "Multivalued context keys" pages are the reference.
"""

from __future__ import annotations

import pytest

from accounts.iam import Principal, Request, evaluate, parse_policy

DEV = "111122223333"
ALICE = Principal(f"arn:aws:iam::{DEV}:user/alice", DEV)


def allowed(operator: str, key: str, values: object, context: dict, version: str = "2012-10-17") -> bool:
    """Does one Allow statement with this one condition allow a request with `context`?"""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {operator: {key: values}}}
    policy = parse_policy({"Version": version, "Statement": [statement]}, "p")
    return evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", context), [policy]).allowed


def missing_context(conditions: dict, context: dict) -> tuple[str, ...]:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": conditions}
    policy = parse_policy({"Version": "2012-10-17", "Statement": [statement]}, "p")
    return evaluate(Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", context), [policy]).missing_context


# --- Numeric: the policy value 10, the context just below, at and just above it -----------------

NUMERIC = [
    # operator, (9, 10, 11) -> expected
    ("NumericEquals", (False, True, False)),
    ("NumericNotEquals", (True, False, True)),
    ("NumericLessThan", (True, False, False)),
    ("NumericLessThanEquals", (True, True, False)),
    ("NumericGreaterThan", (False, False, True)),
    ("NumericGreaterThanEquals", (False, True, True)),
]


@pytest.mark.parametrize(("operator", "expected"), NUMERIC, ids=[n[0] for n in NUMERIC])
def test_numeric_operators_below_at_and_above_the_value(operator: str, expected: tuple[bool, bool, bool]) -> None:
    results = tuple(allowed(operator, "s3:max-keys", "10", {"s3:max-keys": n}) for n in ("9", "10", "11"))
    assert results == expected


def test_numeric_values_compare_as_numbers_not_text() -> None:
    assert allowed("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "10.0"})
    assert allowed("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "9.5"})
    assert not allowed("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "100"})


@pytest.mark.parametrize("operator", ["NumericEquals", "NumericLessThan", "NumericGreaterThanEquals"])
def test_a_context_value_that_is_not_a_number_never_matches(operator: str) -> None:
    assert not allowed(operator, "s3:max-keys", "10", {"s3:max-keys": "ten"})


def test_a_negated_numeric_operator_is_true_for_a_value_that_is_not_a_number() -> None:
    # NotEquals = not any(Equals): a wrong type matches no value, so "not equal" holds.
    assert allowed("NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": "ten"})


# --- Dates: the policy time 12:00:00Z, the context a second before, at, and a second after -------

AT = "2026-11-28T12:00:00Z"
AROUND = ("2026-11-28T11:59:59Z", "2026-11-28T12:00:00Z", "2026-11-28T12:00:01Z")
DATES = [
    ("DateEquals", (False, True, False)),
    ("DateNotEquals", (True, False, True)),
    ("DateLessThan", (True, False, False)),
    ("DateLessThanEquals", (True, True, False)),
    ("DateGreaterThan", (False, False, True)),
    ("DateGreaterThanEquals", (False, True, True)),
]


@pytest.mark.parametrize(("operator", "expected"), DATES, ids=[d[0] for d in DATES])
def test_date_operators_a_second_before_at_and_after(operator: str, expected: tuple[bool, bool, bool]) -> None:
    results = tuple(allowed(operator, "aws:CurrentTime", AT, {"aws:CurrentTime": t}) for t in AROUND)
    assert results == expected


def test_dates_may_be_epoch_seconds_on_either_side() -> None:
    epoch = "1795867200"  # 2026-11-28T12:00:00Z
    assert allowed("DateEquals", "aws:CurrentTime", AT, {"aws:CurrentTime": epoch})
    assert allowed("DateEquals", "aws:EpochTime", epoch, {"aws:EpochTime": "2026-11-28T12:00:00Z"})
    assert allowed("DateLessThan", "aws:EpochTime", epoch, {"aws:EpochTime": "1795867199"})
    assert not allowed("DateLessThan", "aws:EpochTime", epoch, {"aws:EpochTime": "1795867200"})


def test_a_date_without_a_zone_is_utc() -> None:
    assert allowed("DateEquals", "aws:CurrentTime", AT, {"aws:CurrentTime": "2026-11-28T12:00:00"})
    assert allowed("DateEquals", "aws:CurrentTime", "2026-11-28T12:00:00", {"aws:CurrentTime": AT})
    assert allowed("DateEquals", "aws:CurrentTime", AT, {"aws:CurrentTime": "2026-11-28T13:00:00+01:00"})


def test_a_context_value_that_is_not_a_date_never_matches() -> None:
    assert not allowed("DateLessThan", "aws:CurrentTime", AT, {"aws:CurrentTime": "soon"})
    assert not allowed("DateEquals", "aws:CurrentTime", AT, {"aws:CurrentTime": "1e400"})  # overflows


# --- Bool, Binary, IP ------------------------------------------------------------------------------


def test_bool_matches_python_booleans_and_text_in_any_case() -> None:
    assert allowed("Bool", "aws:MultiFactorAuthPresent", "true", {"aws:MultiFactorAuthPresent": True})
    assert allowed("Bool", "aws:MultiFactorAuthPresent", "false", {"aws:MultiFactorAuthPresent": False})
    assert allowed("Bool", "aws:MultiFactorAuthPresent", "True", {"aws:MultiFactorAuthPresent": "TRUE"})
    assert not allowed("Bool", "aws:MultiFactorAuthPresent", "true", {"aws:MultiFactorAuthPresent": False})
    assert not allowed("Bool", "aws:MultiFactorAuthPresent", "false", {"aws:MultiFactorAuthPresent": True})


def test_booleans_in_the_context_are_the_lower_case_words_for_string_operators() -> None:
    assert allowed("StringEquals", "aws:SecureTransport", "false", {"aws:SecureTransport": False})
    assert allowed("StringEquals", "aws:SecureTransport", "true", {"aws:SecureTransport": True})
    assert not allowed("StringEquals", "aws:SecureTransport", "False", {"aws:SecureTransport": False})


def test_binary_equals_compares_the_base64_text_exactly() -> None:
    assert allowed("BinaryEquals", "s3:x-amz-meta-key", "QmluYXJ5VmFsdWU=", {"s3:x-amz-meta-key": "QmluYXJ5VmFsdWU="})
    assert not allowed(
        "BinaryEquals", "s3:x-amz-meta-key", "QmluYXJ5VmFsdWU=", {"s3:x-amz-meta-key": "qmluyxj5vmfsdwu="}
    )
    assert not allowed("BinaryEquals", "s3:x-amz-meta-key", "QmluYXJ5VmFsdWU=", {})


def test_ip_ranges_include_both_ends_and_accept_host_bits() -> None:
    for address, inside in (
        ("10.0.0.0", True),
        ("10.255.255.255", True),
        ("11.0.0.0", False),
        ("9.255.255.255", False),
    ):
        assert allowed("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": address}) is inside, address
    assert allowed("IpAddress", "aws:SourceIp", "10.1.2.3/8", {"aws:SourceIp": "10.200.0.1"})  # not strict
    assert allowed("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "192.0.2.1"})
    assert not allowed("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.0.0.1"})


def test_an_address_that_is_not_an_ip_never_matches() -> None:
    assert not allowed("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "localhost"})


# --- Strings, wildcards and ARNs --------------------------------------------------------------------


def test_string_equals_is_case_sensitive_and_ignorecase_is_not() -> None:
    assert allowed("StringEquals", "aws:username", "alice", {"aws:username": "alice"})
    assert not allowed("StringEquals", "aws:username", "alice", {"aws:username": "Alice"})
    assert allowed("StringEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "alice"})
    assert not allowed("StringEqualsIgnoreCase", "aws:username", "alicia", {"aws:username": "alice"})


def test_string_like_wildcards_cross_colons_but_arn_operators_keep_segments() -> None:
    context = {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice"}
    assert allowed("StringLike", "aws:PrincipalArn", "arn:aws:iam::*", context)
    assert allowed("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*", context)
    # In a six-part ARN pattern, '*' stays inside its part (but for the last part, the resource).
    odd = {"aws:PrincipalArn": "arn:aws:iam::1111:2222:user/alice"}
    assert allowed("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:user/alice", odd)
    assert not allowed("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/alice", odd)
    assert not allowed("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::*:user/alice", odd)
    assert allowed("ArnLike", "aws:PrincipalArn", "arn:aws:iam::1111:*", odd)
    assert allowed("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::*:user/alice", context)
    assert not allowed("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*", context)
    assert not allowed("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:user/bob", context)


# --- Several values, several keys, multi-valued keys --------------------------------------------------


def test_several_values_for_one_key_are_or() -> None:
    assert allowed("StringEquals", "aws:username", ["bob", "alice"], {"aws:username": "alice"})
    assert not allowed("StringEquals", "aws:username", ["bob", "carol"], {"aws:username": "alice"})


def test_a_negated_operator_must_match_none_of_the_values() -> None:
    assert not allowed("StringNotEquals", "aws:username", ["bob", "alice"], {"aws:username": "alice"})
    assert allowed("StringNotEquals", "aws:username", ["bob", "carol"], {"aws:username": "alice"})


def test_several_keys_or_operators_are_and() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "web"}},
    }
    policy = parse_policy({"Version": "2012-10-17", "Statement": [statement]}, "p")
    both = {"aws:username": "alice", "aws:PrincipalTag/team": "web"}
    one = {"aws:username": "alice", "aws:PrincipalTag/team": "db"}
    assert evaluate(Request(ALICE, "s3:GetObject", "x", both), [policy]).allowed
    assert not evaluate(Request(ALICE, "s3:GetObject", "x", one), [policy]).allowed


TAGS = {"aws:TagKeys": ["env", "team"]}


def test_a_plain_operator_on_a_multivalued_key_needs_one_matching_value() -> None:
    assert allowed("StringEquals", "aws:TagKeys", "team", TAGS)
    assert not allowed("StringEquals", "aws:TagKeys", "owner", TAGS)


def test_a_plain_negated_operator_on_a_multivalued_key_needs_every_value_to_differ() -> None:
    assert not allowed("StringNotEquals", "aws:TagKeys", "env", TAGS)  # "env" is among them
    assert allowed("StringNotEquals", "aws:TagKeys", "owner", TAGS)


def test_a_plain_numeric_operator_on_a_multivalued_key() -> None:
    assert allowed("NumericGreaterThanEquals", "s3:x", "10", {"s3:x": ["3", "10"]})
    assert not allowed("NumericGreaterThanEquals", "s3:x", "10", {"s3:x": ["3", "9"]})


def test_for_all_values_needs_every_value_to_match() -> None:
    assert allowed("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team", "owner"], TAGS)
    assert not allowed("ForAllValues:StringEquals", "aws:TagKeys", ["env"], TAGS)


def test_for_any_value_needs_one_value_to_match() -> None:
    assert allowed("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], TAGS)
    assert not allowed("ForAnyValue:StringEquals", "aws:TagKeys", ["owner"], TAGS)


@pytest.mark.parametrize("context", [{}, {"aws:TagKeys": []}, {"aws:TagKeys": None}], ids=["missing", "empty", "none"])
def test_set_operators_on_a_missing_or_empty_key(context: dict) -> None:
    assert allowed("ForAllValues:StringEquals", "aws:TagKeys", ["env"], context)  # vacuously true
    assert not allowed("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], context)


def test_for_all_values_with_a_negated_operator() -> None:
    assert allowed("ForAllValues:StringNotEquals", "aws:TagKeys", ["owner"], TAGS)
    assert not allowed("ForAllValues:StringNotEquals", "aws:TagKeys", ["team"], TAGS)


# --- Missing keys, IfExists, Null ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "context", [{}, {"aws:username": None}, {"aws:username": []}], ids=["missing", "none", "empty"]
)
def test_a_missing_key_fails_positive_operators_and_passes_negated_and_ifexists(context: dict) -> None:
    assert not allowed("StringEquals", "aws:username", "alice", context)
    assert not allowed("NumericLessThan", "aws:username", "5", context)
    assert allowed("StringNotEquals", "aws:username", "alice", context)
    assert allowed("StringEqualsIfExists", "aws:username", "alice", context)
    assert allowed("NumericLessThanIfExists", "aws:username", "5", context)


def test_ifexists_still_checks_a_present_key() -> None:
    assert not allowed("StringEqualsIfExists", "aws:username", "bob", {"aws:username": "alice"})
    assert allowed("StringEqualsIfExists", "aws:username", "alice", {"aws:username": "alice"})


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("true", {}, True),
        ("true", {"aws:TokenIssueTime": None}, True),
        ("true", {"aws:TokenIssueTime": []}, True),
        ("True", {}, True),
        ("true", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, False),
        ("false", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, True),
        ("false", {}, False),
        ("false", {"aws:TokenIssueTime": ["x"]}, True),
        (["true", "false"], {}, True),
    ],
)
def test_null(value: object, context: dict, expected: bool) -> None:
    assert allowed("Null", "aws:TokenIssueTime", value, context) is expected


# --- Policy variables: Version 2012-10-17 only, dropped when their key is missing -----------------------


def test_variables_in_string_conditions_need_version_2012() -> None:
    context = {"aws:username": "alice", "s3:prefix": "home/alice/"}
    assert allowed("StringEquals", "s3:prefix", "home/${aws:username}/", context)
    assert not allowed("StringEquals", "s3:prefix", "home/${aws:username}/", context, version="2008-10-17")
    literal = {"s3:prefix": "home/${aws:username}/", "aws:username": "alice"}
    assert allowed("StringEquals", "s3:prefix", "home/${aws:username}/", literal, version="2008-10-17")


def test_variables_in_wildcard_conditions() -> None:
    context = {"aws:username": "alice", "s3:prefix": "home/alice/reports"}
    assert allowed("StringLike", "s3:prefix", "home/${aws:username}/*", context)
    assert not allowed("StringLike", "s3:prefix", "home/${aws:username}/*", context, version="2008-10-17")


def test_a_value_whose_variable_is_missing_is_dropped_not_fatal() -> None:
    context = {"aws:username": "alice"}
    assert allowed("StringLike", "aws:username", ["${aws:PrincipalTag/none}*", "ali*"], context)
    assert not allowed("StringLike", "aws:username", ["${aws:PrincipalTag/none}*"], context)
    assert allowed("StringEquals", "aws:username", ["${aws:PrincipalTag/none}", "alice"], context)
    assert not allowed("StringEquals", "aws:username", ["${aws:PrincipalTag/none}"], context)


def test_variables_are_not_substituted_in_numeric_conditions() -> None:
    # Numeric and date operators take no variables: the text stays as written, never a number.
    assert not allowed("NumericEquals", "s3:max-keys", "${s3:max-keys}", {"s3:max-keys": "10"})


# --- The simulator's MissingContextValues, as AWS spells the keys ---------------------------------------


def test_missing_context_names_absent_keys_as_aws_spells_them() -> None:
    conditions = {
        "NumericLessThan": {"aws:multifactorauthage": "3600"},
        "StringEquals": {"aws:principaltag/Team": "web", "custom:Thing": "x", "aws:username": "alice"},
    }
    assert missing_context(conditions, {"aws:username": "alice"}) == (
        "aws:MultiFactorAuthAge",
        "aws:PrincipalTag/Team",
        "custom:Thing",
    )


def test_missing_context_is_empty_when_every_key_is_given() -> None:
    context = {"aws:MultiFactorAuthAge": "10", "aws:username": "alice"}
    conditions = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}, "StringEquals": {"aws:username": "alice"}}
    assert missing_context(conditions, context) == ()


def test_a_tag_key_written_in_lower_case_keeps_the_prefix_spelling() -> None:
    assert missing_context({"StringEquals": {"aws:resourcetag/env": "x"}}, {}) == ("aws:ResourceTag/env",)
    assert missing_context({"StringEquals": {"aws:RequestTag/Env": "x"}}, {}) == ("aws:RequestTag/Env",)
