from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate

from . import throttle
from .models import User


class SignInForm(forms.Form):
    account = forms.CharField(label="Account ID or alias", max_length=63)
    username = forms.CharField(label="IAM username", max_length=64)
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)

    error_messages = {
        # One message for every failure: no hint which of the three was wrong.
        "invalid_login": "Sign-in failed. Check your account ID or alias, IAM username and password.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:  # noqa: ANN001
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.attrs.update(autocomplete="organization", autofocus=True)
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            account, username = data["account"], data["username"]
            if throttle.locked(account, username):
                raise forms.ValidationError(throttle.MESSAGE, code="throttled")
            self.user = authenticate(self.request, account=account, username=username, password=data["password"])
            if self.user is None:
                throttle.failed(account, username)
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
            throttle.succeeded(account, username)
        return data


class MFACodeForm(forms.Form):
    code = forms.RegexField(
        label="MFA code",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=8,
        error_messages={"invalid": "Enter the 6-digit code from your MFA device."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class MFAActivateForm(forms.Form):
    code1 = forms.RegexField(
        label="MFA code 1",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter a 6-digit code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    code2 = forms.RegexField(
        label="MFA code 2",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter a 6-digit code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
