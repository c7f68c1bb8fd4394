from django.contrib import admin
from django.db import models

from parvis.core.widgets import PerimeterWidget

from . import services
from .models import Answer, Consultation, Idea, Statement, Tag


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.JSONField: {"widget": PerimeterWidget}}
    list_display = [
        "title",
        "slug",
        "is_permanent",
        "starts_at",
        "ideas_end_at",
        "discussion_end_at",
        "answer_at",
    ]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["territories"]
    search_fields = ["title", "question"]

    def save_model(self, request, obj, form, change):
        services.consultation_save(actor=request.user, consultation=obj)


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "consultation", "status", "support_count", "comment_count", "created_at"]
    list_filter = ["consultation", "status", "theme"]
    search_fields = ["title"]
    raw_id_fields = ["author", "district", "neighbourhood", "priority_area", "hidden_by"]
    readonly_fields = ["support_count", "comment_count", "search_text", "threshold_reached_at", "budget_url"]


admin.site.register(Tag)
admin.site.register(Answer)
admin.site.register(Statement)
