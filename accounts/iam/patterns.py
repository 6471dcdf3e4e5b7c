"""Wildcard patterns (`*`, `?`) with policy variables, compiled once and cached.

A pattern is tokenised into literal text, wildcards and variables. Text that a variable
resolves to is matched literally: `${aws:username}` never turns into a wildcard, and the
escapes `${*}`, `${?}`, `${$}` stand for the literal characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

# ${key} or ${key, 'default'}; the key may hold letters, digits and : / _ - .
_VARIABLE = re.compile(r"\$\{\s*([^,}]+?)\s*(?:,\s*'([^']*)'\s*)?\}")
_LITERAL_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Variable:
    key: str  # lower-cased: context keys are case-insensitive
    default: str | None


Token = str | Variable  # str tokens: "*" and "?" are wildcards, anything else literal text


class MissingVariable(Exception):
    """A policy variable has no value in the request context and no default."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@lru_cache(maxsize=8192)
def tokenize(pattern: str, variables: bool) -> tuple[Token, ...]:
    """Split a pattern into tokens. Without `variables` (Version 2008-10-17) `${...}` is text."""
    tokens: list[Token] = []
    pos = 0
    text: list[str] = []

    def flush() -> None:
        if text:
            tokens.append("".join(text))
            text.clear()

    while pos < len(pattern):
        if variables and pattern.startswith("${", pos):
            match = _VARIABLE.match(pattern, pos)
            if match:
                key = match.group(1)
                if key in _LITERAL_ESCAPES:
                    text.append("\0" + key)  # marked literal, see _literal()
                else:
                    flush()
                    tokens.append(Variable(key.lower(), match.group(2)))
                pos = match.end()
                continue
        char = pattern[pos]
        if char in "*?":
            flush()
            tokens.append(char)
        else:
            text.append(char)
        pos += 1
    flush()
    return tuple(tokens)


def has_variables(tokens: Sequence[Token]) -> bool:
    return any(isinstance(t, Variable) for t in tokens)


def _literal(text: str) -> str:
    return text.replace("\0", "")


def resolve_variable(var: Variable, context: Mapping[str, object]) -> str:
    value = context.get(var.key)
    if isinstance(value, (list, tuple)):
        # A multi-valued key cannot stand in a single-valued place.
        value = value[0] if len(value) == 1 else None
    if value is None:
        if var.default is not None:
            return var.default
        raise MissingVariable(var.key)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_regex(tokens: Sequence[Token], context: Mapping[str, object] | None, wildcards: bool) -> str:
    parts = []
    for token in tokens:
        if isinstance(token, Variable):
            parts.append(re.escape(resolve_variable(token, context or {})))
        elif wildcards and token == "*":
            parts.append(".*")
        elif wildcards and token == "?":
            parts.append(".")
        else:
            parts.append(re.escape(_literal(token)))
    return "".join(parts)


def substitute(tokens: Sequence[Token], context: Mapping[str, object] | None) -> str:
    """The pattern's text with variables replaced (for operators without wildcards)."""
    out = []
    for token in tokens:
        out.append(resolve_variable(token, context or {}) if isinstance(token, Variable) else _literal(token))
    return "".join(out)


@lru_cache(maxsize=8192)
def _compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(
    pattern: str,
    value: str,
    *,
    ignore_case: bool = False,
    variables: bool = False,
    context: Mapping[str, object] | None = None,
) -> bool:
    """Whole-string match of `value` against a pattern with `*` and `?` (and variables)."""
    tokens = tokenize(pattern, variables)
    regex = to_regex(tokens, context, wildcards=True)
    return _compiled(regex, ignore_case).fullmatch(value) is not None


def arn_match(
    pattern: str,
    arn: str,
    *,
    variables: bool = False,
    context: Mapping[str, object] | None = None,
) -> bool:
    """ARN matching as IAM does it: each of the six colon-separated parts separately.

    `*` and `?` never cross a part boundary, except in the last part (the resource), where
    `*` also spans `/` and `:`. A lone `*` matches anything. Patterns that are not
    six-part ARNs fall back to whole-string matching.
    """
    if pattern == "*":
        return True
    tokens = tokenize(pattern, variables)
    if sum(t.count(":") for t in tokens if isinstance(t, str)) < 5:
        return glob_match(pattern, arn, variables=variables, context=context)
    return _compiled(_arn_regex(tokens, context), False).fullmatch(arn) is not None


def condition_pattern(
    pattern: str, *, arn: bool, variables: bool, context: Mapping[str, object] | None
) -> re.Pattern[str]:
    """A StringLike or Arn* condition value, compiled: wildcards as in Resource (segment-wise
    for ARNs), variables resolved to literal text, and `${*}`, `${?}`, `${$}` literal
    characters. Raises MissingVariable."""
    tokens = tokenize(pattern, variables)
    if arn and sum(t.count(":") for t in tokens if isinstance(t, str)) >= 5:
        return _compiled(_arn_regex(tokens, context), False)
    return _compiled(to_regex(tokens, context, wildcards=True), False)


@lru_cache(maxsize=8192)
def static_condition_pattern(pattern: str, arn: bool, variables: bool) -> re.Pattern[str] | None:
    """`condition_pattern` for a value without variables (most are), cached; None otherwise."""
    if variables and has_variables(tokenize(pattern, True)):
        return None
    return condition_pattern(pattern, arn=arn, variables=variables, context=None)


def _arn_regex(tokens: Sequence[Token], context: Mapping[str, object] | None) -> str:
    parts = []
    colons = 0
    for token in tokens:
        in_resource = colons >= 5
        if isinstance(token, Variable):
            parts.append(re.escape(resolve_variable(token, context or {})))
        elif token == "*":
            parts.append(".*" if in_resource else "[^:]*")
        elif token == "?":
            parts.append("." if in_resource else "[^:]")
        else:
            parts.append(re.escape(_literal(token)))
            colons += token.count(":")
    return "".join(parts)
