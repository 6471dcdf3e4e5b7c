"""Log lines for identity events: sign-in, password, MFA and access keys.

The audit log (console) is the record people read; these lines are for operators who ship logs.
One receiver per signal in `accounts.signals`, connected in `AccountsConfig.ready`. Each line
names the user by ARN and the client address, as `extra` fields too (LOG_FORMAT=json). Never
logged: passwords, MFA codes and seeds, secret keys, and the username *as typed* on a failed
sign-in (people type passwords into that box; the audit log keeps it, escaped, for admins).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest

from . import signals
from .http import client_ip

log = logging.getLogger(__name__)


def _request_fields(request: HttpRequest | None) -> dict[str, object]:
    return {"source_ip": client_ip(request) if request is not None else None}


def _user_fields(user) -> dict[str, object]:
    return {"user": getattr(user, "arn", None) or getattr(user, "username", None)}


def signed_in(sender, request: HttpRequest, user, detail: str = "", **kwargs) -> None:
    fields = _user_fields(user) | _request_fields(request)
    log.info("Signed in: %s%s", fields["user"], f" ({detail})" if detail else "", extra=fields)


def signin_failed(sender, request: HttpRequest, **kwargs) -> None:
    fields = _request_fields(request)
    log.warning("Sign-in refused from %s", fields["source_ip"], extra=fields)


def password_changed(sender, request: HttpRequest, user, **kwargs) -> None:
    fields = _user_fields(user) | _request_fields(request)
    log.info("Password changed: %s", fields["user"], extra=fields)


def mfa_enabled(sender, request: HttpRequest, device, **kwargs) -> None:
    fields = {"device": device.serial} | _request_fields(request)
    log.info("MFA device assigned: %s", device.serial, extra=fields)


def mfa_failed(sender, request: HttpRequest, device, result: str, **kwargs) -> None:
    fields = {"device": device.serial, "result": result} | _request_fields(request)
    log.warning("MFA code refused for %s: %s", device.serial, result, extra=fields)


def mfa_disabled(sender, request: HttpRequest, serial: str, by_admin: bool = False, **kwargs) -> None:
    fields = {"device": serial, "by_admin": by_admin} | _request_fields(request)
    log.info("MFA device removed%s: %s", " by an administrator" if by_admin else "", serial, extra=fields)


def access_key_created(sender, request: HttpRequest, key, **kwargs) -> None:
    fields = {"access_key_id": key.access_key_id} | _request_fields(request)  # the ID only, never the secret
    log.info("Access key created: %s", key.access_key_id, extra=fields)


def access_key_changed(sender, request: HttpRequest, detail: str, **kwargs) -> None:
    log.info("Access key changed: %s", detail, extra=_request_fields(request))


RECEIVERS: signals.Receivers = [
    (signals.signed_in, signed_in),
    (signals.signin_failed, signin_failed),
    (signals.password_changed, password_changed),
    (signals.mfa_enabled, mfa_enabled),
    (signals.mfa_failed, mfa_failed),
    (signals.mfa_disabled, mfa_disabled),
    (signals.access_key_created, access_key_created),
    (signals.access_key_changed, access_key_changed),
]


def connect() -> None:
    signals.connect_all(RECEIVERS, __name__)
