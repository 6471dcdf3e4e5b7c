"""The request types the console's views see: HttpRequest plus what its middleware attaches.

Types only, nothing at run time (Django hands every view a plain `WSGIRequest`). Annotating a
view's `request` with these lets mypy check the attributes the middleware promises instead of
each view suppressing the check:

* `UrlSpaceMiddleware` (console/url_space.py): `base_script_prefix`, `url_space_slug`;
* `AuthenticationMiddleware`: `user`, the console's own `accounts.User` once signed in;
* `RoleSessionMiddleware` (console/middleware.py): `role_session`, `role_session_needs_mfa`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from console.models import RoleSession


class ConsoleRequest(HttpRequest):
    """Any request past the console's middleware: signed in or not."""

    user: User | AnonymousUser
    base_script_prefix: str
    url_space_slug: str | None
    role_session: RoleSession | None
    role_session_needs_mfa: bool


class AuthenticatedRequest(ConsoleRequest):
    """A request a `login_required` view sees: `user` is the signed-in console user."""

    user: User
