"""The Switch Role flows: authorise (accounts.switch_decision), broker AssumeRole, remember,
switch back, expire.

Views call one function each. Time comes from `now()` so tests can move the clock instead of
waiting (moto never expires the credentials it issues; the console ends a session at its
Expiration by its own clock).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from accounts import clock, crypto, mfa
from accounts.http import signed_in_user
from accounts.models import ROLE_COLORS, Account, Role, User
from accounts.switch_decision import Authorisation, authorise, mfa_missing_message, request_context, session_name

from . import audit, aws, history, role_sessions
from .http import AuthenticatedRequest
from .models import AuditEvent, RoleSession

log = logging.getLogger(__name__)

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


def find_role(target: SwitchTarget) -> Role | None:
    return Role.objects.filter(account=target.account, name=target.role_name, path=target.path).first()


def _refuse(request: HttpRequest, target: SwitchTarget, reason: str, **help_link: str) -> SwitchRefused:
    audit.record(request, AuditEvent.Kind.SWITCH_REFUSED, role_arn=target.role_arn, detail=reason)
    return SwitchRefused(reason, **help_link)


def broker(role: Role, user: User) -> aws.TemporaryCredentials:
    """AssumeRole with the broker's credentials, for as long as the settings and the role allow."""
    duration = max(MIN_DURATION, min(settings.ROLE_SESSION_SECONDS, role.max_session_duration))
    name = session_name(user.username)
    return aws.assume_role(role.arn, name, name, duration)


def switch_role(request: AuthenticatedRequest, target: SwitchTarget) -> RoleSession:
    """Authorise, then AssumeRole with the broker, then enter the role in a new role session
    (other role sessions, in other tabs, are left alone). Raises SwitchRefused, StepUpRequired, or
    role_sessions.LimitReached when the person already has MAX_ROLE_SESSIONS."""
    user = request.user
    auth = authorise(user, target.role_arn, find_role(target), request_context(request, user))
    if not auth.allowed:
        raise _refusal(request, target, auth)
    role_sessions.ensure_room(request)  # before AssumeRole: no credentials brokered for nothing
    return _enter(request, target, auth)


def _refusal(request: HttpRequest, target: SwitchTarget, auth: Authorisation) -> Exception:
    """What a refused switch raises: StepUpRequired when a code from the user's device would
    allow it; otherwise SwitchRefused, recorded, with the reason and where to go next."""
    if not auth.mfa_only:
        return _refuse(request, target, auth.reason())
    device = mfa.active_device(auth.user)
    if device and mfa.enrolled_in_session(request, device):
        # As in AWS: assigning a device does not make this session MFA-authenticated.
        return _refuse(
            request,
            target,
            f"Role {target.role_arn} requires MFA. You assigned your MFA device in this session: "
            "sign out, then sign in again with the device, and switch again.",
        )
    if device:
        return StepUpRequired()
    help_link = {"help_url": reverse("accounts:security"), "help_text": "Set up MFA"}
    return _refuse(request, target, mfa_missing_message(target.role_arn), **help_link)


def _enter(request: AuthenticatedRequest, target: SwitchTarget, auth: Authorisation) -> RoleSession:
    """Broker the allowed switch and start its role session, audit before action."""
    role, user = auth.registered_role(), auth.user
    try:
        # Audit before action: no AssumeRole unless the intent is on record.
        with audit.action(
            request, AuditEvent.Kind.SWITCH_ALLOWED, role_arn=role.arn, detail=f"Allowed by {auth.matched}"
        ):
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
    log.info("%s switched to %s (role session %s)", user.username, role.arn, session.slug)
    return session


def default_display_name(target: SwitchTarget) -> str:
    label = target.account.alias or target.account.account_id
    return f"{target.role_name} @ {label}"[:64]


def end(session: RoleSession, reason: str) -> None:
    if session.ended_at is None:
        RoleSession.objects.filter(pk=session.pk).end(reason)  # wipes the sealed credentials too
        log.info("%s's role session %s in %s ended: %s", session.user.username, session.slug, session.role_arn, reason)
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
    others = RoleSession.objects.filter(user=signed_in_user(request), ended_at=None)
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
