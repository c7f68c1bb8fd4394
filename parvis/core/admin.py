from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import charter, moderation
from .models import ApiToken, AuditEntry, CharterVersion, Flag, Service, Territory, User
from .territories import invalidate_index


def staff_login(request, extra_context=None):
    """The admin has no login form of its own: staff sign in through the site's login page, with its
    throttling and failure counting (and second factor), then come back."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('core:login')}?{urlencode({'next': target})}")


admin.site.login = staff_login


class _EmailMixin:
    """Addresses are stored lower-case and unique whatever their case, as at sign-up."""

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))
        return email


class UserCreationForm(_EmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "role"]


class UserEditForm(_EmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    actions = ["block_users", "unblock_users"]
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "email_confirmed_at", "blocked_at"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profil"),
            {
                "fields": [
                    "display_name",
                    "preferred_language",
                    "home_address",
                    "home_neighbourhood",
                    "home_district",
                    "birth_date",
                ]
            },
        ),
        (_("Rôle et droits"), {"fields": ["role", "is_active", "is_staff", "is_superuser", "groups"]}),
        (
            _("Sécurité"),
            {
                "fields": [
                    "email_confirmed_at",
                    "blocked_at",
                    "blocked_reason",
                    "deleted_at",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "role", "usable_password", "password1", "password2"]},
        )
    ]
    raw_id_fields = ["home_neighbourhood", "home_district"]

    @admin.action(description=_("Bloquer les comptes sélectionnés"))
    def block_users(self, request, queryset):
        done = 0
        for user in queryset.filter(blocked_at__isnull=True):
            try:
                moderation.user_block(
                    moderator=request.user, user=user, reason=gettext("Bloqué depuis l'administration")
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{user.email} : {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, gettext("%(n)d compte(s) bloqué(s).") % {"n": done})

    @admin.action(description=_("Débloquer les comptes sélectionnés"))
    def unblock_users(self, request, queryset):
        done = 0
        for user in queryset.filter(blocked_at__isnull=False):
            moderation.user_unblock(moderator=request.user, user=user)
            done += 1
        self.message_user(request, gettext("%(n)d compte(s) débloqué(s).") % {"n": done})


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "population", "approximate"]
    list_select_related = ["parent"]
    list_filter = ["level", "approximate"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]
    readonly_fields = ["updated_at"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(invalidate_index)  # every process rebuilds its lookup tree

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(invalidate_index)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["members"]  # thousands of accounts: search, do not list them all
    prepopulated_fields = {"code": ["name"]}


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "reason", "reporter", "created_at", "decision"]
    list_select_related = ["content_type", "reporter"]
    list_filter = ["reason", "decision"]
    search_fields = ["comment", "reporter__email"]
    raw_id_fields = ["reporter", "resolved_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["key_hash", "prefix"]
    search_fields = ["name", "prefix", "user__email"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False  # a key is shown once: tokens are made from the account page or `parvis token create`


class CharterVersionForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = ("title", "body", "changes")

    def clean(self):
        data = super().clean()
        current = charter.current_version()
        if current and current.body.strip() == (data.get("body") or "").strip():
            raise ValidationError(gettext("Ce texte est identique à la version en vigueur."))
        return data


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    """A published version is never edited (people consented to that text): publish a new one instead."""

    form = CharterVersionForm
    list_display = ("number", "title", "published_at", "acceptance_count")
    fields = ("title", "body", "changes")

    @admin.display(description=_("acceptations"))
    def acceptance_count(self, obj):
        return obj.acceptances.count()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        version = charter.charter_publish(
            actor=request.user, title=obj.title, body=obj.body, changes=obj.changes
        )
        obj.pk, obj.number, obj.published_at = version.pk, version.number, version.published_at
