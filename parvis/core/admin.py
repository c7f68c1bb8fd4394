from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEntry, Flag, Service, Territory, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "email_confirmed_at", "blocked_at"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profil"), {"fields": ["display_name", "preferred_language", "home_address", "home_neighbourhood",
                                  "home_district", "birth_date"]}),
        (_("Rôle et droits"), {"fields": ["role", "is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Sécurité"), {"fields": ["email_confirmed_at", "failed_login_count", "locked_until", "blocked_at",
                                    "blocked_reason", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]
    raw_id_fields = ["home_neighbourhood", "home_district"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "population", "approximate"]
    list_filter = ["level", "approximate"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email"]
    filter_horizontal = ["members"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "reason", "reporter", "created_at", "decision"]
    list_filter = ["reason", "decision"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix"]
