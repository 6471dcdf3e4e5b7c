"""The Role admin with the tools that touch AWS and the console's role sessions: the role's state
in AWS (drift), Sync to AWS, Email switch link and Revoke active sessions, and its active
console sessions. It extends accounts' RoleAdmin (identity, Who can switch, Access matrix, Policy
simulator) and is registered in its place, so the admin's URLs and pages stay where they were."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html

from accounts.admin import RoleAdmin as IdentityRoleAdmin
from accounts.models import Role

from .. import audit, aws, emails, links, managed
from ..models import AuditEvent
from .email_link import EmailLinkForm


class RoleAdmin(IdentityRoleAdmin):
    list_display = [*IdentityRoleAdmin.list_display, "active_sessions"]
    readonly_fields = [*IdentityRoleAdmin.readonly_fields, "aws_status", "active_sessions"]
    fields = [*IdentityRoleAdmin.fields, "aws_status", "active_sessions"]
    actions = ["email_switch_link"]
    change_form_template = "admin/accounts/role/change_form.html"

    @admin.display(description="active console sessions")
    def active_sessions(self, obj):
        return obj.sessions.filter(ended_at=None).count() if obj.pk else 0

    @admin.display(description="In AWS")
    def aws_status(self, obj):
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

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<int:role_id>/email-link/", view(self.email_link_view), name="accounts_role_email_link"),
            path("<int:role_id>/sync/", view(self.sync_view), name="accounts_role_sync"),
            path("<int:role_id>/revoke/", view(self.revoke_view), name="accounts_role_revoke"),
        ]
        return urls + super().get_urls()

    @admin.action(description="Email switch link")
    def email_switch_link(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one role to email a link for.", messages.WARNING)
            return None
        return redirect("admin:accounts_role_email_link", role_id=queryset.get().pk)

    def email_link_view(self, request: HttpRequest, role_id: int):
        role = self._role(request, role_id)
        form = EmailLinkForm(request.POST if request.method == "POST" else None)
        refusals: list[str] = []
        if request.method == "POST" and form.is_valid():
            refusals = form.refusals(role)
            if not refusals or form.cleaned_data["send_anyway"]:
                return self._send_link(request, role, form, refusals)
        context = self._context(
            request,
            f"Email switch link: {role.name}",
            role=role,
            form=form,
            link=links.for_role(role),
            refusals=refusals,
        )
        return render(request, "admin/accounts/role/email_link.html", context)

    def _send_link(self, request: HttpRequest, role: Role, form: EmailLinkForm, refusals: list[str]):
        recipients = form.recipients()
        sent = emails.send_switch_link(
            role,
            recipients,
            display_name=form.cleaned_data["display_name"],
            color=form.cleaned_data["color"],
            redirect_uri=form.cleaned_data["redirect_uri"],
            sent_by=request.user.username,
        )
        detail = ", ".join(r.email for r in recipients)
        audit.record(request, AuditEvent.Kind.SWITCH_LINK_SENT, role_arn=role.arn, detail=detail)
        self.message_user(request, f"Sent the switch link for {role.name} to {sent} recipient(s).", messages.SUCCESS)
        for refusal in refusals:
            self.message_user(request, refusal, messages.WARNING)
        return redirect("admin:accounts_role_change", role.pk)

    def sync_view(self, request: HttpRequest, role_id: int):
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

    def revoke_view(self, request: HttpRequest, role_id: int):
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


admin.site.unregister(Role)
admin.site.register(Role, RoleAdmin)
