"""Virtual MFA (TOTP, RFC 6238) with pyotp: enrolment, verification, replay and rate limits."""

from __future__ import annotations

import enum
import secrets

import pyotp
import segno
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import clock, crypto, signals, throttle
from .models import MFADevice, User

STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the previous and next code too (clock drift between phone and server)
ISSUER = "Switchrole Console"


class Result(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"


MESSAGES = {
    Result.WRONG: "That code is not valid. Enter the current 6-digit code from your MFA device.",
    Result.REPLAYED: "That code has already been used. Wait for the next code and enter it.",
    Result.LOCKED: "Too many wrong codes. Wait 15 minutes, then try again.",
}


def max_failures() -> int:
    return throttle.MFA.limit


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


@sensitive_variables()
def secret_of(device: MFADevice) -> str:
    return (crypto.unseal(device.sealed_secret) or {}).get("secret", "")


def start_enrollment(user: User) -> MFADevice:
    """A pending device with a fresh secret (replacing an earlier pending one). One per user."""
    device = MFADevice.objects.filter(user=user).first()
    if device and device.active:
        raise ValueError("The user already has an active MFA device.")
    sealed = crypto.seal({"secret": pyotp.random_base32()})
    if device:
        device.sealed_secret = sealed
        device.save(update_fields=["sealed_secret"])
        return device
    return MFADevice.objects.create(user=user, sealed_secret=sealed)


def provisioning_uri(device: MFADevice) -> str:
    user = device.user
    account = user.require_account()
    label = f"{user.username}@{account.alias or account.account_id}"
    return pyotp.TOTP(secret_of(device)).provisioning_uri(name=label, issuer_name=ISSUER)


def qr_svg(device: MFADevice) -> str:
    """The provisioning URI as an inline SVG QR code, made on the server."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, dark="#16191f", light="#ffffff", omitsize=True
    )


def _code_at(totp: pyotp.TOTP, step: int) -> str:
    return totp.at(step * STEP_SECONDS)


def _normalise(code: str) -> str:
    return "".join(code.split())


@sensitive_variables("totp")
def activate(device: MFADevice, code1: str, code2: str) -> bool:
    """AWS-style activation: two consecutive codes from the device."""
    totp = pyotp.TOTP(secret_of(device))
    code1, code2 = _normalise(code1), _normalise(code2)
    now_step = current_step()
    for step in range(now_step - 10, now_step + 1):  # codes typed over the last few minutes
        if secrets.compare_digest(_code_at(totp, step), code1) and secrets.compare_digest(
            _code_at(totp, step + 1), code2
        ):
            device.enabled_at = clock.now()
            device.last_used_step = step + 1
            device.save(update_fields=["enabled_at", "last_used_step"])
            return True
    return False


@sensitive_variables("totp")
def verify(device: MFADevice, code: str) -> Result:
    """Check a code from an active device. The attempt is counted against the user's budget
    before the code is compared (concurrent guesses cannot overtake the count) and the budget
    is cleared on success. A code (its time step) is accepted once only: the conditional UPDATE
    makes that hold even with several workers racing."""
    device.refresh_from_db()
    if not device.active:
        return Result.WRONG
    identity = str(device.user_id)
    try:
        attempt = throttle.attempt((throttle.MFA, identity))
    except throttle.Throttled:
        return Result.LOCKED
    with attempt:  # leaving without success counts the attempt as a failure
        code = _normalise(code)
        if not code.isascii():  # compare_digest refuses non-ASCII text; such a code is wrong anyway
            return Result.WRONG
        totp = pyotp.TOTP(secret_of(device))
        now_step = current_step()
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
            if secrets.compare_digest(_code_at(totp, step), code):
                if MFADevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step):
                    attempt.succeeded()
                    return Result.OK
                return Result.REPLAYED
    return Result.WRONG


def retry_after(device: MFADevice) -> int:
    return throttle.retry_after(throttle.MFA, str(device.user_id))


def audit_failure(request: HttpRequest, device: MFADevice, result: Result) -> None:
    signals.mfa_failed.send(MFADevice, request=request, device=device, result=result.value)


def check_form(request: HttpRequest, device: MFADevice, form) -> bool:
    """Verify a valid MFACodeForm's code. On failure, audit it and put the reason on the form
    (and `form.retry_after` when the budget is spent: the view answers 429)."""
    result = verify(device, form.cleaned_data["code"])
    if result is Result.OK:
        return True
    audit_failure(request, device, result)
    if result is Result.LOCKED:
        form.retry_after = max(1, retry_after(device))
    form.add_error("code", MESSAGES[result])
    return False


def active_device(user: User) -> MFADevice | None:
    device = MFADevice.objects.filter(user=user).select_related("user__account").first()
    return device if device and device.active else None


def deactivate(user: User) -> bool:
    """Remove the user's device. Role sessions whose trust policy needed MFA end with it, in
    every browser: the MFA they were granted on is gone (console's receiver of
    `signals.mfa_device_removed` ends them)."""
    deleted, _ = MFADevice.objects.filter(user=user).delete()
    if deleted:
        signals.mfa_device_removed.send(MFADevice, user=user)
    return bool(deleted)


# --- The signed-in session's MFA state ------------------------------------------------------

SESSION_MFA_AT = "mfa_authenticated_at"
SESSION_ENROLLED = "mfa_enrolled_in_session"


def _device_stamp(device: MFADevice) -> list:
    return [device.pk, device.enabled_at.timestamp() if device.enabled_at else None]


def mark_session(request: HttpRequest, device: MFADevice) -> None:
    """Record that this session passed an MFA check with `device` now (aws:MultiFactorAuthAge
    counts from here). The check is bound to that device: removed or replaced, it counts no more."""
    request.session[SESSION_MFA_AT] = {"at": clock.now().timestamp(), "device": _device_stamp(device)}


def mark_enrolled(request: HttpRequest, device: MFADevice) -> None:
    """The device was assigned in this browser session. As in AWS, that does not make the session
    MFA-authenticated: the person signs in again with the device."""
    request.session.pop(SESSION_MFA_AT, None)
    request.session[SESSION_ENROLLED] = _device_stamp(device)


def enrolled_in_session(request: HttpRequest, device: MFADevice) -> bool:
    return request.session.get(SESSION_ENROLLED) == _device_stamp(device)


def session_mfa_age(request: HttpRequest) -> int | None:
    """Seconds since the session's last MFA check, or None when it never had one, or had it with
    a device the user no longer has."""
    state = request.session.get(SESSION_MFA_AT)
    if not isinstance(state, dict) or not request.user.is_authenticated:
        return None
    device = active_device(request.user)
    if device is None or state.get("device") != _device_stamp(device):
        return None
    return max(0, int(clock.now().timestamp() - state["at"]))
