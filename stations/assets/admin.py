"""Asset history and energy prices in the admin: plain records staff enter."""

from django.contrib import admin

from stations.assets.models.assets import AssetEvent, EnergyPrice, LabourRate


@admin.register(AssetEvent)
class AssetEventAdmin(admin.ModelAdmin):
    list_display = ["station", "kind", "occurred_on", "capex", "currency", "power_kw_after"]
    list_filter = ["kind"]
    search_fields = ["station__identity", "description"]
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["station"]


@admin.register(EnergyPrice)
class EnergyPriceAdmin(admin.ModelAdmin):
    list_display = ["site", "valid_from", "local_start", "local_end", "price_per_kwh", "currency"]
    search_fields = ["site__name"]
    autocomplete_fields = ["site"]


@admin.register(LabourRate)
class LabourRateAdmin(admin.ModelAdmin):
    list_display = ["technician", "hourly_rate", "currency"]
    search_fields = ["technician__username", "technician__email"]
    raw_id_fields = ["technician"]
