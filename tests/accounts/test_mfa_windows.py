"""MFA at its edges, with the numbers written out: TOTP steps of 30 s, one step of drift either
way (two refused), activation with two consecutive codes typed within the last 10 steps, 5 wrong
codes per 15 minutes before the lockout, a code accepted once. Identity rows come from the
factories of tests/helpers.py: no demo world, no emulator.

The clock is set to a fixed instant on a step boundary (T), so "one step later" is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import segno
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from accounts import mfa
from accounts.forms import MFACodeForm
from accounts.models import MFADevice, Throttle
from console.models import AuditEvent, RoleSession
from tests.helpers import Authenticator, make_account, make_role, make_user, trust_account

pytestmark = [pytest.mark.django_db, pytest.mark.no_emulator]

T = datetime(2026, 3, 14, 15, 9, 0, tzinfo=UTC)  # 1773500940: a multiple of 30
OK, WRONG, REPLAYED, LOCKED = mfa.Result.OK, mfa.Result.WRONG, mfa.Result.REPLAYED, mfa.Result.LOCKED


@pytest.fixture
def at(clock):
    """The console's clock at T; `at(seconds)` moves it to T + seconds."""

    def move(seconds: float = 0) -> datetime:
        clock.advance((T + timedelta(seconds=seconds) - clock.now()).total_seconds())
        return clock.now()

    move()
    return move


def code_at(phone: Authenticator, step_offset: int) -> str:
    return phone.code(step_offset)


def pending(user) -> tuple[MFADevice, Authenticator]:
    device = mfa.start_enrollment(user)
    return device, Authenticator(mfa.secret_of(device))


def user_with_device(at, **kwargs: object):
    """A user whose device was activated at T - 300 s, and the clock back at T."""
    at(-300)
    user = make_user(mfa=True, **kwargs)
    at(0)
    return user, MFADevice.objects.get(user=user)


# --- Steps and drift ------------------------------------------------------------------------------


def test_the_clock_is_on_a_step_boundary(at) -> None:
    assert mfa.current_step() == 1773500940 // 30
    at(29)
    assert mfa.current_step() == 1773500940 // 30
    at(30)
    assert mfa.current_step() == 1773500940 // 30 + 1


@pytest.mark.parametrize(("offset", "result"), [(-2, WRONG), (-1, OK), (0, OK), (1, OK), (2, WRONG)])
@pytest.mark.parametrize("seconds", [0, 29], ids=["step-start", "step-end"])
def test_one_step_of_drift_either_way_is_accepted_two_are_not(at, offset: int, result, seconds: int) -> None:
    user, device = user_with_device(at)
    at(seconds)
    assert mfa.verify(device, user.phone.code(offset)) is result


def test_the_codes_are_the_standard_30_second_totp(at) -> None:
    _user, device = user_with_device(at)
    standard = pyotp.TOTP(mfa.secret_of(device)).at(T.timestamp() + 30)  # any RFC 6238 app computes this
    assert mfa.verify(device, standard) is OK


def test_codes_may_be_typed_with_spaces(at) -> None:
    user, device = user_with_device(at)
    code = user.phone.code(0)
    assert mfa.verify(device, f" {code[:3]} {code[3:]} ") is OK


def test_non_ascii_digits_are_a_wrong_code_and_counted(at) -> None:
    user, device = user_with_device(at)
    fullwidth = user.phone.code(0).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert mfa.verify(device, fullwidth) is WRONG
    assert Throttle.objects.get().count == 1


# --- Replay -------------------------------------------------------------------------------------


def test_a_code_is_accepted_once_and_an_older_step_after_a_newer_never(at) -> None:
    user, device = user_with_device(at)
    assert mfa.verify(device, user.phone.code(0)) is OK
    assert mfa.verify(device, user.phone.code(0)) is REPLAYED
    assert mfa.verify(device, user.phone.code(-1)) is REPLAYED  # older than the one used
    assert mfa.verify(device, user.phone.code(1)) is OK
    assert MFADevice.objects.get(pk=device.pk).last_used_step == 1773500940 // 30 + 1


def test_a_stale_device_object_is_read_again(at) -> None:
    user = make_user()
    device, phone = pending(user)
    stale = MFADevice.objects.get(pk=device.pk)  # loaded while still pending
    at(-60)
    assert mfa.activate(device, phone.code(-1), phone.code(0))
    at(0)
    assert mfa.verify(stale, phone.code(0)) is OK


# --- A pending device -------------------------------------------------------------------------------


def test_a_code_to_a_pending_device_is_wrong_and_not_counted(at) -> None:
    device, phone = pending(make_user())
    assert mfa.verify(device, phone.code(0)) is WRONG
    assert not Throttle.objects.exists()
    assert mfa.active_device(device.user) is None


def test_enrolment_replaces_a_pending_secret_but_refuses_an_active_device(at) -> None:
    user = make_user()
    first = mfa.start_enrollment(user)
    first_secret = mfa.secret_of(first)
    again = mfa.start_enrollment(user)
    assert again.pk == first.pk
    assert mfa.secret_of(MFADevice.objects.get(pk=first.pk)) == mfa.secret_of(again) != first_secret
    active, _ = user_with_device(at)
    with pytest.raises(ValueError, match="already has an active MFA device"):
        mfa.start_enrollment(active)


# --- Activation: two consecutive codes typed within the last 10 steps ---------------------------------


@pytest.mark.parametrize(
    ("first", "second", "activated"),
    [
        (-11, -10, False),  # typed 11 steps ago: too old
        (-10, -9, True),  # the oldest pair accepted
        (-1, 0, True),
        (0, 1, True),  # the second code one step ahead (the phone's clock runs fast)
        (1, 2, False),
        (-1, 1, False),  # not consecutive
        (0, -1, False),  # reversed
        (0, 0, False),
    ],
)
def test_the_activation_window(at, first: int, second: int, activated: bool) -> None:
    device, phone = pending(make_user())
    assert mfa.activate(device, phone.code(first), phone.code(second)) is activated
    device = MFADevice.objects.get(pk=device.pk)
    assert device.active is activated
    if activated:
        assert device.enabled_at == T
        assert device.last_used_step == 1773500940 // 30 + second  # the second code is used up
    else:
        assert device.enabled_at is None and device.last_used_step == 0


def test_after_activation_the_second_code_is_used_up_and_the_next_accepted(at) -> None:
    device, phone = pending(make_user())
    assert mfa.activate(device, phone.code(-1), phone.code(0))
    assert mfa.verify(device, phone.code(0)) is REPLAYED
    assert mfa.verify(device, phone.code(1)) is OK


def test_activation_takes_codes_with_spaces(at) -> None:
    device, phone = pending(make_user())
    one, two = phone.code(-1), phone.code(0)
    assert mfa.activate(device, f"{one[:3]} {one[3:]}", f" {two} ")


# --- Lockout: 5 wrong codes per 15 minutes --------------------------------------------------------


def test_the_fifth_wrong_code_is_checked_and_the_sixth_attempt_locked(at) -> None:
    user, device = user_with_device(at)
    for _ in range(5):
        assert mfa.verify(device, "000000") is WRONG
    assert mfa.retry_after(device) == 900
    assert mfa.verify(device, user.phone.code(0)) is LOCKED  # even the right code
    at(899)
    assert mfa.verify(device, user.phone.code(0)) is LOCKED
    assert mfa.retry_after(device) == 1
    at(900)
    assert mfa.retry_after(device) == 0
    assert mfa.verify(device, user.phone.code(0)) is OK


def test_four_wrong_codes_leave_room_and_a_right_one_clears_them(at) -> None:
    user, device = user_with_device(at)
    for _ in range(4):
        assert mfa.verify(device, "000000") is WRONG
    assert mfa.retry_after(device) == 0
    assert mfa.verify(device, user.phone.code(0)) is OK
    for _ in range(5):  # cleared: five more before the lockout
        assert mfa.verify(device, "000000") is WRONG
    assert mfa.verify(device, "000000") is LOCKED


def test_a_replayed_code_counts_as_a_failure(at) -> None:
    user, device = user_with_device(at)
    assert mfa.verify(device, user.phone.code(0)) is OK
    for _ in range(5):
        assert mfa.verify(device, user.phone.code(0)) is REPLAYED
    assert mfa.verify(device, user.phone.code(1)) is LOCKED


def test_max_failures_is_five() -> None:
    assert mfa.max_failures() == 5


# --- check_form: the reason on the form, the audit row, the lockout time ---------------------------------


def _form_request(user):
    request = RequestFactory().post("/signin/mfa")
    request.user = AnonymousUser()
    request.session = {}
    return request


def _form(code: str) -> MFACodeForm:
    form = MFACodeForm({"code": code})
    assert form.is_valid(), form.errors
    return form


def test_check_form_accepts_a_right_code_and_records_nothing(at) -> None:
    user, device = user_with_device(at)
    form = _form(user.phone.code(0))
    assert mfa.check_form(_form_request(user), device, form) is True
    assert form.errors == {}
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_FAILED).exists()


def test_check_form_explains_a_wrong_code_and_audits_it(at) -> None:
    user, device = user_with_device(at)
    form = _form("123456")
    assert mfa.check_form(_form_request(user), device, form) is False
    assert form.errors["code"] == [mfa.MESSAGES[WRONG]]
    assert not hasattr(form, "retry_after")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.MFA_FAILED)
    assert (event.user, event.detail) == (user, "wrong")


def test_check_form_gives_the_seconds_left_when_locked(at) -> None:
    user, device = user_with_device(at)
    for _ in range(5):
        mfa.verify(device, "000000")
    at(899)
    form = _form(user.phone.code(0))
    assert mfa.check_form(_form_request(user), device, form) is False
    assert form.retry_after == 1
    assert form.errors["code"] == ["Too many wrong codes. Wait 15 minutes, then try again."]
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.MFA_FAILED).detail == "locked"


# --- The QR code and provisioning URI ------------------------------------------------------------------


def test_the_provisioning_uri_names_the_user_at_the_alias_or_account(at) -> None:
    aliased = make_user("qr-alice", account=make_account("555566667777", alias="qr-team", home=True))
    device = mfa.start_enrollment(aliased)
    uri = mfa.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/Switchrole%20Console:qr-alice%40qr-team?secret=")
    assert "issuer=Switchrole%20Console" in uri
    bare = make_user("qr-bob", account=make_account("555566668888", home=True))
    assert "Console:qr-bob%40555566668888?" in mfa.provisioning_uri(mfa.start_enrollment(bare))


def test_the_qr_code_is_an_inline_svg_at_5_pixels_a_module(at) -> None:
    device = mfa.start_enrollment(make_user("qr-carol"))
    svg = mfa.qr_svg(device)
    width, height = segno.make(mfa.provisioning_uri(device), error="m").symbol_size(scale=5)
    assert svg.startswith("<svg") and f'viewBox="0 0 {width} {height}"' in svg
    assert "width=" not in svg.split(">", 1)[0]  # sized by the page's CSS
    assert 'fill="#fff"' in svg or "#ffffff" in svg


# --- Removing a device ------------------------------------------------------------------------------------


def test_removing_the_device_ends_only_the_role_sessions_that_needed_mfa(at) -> None:
    user, _device = user_with_device(at)
    home = user.account.account_id
    mfa_role = make_role(trust=trust_account(home, Bool={"aws:MultiFactorAuthPresent": "true"}))
    plain_role = make_role(trust=trust_account(home))
    sessions = {}
    for name, role in (("mfa", mfa_role), ("plain", plain_role), ("deleted", None)):
        sessions[name] = RoleSession.objects.create(
            user=user,
            role=role,
            role_arn=f"arn:aws:iam::123456789012:role/{name}",
            account_id="123456789012",
            display_name=name,
            expiration=T + timedelta(hours=1),
        )
    assert mfa.deactivate(user) is True
    ended = {name: RoleSession.objects.get(pk=s.pk).end_reason for name, s in sessions.items()}
    assert ended == {"mfa": "MFA device removed", "plain": "", "deleted": ""}
    assert mfa.active_device(user) is None
    assert mfa.deactivate(user) is False


# --- The session's MFA state -------------------------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user, request.session = user, {}
    return request


def test_the_session_remembers_when_and_with_which_device(at) -> None:
    user, device = user_with_device(at)
    request = _request(user)
    assert mfa.session_mfa_age(request) is None
    mfa.mark_session(request, device)
    assert request.session[mfa.SESSION_MFA_AT] == {
        "at": T.timestamp(),
        "device": [device.pk, (T - timedelta(seconds=300)).timestamp()],
    }
    assert mfa.session_mfa_age(request) == 0
    at(3600)
    assert mfa.session_mfa_age(request) == 3600
    at(-10)  # a clock set back: never a negative age
    assert mfa.session_mfa_age(request) == 0


def test_the_mfa_age_ends_with_the_device(at) -> None:
    user, device = user_with_device(at)
    request = _request(user)
    mfa.mark_session(request, device)
    mfa.deactivate(user)
    assert mfa.session_mfa_age(request) is None
    at(-300)
    device, phone = pending(user)
    assert mfa.activate(device, phone.code(-1), phone.code(0))
    at(0)
    assert mfa.session_mfa_age(request) is None  # a new device: the old check does not count


def test_garbage_in_the_session_is_no_mfa(at) -> None:
    user, _ = user_with_device(at)
    request = _request(user)
    request.session[mfa.SESSION_MFA_AT] = 1773500940.0  # an older format: a bare timestamp
    assert mfa.session_mfa_age(request) is None


def test_enrolling_in_a_session_is_not_signing_in_with_mfa(at) -> None:
    user, device = user_with_device(at)
    request = _request(user)
    mfa.mark_session(request, device)
    mfa.mark_enrolled(request, device)
    assert mfa.session_mfa_age(request) is None
    assert mfa.enrolled_in_session(request, device) is True
    _other, other_device = user_with_device(at)
    assert mfa.enrolled_in_session(request, other_device) is False
    pending_device, _ = pending(make_user())
    assert mfa.enrolled_in_session(request, pending_device) is False


def test_a_signed_out_request_has_no_mfa_age(at) -> None:
    user, device = user_with_device(at)
    request = _request(user)
    mfa.mark_session(request, device)
    request.user = AnonymousUser()  # signed out, the session's state left behind
    assert mfa.session_mfa_age(request) is None
