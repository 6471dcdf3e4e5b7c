"""Pin, unpin and remove role history entries (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import history
from ..http import AuthenticatedRequest, ConsoleRequest


def _back(request: ConsoleRequest) -> HttpResponse:
    return redirect("console:switchrole")


@login_required
@require_POST
def pin(request: AuthenticatedRequest, entry_id: int) -> HttpResponse:
    pinned = request.POST.get("pinned", "1") == "1"
    if not history.set_pinned(request.user, entry_id, pinned):
        raise Http404("No such history entry.")
    messages.success(request, "Added to favourites." if pinned else "Removed from favourites.")
    return _back(request)


@login_required
@require_POST
def remove(request: AuthenticatedRequest, entry_id: int) -> HttpResponse:
    if not history.remove(request.user, entry_id):
        raise Http404("No such history entry.")
    messages.info(request, "Removed from your role history.")
    return _back(request)
