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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from .operators import NEGATED as _NEGATED
from .operators import split_operator
from .patterns import MissingVariable, arn_match, glob_match, substitute, tokenize
from .policy import Condition

Matcher = Callable[[str, str], bool]


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


def _compare(parse: Callable[[str], object], test: Callable[[object, object], bool]) -> Matcher:
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
    "stringlike": lambda c, p: glob_match(p, c),
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
    "arnequals": lambda c, p: arn_match(p, c),
    "arnlike": lambda c, p: arn_match(p, c),
}
# Operators whose values may hold policy variables (Version 2012-10-17 only).
_VARIABLE_OPERATORS = {"string", "arn", "bool"}


def _policy_values(condition: Condition, base: str, variables: bool, context: Mapping[str, object]) -> list[str]:
    """The condition's values with policy variables substituted. Values whose variable is
    missing from the context are dropped (they cannot match anything)."""
    allow_vars = variables and any(base.startswith(p) or base.startswith("not" + p) for p in _VARIABLE_OPERATORS)
    if not allow_vars:
        return list(condition.values)
    out = []
    for raw in condition.values:
        tokens = tokenize(raw, True)
        try:
            text = substitute(tokens, context)
        except MissingVariable:
            continue
        out.append(text)
    return out


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
    matcher = _POSITIVE[_NEGATED.get(base, base)]
    values = _policy_values(condition, base, variables, context)

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


def missing_keys(conditions: Sequence[Condition], context: Mapping[str, object]) -> list[str]:
    """Condition keys the request context lacks (for the simulator's MissingContextValues)."""
    return sorted({c.key for c in conditions if c.key not in context})
