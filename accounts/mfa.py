"""Virtual MFA (TOTP, RFC 6238) with pyotp: enrolment, verification, replay and rate limits."""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

import pyotp
import segno

from console import audit, crypto
from console.models import AuditEvent

from . import clock
from .models import MFADevice, User

STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the previous and next code too (clock drift between phone and server)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
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


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


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
    label = f"{user.username}@{user.account.alias or user.account.account_id}"
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


def _locked(device: MFADevice) -> bool:
    start = device.failure_window_start
    return bool(start and device.failures >= MAX_FAILURES and clock.now() - start < FAILURE_WINDOW)


def _record_failure(device: MFADevice) -> None:
    now = clock.now()
    if device.failure_window_start is None or now - device.failure_window_start >= FAILURE_WINDOW:
        device.failures, device.failure_window_start = 0, now
    device.failures += 1
    device.save(update_fields=["failures", "failure_window_start"])


def verify(device: MFADevice, code: str) -> Result:
    """Check a code from an active device. A code (its time step) is accepted once only: the
    conditional UPDATE makes that hold even with several workers racing."""
    device.refresh_from_db()
    if not device.active:
        return Result.WRONG
    if _locked(device):
        return Result.LOCKED
    code = _normalise(code)
    totp = pyotp.TOTP(secret_of(device))
    now_step = current_step()
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if secrets.compare_digest(_code_at(totp, step), code):
            accepted = MFADevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step, failures=0, failure_window_start=None
            )
            if accepted:
                return Result.OK
            _record_failure(device)
            return Result.REPLAYED
    _record_failure(device)
    return Result.WRONG


def check_form(request, device: MFADevice, form) -> bool:  # noqa: ANN001
    """Verify a valid MFACodeForm's code. On failure, audit it and put the reason on the form."""
    result = verify(device, form.cleaned_data["code"])
    if result is Result.OK:
        return True
    audit.record(request, AuditEvent.Kind.MFA_FAILED, user=device.user, detail=result.value)
    form.add_error("code", MESSAGES[result])
    return False


def active_device(user: User) -> MFADevice | None:
    device = MFADevice.objects.filter(user=user).select_related("user__account").first()
    return device if device and device.active else None


def deactivate(user: User) -> bool:
    deleted, _ = MFADevice.objects.filter(user=user).delete()
    return bool(deleted)


# --- The signed-in session's MFA state ------------------------------------------------------

SESSION_MFA_AT = "mfa_authenticated_at"


def mark_session(request) -> None:  # noqa: ANN001
    """Record that this session passed an MFA check now (aws:MultiFactorAuthAge counts from here)."""
    request.session[SESSION_MFA_AT] = clock.now().timestamp()


def session_mfa_age(request) -> int | None:  # noqa: ANN001
    """Seconds since the session's last MFA check, or None when it never had one."""
    at = request.session.get(SESSION_MFA_AT)
    return None if at is None else max(0, int(clock.now().timestamp() - at))
