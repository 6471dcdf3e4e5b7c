"""Sign-in and sign-out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from console import audit, switching
from console.models import AuditEvent

from .forms import SignInForm


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def signin(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignInForm(request, data=request.POST or None, initial={"account": request.GET.get("account", "")})
    if request.method == "POST":
        if form.is_valid():
            login(request, form.user)  # cycles the session key
            audit.record(request, AuditEvent.Kind.SIGNIN, user=form.user)
            return redirect(_safe_next(request))
        audit.record(
            request,
            AuditEvent.Kind.SIGNIN_FAILED,
            detail=f"account={request.POST.get('account', '')[:63]!r} "
            f"username={request.POST.get('username', '')[:64]!r}",
        )
    return render(request, "accounts/signin.html", {"form": form, "next": _safe_next(request)})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        switching.switch_back(request)
        audit.record(request, AuditEvent.Kind.SIGNOUT)
    logout(request)
    return redirect("accounts:signin")
