"""Pay-as-you-go in the admin: the EVSEs with their pay page and a printable sheet of QR
codes (select EVSEs, "Print pay-as-you-go QR codes"), and the charges paid that way, with
the shortfalls staff follow up (sessions that cost more than was held)."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.models import AdHocCharge, EvseQrCode
from billing.money import money_text
from billing.qr_codes import evse_codes, evse_pay_path


@admin.register(EvseQrCode)
class EvseQrCodeAdmin(admin.ModelAdmin):
    list_display = ["station", "site", "connector_id", "evse", "standard", "max_power_kw", "pay_page"]
    list_filter = ["station__site"]
    list_select_related = ["station__site"]
    search_fields = ["station__identity", "station__site__name"]
    actions = ["print_qr_codes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("site"), ordering="station__site__name")
    def site(self, obj):
        return obj.station.site

    @admin.display(description=_("EVSE"))
    def evse(self, obj):
        return obj.evse_number

    @admin.display(description=_("pay page"))
    def pay_page(self, obj):
        path = evse_pay_path(connector=obj)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', path, path)

    @admin.action(description=_("Print pay-as-you-go QR codes"), permissions=["view"])
    def print_qr_codes(self, request, queryset):
        connectors = queryset.select_related("station__site").order_by("station__identity", "connector_id")
        codes = evse_codes(connectors=connectors, absolute=request.build_absolute_uri)
        return TemplateResponse(request, "admin/billing/qr_sheet.html", {"codes": codes, "title": _("QR codes")})


class ShortfallFilter(admin.SimpleListFilter):
    title = _("shortfall")
    parameter_name = "shortfall"

    def lookups(self, request, model_admin):
        return [("yes", _("Cost more than was held")), ("no", _("Covered by the hold"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(shortfall__gt=0)
        if self.value() == "no":
            return queryset.filter(shortfall=0)
        return queryset


@admin.register(AdHocCharge)
class AdHocChargeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "connector", "id_tag", "status", "held", "captured", "shortfall_text", "email"]
    list_filter = [ShortfallFilter, "payment__status"]
    list_select_related = ["payment", "connector__station"]
    search_fields = ["payment__id_tag", "payment__provider_reference", "email", "connector__station__identity"]
    readonly_fields = [f.name for f in AdHocCharge._meta.fields if f.name != "key"]
    exclude = ["key"]  # the page's secret: whoever holds it may stop the charge

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("idTag"), ordering="payment__id_tag")
    def id_tag(self, obj):
        return obj.payment.id_tag

    @admin.display(description=_("payment"), ordering="payment__status")
    def status(self, obj):
        return obj.payment.get_status_display()

    @admin.display(description=_("held"))
    def held(self, obj):
        return money_text(obj.hold_amount, obj.payment.currency)

    @admin.display(description=_("captured"))
    def captured(self, obj):
        return money_text(obj.payment.captured_amount, obj.payment.currency)

    @admin.display(description=_("shortfall"), ordering="shortfall")
    def shortfall_text(self, obj):
        return money_text(obj.shortfall, obj.payment.currency) if obj.shortfall else "–"
