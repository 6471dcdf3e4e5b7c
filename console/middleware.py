"""Request middleware: the active role session on each request (ending an expired one), and
503 pages for a database that cannot take writes."""

from __future__ import annotations

from django.contrib import messages
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import switching
from .models import RoleSession


class RoleSessionMiddleware:
    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001
        lookup = switching.current(request)
        request.role_session = lookup.session
        if lookup.ended is not None:
            ended = lookup.ended
            if ended.end_reason == "expired":
                at = timezone.localtime(ended.expiration).strftime("%H:%M:%S %Z")
                text = f"Your session in {ended.display_name} expired at {at}. You are back to your own identity."
            else:
                text = (
                    f"Your session in {ended.display_name} was ended ({ended.end_reason}). "
                    "You are back to your own identity."
                )
            messages.warning(request, text)
        response = self.get_response(request)
        _follow_session_key(request)
        return response


def _follow_session_key(request) -> None:  # noqa: ANN001
    """Keep the role session tied to its browser session when the key changed (sign-in hash
    update, cycle_key): cleanup ends stays whose browser session is gone."""
    role_session = getattr(request, "role_session", None)
    key = getattr(request, "session", None) and request.session.session_key
    if (
        role_session is not None
        and key
        and role_session.browser_session_key != key
        and request.session.get(switching.SESSION_KEY) == role_session.pk
    ):
        RoleSession.objects.filter(pk=role_session.pk, ended_at=None).update(browser_session_key=key)


class DatabaseUnavailableMiddleware:
    """A view that hits a busy or read-only database, or an audit log that refuses its intent,
    answers 503 with Retry-After, not 500. (Failures outside views reach handler500, which
    does the same.)"""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        return self.get_response(request)

    def process_exception(self, request, exception):  # noqa: ANN001, ANN201
        from .views import errors

        if isinstance(exception, errors.UNAVAILABLE):
            return errors.database_unavailable(request, exception)
        return None


class NoStoreMiddleware:
    """Pages shown to a signed-in person are never stored: not by a shared computer's browser
    cache (the back button after sign-out), not by a proxy."""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        response = self.get_response(request)
        user = getattr(request, "user", None)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
