"""Password sign-in throttling: at most MAX_FAILURES failures per (account, username) a window."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db.models import F

from . import clock
from .models import SignInThrottle

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
MESSAGE = "Too many failed sign-in attempts for this user. Wait 15 minutes, then try again."


def _key(account: str, username: str) -> str:
    return hashlib.sha256(f"{account.strip().lower()}\0{username.strip()}".encode()).hexdigest()


def locked(account: str, username: str) -> bool:
    row = SignInThrottle.objects.filter(key=_key(account, username)).first()
    return bool(row and row.failures >= MAX_FAILURES and clock.now() - row.window_start < WINDOW)


def failed(account: str, username: str) -> None:
    now = clock.now()
    key = _key(account, username)
    if not SignInThrottle.objects.filter(key=key, window_start__gt=now - WINDOW).update(failures=F("failures") + 1):
        SignInThrottle.objects.update_or_create(key=key, defaults={"failures": 1, "window_start": now})


def succeeded(account: str, username: str) -> None:
    SignInThrottle.objects.filter(key=_key(account, username)).delete()
