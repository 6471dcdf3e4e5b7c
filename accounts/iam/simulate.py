"""The policy simulator, shaped like `aws iam simulate-custom-policy`.

Plain Python: the management commands read the database, this module decides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .evaluate import Decision, Principal, Request, ResourceKind, evaluate, owner_from_arn
from .policy import Policy, PolicyError, parse_policy
from .validate import PolicyKind, validate_policy

RESOURCE_POLICY_KINDS: tuple[ResourceKind, ...] = ("trust", "bucket", "generic")

CONTEXT_TYPES = {
    "string",
    "stringlist",
    "numeric",
    "numericlist",
    "boolean",
    "booleanlist",
    "date",
    "datelist",
    "ip",
    "iplist",
    "binary",
    "binarylist",
}
SOURCE_TYPES = {"identity": "IAM Policy", "boundary": "Permissions Boundary", "resource": "Resource Policy"}


class SimulationInputError(ValueError):
    """Bad simulator input; the message is one line for the command to print."""


def read_document(value: str) -> str:
    """JSON text, or `file://path` as the AWS CLI accepts."""
    if value.startswith("file://"):
        path = Path(value[len("file://") :])
        try:
            return path.read_text()
        except OSError as exc:
            raise SimulationInputError(f"Cannot read {path}: {exc.strerror}") from None
    return value


def infer_resource_kind(text: str) -> ResourceKind:
    """Which kind of resource-based policy a document is, from its shape: a trust policy has no
    Resource in any statement (IAM forbids it there); a policy whose resources are all S3 ARNs is
    a bucket policy; anything else is another service's. A document too broken to tell is
    taken as generic, and validation then says what is wrong with it."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return "generic"
    statements = data.get("Statement") if isinstance(data, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return "generic"
    resources: list[object] = []
    for statement in statements:
        for element in ("Resource", "NotResource"):
            value = statement.get(element)
            if value is not None:
                resources += value if isinstance(value, list) else [value]
    if not resources:
        return "trust"
    if all(isinstance(r, str) and r.startswith("arn:aws:s3:::") for r in resources):
        return "bucket"
    return "generic"


def load_resource_policy(
    value: str, kind: str | None = None, name: str = "ResourcePolicy"
) -> tuple[Policy, ResourceKind]:
    """A resource-based policy of the given kind (trust, bucket, generic), or of the kind its
    shape shows when none is given; validated by that kind's rules."""
    text = read_document(value)
    if kind is None:
        resource_kind = infer_resource_kind(text)
    elif kind in RESOURCE_POLICY_KINDS:
        resource_kind = cast(ResourceKind, kind)
    else:
        raise SimulationInputError(f"--resource-policy-kind {kind!r} is not one of {', '.join(RESOURCE_POLICY_KINDS)}.")
    return load_policy(text, name, resource_kind), resource_kind


def parse_resource_owner(value: str | None) -> str | None:
    """--resource-owner: a 12-digit account ID or its root ARN (as AWS's ResourceOwner)."""
    if not value:
        return None
    account = value if value.isdigit() else owner_from_arn(value) if value.endswith(":root") else None
    if account is None or len(account) != 12:
        raise SimulationInputError(
            f"--resource-owner {value!r} is not a 12-digit account ID or arn:aws:iam::ACCOUNT:root."
        )
    return account


def load_policy(value: str, name: str, kind: PolicyKind) -> Policy:
    text = read_document(value)
    result = validate_policy(text, kind)
    if result.errors:
        raise SimulationInputError(f"MalformedPolicyDocument in {name}: {result.errors[0]}")
    try:
        return parse_policy(text, name)
    except PolicyError as exc:
        raise SimulationInputError(f"MalformedPolicyDocument in {name}: {exc}") from None


def _typed(values: list[str], kind: str) -> object:
    kind = kind.lower()
    if kind not in CONTEXT_TYPES:
        raise SimulationInputError(f"ContextKeyType {kind!r} is not one of {', '.join(sorted(CONTEXT_TYPES))}.")
    if kind.endswith("list"):
        return list(values)
    if len(values) != 1:
        raise SimulationInputError(f"ContextKeyType {kind} takes exactly one value; use {kind}List for several.")
    return values[0]


def parse_context_entries(entries: Sequence[str]) -> dict[str, object]:
    """AWS shorthand (`ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=string`) or JSON
    (an object, or a list of objects, with those three keys)."""
    context: dict[str, object] = {}
    for raw in entries:
        entry = raw.strip()
        if entry.startswith(("{", "[")):
            try:
                data = json.loads(entry)
            except json.JSONDecodeError as exc:
                raise SimulationInputError(f"--context-entries JSON is invalid: {exc.msg}.") from None
            items = data if isinstance(data, list) else [data]
        else:
            items = [_shorthand(entry)]
        for item in items:
            if not isinstance(item, dict) or "ContextKeyName" not in item:
                raise SimulationInputError(
                    "Each context entry needs ContextKeyName, ContextKeyValues and ContextKeyType."
                )
            values = item.get("ContextKeyValues", [])
            values = [str(v) for v in (values if isinstance(values, list) else [values])]
            context[str(item["ContextKeyName"])] = _typed(values, str(item.get("ContextKeyType", "string")))
    return context


def _shorthand(entry: str) -> dict[str, object]:
    """Split `ContextKeyName=k,ContextKeyValues=a,b,ContextKeyType=t`: values run until the next Key=."""
    result: dict[str, Any] = {}  # ContextKeyValues: a list; the others: str
    current = None
    for part in entry.split(","):
        name, sep, value = part.partition("=")
        if sep and name in ("ContextKeyName", "ContextKeyValues", "ContextKeyType"):
            current = name
            result[name] = [value] if name == "ContextKeyValues" else value
        elif current == "ContextKeyValues":
            result["ContextKeyValues"].append(part)
        else:
            raise SimulationInputError(
                f"Cannot read context entry {entry!r}: expected "
                "ContextKeyName=...,ContextKeyValues=...,ContextKeyType=..."
            )
    return result


def principal_from_arn(arn: str) -> Principal:
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[4].isascii() or not parts[4].isdigit() or len(parts[4]) != 12:
        raise SimulationInputError(f"--caller-arn {arn!r} is not an IAM ARN with a 12-digit account.")
    return Principal(arn, parts[4])


def _matched(decision: Decision) -> list[dict[str, str]]:
    return [
        {
            "SourcePolicyId": m.policy,
            "SourcePolicyType": SOURCE_TYPES[m.source],
            "StatementId": m.statement,
            "Effect": m.effect,
        }
        for m in decision.matched
    ]


@dataclass
class Simulation:
    """`resource_owner` owns resources whose ARN names no account (S3 buckets and objects); an
    ARN that names one (an IAM role) is owned by that account; by default, the caller's."""

    identity: Sequence[Policy]
    principal: Principal
    context: Mapping[str, object]
    boundary: Sequence[Policy] | None = None
    resource_policy: Policy | None = None
    resource_owner: str | None = None
    resource_kind: ResourceKind = "generic"
    # Context keys filled in by default rather than given (see Request.assumed).
    assumed: frozenset[str] = frozenset()

    def run(self, actions: Sequence[str], resources: Sequence[str]) -> dict[str, Any]:
        results = []
        for action in actions:
            for resource in resources or ["*"]:
                decision = self.decide(action, resource)
                results.append(
                    {
                        "EvalActionName": action,
                        "EvalResourceName": resource,
                        "EvalDecision": decision.decision,
                        "MatchedStatements": _matched(decision),
                        "MissingContextValues": list(decision.missing_context),
                    }
                )
        return {"EvaluationResults": results}

    def owner_of(self, resource: str) -> str:
        return owner_from_arn(resource) or self.resource_owner or self.principal.account

    def decide(self, action: str, resource: str) -> Decision:
        return evaluate(
            Request(self.principal, action, resource, self.context, self.assumed),
            self.identity,
            resource_policies=[self.resource_policy] if self.resource_policy else (),
            permissions_boundary=self.boundary,
            resource_owner=self.owner_of(resource),
            resource_kind=self.resource_kind,
        )
