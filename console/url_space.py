"""One URL space per role session: `/r/<slug>/...`.

A browser tab works in the role session named by its URL, not by a cookie, so two tabs can work
in two roles at once. `UrlSpaceMiddleware` strips the prefix from `path_info` (URL resolution
never sees it) and makes it the script prefix for the request, so every `reverse()`, `{% url %}`
and `redirect()` stays inside the tab's session without any template knowing about it.
`request.path` keeps the full path, so a sign-in `next` round-trips.

Which session a slug names, and whether it is still usable, is `role_sessions`' business: this
module only deals with paths.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, get_script_prefix, resolve, reverse, set_script_prefix
from django.utils.encoding import escape_uri_path

from .http import ConsoleRequest

SLUG_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SLUG_LENGTH = 10


def new_slug() -> str:
    """A role session's URL space name: random (not the primary key), 10 of [a-z0-9]: ~51 bits."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


SLUG = re.compile(rf"^/r/(?P<slug>[a-z0-9]{{{SLUG_LENGTH}}})(?P<rest>/.*|)$", re.DOTALL)


class UrlSpaceMiddleware:
    """Early (before sessions and auth): nothing below it sees the `/r/<slug>` part."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: ConsoleRequest):
        base = get_script_prefix()
        request.base_script_prefix = base
        match = SLUG.match(request.path_info)
        if match is None:
            request.url_space_slug = None
            return self.get_response(request)
        request.url_space_slug = match["slug"]
        request.path_info = match["rest"] or "/"
        set_script_prefix(f"{base}r/{match['slug']}/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(base)


def base_prefix(request: HttpRequest | None) -> str:
    """The deployment's own script prefix, outside any session ("/" at the root)."""
    return getattr(request, "base_script_prefix", None) or get_script_prefix()


def prefix_for(request: HttpRequest | None, slug: str | None) -> str:
    base = base_prefix(request)
    return f"{base}r/{slug}/" if slug else base


def reverse_in(request: HttpRequest | None, slug: str | None, viewname: str, *args, **kwargs) -> str:
    """`reverse()` inside the session `slug`, or outside every session when `slug` is None (for
    the few links that must leave the tab's session: after Switch back, to another session)."""
    current = get_script_prefix()
    set_script_prefix(prefix_for(request, slug))
    try:
        return reverse(viewname, args=args or None, kwargs=kwargs or None)
    finally:
        set_script_prefix(current)


def outside(request: HttpRequest | None, viewname: str, *args, **kwargs) -> str:
    return reverse_in(request, None, viewname, *args, **kwargs)


def in_session(request: HttpRequest | None, slug: str, console_path: str) -> str:
    """A console path such as `/s3/?x=1` (see `console_path`) inside the session `slug`."""
    return prefix_for(request, slug) + console_path.lstrip("/")


def current_console_path(request: HttpRequest) -> str:
    """The page the request is for, as a console path without any session prefix (with its query)."""
    query = request.META.get("QUERY_STRING", "")
    return escape_uri_path(request.path_info) + (f"?{query}" if query else "")


# --- redirect_uri: where a switch link lands -----------------------------------------------

MAX_REDIRECT_LENGTH = 2048
# Pages to land on after a switch: the home page and the S3 pages a person can GET. (Every state
# change is a POST, so a GET of these does nothing by itself.)
LANDING_PAGES = {"console:home", "accounts:security"}
NOT_LANDING_PAGES = {"console:s3_upload"}


def is_landing_page(view_name: str) -> bool:
    if view_name in NOT_LANDING_PAGES:
        return False
    return view_name in LANDING_PAGES or view_name.startswith("console:s3_")


def _unsafe_text(value: str) -> bool:
    """Whitespace, control, format (bidi) or unassigned characters, or a backslash."""
    return any(ch == "\\" or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value)


def console_path(value: str | None) -> str | None:
    """`value` as a path inside this console (e.g. `/s3/buckets/app/?prefix=config/`), or None.

    A single leading slash, no scheme or host, no backslash, whitespace or control characters,
    no dot segments, and the same again after percent-decoding the path (so `/%2F%2Fevil.example`
    is no way out). The path must be a page of the console (not an action). A `/r/<slug>/` prefix
    is dropped: the page opens in whichever session the switch creates.
    """
    if not value or len(value) > MAX_REDIRECT_LENGTH or _unsafe_text(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment:
        return None
    decoded = parts.path
    for _ in range(3):  # %252F decodes twice; more layers than that is no real link
        if not decoded.startswith("/") or decoded.startswith("//") or _unsafe_text(decoded):
            return None
        if any(segment in (".", "..") for segment in decoded.split("/")):
            return None
        if "%" not in decoded:
            break
        decoded = unquote(decoded)
    else:
        return None
    path = parts.path
    match = SLUG.match(path)
    if match:
        path = match["rest"] or "/"
    try:
        found = resolve(unquote(path))  # as the server will see it
    except Resolver404:
        return None
    if not is_landing_page(found.view_name):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
