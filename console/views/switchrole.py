"""Switch Role and Switch back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import switching
from ..forms import SwitchRoleForm


@login_required
@require_http_methods(["GET", "POST"])
def switchrole(request: HttpRequest) -> HttpResponse:
    """GET shows the form, prefilled from AWS-style query parameters; only a POST switches."""
    if request.method == "GET":
        form = SwitchRoleForm(initial=SwitchRoleForm.initial_from_link(request.GET))
        return render(request, "console/switchrole.html", {"form": form})

    form = SwitchRoleForm(request.POST)
    refusal = None
    if form.is_valid():
        try:
            session = switching.switch_role(request, form.target())
        except switching.SwitchRefused as exc:
            refusal = exc.message
        else:
            messages.success(request, f"You are now in {session.display_name} ({session.role_arn}).")
            return redirect("console:s3_buckets")
    status = 403 if refusal else 400
    return render(request, "console/switchrole.html", {"form": form, "refusal": refusal}, status=status)


@login_required
@require_POST
def switchback(request: HttpRequest) -> HttpResponse:
    session = switching.switch_back(request)
    if session:
        messages.info(request, f"You left {session.display_name} and are back to your own identity.")
    return redirect("console:home")
