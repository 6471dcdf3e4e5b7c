"""Admin pages for identity and access, in IAM's vocabulary.

Every change made here is also written to the console's audit log with who made it. Policy
documents are validated by the IAM engine (errors block the save, warnings are shown after it).
"""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group as DjangoGroup
from django.db import models
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from console import audit, aws, emails, links, managed
from console.models import AuditEvent
from console.templatetags.arns import arn as arn_filter

from . import iam, switch_decision
from .email_link import EmailLinkForm
from .iam import simulate
from .models import AccessKey, Account, Group, InlinePolicy, MFADevice, Policy, Role, User
from .simulation import simulate_user
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
    def arn_display(self, obj):  # noqa: ANN001, ANN201
        return arn_html(obj.arn) if obj.pk else "—"

    def _audit(self, request, obj, verb: str, message: str = "") -> None:  # noqa: ANN001
        detail = f"{verb} {obj._meta.verbose_name} {obj}"
        if message:
            detail += f": {message}" if isinstance(message, str) else f": {message!r}"
        audit.record(
            request, AuditEvent.Kind.ADMIN_CHANGE, detail=detail, role_arn=obj.arn if isinstance(obj, Role) else ""
        )

    def log_addition(self, request, obj, message):  # noqa: ANN001, ANN201
        self._audit(request, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):  # noqa: ANN001, ANN201
        self._audit(request, obj, "changed", self.construct_change_summary(message))
        return super().log_change(request, obj, message)

    def log_deletion(self, request, obj, object_repr):  # noqa: ANN001, ANN201
        self._audit(request, obj, "deleted")
        return super().log_deletion(request, obj, object_repr)

    def log_deletions(self, request, queryset):  # noqa: ANN001, ANN201
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)

    @staticmethod
    def construct_change_summary(message) -> str:  # noqa: ANN001
        parts = []
        for entry in message if isinstance(message, list) else []:
            for verb, data in entry.items():
                fields = ", ".join(data.get("fields", [])) if isinstance(data, dict) else ""
                name = data.get("name", "") if isinstance(data, dict) else ""
                parts.append(" ".join(p for p in (verb, name, fields) if p))
        return "; ".join(parts)

    def warn_policy(self, request, text: str, kind: str, label: str) -> None:  # noqa: ANN001
        for warning in iam.validate_policy(text, kind).warnings:
            self.message_user(request, f"{label}: {warning}", messages.WARNING)

    # The size quota for inline policies on this page's objects: "user" or "group".
    inline_policy_kind = ""

    def save_formset(self, request, form, formset, change):  # noqa: ANN001, ANN201
        super().save_formset(request, form, formset, change)
        if formset.model is InlinePolicy:
            for obj in formset.queryset:
                self.warn_policy(request, obj.document, self.inline_policy_kind, f"Inline policy {obj.name}")


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


class ConsoleUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


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

    def get_form(self, request, obj=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "account" in form.base_fields:
            form.base_fields["account"].initial = Account.objects.filter(is_home=True).first()
        return form

    def get_inlines(self, request, obj):  # noqa: ANN001, ANN201
        return self.inlines if obj else []

    # Short column titles and dates, so the list fits beside the filters at 1280 px.
    @admin.display(description="staff", boolean=True, ordering="is_staff")
    def staff(self, obj):  # noqa: ANN001, ANN201
        return obj.is_staff

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active(self, obj):  # noqa: ANN001, ANN201
        return obj.is_active

    @admin.display(description="must change password", boolean=True, ordering="must_change_password")
    def new_password(self, obj):  # noqa: ANN001, ANN201
        return obj.must_change_password

    @admin.display(description="last sign-in (UTC)", ordering="last_login")
    def last_sign_in(self, obj):  # noqa: ANN001, ANN201
        return f"{timezone.localtime(obj.last_login, UTC):%Y-%m-%d %H:%M}" if obj.last_login else "never"

    @admin.display(description="MFA", boolean=True)
    def mfa(self, obj):  # noqa: ANN001, ANN201
        device = getattr(obj, "mfa_device", None)
        return bool(device and device.active)

    @admin.display(description="MFA device")
    def mfa_status(self, obj):  # noqa: ANN001, ANN201
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
    def deactivate_mfa(self, request, queryset):  # noqa: ANN001, ANN201
        devices = MFADevice.objects.filter(user__in=queryset)
        for device in devices.select_related("user__account"):
            audit.record(request, AuditEvent.Kind.MFA_DISABLED, detail=f"{device.serial} by administrator")
        count, _ = devices.delete()
        self.message_user(request, f"Deactivated {count} MFA device(s).")


@admin.register(AccessKey)
class AccessKeyAdmin(AuditedAdmin):
    list_display = ["access_key_id", "user", "status", "created_at", "last_used_at"]
    list_filter = ["status"]
    readonly_fields = ["access_key_id", "user", "created_at", "last_used_at"]
    fields = ["access_key_id", "user", "status", "created_at", "last_used_at"]  # never the secret
    actions = ["deactivate"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False  # created by their users, or `manage.py create_access_key`

    @admin.action(description="Deactivate selected access keys")
    def deactivate(self, request, queryset):  # noqa: ANN001, ANN201
        for key in queryset:
            audit.record(request, AuditEvent.Kind.ACCESS_KEY_CHANGED, detail=f"{key} deactivated by administrator")
        count = queryset.update(status=AccessKey.Status.INACTIVE)
        self.message_user(request, f"Deactivated {count} access key(s).")


@admin.register(MFADevice)
class MFADeviceAdmin(AuditedAdmin):
    """Deleting a device deactivates it: the user signs in with the password alone again."""

    list_display = ["serial", "user", "enabled_at", "created_at"]
    readonly_fields = ["user", "enabled_at", "created_at"]
    exclude = ["sealed_secret"]  # never shown, not even to administrators

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False


@admin.register(Group)
class GroupAdmin(AuditedAdmin):
    list_display = ["name", "account", "path", "member_count"]
    filter_horizontal = ["members", "managed_policies"]
    inlines = [GroupInlinePolicyInline]
    inline_policy_kind = "group"

    @admin.display(description="members")
    def member_count(self, obj):  # noqa: ANN001, ANN201
        return obj.members.count()


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    list_display = ["name", "account", "description", "attachment_count"]
    readonly_fields = ["arn_display", "attached_to"]
    fields = ["account", "name", "arn_display", "description", "document", "attached_to"]

    @admin.display(description="attachments")
    def attachment_count(self, obj):  # noqa: ANN001, ANN201
        return obj.users.count() + obj.groups.count() + obj.bounded_users.count()

    @admin.display(description="Attached to")
    def attached_to(self, obj):  # noqa: ANN001, ANN201
        if obj.pk is None:
            return "—"
        rows = [("user", u.username) for u in obj.users.all()] + [("group", g.name) for g in obj.groups.all()]
        rows += [("permissions boundary of user", u.username) for u in obj.bounded_users.all()]
        return format_html_join(", ", "{} {}", rows) if rows else "Not attached"

    def save_model(self, request, obj, form, change):  # noqa: ANN001, ANN201
        super().save_model(request, obj, form, change)
        self.warn_policy(request, obj.document, "managed", f"Policy {obj.name}")


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["name", "account", "path", "max_session_duration", "requires_mfa_display", "active_sessions"]
    readonly_fields = ["arn_display", "requires_mfa_display", "aws_status", "active_sessions"]
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
        "aws_status",
        "active_sessions",
    ]
    actions = ["email_switch_link"]
    change_form_template = "admin/accounts/role/change_form.html"
    change_list_template = "admin/accounts/role/change_list.html"

    @admin.display(description="requires MFA", boolean=True)
    def requires_mfa_display(self, obj):  # noqa: ANN001, ANN201
        return obj.requires_mfa

    @admin.display(description="active console sessions")
    def active_sessions(self, obj):  # noqa: ANN001, ANN201
        return obj.sessions.filter(ended_at=None).count() if obj.pk else 0

    @admin.display(description="In AWS")
    def aws_status(self, obj):  # noqa: ANN001, ANN201
        if obj.pk is None:
            return "—"
        try:
            state = managed.drift(obj)
        except managed.NotManaged as exc:
            return str(exc)
        except (aws.AwsError, ValueError) as exc:  # AWS refused, or a document is not JSON
            return f"Could not compare the role with AWS: {exc}"
        if state.in_sync:
            return "In sync with the console."
        return format_html("<strong>Drift:</strong> {}", " ".join(state.differences))

    def save_model(self, request, obj, form, change):  # noqa: ANN001, ANN201
        super().save_model(request, obj, form, change)
        self.warn_policy(request, obj.trust_policy, "trust", "Trust policy")
        self.warn_policy(request, obj.permissions_policy, "role", "Permissions policy")

    def get_urls(self):  # noqa: ANN201
        view = self.admin_site.admin_view
        urls = [
            path("<int:role_id>/email-link/", view(self.email_link_view), name="accounts_role_email_link"),
            path("<int:role_id>/who-can-switch/", view(self.who_can_switch_view), name="accounts_role_who"),
            path("<int:role_id>/sync/", view(self.sync_view), name="accounts_role_sync"),
            path("<int:role_id>/revoke/", view(self.revoke_view), name="accounts_role_revoke"),
            path("access-matrix/", view(self.access_matrix_view), name="accounts_access_matrix"),
            path("simulator/", view(self.simulator_view), name="accounts_policy_simulator"),
        ]
        return urls + super().get_urls()

    def _role(self, request, role_id: int, change: bool = False) -> Role:  # noqa: ANN001
        role = Role.objects.select_related("account").filter(pk=role_id).first()
        allowed = self.has_change_permission(request, role) if change else self.has_view_permission(request, role)
        if role is None or not allowed:
            raise Http404("No such role.")
        return role

    def _context(self, request, title: str, **extra) -> dict:  # noqa: ANN001, ANN003
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    @admin.action(description="Email switch link")
    def email_switch_link(self, request, queryset):  # noqa: ANN001, ANN201
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one role to email a link for.", messages.WARNING)
            return None
        return redirect("admin:accounts_role_email_link", role_id=queryset.get().pk)

    def email_link_view(self, request, role_id: int):  # noqa: ANN001, ANN201
        role = self._role(request, role_id)
        form = EmailLinkForm(request.POST if request.method == "POST" else None)
        refusals: list[str] = []
        if request.method == "POST" and form.is_valid():
            refusals = form.refusals(role)
            if not refusals or form.cleaned_data["send_anyway"]:
                recipients = form.recipients()
                sent = emails.send_switch_link(
                    role,
                    recipients,
                    display_name=form.cleaned_data["display_name"],
                    color=form.cleaned_data["color"],
                    redirect_uri=form.cleaned_data["redirect_uri"],
                    sent_by=request.user.username,
                )
                audit.record(
                    request,
                    AuditEvent.Kind.SWITCH_LINK_SENT,
                    role_arn=role.arn,
                    detail=", ".join(r.email for r in recipients),
                )
                self.message_user(
                    request, f"Sent the switch link for {role.name} to {sent} recipient(s).", messages.SUCCESS
                )
                for refusal in refusals:
                    self.message_user(request, refusal, messages.WARNING)
                return redirect("admin:accounts_role_change", role.pk)
        context = self._context(
            request,
            f"Email switch link: {role.name}",
            role=role,
            form=form,
            link=links.for_role(role),
            refusals=refusals,
        )
        return render(request, "admin/accounts/role/email_link.html", context)

    def who_can_switch_view(self, request, role_id: int):  # noqa: ANN001, ANN201
        role = self._role(request, role_id)
        rows = []
        for user in _active_users():
            loaded = {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
            plain = switch_decision.decide_for(user, role, **loaded)
            with_mfa = plain if plain.allowed else switch_decision.decide_for(user, role, mfa_age=0, **loaded)
            reason = (
                ""
                if plain.allowed
                else switch_decision.explain(plain, user, role.arn, subject=user.username, with_mfa=with_mfa)
            )
            rows.append({"user": user, "decision": plain, "with_mfa": with_mfa, "reason": reason})
        return render(
            request,
            "admin/accounts/role/who_can_switch.html",
            self._context(request, f"Who can switch to {role.name}", role=role, rows=rows),
        )

    def sync_view(self, request, role_id: int):  # noqa: ANN001, ANN201
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        role = self._role(request, role_id, change=True)
        try:
            managed.sync(role)
        except managed.NotManaged as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except aws.AwsError as exc:
            self.message_user(request, f"Sync to AWS failed: {exc}", messages.ERROR)
        else:
            audit.record(request, AuditEvent.Kind.ADMIN_CHANGE, role_arn=role.arn, detail="synced role to AWS")
            self.message_user(request, f"Synced {role.arn} to AWS.")
        return redirect("admin:accounts_role_change", role.pk)

    def revoke_view(self, request, role_id: int):  # noqa: ANN001, ANN201
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        role = self._role(request, role_id, change=True)
        result = managed.revoke_sessions(role)
        audit.record(
            request,
            AuditEvent.Kind.ADMIN_CHANGE,
            role_arn=role.arn,
            detail=f"revoked active sessions: {result.ended} console session(s); {result.aws_note}",
        )
        level = messages.SUCCESS if result.aws_revoked else messages.WARNING
        self.message_user(request, f"Ended {result.ended} console session(s) in {role.name}. {result.aws_note}", level)
        return redirect("admin:accounts_role_change", role.pk)

    def access_matrix_view(self, request):  # noqa: ANN001, ANN201
        roles = list(Role.objects.select_related("account"))
        matrix = []
        for user in _active_users():
            # Each user's policies are read once, not once per role.
            loaded = {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
            own = switch_decision.has_own_policies(user)
            cells = []
            for role in roles:
                decision = switch_decision.decide_for(user, role, **loaded)
                if decision.allowed:
                    cells.append(("allowed", "✓", "Allowed by " + ", ".join(map(str, decision.matched))))
                elif switch_decision.decide_for(user, role, mfa_age=0, **loaded).allowed:
                    cells.append(("mfa", "MFA", "Allowed after an MFA check"))
                else:
                    reason = switch_decision.explain(decision, user, role.arn, own, subject=user.username)
                    cells.append(("refused", "✗", reason))
            matrix.append((user, cells))
        return render(
            request,
            "admin/accounts/access_matrix.html",
            self._context(request, "Access matrix: who can switch to which role", roles=roles, matrix=matrix),
        )

    def simulator_view(self, request):  # noqa: ANN001, ANN201
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


def _active_users():  # noqa: ANN202
    return User.objects.filter(is_active=True, account__isnull=False).select_related("account", "permissions_boundary")


class SimulatorForm(forms.Form):
    user = forms.ModelChoiceField(
        User.objects.filter(account__isnull=False),
        required=False,
        help_text="Simulate this user's real policies, or leave empty and paste policies.",
    )
    policies = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        label="Identity policies",
        help_text="One policy document (JSON), or several separated by a line with ---.",
    )
    resource_policy = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        help_text="Optional resource-based policy for resources that are not S3 buckets or objects, e.g. a "
        "role's trust policy (no Resource element) or another service's policy.",
    )
    bucket_policy = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        help_text="Optional S3 bucket policy, applied to the S3 resources (arn:aws:s3:::bucket, "
        "arn:aws:s3:::bucket/key). It needs Principal and Resource.",
    )
    resource_owner = forms.CharField(
        required=False,
        help_text="Account ID owning the S3 resources (default: the caller's account). A resource ARN that "
        "names an account, such as an IAM role's, is owned by that account.",
    )
    caller_arn = forms.CharField(required=False, help_text="The caller, when pasting policies with a resource policy.")
    actions = forms.CharField(help_text="Action names, separated by spaces or commas, e.g. sts:AssumeRole")
    resources = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Resource ARNs, one per line (default *)."
    )
    context = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Context entries",
        help_text="One per line: ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=string",
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("user") and not (data.get("policies") or "").strip():
            raise forms.ValidationError("Choose a user or paste at least one identity policy.")
        return data

    def run(self) -> dict:
        data = self.cleaned_data
        actions = [a for a in data["actions"].replace(",", " ").split() if a]
        resources = [r.strip() for r in data["resources"].splitlines() if r.strip()] or ["*"]
        context = simulate.parse_context_entries([c for c in data["context"].splitlines() if c.strip()])
        owner = simulate.parse_resource_owner(data.get("resource_owner", "").strip())
        resource_policy, kind = None, "generic"
        if data["resource_policy"].strip():
            resource_policy, kind = simulate.load_resource_policy(data["resource_policy"])
        bucket_policy = None
        if data.get("bucket_policy", "").strip():
            bucket_policy = simulate.load_policy(data["bucket_policy"], "BucketPolicy", "bucket")
        if data["user"]:
            return simulate_user(
                data["user"], actions, resources, context, resource_policy, owner, kind, bucket_policy=bucket_policy
            )
        documents = [d for d in data["policies"].split("\n---\n") if d.strip()]
        identity = [simulate.load_policy(d, f"PolicyInputList.{i}", "managed") for i, d in enumerate(documents, 1)]
        caller = data["caller_arn"].strip() or "arn:aws:iam::000000000000:user/SimulatedUser"
        if (resource_policy or bucket_policy) is not None and not data["caller_arn"].strip():
            raise simulate.SimulationInputError("Give the caller ARN when you paste a resource or bucket policy.")
        principal = simulate.principal_from_arn(caller)
        results = []
        for resource in resources:
            policy, policy_kind = resource_policy, kind
            if bucket_policy is not None and resource.startswith("arn:aws:s3:::"):
                policy, policy_kind = bucket_policy, "bucket"
            sim = simulate.Simulation(identity, principal, context, None, policy, owner, policy_kind)
            results += sim.run(actions, [resource])["EvaluationResults"]
        # Action-major order, as AWS (and simulate_user) list them.
        order = {a: i for i, a in enumerate(actions)}
        results.sort(key=lambda r: order[r["EvalActionName"]])
        return {"EvaluationResults": results}


def admin_tools() -> list[tuple[str, str]]:
    return [
        ("Access matrix", reverse("admin:accounts_access_matrix")),
        ("Policy simulator", reverse("admin:accounts_policy_simulator")),
        ("Audit log", reverse("admin:console_auditevent_changelist")),
    ]
