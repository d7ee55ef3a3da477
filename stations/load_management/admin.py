"""Admin for site load management: a site's policy, its tree of limits (with time-of-day
windows) and connectors' electrical facts. Saving any of them re-applies the site's limits
(new fail-safe defaults where they changed, then a round) in the worker."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from stations.load_management import services, tasks
from stations.models import ConnectorElectrics, LoadEvent, LoadNode, LoadWindow, SessionAllocation, SiteLoadPolicy


class _Reapplies(admin.ModelAdmin):
    def site_of(self, obj) -> int | None:
        return obj.site_id

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        site_id = self.site_of(form.instance)
        if site_id:
            tasks.site_limits_apply.delay(site_id)


@admin.register(SiteLoadPolicy)
class SiteLoadPolicyAdmin(_Reapplies):
    list_display = ["site", "enabled", "fail_safe", "safety_margin_percent", "hysteresis_a", "updated_at"]
    list_filter = ["enabled", "fail_safe"]
    autocomplete_fields = ["site"]

    def delete_model(self, request, obj):
        site_id = obj.site_id
        super().delete_model(request, obj)
        tasks.site_limits_apply.delay(site_id)  # lifts what the chargers still hold from us


class LoadWindowInline(admin.TabularInline):
    model = LoadWindow
    extra = 0


class LoadNodeForm(forms.ModelForm):
    class Meta:
        model = LoadNode
        fields = [
            "site",
            "parent",
            "name",
            "kind",
            "station",
            "max_current_a",
            "max_power_kw",
            "signal",
            "meter_station",
            "other_load_l1_a",
            "other_load_l2_a",
            "other_load_l3_a",
            "fallback_load_a",
        ]

    def clean(self):
        cleaned = super().clean()
        node = LoadNode(**{name: value for name, value in cleaned.items() if name in self.Meta.fields})
        node.pk = self.instance.pk
        if node.site_id:
            try:
                services.load_node_validate(node=node)
            except ValueError as error:
                raise ValidationError(str(error)) from error
        return cleaned


@admin.register(LoadNode)
class LoadNodeAdmin(_Reapplies):
    form = LoadNodeForm
    list_display = ["name", "site", "kind", "parent", "max_current_a", "max_power_kw", "signal", "other_load_at"]
    list_filter = ["kind", "signal"]
    search_fields = ["name", "site__name"]
    autocomplete_fields = ["site", "station", "meter_station"]
    readonly_fields = ["other_load_at"]
    inlines = [LoadWindowInline]


@admin.register(ConnectorElectrics)
class ConnectorElectricsAdmin(_Reapplies):
    list_display = ["connector", "min_current_a", "max_current_a", "min_power_kw", "phase_rotation"]
    raw_id_fields = ["connector"]

    def site_of(self, obj) -> int | None:
        return obj.connector.station.site_id


@admin.register(SessionAllocation)
class SessionAllocationAdmin(admin.ModelAdmin):
    list_display = ["session", "site", "limit", "unit", "sent_limit", "controlled", "reason", "updated_at"]
    list_filter = ["controlled", "unit"]
    readonly_fields = [field.name for field in SessionAllocation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LoadEvent)
class LoadEventAdmin(admin.ModelAdmin):
    list_display = ["at", "site", "kind", "station", "session", "message"]
    list_filter = ["kind"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in LoadEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
