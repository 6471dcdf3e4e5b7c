"""Facts about the request that more than one layer needs."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or None


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind `login_required` (and the forms they build): there
    `request.user` is never AnonymousUser. Returns `request.user` itself (the lazy object)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("This view needs a signed-in user (login_required).")
    return user
