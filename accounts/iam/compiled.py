"""Statement matchers compiled once per parsed policy.

Patterns without policy variables (the vast majority) are merged into one regular expression per
element, so a decision costs one regex match per element instead of one per pattern. Patterns
with variables are kept apart and resolved against each request's context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .patterns import MissingVariable, _arn_regex, arn_match, has_variables, to_regex, tokenize


def _pattern_regex(pattern: str, variables: bool) -> str:
    if pattern == "*":
        return ".*"
    tokens = tokenize(pattern, variables)
    if sum(t.count(":") for t in tokens if isinstance(t, str)) >= 5:
        return _arn_regex(tokens, None)
    return to_regex(tokens, None, wildcards=True)


@dataclass(frozen=True)
class PatternSet:
    """A list of action or resource patterns, matched as a whole."""

    static: re.Pattern[str] | None
    dynamic: tuple[str, ...]  # patterns holding variables
    variables: bool

    @classmethod
    def build(cls, patterns: Sequence[str], *, ignore_case: bool, variables: bool) -> PatternSet:
        static, dynamic = [], []
        for pattern in patterns:
            if variables and has_variables(tokenize(pattern, True)):
                dynamic.append(pattern)
            else:
                static.append(_pattern_regex(pattern, variables))
        flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
        regex = re.compile("|".join(f"(?:{r})" for r in static), flags) if static else None
        return cls(regex, tuple(dynamic), variables)

    def matches(self, value: str, context: Mapping[str, object]) -> bool:
        if self.static is not None and self.static.fullmatch(value):
            return True
        for pattern in self.dynamic:
            try:
                if arn_match(pattern, value, variables=True, context=context):
                    return True
            except MissingVariable:
                continue  # a variable without a value makes that entry match nothing
        return False
