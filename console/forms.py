from __future__ import annotations

from django import forms

from accounts.models import ASCII_DIGITS, ROLE_COLORS, Account, single_line_text

from . import switching, url_space
from .converters import BucketNameConverter


class SwitchRoleForm(forms.Form):
    """The Switch Role form. Field names are the AWS console's query parameters, so a
    prefilled link (`/switchrole?account=...&roleName=...`) and the POST carry the same names."""

    account = forms.CharField(label="Account ID or alias", max_length=63)
    roleName = forms.CharField(label="IAM role name", max_length=576)  # noqa: N815 - AWS's name
    displayName = forms.CharField(  # noqa: N815
        label="Display name", max_length=64, required=False, validators=[single_line_text]
    )
    color = forms.ChoiceField(
        label="Display color",
        required=False,
        choices=[("", "None")] + [(hex_, name) for hex_, name in ROLE_COLORS.items()],
        widget=forms.RadioSelect,
    )
    redirect_uri = forms.CharField(
        label="Page to open after switching",
        required=False,
        max_length=url_space.MAX_REDIRECT_LENGTH,
        help_text="Optional: a page of this console, such as /s3/buckets/productionapp/?prefix=config/",
    )

    def clean_account(self) -> Account:
        value = self.cleaned_data["account"].strip()
        account = Account.lookup(value)
        if account is None:
            # A well-formed ID the console does not know is unknown, like an unknown alias; only
            # digits that cannot be an ID (not 12 of them) are a typing mistake.
            if ASCII_DIGITS.fullmatch(value) and len(value) != 12:
                raise forms.ValidationError("Enter a 12-digit account ID, or an alias the console knows.")
            raise forms.ValidationError("The console knows no account with that ID or alias.")
        return account

    def clean_roleName(self) -> tuple[str, str]:  # noqa: N802
        parsed = switching.split_role_name(self.cleaned_data["roleName"])
        if parsed is None:
            raise forms.ValidationError(
                "A role name is up to 64 letters, digits and +=,.@_- characters, optionally after a path (team/Role)."
            )
        return parsed

    def clean_redirect_uri(self) -> str:
        value = self.cleaned_data["redirect_uri"].strip()
        if not value:
            return ""
        landing = url_space.console_path(value)
        if landing is None:
            raise forms.ValidationError(
                "Enter a page of this console as a path, such as /s3/buckets/productionapp/ (no other sites)."
            )
        return landing

    def target(self) -> switching.SwitchTarget:
        path, name = self.cleaned_data["roleName"]
        return switching.SwitchTarget(
            account=self.cleaned_data["account"],
            path=path,
            role_name=name,
            display_name=self.cleaned_data["displayName"].strip(),
            color=switching.normalize_color(self.cleaned_data["color"]),
        )

    @staticmethod
    def initial_from_link(params) -> dict[str, str]:
        """Prefill values from an AWS-style link. Nothing here switches; bad values are dropped
        or trimmed, and the template escapes what remains."""
        return {
            "account": params.get("account", "").strip()[:63],
            "roleName": params.get("roleName", "").strip()[:576],
            "displayName": "".join(c for c in params.get("displayName", "") if ord(c) >= 32).strip()[:64].rstrip(),
            "color": switching.normalize_color(params.get("color")),
            # Anything but a page of this console is ignored (absolute URLs, other hosts, tricks).
            "redirect_uri": url_space.console_path(params.get("redirect_uri", "").strip()) or "",
        }


class OpenBucketForm(forms.Form):
    bucket = forms.RegexField(
        label="Bucket name",
        regex=rf"^{BucketNameConverter.regex}$",
        error_messages={"invalid": "A bucket name is 3-63 lowercase letters, digits, dots and hyphens."},
    )
