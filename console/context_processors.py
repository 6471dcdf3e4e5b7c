"""What the navbar needs on every page: who you are, the tab's role session, your others."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest

from accounts.models import ROLE_COLORS, User

from . import history, links, role_sessions, url_space


def identity(request: HttpRequest) -> dict[str, Any]:
    session = getattr(request, "role_session", None)
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    page = url_space.console_path(url_space.current_console_path(request)) if session else None
    return {
        "role_session": session,
        "role_session_seconds_left": role_sessions.seconds_left(session) if session else 0,
        "role_session_needs_mfa": getattr(request, "role_session_needs_mfa", False),
        "role_session_renews": bool(settings.ROLE_SESSION_RENEW),
        # This browser's open role sessions for the menu: (session, seconds left, its home page).
        "role_sessions": [
            (s, role_sessions.seconds_left(s), url_space.reverse_in(request, s.slug, "console:home"))
            for s in (role_sessions.active(request) if signed_in else [])
        ],
        "own_identity_url": url_space.outside(request, "console:home") if signed_in else "",
        "current_page": page or "",
        "role_colors": ROLE_COLORS,
        "role_link": links.for_session(session) if session else "",
        "role_page_link": links.for_session(session, page) if page else "",
        "role_history": history.entries(cast(User, request.user)) if signed_in else [],  # signed in: a User
        "console_base_url": settings.CONSOLE_BASE_URL,
    }
