from django.contrib import admin

from .models import Campaign, Envelope, Override, PaperBatch, Phase, Project, Result


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class EnvelopeInline(admin.TabularInline):
    model = Envelope
    extra = 0
    fields = (
        "slug",
        "name",
        "territory",
        "amount",
        "reserved_amount",
        "ballot_style",
        "max_choices",
        "min_choices",
        "min_spend_percent",
        "position",
    )


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "rule", "created_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [PhaseInline, EnvelopeInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "campaign", "envelope", "status", "feasibility", "service", "cost")
    list_filter = ("campaign", "status", "feasibility", "service")
    search_fields = ("title", "body")
    raw_id_fields = ("author", "assisted_by", "merged_into", "split_from", "reviewed_by", "hidden_by")


@admin.register(PaperBatch)
class PaperBatchAdmin(admin.ModelAdmin):
    list_display = ("polling_place", "envelope", "mode", "accepted_at")
    readonly_fields = ("accepted_at", "data")


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ("project", "envelope", "decision", "created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False  # recorded through the results page, which recomputes and audits


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("envelope", "computed_at", "online_ballots", "paper_ballots")
    readonly_fields = ("envelope", "computed_at", "online_ballots", "paper_ballots", "data", "funded")
