"""The policy simulator, shaped like `aws iam simulate-custom-policy`.

Plain Python: the management commands read the database, this module decides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .evaluate import Decision, Principal, Request, evaluate_assume_role, evaluate_policies
from .policy import Policy, PolicyError, parse_policy
from .validate import PolicyKind, validate_policy

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
    result: dict[str, object] = {}
    current = None
    for part in entry.split(","):
        name, sep, value = part.partition("=")
        if sep and name in ("ContextKeyName", "ContextKeyValues", "ContextKeyType"):
            current = name
            result[name] = [value] if name == "ContextKeyValues" else value
        elif current == "ContextKeyValues":
            result["ContextKeyValues"].append(part)  # type: ignore[union-attr]
        else:
            raise SimulationInputError(
                f"Cannot read context entry {entry!r}: expected "
                "ContextKeyName=...,ContextKeyValues=...,ContextKeyType=..."
            )
    return result


def principal_from_arn(arn: str) -> Principal:
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[4].isdigit() or len(parts[4]) != 12:
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
    identity: Sequence[Policy]
    principal: Principal
    context: Mapping[str, object]
    boundary: Sequence[Policy] | None = None
    resource_policy: Policy | None = None
    resource_owner: str | None = None

    def run(self, actions: Sequence[str], resources: Sequence[str]) -> dict:
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

    def decide(self, action: str, resource: str) -> Decision:
        if self.resource_policy is None:
            request = Request(self.principal, action, resource, self.context)
            identity = evaluate_policies(self.identity, request)
            if self.boundary is None or not identity.allowed:
                return identity
            bound = evaluate_policies(self.boundary, request, "boundary")
            if bound.decision == "explicitDeny":
                return bound
            return identity if bound.allowed else Decision("implicitDeny", (), identity.missing_context)
        # With a resource policy: identity side AND/OR resource side by the account rules.
        owner = self.resource_owner or self.principal.account
        both = evaluate_assume_role(
            self.principal,
            resource,
            owner,
            self.identity,
            self.resource_policy,
            self.context,
            permissions_boundary=self.boundary,
            action=action,
        )
        missing = tuple(sorted(set(both.identity.missing_context) | set(both.trust.missing_context)))
        return Decision(both.decision, both.matched, missing)
