"""Policy documents parsed into immutable statements, cached per document text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .compiled import PatternSet
from .operators import UnknownOperator, split_operator

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"


class PolicyError(ValueError):
    """A document that cannot be evaluated. The message reads like AWS's MalformedPolicyDocument."""


@dataclass(frozen=True)
class Condition:
    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # lower-cased
    values: tuple[str, ...]
    name: str = field(default="", compare=False)  # the key as written, for messages


@dataclass(frozen=True)
class PrincipalSpec:
    """A Principal/NotPrincipal element: "*" or a mapping of type to values."""

    wildcard: bool = False
    entries: tuple[tuple[str, str], ...] = ()  # (type, value), e.g. ("AWS", "111122223333")


@dataclass(frozen=True)
class Statement:
    index: int  # 0-based position in the policy
    sid: str | None
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principal: PrincipalSpec | None = None
    not_principal: PrincipalSpec | None = None
    conditions: tuple[Condition, ...] = ()
    # Compiled once at parse time (see compiled.py); not part of equality.
    action_set: PatternSet | None = field(default=None, compare=False, repr=False)
    not_action_set: PatternSet | None = field(default=None, compare=False, repr=False)
    resource_set: PatternSet | None = field(default=None, compare=False, repr=False)
    not_resource_set: PatternSet | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"statement {self.index + 1}"


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    statements: tuple[Statement, ...] = field(default_factory=tuple)

    @property
    def variables_enabled(self) -> bool:
        return self.version == VERSION_2012


def _as_tuple(value: Any, element: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{element} in {where} must be a string or a non-empty list of strings.")


def _principal(value: Any, where: str) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(wildcard=True)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'Invalid principal in {where}: expected "*" or an object.')
    entries = []
    for kind, raw in value.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"Invalid principal type {kind!r} in {where}.")
        for item in _as_tuple(raw, f"Principal {kind}", where):
            entries.append((kind, item))
    return PrincipalSpec(entries=tuple(entries))


def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        raise PolicyError(f"Condition in {where} must be an object.")
    out = []
    for operator, block in value.items():
        try:
            split_operator(operator)
        except UnknownOperator:
            raise PolicyError(f"Invalid Condition type : {operator} in {where}.") from None
        if not isinstance(block, dict):
            raise PolicyError(f"Condition operator {operator} in {where} must map keys to values.")
        for key, raw in block.items():
            values = raw if isinstance(raw, list) else [raw]
            if not all(isinstance(v, (str, bool, int, float)) for v in values):
                raise PolicyError(f"Condition {operator} {key} in {where} has a value that is not a scalar.")
            out.append(Condition(operator, key.lower(), tuple(_scalar(v) for v in values), key))
    return tuple(out)


def _scalar(value: str | bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _statement_header(raw: Any, index: int) -> tuple[str, str | None, str]:
    """Where a statement is (for messages), its Sid and its Effect, once its elements are checked."""
    where = f"statement {index + 1}"
    if not isinstance(raw, dict):
        raise PolicyError(f"Statement {index + 1} must be an object.")
    sid = raw.get("Sid")
    if sid is not None:
        where = f"statement {sid!r}"
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'Invalid effect {effect!r} in {where}: must be "Allow" or "Deny".')
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"Exactly one of Action or NotAction is required in {where}.")
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(f"Resource and NotResource cannot both appear in {where}.")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(f"Principal and NotPrincipal cannot both appear in {where}.")
    return where, sid, effect


def _optional(raw: dict[str, Any], element: str, where: str) -> tuple[str, ...] | None:
    return _as_tuple(raw[element], element, where) if element in raw else None


def _compiled(patterns: tuple[str, ...] | None, actions: bool, variables: bool) -> PatternSet | None:
    if patterns is None:
        return None
    # Actions: case-insensitive, no variables. Resources: case-sensitive, variables in 2012-10-17.
    return PatternSet.build(patterns, ignore_case=actions, variables=variables and not actions)


def _statement(raw: Any, index: int, variables: bool) -> Statement:
    where, sid, effect = _statement_header(raw, index)
    actions, not_actions = _optional(raw, "Action", where), _optional(raw, "NotAction", where)
    resources, not_resources = _optional(raw, "Resource", where), _optional(raw, "NotResource", where)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        action_set=_compiled(actions, True, variables),
        not_action_set=_compiled(not_actions, True, variables),
        resource_set=_compiled(resources, False, variables),
        not_resource_set=_compiled(not_resources, False, variables),
        principal=_principal(raw["Principal"], where) if "Principal" in raw else None,
        not_principal=_principal(raw["NotPrincipal"], where) if "NotPrincipal" in raw else None,
        conditions=_conditions(raw["Condition"], where) if "Condition" in raw else (),
    )


@lru_cache(maxsize=4096)
def _parse_text(document: str, name: str) -> Policy:
    try:
        data = json.loads(document)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"Syntax errors in policy: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    return _parse_data(data, name)


def _parse_data(data: Any, name: str) -> Policy:
    if not isinstance(data, dict):
        raise PolicyError("The policy must be a JSON object.")
    version = data.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        raise PolicyError(f"The policy has an invalid Version {version!r}.")
    raw_statements = data.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list) or not raw_statements:
        raise PolicyError("The policy must contain at least one Statement.")
    variables = version == VERSION_2012
    return Policy(name, version, tuple(_statement(s, i, variables) for i, s in enumerate(raw_statements)))


def parse_policy(document: str | dict[str, Any], name: str = "policy") -> Policy:
    """Parse a policy document (JSON text or an already-decoded dict).

    Text is parsed once and cached by content, so repeated decisions reuse the same
    statements and their compiled matchers.
    """
    if isinstance(document, str):
        return _parse_text(document, name)
    return _parse_data(document, name)
