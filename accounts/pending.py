"""Short-lived, signed state kept in the session between two steps (password -> MFA code,
switch -> step-up). Age is measured with the console's clock so tests can expire it."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest

from . import clock


def put(request: HttpRequest, key: str, salt: str, data: dict[str, Any]) -> None:
    request.session[key] = signing.dumps({"data": data, "at": clock.now().timestamp()}, salt=salt)


def get(request: HttpRequest, key: str, salt: str, max_age: int) -> dict[str, Any] | None:
    """The data, or None when missing, tampered with or older than `max_age` seconds."""
    try:
        payload = signing.loads(request.session.get(key, ""), salt=salt)
    except signing.BadSignature:
        payload = None
    if not payload or clock.now().timestamp() - payload.get("at", 0) > max_age:
        request.session.pop(key, None)
        return None
    return payload["data"]


def drop(request: HttpRequest, key: str) -> None:
    request.session.pop(key, None)
