"""Users flagged "require a new password at next sign-in" can do nothing else until they set one."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("accounts:new_password"), reverse("accounts:signout")}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("accounts:new_password")
        return self.get_response(request)
