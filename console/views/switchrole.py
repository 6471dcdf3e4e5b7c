"""Switch Role and Switch back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import mfa, pending
from accounts.forms import MFACodeForm
from accounts.views import render_form

from .. import audit, links, switching
from ..forms import SwitchRoleForm
from ..models import AuditEvent


@login_required
@require_http_methods(["GET", "POST"])
def switchrole(request: HttpRequest) -> HttpResponse:
    """GET shows the form, prefilled from AWS-style query parameters; only a POST switches."""
    if request.method == "GET":
        initial = SwitchRoleForm.initial_from_link(request.GET)
        form = SwitchRoleForm(initial=initial)
        return render(request, "console/switchrole.html", {"form": form, "switch_link": _link(initial)})

    form = SwitchRoleForm(request.POST)
    refusal = None
    if form.is_valid():
        try:
            return _entered(request, switching.switch_role(request, form.target()))
        except switching.StepUpRequired:
            fields = {name: form.data.get(name, "") for name in SwitchRoleForm.base_fields}
            pending.put(request, STEP_UP_KEY, STEP_UP_SALT, fields)
            return redirect("console:switchrole_mfa")
        except switching.SwitchRefused as exc:
            refusal = exc
    status = 403 if refusal else 400
    context = {"form": form, "refusal": refusal, "switch_link": _link(form.data)}
    return render(request, "console/switchrole.html", context, status=status)


def _link(values) -> str:  # noqa: ANN001
    return links.switch_link(
        values.get("account", ""), values.get("roleName", ""), values.get("displayName", ""), values.get("color", "")
    )


def _entered(request: HttpRequest, session) -> HttpResponse:  # noqa: ANN001
    messages.success(request, f"You are now in {session.display_name} ({session.role_arn}).")
    return redirect("console:s3_buckets")


STEP_UP_KEY = "switch_step_up"
STEP_UP_SALT = "console.switchrole.step-up"
STEP_UP_MAX_AGE = 300


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def switchrole_mfa(request: HttpRequest) -> HttpResponse:
    """Step-up: the role needs MFA and the user signed in without it (or too long ago)."""
    data = pending.get(request, STEP_UP_KEY, STEP_UP_SALT, STEP_UP_MAX_AGE)
    if data is None:
        messages.error(request, "That switch request expired. Switch again.")
        return redirect("console:switchrole")
    device = mfa.active_device(request.user)
    switch_form = SwitchRoleForm(data)
    if device is None or not switch_form.is_valid():
        return redirect("console:switchrole")
    form = MFACodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and mfa.check_form(request, device, form):
        pending.drop(request, STEP_UP_KEY)
        mfa.mark_session(request, device)
        audit.record(request, AuditEvent.Kind.MFA_STEP_UP, role_arn=switch_form.target().role_arn)
        try:
            return _entered(request, switching.switch_role(request, switch_form.target()))
        except (switching.SwitchRefused, switching.StepUpRequired) as exc:
            refusal = exc if isinstance(exc, switching.SwitchRefused) else None
            return render(request, "console/switchrole.html", {"form": switch_form, "refusal": refusal}, status=403)
    return render_form(
        request,
        "accounts/signin_mfa.html",
        {
            "form": form,
            "serial": device.serial,
            "submit_label": "Switch Role",
            "cancel_url": reverse("console:switchrole"),
            "intro": f"{switch_form.target().role_arn} requires MFA.",
        },
        form,
    )


@login_required
@require_POST
def switchback(request: HttpRequest) -> HttpResponse:
    session = switching.switch_back(request)
    if session:
        messages.info(request, f"You left {session.display_name} and are back to your own identity.")
    return redirect("console:home")
