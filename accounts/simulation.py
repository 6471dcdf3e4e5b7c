"""Simulating a console user's real policies (the CLI command and the admin simulator page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import switch_decision
from .iam import Policy, Principal, ResourceKind, simulate
from .models import Role, User


def simulate_user(
    user: User,
    actions: Sequence[str],
    resources: Sequence[str],
    extra_context: Mapping[str, object] | None = None,
    resource_policy: Policy | None = None,
    resource_owner: str | None = None,
    resource_kind: ResourceKind = "generic",
    bucket_policy: Policy | None = None,
) -> dict:
    """EvaluationResults for the user's policies and boundary, with the context the console
    supplies (no MFA unless the extra context says so). For sts:AssumeRole on a role the console
    knows, and no resource policy given, its trust policy is used: exactly the switch decision.
    A `bucket_policy` applies to S3 resources, `resource_policy` to the others."""
    context = {**switch_decision.decision_context(user), **(extra_context or {})}
    # "Without MFA" is the console's default, not a fact the administrator gave: a decision that
    # turns on it lists aws:MultiFactorAuthPresent as missing, so they know to supply it.
    given = {k.lower() for k in extra_context or {}}
    assumed = frozenset() if "aws:multifactorauthpresent" in given else frozenset({"aws:MultiFactorAuthPresent"})
    principal = Principal(user.arn, user.require_account().account_id)
    identity, boundary = user.identity_policies(), user.boundary_policies()
    results = []
    for action in actions:
        for resource in resources or ["*"]:
            policy, kind = resource_policy, resource_kind
            if bucket_policy is not None and resource.startswith("arn:aws:s3:::"):
                policy, kind = bucket_policy, "bucket"
            if policy is None and action.lower() == "sts:assumerole":
                role = Role.by_arn(resource)
                if role is not None:
                    policy, kind = role.parsed_trust_policy(), "trust"
            sim = simulate.Simulation(identity, principal, context, boundary, policy, resource_owner, kind, assumed)
            results += sim.run([action], [resource])["EvaluationResults"]
    return {"EvaluationResults": results}
