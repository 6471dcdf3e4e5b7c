"""The Security credentials page: the signed-in user's own MFA device."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from . import access_keys, mfa, signals
from .forms import MFAActivateForm, ReauthForm
from .http import signed_in_user
from .models import AccessKey, MFADevice
from .views import render_form


@login_required
@never_cache
@sensitive_variables("new_secret")
def security(request: HttpRequest, new_key=None, new_secret: str = "", reauth=None) -> HttpResponse:
    device = getattr(request.user, "mfa_device", None)
    # Removing or assigning a device needs the current password (and a code, with a device).
    form = reauth or ReauthForm(request, auto_id="mfa_%s")
    context = {
        "device": device,
        "reauth": form,
        "keys": signed_in_user(request).access_keys.all(),
        "max_keys": access_keys.MAX_KEYS_PER_USER,
        "new_key": new_key,
        "new_secret": new_secret,  # shown once, in this response only
    }
    return render_form(request, "accounts/security.html", context, form)


@login_required
@require_POST
@never_cache
@sensitive_variables("secret")
def key_create(request: HttpRequest) -> HttpResponse:
    try:
        key, secret = access_keys.create(signed_in_user(request))
    except access_keys.AccessKeyError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:security")
    signals.access_key_created.send(AccessKey, request=request, key=key)
    return security(request, new_key=key, new_secret=secret)


@login_required
@require_POST
def key_status(request: HttpRequest, key_id: str) -> HttpResponse:
    active = request.POST.get("status") == "Active"
    if access_keys.set_status(signed_in_user(request), key_id, active):
        detail = f"{key_id} {'activated' if active else 'deactivated'}"
        signals.access_key_changed.send(AccessKey, request=request, detail=detail)
        messages.info(request, f"Access key {key_id} is now {'active' if active else 'inactive'}.")
    return redirect("accounts:security")


@login_required
@require_POST
def key_delete(request: HttpRequest, key_id: str) -> HttpResponse:
    if access_keys.delete(signed_in_user(request), key_id):
        signals.access_key_changed.send(AccessKey, request=request, detail=f"{key_id} deleted")
        messages.info(request, f"Access key {key_id} was deleted.")
    return redirect("accounts:security")


@login_required
@require_POST
@sensitive_post_parameters("current_password")
def mfa_start(request: HttpRequest) -> HttpResponse:
    if mfa.active_device(signed_in_user(request)):
        messages.error(request, "You already have an MFA device. Remove it before assigning another.")
        return redirect("accounts:security")
    form = ReauthForm(request, request.POST, auto_id="mfa_%s")
    if not form.is_valid():
        return security(request, reauth=form)
    mfa.start_enrollment(signed_in_user(request))
    return redirect("accounts:mfa_assign")


@login_required
@never_cache
@sensitive_post_parameters("code1", "code2")
def mfa_assign(request: HttpRequest) -> HttpResponse:
    device = getattr(request.user, "mfa_device", None)
    if device is None or device.active:
        return redirect("accounts:security")
    form = MFAActivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.activate(device, form.cleaned_data["code1"], form.cleaned_data["code2"]):
            # As in AWS, this session is not MFA-authenticated by assigning a device: roles that
            # require MFA need a sign-in with it.
            mfa.mark_enrolled(request, device)
            signals.mfa_enabled.send(MFADevice, request=request, device=device)
            messages.success(
                request,
                f"MFA device {device.serial} is assigned. Sign out and sign in again with it to use roles "
                "that require MFA; from now on you will be asked for a code when you sign in.",
            )
            return redirect("accounts:security")
        form.add_error(None, "The codes are not valid. Enter two consecutive codes from your MFA app.")
    return render_form(
        request,
        "accounts/mfa_assign.html",
        {
            "device": device,
            "form": form,
            "secret": mfa.secret_of(device),
            # segno builds the SVG from the provisioning URI; no user text is in it unescaped.
            "qr_svg": mark_safe(mfa.qr_svg(device)),  # noqa: S308
        },
        form,
    )


@login_required
@require_POST
@sensitive_post_parameters("current_password", "mfa_code")
def mfa_remove(request: HttpRequest) -> HttpResponse:
    """Remove (or, followed by Assign, replace) the device: a stolen session cookie is not enough,
    the current password and a current code from the device are needed."""
    device = getattr(request.user, "mfa_device", None)
    if device is None:
        return redirect("accounts:security")
    if device.active:
        form = ReauthForm(request, request.POST, auto_id="mfa_%s")
        if not form.is_valid():
            return security(request, reauth=form)
    serial = device.serial
    mfa.deactivate(signed_in_user(request))  # ends role sessions whose trust needed MFA, in every browser
    request.session.pop(mfa.SESSION_MFA_AT, None)
    signals.mfa_disabled.send(MFADevice, request=request, serial=serial)
    messages.info(request, "Your MFA device was removed. Role sessions that required MFA were ended.")
    return redirect("accounts:security")
