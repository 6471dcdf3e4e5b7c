"""What the navbar needs on every page: who you are and which role you are in."""

from __future__ import annotations

from django.conf import settings

from accounts.models import ROLE_COLORS

from . import history, links


def identity(request) -> dict:  # noqa: ANN001
    session = getattr(request, "role_session", None)
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    return {
        "role_session": session,
        "role_colors": ROLE_COLORS,
        "role_link": links.for_session(session) if session else "",
        "role_history": history.entries(request.user) if signed_in else [],
        "console_base_url": settings.CONSOLE_BASE_URL,
    }
