"""The home page (the catalogue of roles you may use) and its JSON form, /api/roles."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Account

from .. import catalogue, role_sessions, url_space
from ..http import AuthenticatedRequest, ConsoleRequest
from ..models import RoleSession


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    open_by_arn: dict[str, list[tuple[RoleSession, str, int]]] = {}
    for session in role_sessions.active(request):
        url = url_space.reverse_in(request, session.slug, "console:s3_buckets")
        open_by_arn.setdefault(session.role_arn, []).append((session, url, role_sessions.seconds_left(session)))
    groups = [
        (group, [(role, open_by_arn.get(role.arn, [])) for role in group.roles])
        for group in catalogue.roles_for(request)
    ]
    return render(request, "console/home.html", {"catalogue": groups})


@require_GET
def api_roles(request: ConsoleRequest) -> HttpResponse:
    """For scripts, with the browser's session: the same list as the home page."""
    if not request.user.is_authenticated:
        response = JsonResponse({"error": "Sign in to the console first (this API uses its session)."}, status=401)
    else:
        user = request.user
        account = cast(Account, user.account)  # console users belong to an account; no check added
        response = JsonResponse(
            {
                "user": {"arn": user.arn, "username": user.username, "account_id": account.account_id},
                "accounts": catalogue.as_json(catalogue.roles_for(request)),
            }
        )
    response["Cache-Control"] = "no-store"
    return response
