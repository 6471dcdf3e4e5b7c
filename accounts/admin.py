"""Admin pages for identity and access (issue 5 extends these)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as DjangoGroup
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from console import audit, emails, links
from console.models import AuditEvent

from .models import ROLE_COLORS, Account, Group, InlinePolicy, MFADevice, Policy, Role, User

admin.site.site_header = "Switchrole Console administration"
admin.site.site_title = "Switchrole Console"
admin.site.unregister(DjangoGroup)  # IAM groups replace Django's permission groups here


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["account_id", "alias", "name", "is_home"]


class InlinePolicyInline(admin.StackedInline):
    model = InlinePolicy
    extra = 0


@admin.register(MFADevice)
class MFADeviceAdmin(admin.ModelAdmin):
    """Deleting a device deactivates it: the user signs in with the password alone again."""

    list_display = ["serial", "user", "enabled_at", "created_at"]
    readonly_fields = ["user", "enabled_at", "created_at"]
    exclude = ["sealed_secret"]  # never shown, not even to administrators

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def delete_model(self, request, obj):  # noqa: ANN001, ANN201
        audit.record(request, AuditEvent.Kind.MFA_DISABLED, detail=f"{obj.serial} by administrator")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):  # noqa: ANN001, ANN201
        for device in queryset:
            audit.record(request, AuditEvent.Kind.MFA_DISABLED, detail=f"{device.serial} by administrator")
        super().delete_queryset(request, queryset)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "account", "mfa", "is_staff", "is_active", "last_login"]
    actions = ["deactivate_mfa"]

    @admin.display(description="MFA", boolean=True)
    def mfa(self, obj):  # noqa: ANN001, ANN201
        device = getattr(obj, "mfa_device", None)
        return bool(device and device.active)

    @admin.action(description="Deactivate MFA device")
    def deactivate_mfa(self, request, queryset):  # noqa: ANN001, ANN201
        devices = MFADevice.objects.filter(user__in=queryset)
        for device in devices.select_related("user__account"):
            audit.record(request, AuditEvent.Kind.MFA_DISABLED, detail=f"{device.serial} by administrator")
        count, _ = devices.delete()
        self.message_user(request, f"Deactivated {count} MFA device(s).")

    readonly_fields = ["unique_id", "arn", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["account", "username", "path", "password", "unique_id", "arn"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "managed_policies"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    filter_horizontal = ["managed_policies"]
    inlines = [InlinePolicyInline]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "path"]
    filter_horizontal = ["members", "managed_policies"]
    inlines = [InlinePolicyInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "description"]


class EmailLinkForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        User.objects.filter(is_active=True), required=False, widget=forms.CheckboxSelectMultiple
    )
    groups = forms.ModelMultipleChoiceField(
        Group.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every member with an email address receives the link.",
    )
    addresses = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Other email addresses, separated by commas or new lines.",
    )
    display_name = forms.CharField(max_length=64, required=False)
    color = forms.ChoiceField(choices=[("", "Role's default")] + list(ROLE_COLORS.items()), required=False)

    def recipient_specs(self) -> list[str]:
        data = self.cleaned_data
        specs = [u.username for u in data["users"]] + [f"group:{g.name}" for g in data["groups"]]
        return specs + [a.strip() for a in data["addresses"].replace(",", "\n").splitlines() if a.strip()]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "path", "max_session_duration", "display_name"]
    readonly_fields = ["arn"]
    actions = ["email_switch_link"]
    change_form_template = "admin/accounts/role/change_form.html"

    def get_urls(self):  # noqa: ANN201
        urls = [
            path(
                "<int:role_id>/email-link/",
                self.admin_site.admin_view(self.email_link_view),
                name="accounts_role_email_link",
            )
        ]
        return urls + super().get_urls()

    @admin.action(description="Email switch link")
    def email_switch_link(self, request, queryset):  # noqa: ANN001, ANN201
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one role to email a link for.", messages.WARNING)
            return None
        return redirect("admin:accounts_role_email_link", role_id=queryset.get().pk)

    def email_link_view(self, request, role_id: int):  # noqa: ANN201
        role = Role.objects.select_related("account").filter(pk=role_id).first()
        if role is None or not self.has_view_permission(request, role):
            raise Http404("No such role.")
        form = EmailLinkForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                recipients = emails.resolve(form.recipient_specs())
            except emails.RecipientError as exc:
                form.add_error(None, str(exc))
            else:
                sent = emails.send_switch_link(
                    role,
                    recipients,
                    display_name=form.cleaned_data["display_name"],
                    color=form.cleaned_data["color"],
                    sent_by=request.user.username,
                )
                audit.record(
                    request,
                    AuditEvent.Kind.SWITCH_LINK_SENT,
                    role_arn=role.arn,
                    detail=", ".join(r.email for r in recipients),
                )
                self.message_user(request, f"Sent the switch link for {role.name} to {sent} recipient(s).")
                return redirect("admin:accounts_role_change", role.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Email switch link: {role.name}",
            "role": role,
            "form": form,
            "opts": self.model._meta,
            "link": links.for_role(role),
        }
        return render(request, "admin/accounts/role/email_link.html", context)
