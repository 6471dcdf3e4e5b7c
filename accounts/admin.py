"""Admin pages for identity and access (issue 5 extends these)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as DjangoGroup

from .models import Account, Group, InlinePolicy, Policy, Role, User

admin.site.site_header = "Switchrole Console administration"
admin.site.site_title = "Switchrole Console"
admin.site.unregister(DjangoGroup)  # IAM groups replace Django's permission groups here


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["account_id", "alias", "name", "is_home"]


class InlinePolicyInline(admin.StackedInline):
    model = InlinePolicy
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "account", "is_staff", "is_active", "last_login"]
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


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "path", "max_session_duration", "display_name"]
    readonly_fields = ["arn"]
