"""Attaches the active role session to each request and ends an expired one."""

from __future__ import annotations

from django.contrib import messages
from django.utils import timezone

from . import switching


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
        return self.get_response(request)
