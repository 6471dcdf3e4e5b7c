"""Condition operators, with IfExists, Null and the ForAllValues/ForAnyValue set operators.

Rules (IAM User Guide, "Condition operators" and "Multivalued context keys"):
- several operators in a block, or several keys under one operator: all must hold (AND);
- several values for one key: any may match (OR); for negated operators the context value
  must match none of them;
- a key missing from the request: false, except negated operators, `...IfExists` and Null;
- ForAllValues: true when every context value matches (vacuously true for a missing key);
  ForAnyValue: true when at least one does (false for a missing key).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from .operators import NEGATED as _NEGATED
from .operators import split_operator
from .patterns import MissingVariable, condition_pattern, static_condition_pattern, substitute, tokenize
from .policy import Condition

Matcher = Callable[[str, str], bool]
_Parsed = TypeVar("_Parsed", float, datetime)


def _number(text: str) -> float:
    return float(text)


def parse_date(text: str) -> datetime:
    text = text.strip()
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        pass
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(parse: Callable[[str], _Parsed], test: Callable[[_Parsed, _Parsed], bool]) -> Matcher:
    def match(context_value: str, policy_value: str) -> bool:
        try:
            return test(parse(context_value), parse(policy_value))
        except (ValueError, TypeError, OverflowError):
            return False  # a value of the wrong type never matches

    return match


def _ip(context_value: str, policy_value: str) -> bool:
    try:
        return ipaddress.ip_address(context_value) in ipaddress.ip_network(policy_value, strict=False)
    except ValueError:
        return False


# Positive operator -> (matcher, variables allowed in its values, wildcard-aware)
_POSITIVE: dict[str, Matcher] = {
    "stringequals": lambda c, p: c == p,
    "stringequalsignorecase": lambda c, p: c.casefold() == p.casefold(),
    "numericequals": _compare(_number, lambda a, b: a == b),
    "numericlessthan": _compare(_number, lambda a, b: a < b),
    "numericlessthanequals": _compare(_number, lambda a, b: a <= b),
    "numericgreaterthan": _compare(_number, lambda a, b: a > b),
    "numericgreaterthanequals": _compare(_number, lambda a, b: a >= b),
    "dateequals": _compare(parse_date, lambda a, b: a == b),
    "datelessthan": _compare(parse_date, lambda a, b: a < b),
    "datelessthanequals": _compare(parse_date, lambda a, b: a <= b),
    "dategreaterthan": _compare(parse_date, lambda a, b: a > b),
    "dategreaterthanequals": _compare(parse_date, lambda a, b: a >= b),
    "bool": lambda c, p: c.lower() == p.lower(),
    "binaryequals": lambda c, p: c == p,
    "ipaddress": _ip,
}
# Wildcard operators: each value becomes a compiled pattern (ArnEquals matches like ArnLike).
_PATTERN_OPERATORS = {"stringlike": False, "arnequals": True, "arnlike": True}  # -> ARN segment-wise
# Operators whose values may hold policy variables (Version 2012-10-17 only).
_VARIABLE_OPERATORS = ("string", "arn", "bool")


def _policy_values(
    condition: Condition, positive: str, variables: bool, context: Mapping[str, object]
) -> list[str] | list[re.Pattern[str]]:
    """The condition's values with policy variables substituted; for wildcard operators,
    compiled patterns in which substituted text (and `${*}`, `${?}`, `${$}`) is literal. Values
    whose variable is missing from the context are dropped (they cannot match anything)."""
    allow_vars = variables and positive.startswith(_VARIABLE_OPERATORS)
    if positive in _PATTERN_OPERATORS:
        arn = _PATTERN_OPERATORS[positive]
        patterns = []
        for raw in condition.values:
            compiled = static_condition_pattern(raw, arn, allow_vars)
            if compiled is None:
                try:
                    compiled = condition_pattern(raw, arn=arn, variables=True, context=context)
                except MissingVariable:
                    continue
            patterns.append(compiled)
        return patterns
    if not allow_vars:
        return list(condition.values)
    out = []
    for raw in condition.values:
        try:
            out.append(substitute(tokenize(raw, True), context))
        except MissingVariable:
            continue
    return out


def _pattern_match(context_value: str, pattern: re.Pattern[str]) -> bool:
    return pattern.fullmatch(context_value) is not None


def _context_values(context: Mapping[str, object], key: str) -> list[str] | None:
    if key not in context:
        return None
    value = context[key]
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    return ["true" if v is True else "false" if v is False else str(v) for v in items]


def condition_holds(condition: Condition, context: Mapping[str, object], variables: bool) -> bool:
    qualifier, base, if_exists = split_operator(condition.operator)
    present = _context_values(context, condition.key)

    if base == "null":
        want_missing = [v.lower() == "true" for v in condition.values]
        is_missing = present is None or len(present) == 0
        return any(w == is_missing for w in want_missing)

    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    # A value is a str, or a compiled pattern for the wildcard operators (_policy_values).
    matcher: Callable[[str, Any], bool] = _pattern_match if positive in _PATTERN_OPERATORS else _POSITIVE[positive]
    values = _policy_values(condition, positive, variables, context)

    def matches(context_value: str) -> bool:
        hit = any(matcher(context_value, p) for p in values)
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(matches(v) for v in (present or []))
    if qualifier == "foranyvalue":
        return any(matches(v) for v in (present or []))
    if present is None or not present:
        return if_exists or negated
    if negated:
        return all(matches(v) for v in present)
    return any(matches(v) for v in present)


def conditions_hold(conditions: Sequence[Condition], context: Mapping[str, object], variables: bool) -> bool:
    return all(condition_holds(c, context, variables) for c in conditions)


# Condition keys as AWS spells them (keys match case-insensitively, but people read them), for the
# keys the console supplies and a few other common global ones. Others are shown as written.
_AWS_SPELLING = {
    key.lower(): key
    for key in (
        "aws:CalledVia",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalType",
        "aws:RequestedRegion",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:TokenIssueTime",
        "aws:userid",
        "aws:username",
        "aws:ViaAWSService",
        "sts:ExternalId",
        "sts:RoleSessionName",
        "sts:SourceIdentity",
    )
}
_AWS_TAG_PREFIXES = ("aws:PrincipalTag/", "aws:RequestTag/", "aws:ResourceTag/")


def display_key(condition: Condition) -> str:
    """The condition key as AWS writes it (`aws:MultiFactorAuthAge`), else as the policy does."""
    if condition.key in _AWS_SPELLING:
        return _AWS_SPELLING[condition.key]
    for prefix in _AWS_TAG_PREFIXES:
        if condition.key.startswith(prefix.lower()):
            return prefix + (condition.name or condition.key)[len(prefix) :]
    return condition.name or condition.key


def missing_keys(
    conditions: Sequence[Condition], context: Mapping[str, object], assumed: Collection[str] = ()
) -> list[str]:
    """Condition keys the request context lacks, or holds only as an assumed default (lower-cased
    names in `assumed`), as AWS spells them: the simulator's MissingContextValues."""
    return sorted({display_key(c) for c in conditions if c.key not in context or c.key in assumed}, key=str.lower)
