"""console's side of accounts' signals (accounts/signals.py) and Django's `user_logged_out`:
the audit log, and the role sessions that must end with a sign-out, a password change or an MFA
device. Connected once, in `ConsoleConfig.ready`; every receiver runs synchronously in the
sender's request, and its exceptions (the audit log refusing a write) reach the sender."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest

from accounts import signals
from accounts.models import MFADevice, User

from . import audit, role_sessions, switching
from .models import AuditEvent, RoleSession

Kind = AuditEvent.Kind


def signed_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    # Every way out (the console's Sign out, the admin's Log out) ends the role sessions.
    switching.on_signed_out(request, user)


def signed_in(sender, request: HttpRequest, user: User, detail: str = "", **kwargs) -> None:
    audit.record(request, Kind.SIGNIN, user=user, detail=detail)


def signin_failed(sender, request: HttpRequest, username: str, detail: str, **kwargs) -> None:
    audit.record(request, Kind.SIGNIN_FAILED, username=username, detail=detail)


def password_changed(sender, request: HttpRequest, user: User, old_session_key: str, **kwargs) -> None:
    role_sessions.follow_browser_key(request, old_session_key)  # this browser's role sessions: new key
    ended = switching.end_other_sessions(request, "password changed")
    audit.record(request, Kind.PASSWORD_CHANGED, detail=f"ended {ended} role session(s) in other browsers")


def mfa_enabled(sender, request: HttpRequest, device: MFADevice, **kwargs) -> None:
    audit.record(request, Kind.MFA_ENABLED, detail=device.serial)


def mfa_failed(sender, request: HttpRequest, device: MFADevice, result: str, **kwargs) -> None:
    audit.record(request, Kind.MFA_FAILED, user=device.user, detail=result)


def mfa_disabled(sender, request: HttpRequest, serial: str, by_admin: bool = False, **kwargs) -> None:
    audit.record(request, Kind.MFA_DISABLED, detail=f"{serial} by administrator" if by_admin else serial)


def mfa_device_removed(sender, user: User, **kwargs) -> None:
    """Role sessions whose trust policy needed MFA end with the device, in every browser."""
    needed_mfa = [
        s.pk
        for s in RoleSession.objects.filter(user=user, ended_at=None).select_related("role")
        if s.role is not None and s.role.requires_mfa
    ]
    RoleSession.objects.filter(pk__in=needed_mfa).end("MFA device removed")


def access_key_created(sender, request: HttpRequest, key, **kwargs) -> None:
    audit.record(request, Kind.ACCESS_KEY_CREATED, detail=key.access_key_id)


def access_key_changed(sender, request: HttpRequest, detail: str, **kwargs) -> None:
    audit.record(request, Kind.ACCESS_KEY_CHANGED, detail=detail)


def admin_changed(sender, request: HttpRequest, detail: str, role_arn: str = "", **kwargs) -> None:
    audit.record(request, Kind.ADMIN_CHANGE, detail=detail, role_arn=role_arn)


RECEIVERS: signals.Receivers = [
    (user_logged_out, signed_out),
    (signals.signed_in, signed_in),
    (signals.signin_failed, signin_failed),
    (signals.password_changed, password_changed),
    (signals.mfa_enabled, mfa_enabled),
    (signals.mfa_failed, mfa_failed),
    (signals.mfa_disabled, mfa_disabled),
    (signals.mfa_device_removed, mfa_device_removed),
    (signals.access_key_created, access_key_created),
    (signals.access_key_changed, access_key_changed),
    (signals.admin_changed, admin_changed),
]


def connect() -> None:
    signals.connect_all(RECEIVERS, "console")
