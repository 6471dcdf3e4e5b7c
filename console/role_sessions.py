"""A person's role sessions: several at once, one per URL space, renewed while in use.

- `active(request)`: this browser's open role sessions, most recently used first.
- `ensure_room` / `start`: at most `MAX_ROLE_SESSIONS` per signed-in browser, checked again under
  a lock when the session is written (two tabs switching at once cannot make six).
- `resolve(request)`: the role session a `/r/<slug>/` URL names, or why it cannot be used. An
  unknown, ended or expired slug never falls through to another role.
- `renew(request, session)`: within `RENEW_WITHIN` of expiry, the switch decision is made again
  (`switch_decision.evaluate`, as for a switch) and the credentials are brokered again and swapped; one
  request renews, concurrent ones go on with the credentials they have.

Everything lives in the database, so any number of server processes agree.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone

from accounts import clock, crypto, mfa, switch_decision
from accounts.http import signed_in_user
from accounts.models import Role, User

from . import audit, aws, switching, url_space
from .http import AuthenticatedRequest
from .models import AuditEvent, RoleSession

log = logging.getLogger(__name__)

RENEW_WITHIN = timedelta(minutes=5)
TOUCH_EVERY = timedelta(seconds=60)  # last_used_at is for "most recent", not an activity log
RENEW_LEASE = timedelta(seconds=60)  # a renewing request that died frees the claim after this
_CACHE = "_role_sessions_active"


class LimitReached(Exception):
    """The person already has MAX_ROLE_SESSIONS open in this browser."""


def _browser_key(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    return (session.session_key or "") if session is not None else ""


def _open(request: HttpRequest):
    return RoleSession.objects.filter(
        user=signed_in_user(request), browser_session_key=_browser_key(request), ended_at=None
    )


def active(request: HttpRequest, refresh: bool = False) -> list[RoleSession]:
    """This browser's open role sessions, most recently used first (memoised per request).
    Sessions found past their expiry are ended on the way."""
    if not refresh and hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    sessions: list[RoleSession] = []
    if request.user.is_authenticated and _browser_key(request):
        moment = clock.now()
        for session in _open(request).select_related("role__account").order_by("-last_used_at", "-pk"):
            if session.expiration <= moment:
                expire(request, session)
            else:
                sessions.append(session)
    setattr(request, _CACHE, sessions)
    return sessions


def most_recent(request: HttpRequest) -> RoleSession | None:
    sessions = active(request)
    return sessions[0] if sessions else None


def ensure_room(request: HttpRequest) -> None:
    if len(active(request)) >= settings.MAX_ROLE_SESSIONS:
        raise LimitReached()


def expires_at(creds: aws.TemporaryCredentials):
    """The credentials' end on the console's clock: the lifetime AWS granted, counted from the
    console's now. The same instant in production (the clock is the wall clock); under a test's
    frozen clock, an emulator's wall-clock Expiration would otherwise land at a random point."""
    return clock.now() + (creds.expiration - timezone.now())


def start(
    request: AuthenticatedRequest,
    *,
    role: Role,
    account_id: str,
    display_name: str,
    color: str,
    creds: aws.TemporaryCredentials,
) -> RoleSession:
    """Write a new role session for this browser, in its own URL space. Raises LimitReached."""
    user = request.user
    moment = clock.now()
    with transaction.atomic():
        # One person's switches are serialised, so the count below cannot be raced.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        if _open(request).filter(expiration__gt=moment).count() >= settings.MAX_ROLE_SESSIONS:
            raise LimitReached()
        session = RoleSession.objects.create(
            user=user,
            role=role,
            role_arn=role.arn,
            account_id=account_id,
            display_name=display_name,
            color=color,
            sealed_credentials=crypto.seal(creds.as_dict()),
            expiration=expires_at(creds),
            browser_session_key=_browser_key(request),
            last_used_at=moment,
        )
    request.__dict__.pop(_CACHE, None)
    return session


def cycle_browser_key(request: HttpRequest) -> None:
    """A new session key (session fixation), keeping this browser's role sessions bound to it."""
    old = _browser_key(request)
    request.session.cycle_key()
    follow_browser_key(request, old)


def follow_browser_key(request: HttpRequest, old: str) -> None:
    """The browser session's key changed while the person stayed signed in (a switch, a password
    change): the role sessions bound to the old key move to the new one."""
    new = _browser_key(request)
    if old and new and new != old and request.user.is_authenticated:
        RoleSession.objects.filter(user=request.user, browser_session_key=old, ended_at=None).update(
            browser_session_key=new
        )
    request.__dict__.pop(_CACHE, None)


def expire(request: HttpRequest, session: RoleSession) -> None:
    switching.end(session, "expired")
    audit.record(request, AuditEvent.Kind.SESSION_EXPIRED, role_arn=session.role_arn)


def end_for_limit(request: HttpRequest, slug: str) -> RoleSession | None:
    """End one of this browser's sessions, chosen on the limit page."""
    session = next((s for s in active(request) if s.slug == slug), None)
    if session is not None:
        switching.end(session, "ended for a new switch")
        audit.record(
            request, AuditEvent.Kind.SWITCH_BACK, role_arn=session.role_arn, detail="ended at the session limit"
        )
        request.__dict__.pop(_CACHE, None)
    return session


def end_all(request: HttpRequest, reason: str, user: User | None = None) -> int:
    """End every open role session of this browser (signing out), expired or not."""
    user = user or signed_in_user(request)
    sessions = list(
        RoleSession.objects.filter(user=user, browser_session_key=_browser_key(request) or "-", ended_at=None)
    )
    for session in sessions:
        switching.end(session, reason)
        audit.record(request, AuditEvent.Kind.SWITCH_BACK, user=user, role_arn=session.role_arn, detail=reason)
    request.__dict__.pop(_CACHE, None)
    return len(sessions)


def seconds_left(session: RoleSession) -> int:
    return max(0, int((session.expiration - clock.now()).total_seconds()))


def touch(session: RoleSession) -> None:
    """Remember the session as used now, at most about once a minute (a write per request would
    be load for nothing: "most recent" needs no better resolution)."""
    moment = clock.now()
    if moment - session.last_used_at >= TOUCH_EVERY:
        RoleSession.objects.filter(pk=session.pk).update(last_used_at=moment)
        session.last_used_at = moment


def open_in_recent(request: HttpRequest) -> HttpResponse:
    """A page that needs a role, reached by a URL without a session (a bookmark, an old link):
    the same page in the most recently used role session, or the Switch Role form.

    GET and HEAD are redirected: the page then shows which role it is in before anything is
    done. An action (POST) goes on by 307 only when a single session is open, so there is no
    doubt which role acts; with several, nothing is done.
    """
    sessions = active(request)
    if not sessions:
        messages.info(request, "This page works with a role's credentials. Switch to a role first.")
        return redirect(url_space.outside(request, "console:switchrole"))
    target = url_space.in_session(request, sessions[0].slug, url_space.current_console_path(request))
    if request.method in ("GET", "HEAD"):
        return redirect(target)
    if len(sessions) == 1:
        return HttpResponseRedirect(target, status=307)
    messages.error(
        request,
        "Nothing was done: this request did not say which of your role sessions it is for. "
        "Open the page from the tab of the role you mean and try again.",
    )
    return HttpResponseRedirect(url_space.outside(request, "console:home"), status=303)


# --- A URL's role session -------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    session: RoleSession | None = None
    problem: str = ""  # why the tab's session cannot be used, for the person
    needs_mfa: bool = False  # renewal is due and waits for an MFA code


def _ended_message(session: RoleSession) -> str:
    if session.end_reason == "expired":
        at = timezone.localtime(session.expiration).strftime("%H:%M:%S %Z")
        return f"Your session in {session.display_name} expired at {at}. This tab is back to your own identity."
    return (
        f"Your session in {session.display_name} was ended ({session.end_reason}). "
        "This tab is back to your own identity."
    )


def resolve(request: HttpRequest, slug: str) -> Resolution:
    """The role session `slug` names, if it is this person's, in this browser, and usable."""
    session = RoleSession.objects.select_related("role__account").filter(slug=slug, user=request.user).first()
    if session is None:
        return Resolution(problem="The role session in this page's address is not one of yours. Choose a role.")
    if session.ended_at is not None:
        return Resolution(problem=_ended_message(session))
    if session.browser_session_key != _browser_key(request):
        return Resolution(
            problem=f"Your session in {session.display_name} belongs to another browser sign-in, "
            "so it cannot be used here. Switch to the role again."
        )
    if session.expiration <= clock.now():
        expire(request, session)
        return Resolution(problem=_ended_message(session))
    if renewal_due(session):
        outcome = renew(request, session)
        if outcome.ended:
            return Resolution(
                problem=f"Your session in {session.display_name} was ended: it could not be renewed. {outcome.reason}"
            )
        if outcome.needs_mfa:
            return Resolution(session=session, needs_mfa=True)
    touch(session)
    return Resolution(session=session)


# --- Renewal --------------------------------------------------------------------------------


class Outcome(enum.Enum):
    RENEWED = "renewed"
    NOT_NOW = "not now"  # another request is renewing, or AWS did not answer: try again later
    NEEDS_MFA = "needs MFA"
    ENDED = "ended"


@dataclass(frozen=True)
class Renewal:
    outcome: Outcome
    reason: str = ""

    @property
    def ended(self) -> bool:
        return self.outcome is Outcome.ENDED

    @property
    def needs_mfa(self) -> bool:
        return self.outcome is Outcome.NEEDS_MFA


def renewal_due(session: RoleSession) -> bool:
    return bool(settings.ROLE_SESSION_RENEW) and session.expiration - clock.now() <= RENEW_WITHIN


def renew(request: HttpRequest, session: RoleSession) -> Renewal:
    """Decide again and, if still allowed, broker new credentials and swap them in."""
    moment = clock.now()
    current = Q(pk=session.pk, ended_at=None, expiration=session.expiration)
    free = Q(renewing_since=None) | Q(renewing_since__lt=moment - RENEW_LEASE)
    if not RoleSession.objects.filter(current & free).update(renewing_since=moment):
        return Renewal(Outcome.NOT_NOW)  # someone else renews; these credentials still work a while
    release = RoleSession.objects.filter(pk=session.pk, renewing_since=moment)
    auth = _authorise_renewal(request, session)
    if not isinstance(auth, switch_decision.Authorisation):
        if auth.needs_mfa:
            release.update(renewing_since=None)
        return auth
    try:
        swapped = _swap(request, session, auth, release.filter(current))
    except aws.AwsError as exc:
        log.warning("Renewing role session %s failed: %s", session.pk, exc.code or exc.message)
        release.update(renewing_since=None)
        return Renewal(Outcome.NOT_NOW)
    return Renewal(Outcome.RENEWED if swapped else Outcome.NOT_NOW)


def _authorise_renewal(request: HttpRequest, session: RoleSession) -> switch_decision.Authorisation | Renewal:
    """The switch decision again, as for a switch; a refusal ends the session (or asks for MFA)."""
    user = signed_in_user(request)
    role = session.role
    if role is None:
        return _refuse_renewal(request, session, f"Role {session.role_arn} is no longer registered in the console.")
    auth = switch_decision.authorise(user, role.arn, role, switch_decision.request_context(request, user))
    if auth.allowed:
        return auth
    if not auth.mfa_only:
        return _refuse_renewal(request, session, auth.reason())
    device = mfa.active_device(user)
    if device and not mfa.enrolled_in_session(request, device):
        return Renewal(Outcome.NEEDS_MFA)
    return _refuse_renewal(request, session, switch_decision.mfa_missing_message(role.arn))


def _swap(request: HttpRequest, session: RoleSession, auth: switch_decision.Authorisation, claimed) -> int:
    """Broker new credentials and swap them into the session still `claimed` by this renewal,
    audit before action as for a switch: no AssumeRole unless the intent is on record."""
    role = auth.registered_role()
    with audit.action(
        request, AuditEvent.Kind.SESSION_RENEWED, role_arn=role.arn, detail=f"Allowed by {auth.matched}"
    ) as event:
        creds = switching.broker(role, auth.user)
        swapped = claimed.update(
            sealed_credentials=crypto.seal(creds.as_dict()), expiration=expires_at(creds), renewing_since=None
        )
        if swapped:
            session.refresh_from_db()
            log.info("%s renewed role session %s in %s", auth.user.username, session.slug, role.arn)
            event.detail += f"; until {session.expiration:%Y-%m-%d %H:%M:%S} UTC"
        else:  # ended (revoked, signed out) while AWS answered: it stays ended
            event.outcome = AuditEvent.Outcome.FAILED
            event.detail += "; the session ended meanwhile"
    return swapped


def _refuse_renewal(request: HttpRequest, session: RoleSession, reason: str) -> Renewal:
    switching.end(session, "renewal refused")
    audit.record(request, AuditEvent.Kind.SESSION_RENEWAL_REFUSED, role_arn=session.role_arn, detail=reason)
    return Renewal(Outcome.ENDED, reason)
