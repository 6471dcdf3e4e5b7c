from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import throttle
from .http import client_ip, signed_in_user
from .models import User

# ASCII digits only (Python's \d and str.isdigit() also accept "１２３" and "٣"), optionally
# with spaces, as authenticator apps show the code ("123 456").
CODE_REGEX = r"^ *[0-9]{3} ?[0-9]{3} *$"
CODE_ERROR = "Enter the 6-digit code from your MFA device, digits 0-9 only."


def code_field(label: str = "MFA code", autofocus: bool = False) -> forms.RegexField:
    attrs: dict[str, str | bool] = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.RegexField(
        label=label,
        regex=CODE_REGEX,
        max_length=8,
        error_messages={"invalid": CODE_ERROR},
        widget=forms.TextInput(attrs),
    )


class ThrottledForm(forms.Form):
    """A form whose check may be refused for a spent failure budget: `throttled` is then set, and
    the view answers 429 with Retry-After."""

    throttled: throttle.Throttled | None = None
    error_messages: dict[str, str]  # the messages check_password's `code` names


class SignInForm(ThrottledForm):
    account = forms.CharField(label="Account ID or alias", max_length=63)
    username = forms.CharField(label="IAM username", max_length=64)
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)

    error_messages = {
        # One message for every failure: no hint which of the three was wrong.
        "invalid_login": "Sign-in failed. Check your account ID or alias, IAM username and password.",
    }

    def __init__(self, request: HttpRequest | None = None, *args, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.attrs.update(autocomplete="organization", autofocus=True)
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    @sensitive_variables("data")
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            raise TypeError("forms.Form.clean() returns cleaned_data.")
        if not self.errors:
            if self.request is None:
                raise TypeError("SignInForm needs the request to check a password.")
            self.user = check_password(
                self.request, self, data["account"], data["username"], data["password"], "invalid_login"
            )
        return data


@sensitive_variables("password")
def check_password(
    request: HttpRequest, form: ThrottledForm, account: str, username: str, password: str, code: str
) -> User:
    """The password check behind sign-in and re-authentication. The attempt is counted against the
    person's budget and the client address's budget *before* the hasher runs (all spellings of
    the account and username share one budget), so concurrent guesses cannot overtake the count.
    Success clears the person's budget and gives the address its attempt back (throttle.Rule)."""
    identity = throttle.signin_identity(account, username)
    address = client_ip(request) or "unknown"
    try:
        attempt = throttle.attempt((throttle.SIGNIN_USER, identity), (throttle.SIGNIN_ADDRESS, address))
    except throttle.Throttled as exc:
        form.throttled = exc
        raise forms.ValidationError(
            f"Too many failed sign-in attempts. Wait {exc.minutes} minute(s), then try again.", code="throttled"
        ) from None
    with attempt:  # leaving without success counts the attempt as a failure
        user = authenticate(request, account=account, username=username, password=password)
        if user is None:
            raise forms.ValidationError(form.error_messages[code], code=code)
        attempt.succeeded()
    return user


class MFACodeForm(forms.Form):
    code = code_field(autofocus=True)


class MFAActivateForm(forms.Form):
    code1 = code_field("MFA code 1")
    code2 = code_field("MFA code 2")


class ReauthForm(ThrottledForm):
    """Re-authentication before a sensitive change (OWASP ASVS V2/V3): the current password and,
    when the user has an MFA device, a current code from it. Session cookies alone are not enough
    to remove MFA or change the password."""

    current_password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {"wrong_password": "Your current password is not correct."}

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        from . import mfa

        self.request = request
        self.reauth_user: User = signed_in_user(request)
        self.device = mfa.active_device(self.reauth_user)
        super().__init__(*args, **kwargs)
        if self.device is not None:
            self.fields["mfa_code"] = code_field("MFA code")

    @sensitive_variables("data")
    def clean(self) -> dict[str, Any]:
        from . import mfa

        data = super().clean()
        if data is None:
            raise TypeError("forms.Form.clean() returns cleaned_data.")
        if self.errors:
            return data
        user = self.reauth_user
        account = user.account.account_id if user.account is not None else ""
        check_password(self.request, self, account, user.username, data["current_password"], "wrong_password")
        if self.device is not None:
            result = mfa.verify(self.device, data["mfa_code"])
            if result is not mfa.Result.OK:
                mfa.audit_failure(self.request, self.device, result)
                if result is mfa.Result.LOCKED:
                    self.throttled = throttle.Throttled(throttle.MFA, max(1, mfa.retry_after(self.device)))
                self.add_error("mfa_code", mfa.MESSAGES[result])
        return data


class ChangePasswordForm(ReauthForm, SetPasswordForm):
    """Current password (and MFA code), then the new one twice."""

    # Both parents' messages: ReauthForm's alone would hide SetPasswordForm's "password_mismatch".
    # (The parents declare different dict types; this one holds both, as Django reads it.)
    error_messages = {**SetPasswordForm.error_messages, **ReauthForm.error_messages}  # type: ignore[assignment]

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        ReauthForm.__init__(self, request, request.user, *args, **kwargs)
        order = ["current_password", "mfa_code", "new_password1", "new_password2"]
        self.order_fields([name for name in order if name in self.fields])
