"""Admin → Role → Email switch link: the form, its recipients, and who cannot use the role.

Every mistake is reported on the field that holds it, in the admin's words (the command line's
`send_switch_link` keeps its own). Recipients the engine refuses are a warning, not an error:
the administrator may send anyway (a person may be about to join a group).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email

from accounts import switch_decision
from accounts.models import ROLE_COLORS, Group, Role, User, single_line_text

from .. import url_space
from ..emails import Recipient


class EmailLinkForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        User.objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    groups = forms.ModelMultipleChoiceField(
        Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every active member receives the link.",
    )
    addresses = forms.CharField(
        required=False,
        label="Other email addresses",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Separated by commas or new lines.",
    )
    display_name = forms.CharField(
        max_length=64,
        required=False,
        validators=[single_line_text],  # it goes into a Subject header
        help_text="Default: the role's display name.",
    )
    color = forms.ChoiceField(choices=[("", "Role's default")] + list(ROLE_COLORS.items()), required=False)
    redirect_uri = forms.CharField(
        label="Page to open after switching",
        required=False,
        max_length=url_space.MAX_REDIRECT_LENGTH,
        help_text="Optional: a page of the console, such as /s3/buckets/productionapp/?prefix=config/",
    )
    # Set by the "Send anyway" button after the page warned about recipients who cannot switch.
    send_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_redirect_uri(self) -> str:
        value = self.cleaned_data["redirect_uri"].strip()
        if value and url_space.console_path(value) is None:
            raise forms.ValidationError("Enter a page of this console as a path, such as /s3/buckets/productionapp/.")
        return url_space.console_path(value) or ""

    def clean_users(self) -> list[User]:
        users = list(self.cleaned_data["users"])
        missing = [u.username for u in users if not u.email]
        if missing:
            raise forms.ValidationError(
                f"No email address for {', '.join(missing)}: add one on the user's page, or leave them out."
            )
        return users

    def clean_groups(self) -> list[Group]:
        groups = list(self.cleaned_data["groups"])
        errors = []
        for group in groups:
            members = list(group.members.filter(is_active=True))
            if not members:
                errors.append(f"Group {group.name} has no active members.")
            missing = [u.username for u in members if not u.email]
            if missing:
                errors.append(f"No email address for {', '.join(missing)} (in {group.name}).")
        if errors:
            raise forms.ValidationError(errors)
        return groups

    def clean_addresses(self) -> list[str]:
        addresses = [a.strip() for a in self.cleaned_data["addresses"].replace(",", "\n").splitlines() if a.strip()]
        errors = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                errors.append(f"{address} is not a valid email address.")
        if errors:
            raise forms.ValidationError(errors)
        return addresses

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            raise TypeError("forms.Form.clean() returns cleaned_data.")
        if not self.errors and not (data.get("users") or data.get("groups") or data.get("addresses")):
            self.add_error("users", "Choose at least one user or group, or enter an email address.")
        return data

    def people(self) -> list[User]:
        """The console users among the recipients, once each."""
        found: dict[int, User] = {u.pk: u for u in self.cleaned_data["users"]}
        for group in self.cleaned_data["groups"]:
            for member in group.members.filter(is_active=True).select_related("account", "permissions_boundary"):
                found.setdefault(member.pk, member)
        return sorted(found.values(), key=lambda u: u.username)

    def recipients(self) -> list[Recipient]:
        out: dict[str, Recipient] = {}
        for user in self.people():
            out.setdefault(user.email.lower(), Recipient(user.username, user.email))
        for address in self.cleaned_data["addresses"]:
            out.setdefault(address.lower(), Recipient(address, address))
        return list(out.values())

    def refusals(self, role: Role) -> list[str]:
        """Why each recipient who is a console user cannot switch to the role, even with MFA."""
        warnings = []
        for user in self.people():
            if user.account is None:
                continue
            decide = switch_decision.user_decider(user)
            decision = decide(role, False)
            if decision.allowed or decide(role, True).allowed:
                continue
            reason = switch_decision.explain(decision, user, role.arn, subject=user.username)
            warnings.append(f"Recipient {user.username} cannot switch to {role.name}: {reason}")
        return warnings
