"""Admin pages for identity and access, in IAM's vocabulary.

Every change made here is signalled (`signals.admin_changed` and friends), and the console writes
it to its audit log with who made it. Policy documents are validated by the IAM engine (errors
block the save, warnings are shown after it). The role tools that touch AWS or the console's
role sessions (Email switch link, Sync to AWS, Revoke active sessions) are added by console's
admin (console/admin/roles.py), which registers its own RoleAdmin over this one. Forms are in
admin_forms.py; Who can switch and the Access matrix are switch_decision's plain functions.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, Literal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as DjangoGroup
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import iam, signals, switch_decision
from .admin_forms import ConsoleUserCreationForm, SimulatorForm
from .iam import simulate
from .iam.validate import PolicyKind
from .models import AccessKey, Account, Group, InlinePolicy, MFADevice, Policy, Role, User
from .templatetags.arns import arn as arn_filter
from .widgets import PolicyEditor

admin.site.site_header = "Switchrole Console administration"
admin.site.site_title = "Switchrole Console"
admin.site.index_template = "admin/console_index.html"
admin.site.site_url = None  # the header's brand already leads to the console
admin.site.unregister(DjangoGroup)  # IAM groups replace Django's permission groups here


def arn_html(value: str) -> str:
    """An ARN for an admin page: escaped, breaking only after / and : (see templatetags/arns)."""
    return arn_filter(value) if value else "—"


class AuditedAdmin(admin.ModelAdmin):
    """Records every add, change and delete in the console's audit log, with who made it."""

    formfield_overrides = {models.TextField: {"widget": PolicyEditor}}  # the only text fields: policies

    @admin.display(description="ARN")
    def arn_display(self, obj):
        return arn_html(obj.arn) if obj.pk else "—"

    def _audit(self, request: HttpRequest, obj, verb: str, message: str = "") -> None:
        detail = f"{verb} {obj._meta.verbose_name} {obj}"
        if message:
            detail += f": {message}"
        role_arn = obj.arn if isinstance(obj, Role) else ""
        signals.admin_changed.send(type(obj), request=request, detail=detail, role_arn=role_arn)

    def log_addition(self, request: HttpRequest, obj, message):
        self._audit(request, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj, message):
        self._audit(request, obj, "changed", self.construct_change_summary(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)

    @staticmethod
    def construct_change_summary(message) -> str:
        parts = []
        for entry in message if isinstance(message, list) else []:
            for verb, data in entry.items():
                fields = ", ".join(data.get("fields", [])) if isinstance(data, dict) else ""
                name = data.get("name", "") if isinstance(data, dict) else ""
                parts.append(" ".join(p for p in (verb, name, fields) if p))
        return "; ".join(parts)

    def warn_policy(self, request: HttpRequest, text: str, kind: PolicyKind, label: str) -> None:
        for warning in iam.validate_policy(text, kind).warnings:
            self.message_user(request, f"{label}: {warning}", messages.WARNING)

    # The size quota for inline policies on this page's objects: "user" or "group".
    inline_policy_kind: PolicyKind | Literal[""] = ""

    def save_formset(self, request: HttpRequest, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is InlinePolicy:
            kind = self.inline_policy_kind
            if not kind:
                raise TypeError(f"{type(self).__name__} edits inline policies but sets no inline_policy_kind.")
            for obj in formset.queryset:
                self.warn_policy(request, obj.document, kind, f"Inline policy {obj.name}")


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = ["account_id", "alias", "name", "is_home", "credentials_source"]
    fields = ["account_id", "alias", "name", "is_home", "credentials_source", "profile_name"]


class InlinePolicyInline(admin.StackedInline):
    """A user's or a group's inline policies: its name and document (the owner is the page's)."""

    model = InlinePolicy
    fields = ["name", "document"]
    extra = 0
    verbose_name = "inline policy"
    verbose_name_plural = "inline policies"
    formfield_overrides = {models.TextField: {"widget": PolicyEditor}}


class UserInlinePolicyInline(InlinePolicyInline):
    fk_name = "user"


class GroupInlinePolicyInline(InlinePolicyInline):
    fk_name = "group"


class GroupMembershipInline(admin.TabularInline):
    model = Group.members.through
    extra = 0
    verbose_name = "group membership"
    verbose_name_plural = "groups"


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    add_form = ConsoleUserCreationForm
    list_display = ["username", "account", "mfa", "staff", "active", "new_password", "last_sign_in"]
    list_filter = ["is_staff", "is_active", "iam_groups"]
    readonly_fields = ["unique_id", "arn_display", "mfa_status", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["account", "username", "path", "unique_id", "arn_display"]}),
        (
            "Password",
            {
                "fields": ["password", "must_change_password"],
                "description": "Passwords: at least 12 characters, not common, not all digits, not like "
                "the username (Django's validators).",
            },
        ),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Access",
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "managed_policies",
                    "permissions_boundary",
                    "mfa_status",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "account",
                    "username",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                    "must_change_password",
                ]
            },
        ),
    ]
    filter_horizontal = ["managed_policies"]
    inlines = [GroupMembershipInline, UserInlinePolicyInline]
    inline_policy_kind = "user"
    actions = ["deactivate_mfa"]

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[User]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "account" in form.base_fields:
            form.base_fields["account"].initial = Account.objects.filter(is_home=True).first()
        return form

    def get_inlines(self, request: HttpRequest, obj):
        return self.inlines if obj else []

    # Short column titles and dates, so the list fits beside the filters at 1280 px.
    @admin.display(description="staff", boolean=True, ordering="is_staff")
    def staff(self, obj):
        return obj.is_staff

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active(self, obj):
        return obj.is_active

    @admin.display(description="must change password", boolean=True, ordering="must_change_password")
    def new_password(self, obj):
        return obj.must_change_password

    @admin.display(description="last sign-in (UTC)", ordering="last_login")
    def last_sign_in(self, obj):
        return f"{timezone.localtime(obj.last_login, UTC):%Y-%m-%d %H:%M}" if obj.last_login else "never"

    @admin.display(description="MFA", boolean=True)
    def mfa(self, obj):
        device = getattr(obj, "mfa_device", None)
        return bool(device and device.active)

    @admin.display(description="MFA device")
    def mfa_status(self, obj):
        device = getattr(obj, "mfa_device", None)
        if not device or not device.active:
            return "None assigned"
        # format_html escapes its arguments into strings first, so the date is formatted here.
        return format_html(
            "{} (assigned {}) — use the “Deactivate MFA device” action on the users list to remove it",
            arn_html(device.serial),
            f"{device.enabled_at:%Y-%m-%d}",
        )

    @admin.action(description="Deactivate MFA device")
    def deactivate_mfa(self, request: HttpRequest, queryset):
        devices = MFADevice.objects.filter(user__in=queryset)
        for device in devices.select_related("user__account"):
            signals.mfa_disabled.send(MFADevice, request=request, serial=device.serial, by_admin=True)
        count = _remove_devices(devices)
        self.message_user(request, f"Deactivated {count} MFA device(s).")


@admin.register(AccessKey)
class AccessKeyAdmin(AuditedAdmin):
    list_display = ["access_key_id", "user", "status", "created_at", "last_used_at"]
    list_filter = ["status"]
    readonly_fields = ["access_key_id", "user", "created_at", "last_used_at"]
    fields = ["access_key_id", "user", "status", "created_at", "last_used_at"]  # never the secret
    actions = ["deactivate"]

    def has_add_permission(self, request: HttpRequest):
        return False  # created by their users, or `manage.py create_access_key`

    @admin.action(description="Deactivate selected access keys")
    def deactivate(self, request: HttpRequest, queryset):
        for key in queryset:
            detail = f"{key} deactivated by administrator"
            signals.access_key_changed.send(AccessKey, request=request, detail=detail)
        count = queryset.update(status=AccessKey.Status.INACTIVE)
        self.message_user(request, f"Deactivated {count} access key(s).")


@admin.register(MFADevice)
class MFADeviceAdmin(AuditedAdmin):
    """Deleting a device deactivates it: the user signs in with the password alone again."""

    list_display = ["serial", "user", "enabled_at", "created_at"]
    readonly_fields = ["user", "enabled_at", "created_at"]
    exclude = ["sealed_secret"]  # never shown, not even to administrators

    def has_add_permission(self, request: HttpRequest):
        return False

    def delete_model(self, request: HttpRequest, obj):
        _remove_devices(MFADevice.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset):
        _remove_devices(queryset)


def _remove_devices(devices) -> int:
    """Delete devices as the user's own Remove does: role sessions whose trust needed MFA end
    with them (console's receiver of `mfa_device_removed`), whoever removed the device."""
    owners = list(User.objects.filter(mfa_device__in=devices))
    count, _ = devices.delete()
    for user in owners:
        signals.mfa_device_removed.send(MFADevice, user=user)
    return count


@admin.register(Group)
class GroupAdmin(AuditedAdmin):
    list_display = ["name", "account", "path", "member_count"]
    filter_horizontal = ["members", "managed_policies"]
    inlines = [GroupInlinePolicyInline]
    inline_policy_kind = "group"

    @admin.display(description="members")
    def member_count(self, obj):
        return obj.members.count()


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    list_display = ["name", "account", "description", "attachment_count"]
    readonly_fields = ["arn_display", "attached_to"]
    fields = ["account", "name", "arn_display", "description", "document", "attached_to"]

    @admin.display(description="attachments")
    def attachment_count(self, obj):
        return obj.users.count() + obj.groups.count() + obj.bounded_users.count()

    @admin.display(description="Attached to")
    def attached_to(self, obj):
        if obj.pk is None:
            return "—"
        rows = [("user", u.username) for u in obj.users.all()] + [("group", g.name) for g in obj.groups.all()]
        rows += [("permissions boundary of user", u.username) for u in obj.bounded_users.all()]
        return format_html_join(", ", "{} {}", rows) if rows else "Not attached"

    def save_model(self, request: HttpRequest, obj, form, change):
        super().save_model(request, obj, form, change)
        self.warn_policy(request, obj.document, "managed", f"Policy {obj.name}")


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    """Roles as identity and access knows them, with the tools that need only the IAM engine:
    Who can switch, the Access matrix and the Policy simulator. console/admin/roles.py adds the
    ones that touch AWS and the console's role sessions."""

    list_display = ["name", "account", "path", "max_session_duration", "requires_mfa_display"]
    readonly_fields = ["arn_display", "requires_mfa_display"]
    fields = [
        "account",
        "path",
        "name",
        "arn_display",
        "description",
        "trust_policy",
        "permissions_policy",
        "max_session_duration",
        "display_name",
        "color",
        "requires_mfa_display",
    ]
    change_list_template = "admin/accounts/role/change_list.html"

    @admin.display(description="requires MFA", boolean=True)
    def requires_mfa_display(self, obj):
        return obj.requires_mfa

    def save_model(self, request: HttpRequest, obj, form, change):
        super().save_model(request, obj, form, change)
        self.warn_policy(request, obj.trust_policy, "trust", "Trust policy")
        self.warn_policy(request, obj.permissions_policy, "role", "Permissions policy")

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<int:role_id>/who-can-switch/", view(self.who_can_switch_view), name="accounts_role_who"),
            path("access-matrix/", view(self.access_matrix_view), name="accounts_access_matrix"),
            path("simulator/", view(self.simulator_view), name="accounts_policy_simulator"),
        ]
        return urls + super().get_urls()

    def _role(self, request: HttpRequest, role_id: int, change: bool = False) -> Role:
        role = Role.objects.select_related("account").filter(pk=role_id).first()
        allowed = self.has_change_permission(request, role) if change else self.has_view_permission(request, role)
        if role is None or not allowed:
            raise Http404("No such role.")
        return role

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def who_can_switch_view(self, request: HttpRequest, role_id: int):
        role = self._role(request, role_id)
        rows = switch_decision.who_can_switch(role, switch_decision.active_users())
        return render(
            request,
            "admin/accounts/role/who_can_switch.html",
            self._context(request, f"Who can switch to {role.name}", role=role, rows=rows),
        )

    def access_matrix_view(self, request: HttpRequest):
        roles = list(Role.objects.select_related("account"))
        matrix = switch_decision.access_matrix(switch_decision.active_users(), roles)
        return render(
            request,
            "admin/accounts/access_matrix.html",
            self._context(request, "Access matrix: who can switch to which role", roles=roles, matrix=matrix),
        )

    def simulator_view(self, request: HttpRequest):
        form = SimulatorForm(request.POST if request.method == "POST" else None)
        results = None
        if request.method == "POST" and form.is_valid():
            try:
                results = form.run()["EvaluationResults"]
            except simulate.SimulationInputError as exc:
                form.add_error(None, str(exc))
        return render(
            request,
            "admin/accounts/policy_simulator.html",
            self._context(request, "Policy simulator", form=form, results=results),
        )
