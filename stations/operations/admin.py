"""Admin for operations: incidents, alerts, work orders, maintenance
plans, firmware campaigns, diagnostics, uptime. Actions call the services; the live
dashboard, calendar and analytics are linked from the admin index (templates/admin/index.html)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.models import (
    ConnectorUptimeDay,
    DiagnosticsRequest,
    FirmwareCampaign,
    FirmwareTarget,
    Incident,
    MaintenancePlan,
    Notification,
    OutageExclusion,
    SessionIntervention,
    WorkOrder,
    WorkOrderChecklistItem,
    WorkOrderPart,
)
from stations.operations.services import firmware, incidents, maintenance, uptime


def _run(modeladmin, request, queryset, action, done_message):
    done = 0
    for obj in queryset:
        try:
            action(obj)
            done += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {'; '.join(error.messages)}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "station",
        "connector_number",
        "cause",
        "severity",
        "status",
        "occurrences",
        "first_seen_at",
        "last_seen_at",
        "notified_at",
    ]
    list_filter = ["status", "cause", "severity"]
    search_fields = ["station__identity", "summary", "error_code"]
    date_hierarchy = "first_seen_at"
    list_select_related = ["station"]
    readonly_fields = [f.name for f in Incident._meta.fields if f.name not in ("resolution",)]
    actions = ["resolve", "open_work_order"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resolve the selected incidents"))
    def resolve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda i: incidents.incident_resolve(incident=i, user=request.user, resolution="Resolved in admin"),
            _("%(n)d incident(s) resolved."),
        )

    @admin.action(description=_("Open a corrective work order"))
    def open_work_order(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda i: maintenance.work_order_for_incident(incident=i),
            _("%(n)d incident(s) have a work order."),
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "channel", "kind", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["subject", "body"]


class ChecklistInline(admin.TabularInline):
    model = WorkOrderChecklistItem
    extra = 0
    fields = ["position", "text", "done", "done_at"]
    readonly_fields = ["done_at"]


class PartInline(admin.TabularInline):
    model = WorkOrderPart
    extra = 0


class WorkOrderForm(forms.ModelForm):
    class Meta:
        model = WorkOrder
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets and readonly_fields decide

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("station"):
            # The service's own checks, so that a refusal shows on the form, not as a crash.
            maintenance.work_order_validate(
                station=cleaned["station"],
                connectors=cleaned.get("connectors") or [],
                scheduled_start=cleaned.get("scheduled_start"),
                scheduled_end=cleaned.get("scheduled_end"),
            )
        return cleaned


# What a new work order is created with (`work_order_create`); the rest is for later edits.
CREATE_FIELDS = [
    "kind", "station", "connectors", "title", "description", "due_date", "assignee", "contractor",
    "set_inoperative", "scheduled_start", "scheduled_end",
]  # fmt: skip


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Creates and edits through the maintenance services, like every other door."""

    form = WorkOrderForm
    list_display = ["__str__", "station", "kind", "status", "due_date", "assignee", "contractor", "scheduled_start"]
    list_filter = ["status", "kind", "station__site"]
    search_fields = ["title", "station__identity", "contractor"]
    date_hierarchy = "due_date"
    list_select_related = ["station", "assignee"]
    autocomplete_fields = ["station"]
    filter_horizontal = ["connectors"]
    readonly_fields = [
        "status", "started_at", "completed_at", "overdue_alerted_at", "plan", "incident", "created_by", "created_at",
    ]  # fmt: skip
    # drivers adds its breakdown reports' inline (drivers/admin.py).
    inlines = [ChecklistInline, PartInline]
    actions = ["start", "complete", "cancel"]

    def get_fields(self, request, obj=None):
        return CREATE_FIELDS if obj is None else super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        data = {name: value for name, value in form.cleaned_data.items() if name in form.changed_data or not change}
        connectors = data.pop("connectors", None)
        if change:
            maintenance.work_order_update(work_order=obj, connectors=connectors, **data)
            return
        created = maintenance.work_order_create(**data, connectors=connectors or [], created_by=request.user)
        # The inlines were bound to `obj`; point it at the row the service created.
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The service set the connectors; only the inlines are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Start (takes connectors out of service if set)"))
    def start(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda w: maintenance.work_order_start(work_order=w, user=request.user),
            _("%(n)d work order(s) started."),
        )

    @admin.action(description=_("Mark done (connectors back to Operative)"))
    def complete(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda w: maintenance.work_order_complete(work_order=w, user=request.user),
            _("%(n)d work order(s) done."),
        )

    @admin.action(description=_("Cancel"))
    def cancel(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda w: maintenance.work_order_cancel(work_order=w, user=request.user),
            _("%(n)d work order(s) cancelled."),
        )


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "station_model", "every_days", "every_sessions", "every_energy_wh", "is_active"]
    list_filter = ["is_active"]


class FirmwareTargetInline(admin.TabularInline):
    model = FirmwareTarget
    extra = 0
    fields = ["station", "status", "batch_number", "sent_at", "finished_at", "last_reported_status", "error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FirmwareCampaign)
class FirmwareCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "target_version", "status", "batch_size", "failure_threshold", "window_start", "window_end"]
    list_filter = ["status"]
    readonly_fields = ["status", "paused_reason", "created_by", "created_at"]
    inlines = [FirmwareTargetInline]
    autocomplete_fields = ["filter_site", "filter_stations"]
    actions = ["start", "pause", "cancel"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Start or resume"))
    def start(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda c: firmware.campaign_start(campaign=c),
            _("%(n)d campaign(s) running."),
        )

    @admin.action(description=_("Pause"))
    def pause(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda c: firmware.campaign_pause(campaign=c, reason=f"Paused by {request.user}"),
            _("%(n)d campaign(s) paused."),
        )

    @admin.action(description=_("Cancel"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, lambda c: firmware.campaign_cancel(campaign=c), _("%(n)d campaign(s) cancelled."))


@admin.register(DiagnosticsRequest)
class DiagnosticsRequestAdmin(admin.ModelAdmin):
    list_display = ["station", "status", "file_name", "requested_by", "created_at", "finished_at"]
    list_filter = ["status"]
    fields = ["station", "location", "start_time", "stop_time", "status", "file_name", "command", "finished_at"]
    readonly_fields = ["status", "file_name", "command", "finished_at"]
    autocomplete_fields = ["station"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        # Through the service: it sends GetDiagnostics via the outbox.
        try:
            created = firmware.diagnostics_request(
                station=obj.station,
                user=request.user,
                location=obj.location,
                start_time=obj.start_time,
                stop_time=obj.stop_time,
            )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        obj.pk = created.pk


@admin.register(ConnectorUptimeDay)
class ConnectorUptimeDayAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "station",
        "connector_number",
        "up_seconds",
        "down_seconds",
        "maintenance_seconds",
        "excluded_seconds",
    ]
    list_filter = ["day"]
    search_fields = ["station__identity"]
    date_hierarchy = "day"


@admin.register(OutageExclusion)
class OutageExclusionAdmin(admin.ModelAdmin):
    """Staff record excluded down time with its evidence; edits would rewrite reported
    uptime silently, so a wrong row is deleted and recorded again."""

    list_display = ["station", "connector_number", "cause", "starts_at", "ends_at", "recorded_by"]
    list_filter = ["cause"]
    search_fields = ["station__identity", "evidence"]
    fields = ["station", "connector_number", "cause", "starts_at", "ends_at", "evidence"]
    autocomplete_fields = ["station"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        # Through the service: it recomputes the uptime of the days it covers.
        created = uptime.outage_exclusion_record(
            station=obj.station,
            connector_number=obj.connector_number,
            cause=obj.cause,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            evidence=obj.evidence,
            user=request.user,
            now=timezone.now(),
        )
        obj.pk = created.pk


@admin.register(SessionIntervention)
class SessionInterventionAdmin(ReadOnlyAdmin):
    list_display = ["session", "action", "performed_by", "reason", "meter_stop_wh", "created_at"]
    list_filter = ["action"]
