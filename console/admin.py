from django.contrib import admin

from .models import AuditEvent, RoleSession


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["time", "username", "kind", "role_arn", "detail", "source_ip"]
    list_filter = ["kind", "username", "role_arn"]
    date_hierarchy = "time"
    search_fields = ["username", "role_arn", "detail"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(RoleSession)
class RoleSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "role_arn", "display_name", "started_at", "expiration", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    exclude = ["sealed_credentials"]  # never shown, not even to administrators

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
