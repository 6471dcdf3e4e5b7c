"""console's admin pages: the audit log and role sessions (read-only), and (roles.py) the Role
admin with the tools that touch AWS and role sessions, registered over accounts' own."""

from datetime import UTC

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from accounts.templatetags.arns import arn

from ..models import AuditEvent, RoleSession


def _utc(moment) -> str:
    return f"{timezone.localtime(moment, UTC):%Y-%m-%d %H:%M:%S}" if moment else "-"


class RoleArnFilter(admin.AllValuesFieldListFilter):
    """Django's "all values" filter, with a name for events about no role (an empty ARN)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "display": choice["display"] or "No role"}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the console itself: listed and searched, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest):
        return False

    def has_change_permission(self, request: HttpRequest, obj=None):
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["when", "username", "kind", "role_arn_display", "detail", "source_ip"]
    list_display_links = ["when"]
    list_filter = ["kind", "username", ("role_arn", RoleArnFilter)]
    date_hierarchy = "time"
    search_fields = ["username", "role_arn", "detail"]

    @admin.display(description="time (UTC)", ordering="time")
    def when(self, obj):
        return _utc(obj.time)  # compact, so the detail column has room

    @admin.display(description="role ARN", ordering="role_arn")
    def role_arn_display(self, obj):
        return arn(obj.role_arn) or "-"


@admin.register(RoleSession)
class RoleSessionAdmin(ReadOnlyAdmin):
    """Read-only: sessions end by switching back, expiring or Revoke active sessions (on the role)."""

    list_display = ["user", "role_arn_display", "display_name", "started", "expires", "ended", "end_reason"]
    list_filter = ["end_reason"]
    exclude = ["sealed_credentials"]  # never shown, not even to administrators

    @admin.display(description="role ARN", ordering="role_arn")
    def role_arn_display(self, obj):
        return arn(obj.role_arn)

    # Compact UTC times, so the list fits beside the filters at 1280 px.
    @admin.display(description="started (UTC)", ordering="started_at")
    def started(self, obj):
        return _utc(obj.started_at)

    @admin.display(description="expires (UTC)", ordering="expiration")
    def expires(self, obj):
        return _utc(obj.expiration)

    @admin.display(description="ended (UTC)", ordering="ended_at")
    def ended(self, obj):
        return _utc(obj.ended_at)


from . import roles  # noqa: E402, F401  (registers the Role admin over accounts')
