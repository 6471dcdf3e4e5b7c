"""Writing to the audit log.

`record()` writes an event that already happened. `action()` is for anything with an effect
outside the console's database (AWS calls, mail): it writes the intent first, then lets the
action run, then writes the outcome:

    with audit.action(request, AuditEvent.Kind.S3_DELETE, role_arn=arn, detail=resource) as event:
        aws.delete_object(...)          # runs only once the intent is stored
        event.detail += " (version 3)"  # optional: the outcome write saves detail too
        # or: event.outcome = AuditEvent.Outcome.FAILED, when the body refuses without raising

If the intent cannot be written, AuditUnavailable is raised before the action runs: nothing
happens in AWS, and the middleware answers 503 with Retry-After. If the action raises, the event
is marked failed (with the error's class) and the exception propagates unchanged. If the outcome
cannot be written, the row stays "pending": the log then says the action was attempted and its
outcome is unknown, which is true.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.http import HttpRequest

from accounts.http import client_ip

from . import text
from .models import AuditEvent

_username_length = AuditEvent._meta.get_field("username").max_length
if _username_length is None:
    raise TypeError("AuditEvent.username must have a max_length.")
USERNAME_LENGTH: int = _username_length
log = logging.getLogger(__name__)


class AuditUnavailable(Exception):
    """The audit log refused a write; the action it was meant to record did not run."""


def typed_username(value: str) -> str:
    """A username as someone typed it (a failed sign-in), fit for the audit log: invisible and
    control characters written out (\\u202e for a bidi override, \\u000a for a line feed), so
    a row can neither pose as another nor break a line; cut to the column's 64 characters
    without splitting an escape. Pages escape it as any text."""
    out = ""
    for char in value.strip():
        piece = text.visible(char)
        if len(out) + len(piece) > USERNAME_LENGTH:
            break
        out += piece
    return out


def _event(
    request: HttpRequest,
    kind: str,
    user,
    role_arn: str,
    detail: str,
    outcome: str,
    username: str = "",
) -> AuditEvent:
    user = user if user is not None else (request.user if request.user.is_authenticated else None)
    return AuditEvent(
        user=user,
        # Nobody signed in (a failed sign-in): the name that was typed, made safe.
        username=getattr(user, "username", "") or typed_username(username),
        kind=kind,
        role_arn=role_arn,
        detail=detail[:2000],
        source_ip=client_ip(request),
        outcome=outcome,
    )


def record(
    request: HttpRequest,
    kind: str,
    *,
    user=None,
    role_arn: str = "",
    detail: str = "",
    username: str = "",
) -> None:
    """`username`: for events without a user (a failed sign-in), the name as typed."""
    _event(request, kind, user, role_arn, detail, AuditEvent.Outcome.RECORDED, username).save()


@contextmanager
def action(
    request: HttpRequest,
    kind: str,
    *,
    user=None,
    role_arn: str = "",
    detail: str = "",
) -> Iterator[AuditEvent]:
    """Record the intent, run the body (the action), record the outcome. See the module doc."""
    event = _event(request, kind, user, role_arn, detail, AuditEvent.Outcome.PENDING)
    try:
        with transaction.atomic():  # a savepoint inside a request's transaction, if any
            event.save()
    except DatabaseError as exc:
        log.error("Audit log unavailable; refused %s for %s: %s", kind, event.username or "-", exc)
        raise AuditUnavailable(str(exc)) from exc
    try:
        yield event
    except BaseException as exc:
        _finish(event, AuditEvent.Outcome.FAILED, f" [failed: {type(exc).__name__}]")
        raise
    failed = event.outcome == AuditEvent.Outcome.FAILED  # set by the body: refused without raising
    _finish(event, AuditEvent.Outcome.FAILED if failed else AuditEvent.Outcome.SUCCEEDED)


def _finish(event: AuditEvent, outcome: str, note: str = "") -> None:
    event.outcome = outcome
    event.detail = (event.detail + note)[:2000]
    try:
        with transaction.atomic():
            event.save(update_fields=["outcome", "detail"])
    except DatabaseError as exc:  # the action happened (or failed); the row says "pending"
        log.error("Audit log: could not record the outcome of event %s: %s", event.pk, exc)
