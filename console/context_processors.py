"""What the navbar needs on every page: who you are and which role you are in."""

from __future__ import annotations

from accounts.models import ROLE_COLORS


def identity(request) -> dict:  # noqa: ANN001
    return {
        "role_session": getattr(request, "role_session", None),
        "role_colors": ROLE_COLORS,
    }
