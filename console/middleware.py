"""Request middleware: the tab's role session (named by the URL's `/r/<slug>/`) on each request,
no-store for signed-in pages, and 503 pages for a database that cannot take writes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from console.http import ConsoleRequest

from . import role_sessions, url_space


class RoleSessionMiddleware:
    """After auth and messages. `request.role_session` is the session the URL names, or None.

    A URL naming a session that cannot be used (unknown, another person's, ended, expired,
    renewal refused) never falls through to another role: the tab goes to the unprefixed home
    with a message naming what ended, and the request does nothing else.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: ConsoleRequest):
        # Only a signed-in browser's key is followed: an expired session's cookie must not hand
        # its role sessions on to the new session that replaces it.
        key = (request.session.session_key or "") if request.user.is_authenticated else ""
        response = self._handle(request)
        role_sessions.follow_browser_key(request, key)
        return response

    def _handle(self, request: ConsoleRequest):
        request.role_session = None
        request.role_session_needs_mfa = False
        slug = getattr(request, "url_space_slug", None)
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            # A role session belongs to a sign-in; without one, the prefix means nothing. The
            # same page without it (sign-in comes next); an action is not replayed.
            if request.method not in ("GET", "HEAD"):
                return redirect(url_space.outside(request, "console:home"))
            return redirect(url_space.base_prefix(request) + url_space.current_console_path(request).lstrip("/"))
        found = role_sessions.resolve(request, slug)
        if found.session is None:
            messages.warning(request, found.problem)
            return redirect(url_space.outside(request, "console:home"))
        request.role_session = found.session
        request.role_session_needs_mfa = found.needs_mfa
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that hits a busy or read-only database, or an audit log that refuses its intent,
    answers 503 with Retry-After, not 500. (Failures outside views reach handler500, which
    does the same.)"""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: ConsoleRequest):
        return self.get_response(request)

    def process_exception(self, request: ConsoleRequest, exception):
        from .views import errors

        if isinstance(exception, errors.UNAVAILABLE):
            return errors.database_unavailable(request, exception)
        return None


class NoStoreMiddleware:
    """Pages shown to a signed-in person are never stored: not by a shared computer's browser
    cache (the back button after sign-out), not by a proxy."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: ConsoleRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
