"""Simulating a console user's real policies (the CLI command and the admin simulator page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from console import switching

from .iam import Policy, Principal, simulate
from .models import Role, User


def simulate_user(
    user: User,
    actions: Sequence[str],
    resources: Sequence[str],
    extra_context: Mapping[str, object] | None = None,
    resource_policy: Policy | None = None,
    resource_owner: str | None = None,
) -> dict:
    """EvaluationResults for the user's policies and boundary, with the context the console
    supplies (no MFA unless the extra context says so). For sts:AssumeRole on a role the console
    knows, and no resource policy given, its trust policy is used: exactly the switch decision."""
    context = {**switching.decision_context(user), **(extra_context or {})}
    principal = Principal(user.arn, user.account.account_id)
    identity, boundary = user.identity_policies(), user.boundary_policies()
    results = []
    for action in actions:
        for resource in resources or ["*"]:
            policy, owner = resource_policy, resource_owner
            if policy is None and action.lower() == "sts:assumerole":
                role = Role.by_arn(resource)
                if role is not None:
                    policy, owner = role.parsed_trust_policy(), role.account.account_id
            sim = simulate.Simulation(identity, principal, context, boundary, policy, owner)
            results += sim.run([action], [resource])["EvaluationResults"]
    return {"EvaluationResults": results}
