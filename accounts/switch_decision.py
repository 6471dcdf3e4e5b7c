"""The switch *decision*: may this user assume this role, now, and if not, why not, in words.

The one place it is made (browser switch, role-session renewal, `/sts/`, the role catalogue,
the admin's tools, the simulator): the IAM engine (`accounts.iam`) asked with the user's identity
policies and boundary, the role's trust policy, and the condition context the console supplies.
No AWS call and no audit row here; brokering and recording are console's (`console.switching`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

from django.http import HttpRequest

from . import access_matrix as matrix
from . import clock, iam, mfa
from .http import client_ip
from .models import Role, User

ACTION = "sts:AssumeRole"


def session_name(username: str) -> str:
    # RoleSessionName and SourceIdentity need 2-64 of [\w+=,.@-]; IAM usernames allow 1 char.
    return username if len(username) >= 2 else f"{username}_"


def decision_context(
    user: User, *, mfa_age: int | None = None, source_ip: str | None = None, secure: bool = True
) -> dict[str, object]:
    """The IAM condition context for a decision made on `user`'s behalf."""
    moment = clock.now()
    context: dict[str, object] = {
        "aws:username": user.username,
        "aws:userid": user.unique_id,
        "aws:PrincipalArn": user.arn,
        "aws:PrincipalAccount": user.require_account().account_id,
        "aws:PrincipalType": "User",
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(moment.timestamp())),
        "aws:SecureTransport": secure,
        "aws:MultiFactorAuthPresent": mfa_age is not None,
        "sts:RoleSessionName": session_name(user.username),
        "sts:SourceIdentity": session_name(user.username),
    }
    if source_ip:
        context["aws:SourceIp"] = source_ip
    if mfa_age is not None:  # aws:MultiFactorAuthAge exists only when MFA was used
        context["aws:MultiFactorAuthAge"] = str(mfa_age)
    return context


def request_context(request: HttpRequest, user: User) -> dict[str, object]:
    return decision_context(
        user, mfa_age=mfa.session_mfa_age(request), source_ip=client_ip(request), secure=request.is_secure()
    )


class _Load(enum.Enum):
    LOAD = "load"


_LOAD: Final = _Load.LOAD  # "read it from the database"


def evaluate(
    user: User,
    role_arn: str,
    role: Role | None,
    context: dict[str, object],
    *,
    identity: list[iam.Policy] | Literal[_Load.LOAD] = _LOAD,
    boundary: list[iam.Policy] | None | Literal[_Load.LOAD] = _LOAD,
) -> iam.AssumeRoleDecision:
    """The switch decision, the one place it is made (browser, STS endpoint, admin tools).
    `role` is the registered role (None when unknown: the trust side then refuses). Pass
    `identity` / `boundary` already loaded to decide many times without re-reading them."""
    return iam.evaluate_assume_role(
        iam.Principal(user.arn, user.require_account().account_id),
        role_arn,
        role_arn.split(":")[4],
        user.identity_policies() if identity is _LOAD else identity,
        role.parsed_trust_policy() if role else None,
        context,
        permissions_boundary=user.boundary_policies() if boundary is _LOAD else boundary,
    )


def decide_for(user: User, role: Role, *, mfa_age: int | None = None, **loaded) -> iam.AssumeRoleDecision:
    """The decision outside a request (admin tools), with the context the console supplies."""
    return evaluate(user, role.arn, role, decision_context(user, mfa_age=mfa_age), **loaded)


def has_own_policies(user: User) -> bool:
    return user.inline_policies.exists() or user.managed_policies.exists()


def explain(
    decision: iam.AssumeRoleDecision,
    user: User,
    role_arn: str,
    own_policies: bool | None = None,
    *,
    subject: str | None = None,
    with_mfa: iam.AssumeRoleDecision | None = None,
) -> str:
    """The refusal in words a person understands. `own_policies` (does the user have policies of
    their own, beyond their groups'?) may be passed in when explaining many decisions.

    By default it speaks to the user ("Your groups' policies..."). With `subject` (a username) it
    speaks about them, for administrators ("alice's groups' policies..."); an administrator may
    also learn that the role exists and that its trust policy is what refuses. `with_mfa`, the
    decision with a fresh MFA check, turns a refusal that only MFA would lift into exactly that."""
    if subject is not None and with_mfa is not None and with_mfa.allowed and not decision.allowed:
        device = (
            f"{subject} has an MFA device and is asked for a code when switching"
            if mfa.active_device(user)
            else f"{subject} has no MFA device yet: assign one first"
        )
        return f"Allowed only with MFA: the trust policy of {role_arn} requires a recent MFA check; {device}."
    yours = f"{subject}'s" if subject is not None else "Your"
    if decision.refused_by == "identity":
        return _identity_refusal(decision, user, role_arn, own_policies, subject)
    if decision.refused_by == "boundary":
        return f"{yours} permissions boundary does not allow {ACTION} on {role_arn}."
    if subject is not None:
        if decision.trust.decision == "explicitDeny":
            where = ", ".join(str(m) for m in decision.trust.denies)
            return f"An explicit Deny in {where} refuses {subject} {ACTION} on {role_arn}."
        return f"The trust policy of {role_arn} does not allow {subject} to assume it."
    # Same words whether the role is unknown or its trust policy refuses: a caller allowed to
    # ask learns nothing more than AWS would tell them.
    return f"Role {role_arn} does not exist, or its trust policy does not allow you to assume it."


def _identity_refusal(
    decision: iam.AssumeRoleDecision, user: User, role_arn: str, own_policies: bool | None, subject: str | None
) -> str:
    if decision.identity.decision == "explicitDeny":
        where = ", ".join(str(m) for m in decision.identity.denies)
        return f"An explicit Deny in {where} refuses {ACTION} on {role_arn}."
    own = has_own_policies(user) if own_policies is None else own_policies
    yours, theirs = (f"{subject}'s", f"{subject}'s") if subject is not None else ("Your", "your")
    whose = f"{yours} policies and {theirs} groups' policies" if own else f"{yours} groups' policies"
    return f"{whose} do not allow {ACTION} on {role_arn}."


def only_mfa_missing(
    user: User,
    role_arn: str,
    role: Role | None,
    decision: iam.AssumeRoleDecision,
    context: dict,
    **loaded,
) -> bool:
    """Refused by the trust policy, but a fresh MFA check would allow it: only MFA is missing
    (or too old). The caller passed the identity side, so saying so reveals nothing new."""
    if role is None or decision.allowed or decision.refused_by != "trust":
        return False
    fresh_mfa = context | {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": "0"}
    return evaluate(user, role_arn, role, fresh_mfa, **loaded).allowed


@dataclass(frozen=True)
class Authorisation:
    """The switch decision for one request, and what its caller needs to act on it."""

    user: User
    role_arn: str
    role: Role | None  # the registered role; None when unknown (then refused)
    decision: iam.AssumeRoleDecision
    mfa_only: bool  # refused, and a fresh MFA check would allow it

    @property
    def allowed(self) -> bool:
        return self.decision.allowed and self.role is not None

    @property
    def matched(self) -> str:
        return ", ".join(str(m) for m in self.decision.matched)

    def registered_role(self) -> Role:
        """The role of an allowed decision: `allowed` is only true for a registered role."""
        if self.role is None:
            raise TypeError(f"Role {self.role_arn} is not registered: only an allowed switch names its role.")
        return self.role

    def reason(self) -> str:
        """The refusal in the user's words (see explain)."""
        return explain(self.decision, self.user, self.role_arn)


def authorise(user: User, role_arn: str, role: Role | None, context: dict[str, object], **loaded) -> Authorisation:
    """The authorise step every switch shares: the browser's Switch, a role session's renewal,
    `/sts/` AssumeRole and the home page's catalogue. Pass `loaded` (identity, boundary) to decide
    many roles for one user without reading their policies again."""
    loaded = loaded or {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
    decision = evaluate(user, role_arn, role, context, **loaded)
    mfa_only = only_mfa_missing(user, role_arn, role, decision, context, **loaded)
    return Authorisation(user, role_arn, role, decision, mfa_only)


def mfa_missing_message(role_arn: str) -> str:
    return f"Role {role_arn} requires MFA. Assign an MFA device to your user, sign in with it, and switch again."


# --- Many decisions at once: the admin's Who can switch and Access matrix ---------------------


def active_users():
    return User.objects.filter(is_active=True, account__isnull=False).select_related("account", "permissions_boundary")


def user_decider(user: User) -> matrix.Decide:
    """`(role, fresh_mfa) -> decision` for `user`, their policies read once, not once per role."""
    loaded = {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
    return lambda role, fresh_mfa: decide_for(user, role, mfa_age=0 if fresh_mfa else None, **loaded)


def access_matrix(users, roles: list[Role]) -> list[tuple[User, list[matrix.Cell]]]:
    """Every user x every role, with reasons spoken about the user (for administrators)."""
    own: dict[int, bool] = {}

    def explain_refusal(user: User, role: Role, decision: iam.AssumeRoleDecision) -> str:
        if user.pk not in own:
            own[user.pk] = has_own_policies(user)
        return explain(decision, user, role.arn, own[user.pk], subject=user.username)

    return matrix.access_matrix(users, roles, user_decider, explain_refusal)


def who_can_switch(role: Role, users) -> list[dict]:
    """For each user: the decision, the decision with a fresh MFA check, and the reason."""
    rows = []
    for user in users:
        decide = user_decider(user)
        plain = decide(role, False)
        with_mfa = plain if plain.allowed else decide(role, True)
        reason = "" if plain.allowed else explain(plain, user, role.arn, subject=user.username, with_mfa=with_mfa)
        rows.append({"user": user, "decision": plain, "with_mfa": with_mfa, "reason": reason})
    return rows
