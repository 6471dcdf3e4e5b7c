"""Policy evaluation: one request against identity, resource and boundary policies.

Follows the IAM User Guide's "Policy evaluation logic":
1. an explicit Deny in any applicable policy wins;
2. otherwise an Allow is needed from the identity side (and, where present, the resource side,
   per the account rules in `evaluate_assume_role`);
3. a permissions boundary, when set, must also allow;
4. anything else is an implicit deny.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .conditions import conditions_hold, missing_keys
from .policy import Policy, PrincipalSpec, Statement

DecisionName = Literal["allowed", "explicitDeny", "implicitDeny"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: an IAM user (or role session) of some account."""

    arn: str
    account: str

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:root"

    @property
    def arns(self) -> tuple[str, ...]:
        """ARNs a policy may name for this principal: a role session is also its role."""
        if ":assumed-role/" in self.arn:
            role = self.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
            return self.arn, f"arn:aws:iam::{self.account}:role/{role}"
        return (self.arn,)


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)

    def lowered_context(self) -> dict[str, object]:
        return {k.lower(): v for k, v in self.context.items()}


@dataclass(frozen=True)
class MatchedStatement:
    policy: str
    statement: str  # Sid, or "statement N"
    effect: str
    via: str = ""  # for resource policies: "arn", "account" or "wildcard" principal match
    source: str = "identity"  # "identity", "resource" or "boundary"

    def __str__(self) -> str:
        return f"{self.policy} ({self.statement})"


@dataclass(frozen=True)
class Decision:
    decision: DecisionName
    matched: tuple[MatchedStatement, ...] = ()
    missing_context: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    @property
    def denies(self) -> tuple[MatchedStatement, ...]:
        return tuple(m for m in self.matched if m.effect == "Deny")

    @property
    def allows(self) -> tuple[MatchedStatement, ...]:
        return tuple(m for m in self.matched if m.effect == "Allow")


def _principal_match(spec: PrincipalSpec, principal: Principal) -> str | None:
    """How a Principal element names the caller: 'wildcard', 'account', 'arn', or None."""
    if spec.wildcard:
        return "wildcard"
    for kind, value in spec.entries:
        if kind != "AWS":
            continue
        if value == "*":
            return "wildcard"
        if value == principal.account or value == principal.root_arn:
            return "account"
        if value in principal.arns:
            return "arn"
    return None


def _statement_applies(
    statement: Statement, request: Request, ctx: Mapping[str, object], variables: bool
) -> tuple[bool, str]:
    """Does the statement apply to the request? Returns (applies, how the principal matched)."""
    if statement.action_set is not None and not statement.action_set.matches(request.action, ctx):
        return False, ""
    if statement.not_action_set is not None and statement.not_action_set.matches(request.action, ctx):
        return False, ""
    if statement.resource_set is not None and not statement.resource_set.matches(request.resource, ctx):
        return False, ""
    if statement.not_resource_set is not None and statement.not_resource_set.matches(request.resource, ctx):
        return False, ""
    via = ""
    if statement.principal is not None:
        via = _principal_match(statement.principal, request.principal) or ""
        if not via:
            return False, ""
    if statement.not_principal is not None:
        if _principal_match(statement.not_principal, request.principal):
            return False, ""
        via = "wildcard"
    if statement.conditions and not conditions_hold(statement.conditions, ctx, variables):
        return False, ""
    return True, via


def evaluate_policies(policies: Sequence[Policy], request: Request, source: str = "identity") -> Decision:
    """Evaluate one set of policies of the same kind (`source`: identity, resource or boundary)."""
    ctx = request.lowered_context()
    matched: list[MatchedStatement] = []
    missing: set[str] = set()
    for policy in policies:
        for statement in policy.statements:
            applies, via = _statement_applies(statement, request, ctx, policy.variables_enabled)
            if applies:
                matched.append(MatchedStatement(policy.name, statement.label, statement.effect, via, source))
            elif statement.conditions:
                missing.update(missing_keys(statement.conditions, ctx))
    if any(m.effect == "Deny" for m in matched):
        decision: DecisionName = "explicitDeny"
        matched = [m for m in matched if m.effect == "Deny"]
    elif matched:
        decision = "allowed"
    else:
        decision = "implicitDeny"
    return Decision(decision, tuple(matched), tuple(sorted(missing)))


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    *,
    resource_policies: Sequence[Policy] = (),
    permissions_boundary: Sequence[Policy] | None = None,
) -> Decision:
    """A request within one account. Deny anywhere wins. A resource policy that names the
    caller itself (ARN or "*") grants on its own; otherwise identity policies must allow, and a
    permissions boundary, when given, must allow too."""
    identity = evaluate_policies(identity_policies, request)
    resource = (
        evaluate_policies(resource_policies, request, "resource") if resource_policies else Decision("implicitDeny")
    )
    boundary = (
        evaluate_policies(permissions_boundary, request, "boundary") if permissions_boundary is not None else None
    )
    missing = tuple(sorted(set(identity.missing_context) | set(resource.missing_context)))
    denies = identity.denies + resource.denies + (boundary.denies if boundary else ())
    if denies:
        return Decision("explicitDeny", denies, missing)
    direct = _direct_grants(resource)
    if direct:
        return Decision("allowed", direct, missing)
    if identity.allowed and (boundary is None or boundary.allowed):
        return Decision("allowed", identity.allows, missing)
    return Decision("implicitDeny", (), missing)


def _direct_grants(resource: Decision) -> tuple[MatchedStatement, ...]:
    """Resource-policy Allows that name the caller (not just its account)."""
    return tuple(m for m in resource.allows if m.via in ("arn", "wildcard"))


@dataclass(frozen=True)
class AssumeRoleDecision:
    """The switch decision, with each side kept so the UI can say why.

    `refused_by` names the side to explain to the person. It prefers the identity side: that
    answer depends only on the caller's own policies and the role ARN they typed, so it never
    reveals whether a role they may not use exists.
    """

    decision: DecisionName
    identity: Decision
    trust: Decision
    boundary: Decision | None
    refused_by: Literal["", "identity", "trust", "boundary"]
    matched: tuple[MatchedStatement, ...]

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


def evaluate_assume_role(
    principal: Principal,
    role_arn: str,
    role_account: str,
    identity_policies: Sequence[Policy],
    trust_policy: Policy | None,
    context: Mapping[str, object],
    *,
    permissions_boundary: Sequence[Policy] | None = None,
    action: str = "sts:AssumeRole",
) -> AssumeRoleDecision:
    """May `principal` assume `role_arn`?

    The trust policy must always allow (an unknown role, with no trust policy, refuses).
    Cross-account, the caller's identity policies must allow too. Same-account, a trust
    statement naming the caller's ARN suffices; one naming only the account (`ACCOUNT` or
    `arn:aws:iam::ACCOUNT:root`) defers to identity policies. Explicit Deny anywhere wins.
    """
    request = Request(principal, action, role_arn, context)
    identity = evaluate_policies(identity_policies, request)
    trust = evaluate_policies([trust_policy], request, "resource") if trust_policy else Decision("implicitDeny")
    boundary = (
        evaluate_policies(permissions_boundary, request, "boundary") if permissions_boundary is not None else None
    )
    direct = _direct_grants(trust) if principal.account == role_account else ()

    identity_ok = bool(direct) or identity.allowed
    boundary_ok = bool(direct) or boundary is None or boundary.allowed
    denies = identity.denies + (boundary.denies if boundary else ()) + trust.denies

    if denies:
        decision: DecisionName = "explicitDeny"
        matched = denies
    elif identity_ok and boundary_ok and trust.allowed:
        decision = "allowed"
        matched = direct or identity.allows + trust.allows
    else:
        decision = "implicitDeny"
        matched = ()

    if decision == "allowed":
        refused_by = ""
    elif identity.decision == "explicitDeny" or not identity_ok:
        refused_by = "identity"
    elif boundary is not None and not boundary_ok or (boundary and boundary.denies):
        refused_by = "boundary"
    else:
        refused_by = "trust"
    return AssumeRoleDecision(decision, identity, trust, boundary, refused_by, tuple(matched))
