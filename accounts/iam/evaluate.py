"""Policy evaluation: one request against identity, resource and boundary policies.

Follows the IAM User Guide's "Policy evaluation logic" and "Cross-account policy evaluation logic":
1. an explicit Deny in any applicable policy wins;
2. otherwise an Allow is needed: within one account from the identity side or the resource side
   (by the principal the resource policy names, see `evaluate_request`), across accounts from both;
3. a permissions boundary, when set, must also allow what identity policies grant;
4. anything else is an implicit deny.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .conditions import conditions_hold, missing_keys
from .policy import Policy, PrincipalSpec, Statement

DecisionName = Literal["allowed", "explicitDeny", "implicitDeny"]
# What kind of resource-based policy: a role's trust policy, an S3 bucket policy, or another service's.
ResourceKind = Literal["trust", "bucket", "generic"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: an IAM user, or a role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME`)."""

    arn: str
    account: str

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:root"

    @property
    def role_arn(self) -> str | None:
        """For a role session, the ARN of its role (a policy naming the role names its sessions)."""
        if ":assumed-role/" not in self.arn:
            return None
        role = self.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        return f"arn:aws:iam::{self.account}:role/{role}"


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)
    # Context keys whose values the caller did not give but a default filled in (the simulator's
    # "signed in without MFA"): the decision uses them, and they are reported as missing.
    assumed: frozenset[str] = frozenset()

    def lowered_context(self) -> dict[str, object]:
        return {k.lower(): v for k, v in self.context.items()}


def _merge_missing(*groups: Sequence[str]) -> tuple[str, ...]:
    """Missing context keys from several places, once each (keys are case-insensitive)."""
    seen: dict[str, str] = {}
    for group in groups:
        for key in group:
            seen.setdefault(key.lower(), key)
    return tuple(sorted(seen.values(), key=str.lower))


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


# How strongly a Principal element names the caller; a higher rank wins when several entries match.
_VIA_RANK = {"": 0, "account": 1, "role": 2, "arn": 3, "wildcard": 3}


def _principal_match(spec: PrincipalSpec, principal: Principal) -> str:
    """How a Principal element names the caller: 'wildcard', 'arn' (the caller itself: user or
    role session ARN), 'role' (the role of a role session), 'account', or '' when it does not."""
    if spec.wildcard:
        return "wildcard"
    best = ""
    role_arn = principal.role_arn
    for kind, value in spec.entries:
        if kind != "AWS":
            continue
        if value == "*" or value == principal.arn:
            return "wildcard" if value == "*" else "arn"
        if role_arn is not None and value == role_arn:
            via = "role"
        elif value == principal.account or value == principal.root_arn:
            via = "account"
        else:
            continue
        if _VIA_RANK[via] > _VIA_RANK[best]:
            best = via
    return best


def _spared_by_not_principal(spec: PrincipalSpec, principal: Principal) -> bool:
    """Does a Deny's NotPrincipal spare the caller? AWS checks each level of the caller: the
    account, then the user (or the role, for a role session). A level not listed is denied, so
    the list must name the account AND the user or role (IAM User Guide, NotPrincipal)."""
    if spec.wildcard:
        return True
    listed = {value for kind, value in spec.entries if kind == "AWS"}
    if "*" in listed:
        return True
    account_listed = principal.account in listed or principal.root_arn in listed
    caller = principal.role_arn or principal.arn
    return account_listed and caller in listed


def _statement_matches(
    statement: Statement, request: Request, ctx: Mapping[str, object], bounded: bool = False
) -> tuple[bool, str]:
    """Does the statement cover the request's action, resource and principal (conditions aside)?
    Returns (covers, how the principal matched). `bounded`: the caller has a permissions
    boundary (it changes what NotPrincipal spares)."""
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
        via = _principal_match(statement.principal, request.principal)
        if not via:
            return False, ""
    if statement.not_principal is not None:
        if statement.effect == "Deny":
            # IAM User Guide: a NotPrincipal Deny always denies a principal that has a
            # permissions boundary, whatever NotPrincipal lists.
            if not bounded and _spared_by_not_principal(statement.not_principal, request.principal):
                return False, ""
        elif _principal_match(statement.not_principal, request.principal):
            return False, ""  # Allow+NotPrincipal (unsupported by AWS, refused by validation)
        via = "wildcard"
    return True, via


def evaluate_policies(
    policies: Sequence[Policy], request: Request, source: str = "identity", *, bounded: bool = False
) -> Decision:
    """Evaluate one set of policies of the same kind (`source`: identity, resource or boundary).
    `missing_context` lists the condition keys, absent from the request, of the statements that
    cover the request: the decision may depend on them."""
    ctx = request.lowered_context()
    assumed = {k.lower() for k in request.assumed}
    matched: list[MatchedStatement] = []
    missing: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            covers, via = _statement_matches(statement, request, ctx, bounded)
            if not covers:
                continue
            if statement.conditions:
                missing += missing_keys(statement.conditions, ctx, assumed)
                if not conditions_hold(statement.conditions, ctx, policy.variables_enabled):
                    continue
            matched.append(MatchedStatement(policy.name, statement.label, statement.effect, via, source))
    if any(m.effect == "Deny" for m in matched):
        decision: DecisionName = "explicitDeny"
        matched = [m for m in matched if m.effect == "Deny"]
    elif matched:
        decision = "allowed"
    else:
        decision = "implicitDeny"
    return Decision(decision, tuple(matched), _merge_missing(missing))


def owner_from_arn(arn: str) -> str | None:
    """The account an ARN names (IAM roles, most services), or None where it names none (S3
    buckets and objects, `*`): then the owner must be given, or is taken as the caller's account."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None


RefusedBy = Literal["", "identity", "boundary", "resource"]


@dataclass(frozen=True)
class Evaluation:
    """One request decided against every kind of policy, with each side kept so a UI can say
    which one refused. `resource` is None when no resource-based policy was given (and none
    was required)."""

    decision: DecisionName
    identity: Decision
    resource: Decision | None
    boundary: Decision | None
    refused_by: RefusedBy
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def as_decision(self) -> Decision:
        return Decision(self.decision, self.matched, self.missing_context)


def evaluate_request(
    request: Request,
    identity_policies: Sequence[Policy],
    *,
    resource_policies: Sequence[Policy] | None = None,
    permissions_boundary: Sequence[Policy] | None = None,
    resource_owner: str | None = None,
    resource_kind: ResourceKind = "generic",
) -> Evaluation:
    """The IAM User Guide's evaluation logic for one request.

    - An explicit Deny in any policy wins.
    - Same account (the resource owner, by default the caller's account): identity policies and
      the resource-based policy are a union. A resource policy naming the caller itself (user
      ARN, role session ARN, or "*") grants on its own, beyond identity policies and the
      boundary; one naming the caller's role is limited by the boundary; one naming only the
      account defers to identity policies (and the boundary).
    - Cross account: the identity side (within the boundary) AND the resource policy must allow.
    - A trust policy (`resource_kind="trust"`) must allow even within the account; an unknown
      role (`resource_policies=None` with kind "trust") is refused.
    `resource_policies=None` means none applies: only identity policies decide (other kinds).
    """
    identity = evaluate_policies(identity_policies, request)
    boundary = None if permissions_boundary is None else evaluate_policies(permissions_boundary, request, "boundary")
    if resource_policies is not None:
        bounded = permissions_boundary is not None
        resource: Decision | None = evaluate_policies(resource_policies, request, "resource", bounded=bounded)
    elif resource_kind == "trust":
        resource = Decision("implicitDeny")
    else:
        resource = None
    same_account = (resource_owner or request.principal.account) == request.principal.account
    resource_required = resource is not None and (resource_kind == "trust" or not same_account)
    return _combine(identity, boundary, resource, same_account, resource_required)


def _combine(
    identity: Decision,
    boundary: Decision | None,
    resource: Decision | None,
    same_account: bool,
    resource_required: bool,
) -> Evaluation:
    """Join the sides' decisions as `evaluate_request` describes."""
    direct: tuple[MatchedStatement, ...] = ()
    role_grant: tuple[MatchedStatement, ...] = ()
    if resource is not None and same_account:
        direct = tuple(m for m in resource.allows if m.via in ("arn", "wildcard"))
        role_grant = tuple(m for m in resource.allows if m.via == "role")

    identity_ok = bool(direct or role_grant) or identity.allowed
    boundary_ok = bool(direct) or boundary is None or boundary.allowed
    resource_ok = not resource_required or (resource is not None and resource.allowed)
    denies = identity.denies + (boundary.denies if boundary else ()) + (resource.denies if resource else ())

    if denies:
        decision: DecisionName = "explicitDeny"
        matched = denies
    elif resource_ok and (direct or (identity_ok and boundary_ok)):
        decision = "allowed"
        matched = direct or identity.allows + (resource.allows if resource else ())
    else:
        decision = "implicitDeny"
        matched = ()

    refused_by = _refused_by(decision, identity, identity_ok, boundary, boundary_ok)
    missing = _merge_missing(
        identity.missing_context,
        boundary.missing_context if boundary else (),
        resource.missing_context if resource else (),
    )
    return Evaluation(decision, identity, resource, boundary, refused_by, tuple(matched), missing)


def _refused_by(
    decision: DecisionName, identity: Decision, identity_ok: bool, boundary: Decision | None, boundary_ok: bool
) -> RefusedBy:
    """The side to explain to the person: identity first, then the boundary, else the resource."""
    if decision == "allowed":
        return ""
    if identity.decision == "explicitDeny" or not identity_ok:
        return "identity"
    if boundary is not None and (not boundary_ok or boundary.denies):
        return "boundary"
    return "resource"


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    *,
    resource_policies: Sequence[Policy] = (),
    permissions_boundary: Sequence[Policy] | None = None,
    resource_owner: str | None = None,
    resource_kind: ResourceKind = "generic",
) -> Decision:
    """`evaluate_request` reduced to its decision. Without resource policies, identity policies
    (and the boundary) decide alone."""
    return evaluate_request(
        request,
        identity_policies,
        resource_policies=resource_policies or None,
        permissions_boundary=permissions_boundary,
        resource_owner=resource_owner,
        resource_kind=resource_kind,
    ).as_decision()


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
    """May `principal` assume `role_arn`? `evaluate_request` with the trust policy as the
    resource-based policy of kind "trust": it must always allow (an unknown role, with no trust
    policy, refuses); cross-account the identity side must allow too; same-account a trust
    statement naming the caller suffices, one naming only the account defers to identity
    policies. Explicit Deny anywhere wins."""
    result = evaluate_request(
        Request(principal, action, role_arn, context),
        identity_policies,
        resource_policies=[trust_policy] if trust_policy else None,
        permissions_boundary=permissions_boundary,
        resource_owner=role_account,
        resource_kind="trust",
    )
    trust = result.resource if result.resource is not None else Decision("implicitDeny")
    refused_by: Literal["", "identity", "trust", "boundary"] = (
        "trust" if result.refused_by == "resource" else result.refused_by
    )
    return AssumeRoleDecision(result.decision, result.identity, trust, result.boundary, refused_by, result.matched)
