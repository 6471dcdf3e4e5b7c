"""The Switch Role flows: decide, broker AssumeRole, remember, switch back, expire.

Views call one function each. Time comes from `now()` so tests can move the clock instead of
waiting (moto never expires the credentials it issues; the console ends a session at its
Expiration by its own clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from accounts import clock, crypto, iam, mfa
from accounts.models import ROLE_COLORS, Account, Role, User

from . import audit, aws, history, role_sessions
from .models import AuditEvent, RoleSession

MIN_DURATION = 900
ROLE_PATH_AND_NAME = re.compile(r"^(?:(?P<path>[\x21-\x7e]+)/)?(?P<name>[\w+=,.@-]{1,64})$")


def now() -> datetime:
    return clock.now()


class SwitchRefused(Exception):
    """The switch cannot happen; `message` is for the person, in plain words."""

    def __init__(self, message: str, help_url: str = "", help_text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.help_url = help_url
        self.help_text = help_text


class StepUpRequired(Exception):
    """The role needs a fresh MFA check, and the user has a device: ask for a code."""


@dataclass(frozen=True)
class SwitchTarget:
    account: Account
    path: str  # "/" or "/a/b/"
    role_name: str
    display_name: str
    color: str

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account.account_id}:role{self.path}{self.role_name}"


def split_role_name(value: str) -> tuple[str, str] | None:
    """'team/UpdateAPP' -> ('/team/', 'UpdateAPP'), as the AWS console's roleName does."""
    match = ROLE_PATH_AND_NAME.match(value.strip().strip("/") if value else "")
    if not match:
        return None
    path = match.group("path")
    return (f"/{path.strip('/')}/" if path else "/"), match.group("name")


def normalize_color(value: str | None) -> str:
    """One of the five console colours (hex, upper case), or '' for anything else."""
    candidate = (value or "").strip().lstrip("#").upper()
    return candidate if candidate in ROLE_COLORS else ""


def session_name(username: str) -> str:
    # RoleSessionName and SourceIdentity need 2-64 of [\w+=,.@-]; IAM usernames allow 1 char.
    return username if len(username) >= 2 else f"{username}_"


def decision_context(
    user: User, *, mfa_age: int | None = None, source_ip: str | None = None, secure: bool = True
) -> dict[str, object]:
    """The IAM condition context for a decision made on `user`'s behalf."""
    moment = now()
    context: dict[str, object] = {
        "aws:username": user.username,
        "aws:userid": user.unique_id,
        "aws:PrincipalArn": user.arn,
        "aws:PrincipalAccount": user.account.account_id,
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
        user, mfa_age=mfa.session_mfa_age(request), source_ip=audit.client_ip(request), secure=request.is_secure()
    )


_LOAD = object()  # "read it from the database"


def evaluate(
    user: User,
    role_arn: str,
    role: Role | None,
    context: dict[str, object],
    *,
    identity: list[iam.Policy] | object = _LOAD,
    boundary: list[iam.Policy] | None | object = _LOAD,
) -> iam.AssumeRoleDecision:
    """The switch decision, the one place it is made (browser, STS endpoint, admin tools).
    `role` is the registered role (None when unknown: the trust side then refuses). Pass
    `identity` / `boundary` already loaded to decide many times without re-reading them."""
    return iam.evaluate_assume_role(
        iam.Principal(user.arn, user.account.account_id),
        role_arn,
        role_arn.split(":")[4],
        user.identity_policies() if identity is _LOAD else identity,
        role.parsed_trust_policy() if role else None,
        context,
        permissions_boundary=user.boundary_policies() if boundary is _LOAD else boundary,
    )


def decide_for(user: User, role: Role, *, mfa_age: int | None = None, **loaded) -> iam.AssumeRoleDecision:  # noqa: ANN003
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
    action = "sts:AssumeRole"
    if subject is not None and with_mfa is not None and with_mfa.allowed and not decision.allowed:
        device = (
            f"{subject} has an MFA device and is asked for a code when switching"
            if mfa.active_device(user)
            else f"{subject} has no MFA device yet: assign one first"
        )
        return f"Allowed only with MFA: the trust policy of {role_arn} requires a recent MFA check; {device}."
    yours = f"{subject}'s" if subject is not None else "Your"
    if decision.refused_by == "identity":
        if decision.identity.decision == "explicitDeny":
            where = ", ".join(str(m) for m in decision.identity.denies)
            return f"An explicit Deny in {where} refuses {action} on {role_arn}."
        own = has_own_policies(user) if own_policies is None else own_policies
        theirs = f"{subject}'s" if subject is not None else "your"
        whose = f"{yours} policies and {theirs} groups' policies" if own else f"{yours} groups' policies"
        return f"{whose} do not allow {action} on {role_arn}."
    if decision.refused_by == "boundary":
        return f"{yours} permissions boundary does not allow {action} on {role_arn}."
    if subject is not None:
        if decision.trust.decision == "explicitDeny":
            where = ", ".join(str(m) for m in decision.trust.denies)
            return f"An explicit Deny in {where} refuses {subject} {action} on {role_arn}."
        return f"The trust policy of {role_arn} does not allow {subject} to assume it."
    # Same words whether the role is unknown or its trust policy refuses: a caller allowed to
    # ask learns nothing more than AWS would tell them.
    return f"Role {role_arn} does not exist, or its trust policy does not allow you to assume it."


def find_role(target: SwitchTarget) -> Role | None:
    return Role.objects.filter(account=target.account, name=target.role_name, path=target.path).first()


def _refuse(request: HttpRequest, target: SwitchTarget, reason: str, **help_link: str) -> SwitchRefused:
    audit.record(request, AuditEvent.Kind.SWITCH_REFUSED, role_arn=target.role_arn, detail=reason)
    return SwitchRefused(reason, **help_link)


def only_mfa_missing(
    user: User,
    role_arn: str,
    role: Role | None,
    decision: iam.AssumeRoleDecision,
    context: dict,
    **loaded,  # noqa: ANN003
) -> bool:
    """Refused by the trust policy, but a fresh MFA check would allow it: only MFA is missing
    (or too old). The caller passed the identity side, so saying so reveals nothing new."""
    if role is None or decision.allowed or decision.refused_by != "trust":
        return False
    fresh_mfa = context | {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": "0"}
    return evaluate(user, role_arn, role, fresh_mfa, **loaded).allowed


def mfa_missing_message(role_arn: str) -> str:
    return f"Role {role_arn} requires MFA. Assign an MFA device to your user, sign in with it, and switch again."


def broker(role: Role, user: User) -> aws.TemporaryCredentials:
    """AssumeRole with the broker's credentials, for as long as the settings and the role allow."""
    duration = max(MIN_DURATION, min(settings.ROLE_SESSION_SECONDS, role.max_session_duration))
    name = session_name(user.username)
    return aws.assume_role(role.arn, name, name, duration)


def switch_role(request: HttpRequest, target: SwitchTarget) -> RoleSession:
    """Decide, then AssumeRole with the broker, then enter the role in a new role session (other
    role sessions, in other tabs, are left alone). Raises SwitchRefused, StepUpRequired, or
    role_sessions.LimitReached when the person already has MAX_ROLE_SESSIONS."""
    user: User = request.user
    role = find_role(target)
    context = request_context(request, user)
    loaded = {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
    decision = evaluate(user, target.role_arn, role, context, **loaded)
    if not decision.allowed or role is None:
        if only_mfa_missing(user, target.role_arn, role, decision, context, **loaded):
            device = mfa.active_device(user)
            if device and mfa.enrolled_in_session(request, device):
                # As in AWS: assigning a device does not make this session MFA-authenticated.
                raise _refuse(
                    request,
                    target,
                    f"Role {target.role_arn} requires MFA. You assigned your MFA device in this session: "
                    "sign out, then sign in again with the device, and switch again.",
                )
            if device:
                raise StepUpRequired()
            raise _refuse(
                request,
                target,
                mfa_missing_message(target.role_arn),
                help_url=reverse("accounts:security"),
                help_text="Set up MFA",
            )
        raise _refuse(request, target, explain(decision, user, target.role_arn))
    role_sessions.ensure_room(request)  # before AssumeRole: no credentials brokered for nothing

    matched = ", ".join(str(m) for m in decision.matched)
    try:
        # Audit before action: no AssumeRole unless the intent is on record.
        with audit.action(request, AuditEvent.Kind.SWITCH_ALLOWED, role_arn=role.arn, detail=f"Allowed by {matched}"):
            creds = broker(role, user)
            with transaction.atomic():
                session = role_sessions.start(
                    request,
                    role=role,
                    account_id=target.account.account_id,
                    display_name=target.display_name or default_display_name(target),
                    color=target.color,
                    creds=creds,
                )
                # A new session key on every change of identity (session fixation).
                role_sessions.cycle_browser_key(request)
                history.record(user, role.arn, session.display_name, session.color)
    except aws.AwsError as exc:
        detail = f"AWS refused AssumeRole: {exc.code or exc.message}"
        audit.record(request, AuditEvent.Kind.SWITCH_REFUSED, role_arn=role.arn, detail=detail)
        raise SwitchRefused(f"The console could not assume {role.arn}: {exc.message}") from None
    return session


def default_display_name(target: SwitchTarget) -> str:
    label = target.account.alias or target.account.account_id
    return f"{target.role_name} @ {label}"[:64]


def end(session: RoleSession, reason: str) -> None:
    if session.ended_at is None:
        RoleSession.objects.filter(pk=session.pk).end(reason)  # wipes the sealed credentials too
        session.refresh_from_db(fields=["ended_at", "end_reason", "sealed_credentials"])


def switch_back(request: HttpRequest) -> RoleSession | None:
    """Leave the role of this tab (its URL space): drop that session's credentials and cycle the
    session key. The person's other role sessions, in other tabs, go on."""
    session = getattr(request, "role_session", None)
    if session is None:
        return None
    end(session, "switched back")
    role_sessions.cycle_browser_key(request)
    audit.record(request, AuditEvent.Kind.SWITCH_BACK, role_arn=session.role_arn)
    return session


def end_expired(session: RoleSession, request: HttpRequest) -> None:
    """AWS said the credentials expired before our clock did: end the stay now."""
    end(session, "expired")
    audit.record(request, AuditEvent.Kind.SESSION_EXPIRED, role_arn=session.role_arn)


def end_rejected(session: RoleSession, request: HttpRequest, code: str) -> None:
    """The backend no longer knows the credentials (e.g. the emulator was restarted, or the
    keys were revoked): the stay cannot continue, so end it and wipe them."""
    end(session, "credentials rejected")
    detail = f"AWS rejected the credentials: {code}"
    audit.record(request, AuditEvent.Kind.SESSION_ENDED, role_arn=session.role_arn, detail=detail)


def end_other_sessions(request: HttpRequest, reason: str) -> int:
    """End the user's stays in roles from every other browser session (e.g. after a password
    change, which also voids those sessions' sign-in). This browser's role sessions go on."""
    others = RoleSession.objects.filter(user=request.user, ended_at=None)
    return others.exclude(browser_session_key=request.session.session_key or "").end(reason)


def on_signed_out(request: HttpRequest | None, user: User | None) -> None:
    """Whatever signed the person out (the console's Sign out, the admin's Log out, a future
    view): end every role session of this browser (all its tabs') and record the sign-out."""
    if request is None or user is None:
        return
    role_sessions.end_all(request, "signed out", user=user)
    audit.record(request, AuditEvent.Kind.SIGNOUT, user=user)


@sensitive_variables("data")
def credentials(session: RoleSession) -> aws.TemporaryCredentials:
    data = crypto.unseal(session.sealed_credentials) or {}
    return aws.TemporaryCredentials(
        data.get("access_key_id", ""),
        data.get("secret_access_key", ""),
        data.get("session_token", ""),
        session.expiration,
        session.role_arn,
    )
