"""Housekeeping: end role sessions nobody can use any more, wipe their credentials, and prune
throttle rows, expired browser sessions and old brokered-credential records.

`python manage.py cleanup` runs it once. The running server also runs it every
CLEANUP_INTERVAL_SECONDS (see PeriodicCleanupMiddleware): after a response, a process whose own
clock says it is time claims the run in the database with one conditional UPDATE, so however
many threads, processes or instances share the database, one of them runs it per interval.
Nothing here depends on a particular server (runserver, gunicorn) or on a single process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DatabaseError, IntegrityError, transaction

from accounts import clock, throttle
from console.http import ConsoleRequest

from .models import IssuedCredential, MaintenanceSlot, RoleSession

log = logging.getLogger(__name__)
SLOT = "cleanup"


@dataclass(frozen=True)
class Report:
    expired: int
    orphaned: int
    wiped: int
    throttle_rows: int
    browser_sessions: int
    issued_credentials: int

    def __str__(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in asdict(self).items())


def cleanup() -> Report:
    now = clock.now()
    expired = RoleSession.objects.filter(ended_at=None, expiration__lte=now).end("expired")
    # A stay whose browser session is gone (signed out elsewhere, expired, flushed by a password
    # change) can never be used again; until now it kept its credentials.
    live = Session.objects.filter(expire_date__gt=now).values("session_key")
    open_stays = RoleSession.objects.filter(ended_at=None)
    orphaned = open_stays.exclude(browser_session_key__in=live).end("browser session ended")
    wiped = RoleSession.objects.exclude(ended_at=None).exclude(sealed_credentials="").update(sealed_credentials="")
    throttle_rows = throttle.prune()
    browser_sessions, _ = Session.objects.filter(expire_date__lte=now).delete()
    issued, _ = IssuedCredential.objects.filter(expiration__lt=now - timedelta(days=1)).delete()
    return Report(expired, orphaned, wiped, throttle_rows, browser_sessions, issued)


def claim(interval: int) -> bool:
    """Take this interval's run, or learn that another thread, process or instance has it."""
    now = clock.now()
    if MaintenanceSlot.objects.filter(name=SLOT, next_run_at__lte=now).update(
        next_run_at=now + timedelta(seconds=interval)
    ):
        return True
    try:
        with transaction.atomic():
            MaintenanceSlot.objects.create(name=SLOT, next_run_at=now + timedelta(seconds=interval))
        return True
    except IntegrityError:  # the row exists and its time has not come (or another just claimed it)
        return False


_local_lock = threading.Lock()
_next_local_check = 0.0


def maybe_run() -> Report | None:
    """Called after each response. Cheap when it is not time: one clock read in this process,
    and at most one UPDATE a minute per process otherwise."""
    global _next_local_check
    interval = settings.CLEANUP_INTERVAL_SECONDS
    if interval <= 0:
        return None
    with _local_lock:
        if time.monotonic() < _next_local_check:
            return None
        _next_local_check = time.monotonic() + min(60, interval)
    try:
        if not claim(interval):
            return None
        report = cleanup()
    except DatabaseError as exc:  # a busy or read-only database: try again next time
        log.warning("Periodic cleanup skipped: %s", exc)
        return None
    log.info("Periodic cleanup: %s", report)
    return report


def reset_local_timer() -> None:
    """Forget this process's last check (tests)."""
    global _next_local_check
    with _local_lock:
        _next_local_check = 0.0


class PeriodicCleanupMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: ConsoleRequest):
        response = self.get_response(request)
        maybe_run()
        return response
