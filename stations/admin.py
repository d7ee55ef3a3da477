from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations import admin_station_page, prices
from stations.models import (
    ChargingSession,
    ChargingStation,
    CommandRequest,
    Connector,
    MeterSample,
    OpeningHours,
    OperatingAgreement,
    Organisation,
    OrganisationMember,
    Site,
    StatusChange,
)
from stations.models.sessions import TransactionDiscrepancy
from stations.services import registry as services


class PowerClassFilter(admin.SimpleListFilter):
    title = _("power class")
    parameter_name = "power_class"
    CLASSES = {
        "ac": (
            "AC (Level 2)",
            {"connectors__power_type__in": [Connector.PowerType.AC_1_PHASE, Connector.PowerType.AC_3_PHASE]},
        ),
        "dc": (
            "DC fast, up to 150 kW",
            {"connectors__power_type": Connector.PowerType.DC, "connectors__max_power_kw__lte": 150},
        ),
        "hpc": (
            "DC high power, over 150 kW",
            {"connectors__power_type": Connector.PowerType.DC, "connectors__max_power_kw__gt": 150},
        ),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _lookup) in self.CLASSES.items()]

    def queryset(self, request, queryset):
        if self.value() in self.CLASSES:
            return queryset.filter(**self.CLASSES[self.value()][1]).distinct()
        return queryset


class ConnectorInline(admin.TabularInline):
    model = Connector
    extra = 0
    fields = [
        "connector_id",
        "standard",
        "format",
        "power_type",
        "max_power_kw",
        "level",
        "status",
        "error_code",
        "status_updated_at",
    ]
    readonly_fields = ["level", "status", "error_code", "status_updated_at"]


class StationAdminForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="16–40 characters. Leave empty to keep the current one. Stored only as a salted hash.",
    )

    class Meta:
        model = ChargingStation
        exclude = ["password_hash"]  # noqa: DJ006 - the admin picks fields by fieldsets; only the hash must never be a field

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            try:
                services.station_set_password(station=self.instance, password=password, save=False)
            except ValidationError as error:
                raise ValidationError(error.message_dict["password"]) from error
        return password


@admin.register(ChargingStation)
class ChargingStationAdmin(admin.ModelAdmin):
    form = StationAdminForm
    # Protocol adapters add their "send a command" actions at start-up.
    actions = []
    # Fits a 1366 px laptop beside the filters: hardware in one column, the link as one flag.
    list_display = [
        "identity",
        "site",
        "owner",
        "hardware",
        "registration_status",
        "is_online",
        "last_seen_at",
        "status",
    ]
    list_filter = [
        "site",
        "agreement__operator",
        "owner",
        "registration_status",
        "is_online",
        "status",
        "security_profile",
        PowerClassFilter,
    ]
    search_fields = ["identity", "serial_number", "vendor", "model", "site__name"]
    list_select_related = ["site", "owner"]
    readonly_fields = [
        "operator_name",
        "has_password",
        "is_connected",
        "is_online",
        "connected_at",
        "disconnected_at",
        "last_seen_at",
        "last_boot_at",
        "last_heartbeat_at",
        "status",
        "error_code",
        "firmware_version",
        "meter_type",
        "meter_serial_number",
        "iccid",
        "imsi",
        "created_at",
    ]
    inlines = [ConnectorInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "identity",
                    "site",
                    "owner",
                    "agreement",
                    "operator_name",
                    "registration_status",
                    "commissioned_on",
                ]
            },
        ),
        (
            "Hardware",
            {
                "fields": [
                    "vendor",
                    "model",
                    "serial_number",
                    "firmware_version",
                    "meter_type",
                    "meter_serial_number",
                    "iccid",
                    "imsi",
                ]
            },
        ),
        (
            "OCPP",
            {
                "fields": [
                    "ocpp_protocol",
                    "security_profile",
                    "has_password",
                    "new_password",
                    "heartbeat_interval",
                    "free_vend",
                ]
            },
        ),
        (
            "Live",
            {
                "fields": [
                    "is_connected",
                    "is_online",
                    "status",
                    "error_code",
                    "connected_at",
                    "disconnected_at",
                    "last_seen_at",
                    "last_boot_at",
                    "last_heartbeat_at",
                    "created_at",
                ]
            },
        ),
    ]

    def get_urls(self):
        command = path(
            "<path:object_id>/command/",
            self.admin_site.admin_view(
                lambda request, object_id: admin_station_page.station_command_view(self, request, object_id)
            ),
            name="stations_chargingstation_command",
        )
        return [command, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        station = self.get_object(request, object_id)
        if station is not None:
            page = admin_station_page.station_page_context(station=station)
            extra_context = {**(extra_context or {}), "station_page": page}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("hardware"), ordering="model")
    def hardware(self, station):
        return f"{station.vendor} {station.model}".strip() or "—"

    @admin.display(description="Operator")
    def operator_name(self, station):
        return station.operator or "—"

    @admin.display(boolean=True, description="Password set")
    def has_password(self, station):
        return bool(station.password_hash)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "operator", "time_zone", "is_open_24_7", "station_count"]
    list_filter = ["operator", "country", "time_zone", "is_open_24_7"]
    search_fields = ["name", "address", "city", "postal_code"]
    inlines = [OpeningHoursInline]

    @admin.display(description="Stations")
    def station_count(self, site):
        return site.stations.count()


class MemberInline(admin.TabularInline):
    model = OrganisationMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "is_owner", "is_operator", "is_emsp", "currency"]
    list_filter = ["is_owner", "is_operator", "is_emsp", "country"]
    search_fields = ["name", "vat_number"]
    inlines = [MemberInline]


@admin.register(OperatingAgreement)
class OperatingAgreementAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "owner",
        "operator",
        "valid_from",
        "valid_until",
        "revenue_share_percent",
        "fixed_monthly_fee",
        "currency",
    ]
    list_filter = ["owner", "operator"]
    date_hierarchy = "valid_from"


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    actions = []
    list_display = [
        "__str__",
        "station",
        "connector_id",
        "standard",
        "power_type",
        "max_power_kw",
        "level",
        "status",
        "error_code",
    ]
    list_filter = ["standard", "power_type", "status", "station__site"]
    search_fields = ["station__identity"]
    readonly_fields = ["level", "status", "error_code", "vendor_error_code", "status_info", "status_updated_at"]


class MeterSampleInline(admin.TabularInline):
    model = MeterSample
    extra = 0
    can_delete = False
    fields = ["sampled_at", "measurand", "phase", "unit", "value", "normalized_value", "context"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChargingSession)
class ChargingSessionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "station",
        "connector_number",
        "status",
        "started_at",
        "duration",
        "energy_kwh",
        "cost",
        "id_tag",
    ]
    list_filter = ["status", "auth_status", "station__site"]
    search_fields = ["id_tag", "station__identity", "=id"]
    date_hierarchy = "started_at"
    list_select_related = ["station"]
    readonly_fields = [field.name for field in ChargingSession._meta.fields]
    inlines = [MeterSampleInline]

    @admin.display(description=_("duration"))
    def duration(self, session):
        end = session.stopped_at or timezone.now()
        minutes = round((end - session.started_at).total_seconds() / 60)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

    @admin.display(description="kWh", ordering="energy_wh")
    def energy_kwh(self, session):
        return f"{session.energy_wh / 1000:.2f}"

    @admin.display(description=_("cost incl. VAT"))
    def cost(self, session):
        # Billing answers through the registry (the CDR's total, or the live estimate).
        cost = prices.session_cost(session=session)
        return f"{cost.amount} {cost.currency}" if cost else "—"

    def has_add_permission(self, request):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["station", "connector_number", "status", "error_code", "charger_timestamp", "received_at"]
    list_filter = ["status", "error_code"]
    search_fields = ["station__identity"]
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in StatusChange._meta.fields]

    def has_add_permission(self, request):
        return False


# Operations models (incidents, work orders, campaigns, …) register themselves here.
from stations.assets import admin as assets_admin  # noqa: E402, F401
from stations.load_management import admin as load_management_admin  # noqa: E402, F401
from stations.operations import admin as operations_admin  # noqa: E402, F401
from stations.pipeline import admin as pipeline_admin  # noqa: E402, F401


@admin.register(TransactionDiscrepancy)
class TransactionDiscrepancyAdmin(admin.ModelAdmin):
    """Transaction messages answered but not applied cleanly, for staff to reconcile."""

    list_display = [
        "received_at",
        "station",
        "kind",
        "transaction_number",
        "charger_transaction_id",
        "session",
        "resolved_at",
    ]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["station__identity", "=transaction_number", "=charger_transaction_id"]
    list_select_related = ["station"]
    readonly_fields = [
        "station",
        "session",
        "transaction_number",
        "charger_transaction_id",
        "kind",
        "payload",
        "received_at",
    ]
    fields = [*readonly_fields, "resolved_at", "resolution_note"]

    def has_add_permission(self, request):
        return False


@admin.register(CommandRequest)
class CommandRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are made by the services (and by staff through the protocol
    adapter's send form), never edited."""

    list_display = ["created_at", "station", "action_label", "status", "source", "requested_by", "sent_at"]
    list_filter = ["status", "action", "source"]
    search_fields = ["station__identity", "=message_id", "raw_action"]
    list_select_related = ["station", "requested_by"]
    date_hierarchy = "created_at"
    fields = [
        "station",
        "action",
        "parameters",
        "raw_protocol",
        "raw_action",
        "status",
        "source",
        "requested_by",
        "message_id",
        "created_at",
        "expires_at",
        "sent_at",
        "responded_at",
        "result",
        "error_code",
        "error_description",
        "followup_status",
        "followup_at",
    ]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, request: CommandRequest) -> str:
        return request.action_label

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
