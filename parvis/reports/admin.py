import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from parvis.core.widgets import PerimeterWidget

from .campaigns import validate_perimeter
from .models import Campaign, Category, Contribution, Open311Key, Question, Report, ReportEvent, RoutingRule


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "code", "label", "kind", "required", "choices", "help_text"]


class RoutingInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    autocomplete_fields = []


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "service", "target_hours", "duplicate_radius_m", "is_active"]
    list_filter = ["is_active", "parent__parent", "service"]
    search_fields = ["name", "code", "keywords"]
    list_select_related = ["parent", "service"]
    inlines = [QuestionInline, RoutingInline]


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["kind", "slug", "title", "description", "starts_at", "ends_at", "perimeter", "territories",
                  "service", "category", "closing_statement", "published"]
        widgets = {"perimeter": PerimeterWidget()}

    def clean_perimeter(self):
        value = self.cleaned_data.get("perimeter")
        if value in (None, "", {}):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError(_("Périmètre illisible : dessinez un polygone."))
        return validate_perimeter(value)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ["title", "kind", "starts_at", "ends_at", "published"]
    list_filter = ["kind", "published"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["territories"]
    inlines = [QuestionInline]


class EventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "status", "note", "actor", "public", "created_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reading and moderation; agents handle reports in the back office, where the rules apply."""

    list_display = ["id", "category", "status", "district", "service", "source", "created_at"]
    list_filter = ["status", "source", "service", "district"]
    search_fields = ["id", "description", "address"]
    list_select_related = ["category", "district", "service"]
    readonly_fields = [f.name for f in Report._meta.fields if f.name not in {"hidden_reason"}]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "support_count", "created_at"]
    list_filter = ["campaign"]


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Keys are created with ``parvis open311-key create NAME`` (the key is shown once)."""

    list_display = ["name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "key_hash", "created_at"]

    def has_add_permission(self, request):
        return False
