"""Candidate sites in the admin: reading and correcting fields. Stage moves go through
the pipeline pages (/ops/pipeline/), which call the services."""

from django.contrib import admin

from stations.pipeline.models.candidates import CandidateSite, PipelineStage


class PipelineStageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0
    fields = ["stage", "owner", "due_on", "completed_at", "completed_by", "notes"]
    readonly_fields = ["stage", "completed_at", "completed_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CandidateSite)
class CandidateSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "operator", "stage", "outcome", "site"]
    list_filter = ["stage", "outcome", "country"]
    search_fields = ["name", "city", "address", "landlord_name"]
    readonly_fields = ["stage", "outcome", "site", "created_at"]
    inlines = [PipelineStageInline]

    def has_add_permission(self, request):
        # Created on /ops/pipeline/ so that every candidate gets its stage rows.
        return False
