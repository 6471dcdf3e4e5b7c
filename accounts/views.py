"""Sign-in and sign-out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import mfa, pending, signals
from .forms import ChangePasswordForm, MFACodeForm, SignInForm, ThrottledForm
from .models import User

# Errors that say "the credentials did not check out", not "the input is malformed": the page is
# then answered like any other attempt (200), as Django's own login view does.
CREDENTIAL_FAILURES = {"invalid_login", "wrong_password", None}


def render_form(request: HttpRequest, template: str, context: dict, form) -> HttpResponse:
    """A form page: 200 when shown or when credentials were wrong, 400 when the input itself was
    refused (a malformed code, a missing field), 429 with Retry-After when a failure budget is
    spent."""
    retry = _retry_after(form)
    refused = form.is_bound and any(
        error.code not in CREDENTIAL_FAILURES for errors in form.errors.as_data().values() for error in errors
    )
    status = 429 if retry else (400 if refused else 200)
    response = render(request, template, context, status=status)
    if retry:
        response["Retry-After"] = str(retry)
    return response


def _retry_after(form) -> int:
    if isinstance(form, ThrottledForm) and form.throttled is not None:
        return form.throttled.retry_after
    return getattr(form, "retry_after", 0) or 0


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
            user = form.user
            if user is None:
                raise TypeError("A valid SignInForm has checked the password and holds the user.")
            if mfa.active_device(user):
                # Password checked; the person is signed in only after the MFA code. The state is
                # bound to the password: changed meanwhile, the half-finished sign-in is void.
                state = {"user": user.pk, "hash": user.get_session_auth_hash(), "next": _safe_next(request)}
                pending.put(request, PENDING_KEY, PENDING_SALT, state)
                return redirect("accounts:signin_mfa")
            login(request, user)  # cycles the session key
            signals.signed_in.send(User, request=request, user=user)
            return redirect(_safe_next(request))
        signals.signin_failed.send(
            User,
            request=request,
            username=request.POST.get("username", "")[:64],  # as typed: the admin's Username filter finds it
            detail=f"account={request.POST.get('account', '')[:63]!r}" + (" (throttled)" if form.throttled else ""),
        )
    return render_form(request, "accounts/signin.html", {"form": form, "next": _safe_next(request)}, form)


PENDING_KEY = "mfa_pending_signin"
PENDING_SALT = "accounts.signin.mfa"
PENDING_MAX_AGE = 300  # seconds between the password and the MFA code


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    data = pending.get(request, PENDING_KEY, PENDING_SALT, PENDING_MAX_AGE)
    if data is None:
        return None, ""
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not constant_time_compare(data.get("hash", ""), user.get_session_auth_hash()):
        pending.drop(request, PENDING_KEY)
        return None, ""
    return user, data.get("next", "")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def signin_mfa(request: HttpRequest) -> HttpResponse:
    """Second sign-in step for users with an MFA device."""
    user, next_url = _pending_user(request)
    device = mfa.active_device(user) if user else None
    if device is None:
        messages.error(request, "Your sign-in expired or was not started. Sign in again.")
        return redirect("accounts:signin")
    form = MFACodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and mfa.check_form(request, device, form):
        pending.drop(request, PENDING_KEY)
        login(request, user)
        mfa.mark_session(request, device)
        signals.signed_in.send(User, request=request, user=user, detail="with MFA")
        return redirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
    return render_form(request, "accounts/signin_mfa.html", {"form": form, "serial": device.serial}, form)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    # The role sessions end and the sign-out is audited by console's user_logged_out receiver
    # (console/receivers.py), whichever view signs the person out.
    logout(request)
    # After logout(): the message belongs to the new, anonymous session.
    messages.success(request, "You are signed out. Sign in again to continue.")
    return redirect("accounts:signin")


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def new_password(request: HttpRequest) -> HttpResponse:
    """Choose a new password (required by an administrator, or by choice). Needs the current
    password and, with an MFA device, a current code; every other session of the user ends."""
    form = ChangePasswordForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.must_change_password = False
        user.save()
        key = request.session.session_key
        update_session_auth_hash(request, user)  # this session stays; the others no longer verify
        # The console moves this browser's role sessions to the new key, ends the others, audits.
        signals.password_changed.send(User, request=request, user=user, old_session_key=key)
        messages.success(request, "Your password was changed. Your other sessions were signed out.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render_form(request, "accounts/new_password.html", {"form": form}, form)


def admin_login(request: HttpRequest) -> HttpResponse:
    """Replaces Django's admin login, which cannot sign in here: users belong to an account.
    Administrators sign in through the console; others are told the admin is not for them."""
    if request.user.is_authenticated:
        messages.error(request, "The administration pages are for administrators only.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:signin')}?{urlencode({'next': next_url})}")
