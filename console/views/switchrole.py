"""Switch Role (form, one-click and one-step MFA), the session limit, renewal's MFA code, Switch back."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import mfa, pending
from accounts.forms import MFACodeForm
from accounts.views import render_form

from .. import audit, links, role_sessions, switching, url_space
from ..forms import SwitchRoleForm
from ..http import AuthenticatedRequest
from ..models import AuditEvent

STEP_UP_KEY = "switch_step_up"
STEP_UP_SALT = "console.switchrole.step-up"
STEP_UP_MAX_AGE = 300
LIMIT_KEY = "switch_at_limit"
LIMIT_SALT = "console.switchrole.limit"
LIMIT_MAX_AGE = 300


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def switchrole(request: AuthenticatedRequest) -> HttpResponse:
    """GET shows the form, prefilled from AWS-style query parameters; only a POST switches. A
    POST may carry an MFA `code` (the home page's one-step prompt for roles that need MFA)."""
    if request.method == "GET":
        initial = SwitchRoleForm.initial_from_link(request.GET)
        form = SwitchRoleForm(initial=initial)
        context = {
            "form": form,
            "switch_link": _link(initial),
            "redirect_ignored": bool(request.GET.get("redirect_uri", "").strip()) and not initial["redirect_uri"],
        }
        return render(request, "console/switchrole.html", context)

    form = SwitchRoleForm(request.POST)
    refusal = None
    if form.is_valid():
        wrong_code = _one_step_code(request, form)
        if wrong_code is not None:
            return wrong_code
        outcome = _attempt(request, form)
        if isinstance(outcome, HttpResponse):
            return outcome
        refusal = outcome
    status = 403 if refusal else 400
    context = {"form": form, "refusal": refusal, "switch_link": _link(form.data)}
    return render(request, "console/switchrole.html", context, status=status)


def _link(values) -> str:
    """The shareable link for the form's values; none until it names an account and a role."""
    if not (values.get("account", "").strip() and values.get("roleName", "").strip()):
        return ""
    return links.switch_link(
        values.get("account", ""),
        values.get("roleName", ""),
        values.get("displayName", ""),
        values.get("color", ""),
        values.get("redirect_uri", ""),
    )


def _fields(form: SwitchRoleForm) -> dict[str, str]:
    return {name: form.data.get(name, "") for name in SwitchRoleForm.base_fields}


def _one_step_code(request: AuthenticatedRequest, form: SwitchRoleForm) -> HttpResponse | None:
    """Check an MFA code sent with the switch. None to go on; a wrong code goes to the step-up
    page for the same switch, with the reason."""
    code = request.POST.get("code", "")
    device = mfa.active_device(request.user) if code.strip() else None
    if device is None or mfa.enrolled_in_session(request, device):
        return None  # no code, no device, or one assigned in this session: the switch says what to do
    code_form = MFACodeForm({"code": code})
    if code_form.is_valid() and mfa.check_form(request, device, code_form):
        mfa.mark_session(request, device)
        audit.record(request, AuditEvent.Kind.MFA_STEP_UP, role_arn=form.target().role_arn)
        return None
    pending.put(request, STEP_UP_KEY, STEP_UP_SALT, _fields(form))
    messages.error(request, str(code_form.errors["code"][0]))  # ErrorList[i] is the message text
    return redirect(url_space.outside(request, "console:switchrole_mfa"))


def _attempt(request: AuthenticatedRequest, form: SwitchRoleForm) -> HttpResponse | switching.SwitchRefused:
    """Switch with a valid form: into the new session, or to the page that asks for more (MFA
    code, which session to end), or the refusal to show."""
    try:
        session = switching.switch_role(request, form.target())
    except switching.StepUpRequired:
        pending.put(request, STEP_UP_KEY, STEP_UP_SALT, _fields(form))
        return redirect(url_space.outside(request, "console:switchrole_mfa"))
    except role_sessions.LimitReached:
        pending.put(request, LIMIT_KEY, LIMIT_SALT, _fields(form))
        return redirect(url_space.outside(request, "console:switchrole_limit"))
    except switching.SwitchRefused as exc:
        return exc
    return _entered(request, session, form.cleaned_data["redirect_uri"])


def _entered(request: AuthenticatedRequest, session, landing: str = "") -> HttpResponse:
    """Into the new session's URL space: the page the link asked for, else S3."""
    messages.success(request, f"You are now in {session.display_name} ({session.role_arn}).")
    if landing:
        return redirect(url_space.in_session(request, session.slug, landing))
    return redirect(url_space.reverse_in(request, session.slug, "console:s3_buckets"))


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def switchrole_mfa(request: AuthenticatedRequest) -> HttpResponse:
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
        outcome = _attempt(request, switch_form)
        if isinstance(outcome, HttpResponse):
            return outcome
        return render(request, "console/switchrole.html", {"form": switch_form, "refusal": outcome}, status=403)
    return render_form(
        request,
        "accounts/signin_mfa.html",
        {
            "form": form,
            "serial": device.serial,
            "submit_label": "Switch Role",
            "cancel_url": url_space.outside(request, "console:switchrole"),
            "intro": f"{switch_form.target().role_arn} requires MFA.",
        },
        form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def switchrole_limit(request: AuthenticatedRequest) -> HttpResponse:
    """At MAX_ROLE_SESSIONS: the person chooses a session to end, then the switch goes on."""
    data = pending.get(request, LIMIT_KEY, LIMIT_SALT, LIMIT_MAX_AGE)
    switch_form = SwitchRoleForm(data) if data is not None else None
    if switch_form is None or not switch_form.is_valid():
        messages.error(request, "That switch request expired. Switch again.")
        return redirect("console:switchrole")
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("end", "")
        if chosen and role_sessions.end_for_limit(request, chosen) is None:
            error = "That role session is not open any more. Choose another one."
        elif len(role_sessions.active(request)) >= settings.MAX_ROLE_SESSIONS:
            error = "Choose the role session to end."
        else:
            pending.drop(request, LIMIT_KEY)
            outcome = _attempt(request, switch_form)
            if isinstance(outcome, HttpResponse):
                return outcome
            return render(request, "console/switchrole.html", {"form": switch_form, "refusal": outcome}, status=403)
    sessions = role_sessions.active(request)
    context = {
        "target": switch_form.target(),
        "sessions": [(s, role_sessions.seconds_left(s)) for s in sessions],
        "limit": settings.MAX_ROLE_SESSIONS,
        "at_limit": len(sessions) >= settings.MAX_ROLE_SESSIONS,
        "error": error,
    }
    return render(request, "console/session_limit.html", context, status=400 if error else 200)


@login_required
@require_POST
def switchback(request: AuthenticatedRequest) -> HttpResponse:
    """Ends the role session of the tab it is pressed in, and only that one."""
    if request.role_session is None:
        # No session in the URL: act only when there is no doubt which one is meant.
        sessions = role_sessions.active(request)
        if len(sessions) > 1:
            messages.warning(request, "Several role sessions are open: use Switch back in the tab of the one to end.")
            return redirect(url_space.outside(request, "console:home"))
        request.role_session = sessions[0] if sessions else None
    session = switching.switch_back(request)
    if session:
        messages.info(request, f"You left {session.display_name}. This tab is back to your own identity.")
    return redirect(url_space.outside(request, "console:home"))


@login_required
@sensitive_post_parameters("code")
@require_POST
def renew(request: AuthenticatedRequest) -> HttpResponse:
    """Renewal waits for an MFA code (the trust needs MFA and the last check is too old)."""
    session = request.role_session
    if session is None:
        return redirect(url_space.outside(request, "console:home"))
    landing = url_space.console_path(request.POST.get("next", ""))
    back = (
        url_space.in_session(request, session.slug, landing)
        if landing
        else url_space.reverse_in(request, session.slug, "console:home")
    )
    device = mfa.active_device(request.user)
    form = MFACodeForm(request.POST)
    if device is None or not role_sessions.renewal_due(session):
        return redirect(back)
    if not (form.is_valid() and mfa.check_form(request, device, form)):
        messages.error(request, str(form.errors["code"][0]))  # ErrorList[i] is the message text
        return redirect(back)
    mfa.mark_session(request, device)
    audit.record(request, AuditEvent.Kind.MFA_STEP_UP, role_arn=session.role_arn)
    renewal = role_sessions.renew(request, session)
    if renewal.ended:
        messages.warning(request, f"Your session in {session.display_name} was ended: {renewal.reason}")
        return redirect(url_space.outside(request, "console:home"))
    if renewal.outcome is role_sessions.Outcome.RENEWED:
        until = timezone.localtime(session.expiration).strftime("%H:%M:%S %Z")
        messages.success(request, f"Your session in {session.display_name} was renewed until {until}.")
    else:
        messages.info(request, "The session could not be renewed just now; the console tries again on your next step.")
    return redirect(back)
