"""Partners in the admin: staff issue token A (shown once), register with a partner from its
versions URL and token A, update the credentials, unregister. Each action calls one service."""

from django.contrib import admin, messages
from django.utils import timezone

from billing.money import money_text
from roaming import parties, tasks
from roaming.client import PartnerError
from roaming.models import (
    CdrPush,
    Partner,
    PartnerCdr,
    PartnerCommand,
    PartnerLocation,
    PartnerReservation,
    PartnerRole,
    PartnerSession,
    PartnerTariff,
    PartnerToken,
)
from roaming.selectors.partners import partner_balances
from roaming.services import partner_ledger
from roaming.services import partners as partner_services


class PartnerRoleInline(admin.TabularInline):
    model = PartnerRole
    extra = 0
    can_delete = False
    fields = ["role", "country_code", "party_id", "business_name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "party_ids", "version", "registered_at", "last_sync_at"]
    list_filter = ["status"]
    search_fields = ["name", "roles__party_id"]
    fields = [
        "name",
        "status",
        "versions_url",
        "outbound_token",
        "organisation",
        "commission_percent",
        "markup_percent",
        "payment_terms_days",
        "books",
        "version",
        "endpoints",
        "registered_at",
        "last_sync_at",
        "created_at",
    ]
    readonly_fields = ["status", "books", "version", "endpoints", "registered_at", "last_sync_at", "created_at"]
    inlines = [PartnerRoleInline]
    actions = ["issue_token_a", "register", "unregister", "push_locations", "pull_now"]

    @admin.display(description="Party ids")
    def party_ids(self, partner: Partner) -> str:
        return ", ".join(str(role) for role in partner.roles.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="Ledger balances")
    def books(self, partner: Partner) -> str:
        balances = partner_balances(partner=partner)
        return (
            " · ".join(f"{kind} {money_text(total, currency)} {currency}" for kind, currency, total in balances) or "–"
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "organisation" in form.changed_data:
            # CDRs that arrived before the partner had an organisation in our books.
            partner_ledger.partner_books_post(partner=obj, now=timezone.now())

    @admin.action(description="Issue a new token A (the partner registers with us)")
    def issue_token_a(self, request, queryset):
        for partner in queryset:
            _, token = partner_services.partner_token_a_issue(partner=partner)
            self.message_user(
                request,
                f"{partner}: token A {token} (shown once) with our versions URL {parties.versions_url()}",
                messages.WARNING,
            )

    @admin.action(description="Register with the partner (its versions URL and token), or update credentials")
    def register(self, request, queryset):
        for partner in queryset:
            try:
                partner_services.partner_register(partner=partner)
            except (partner_services.RegistrationError, PartnerError) as error:
                self.message_user(request, f"{partner}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{partner}: registered.")

    @admin.action(description="Push all our locations to the partner now")
    def push_locations(self, request, queryset):
        for partner in queryset:
            tasks.locations_push_all.delay(partner.pk)
        self.message_user(request, f"Queued the push of our locations to {queryset.count()} partner(s).")

    @admin.action(description="Pull the partner's tokens, locations and tariffs now")
    def pull_now(self, request, queryset):
        for partner in queryset:
            tasks.tokens_pull.delay(partner.pk)
            tasks.locations_pull.delay(partner.pk)
            tasks.tariffs_pull.delay(partner.pk)
        self.message_user(request, f"Queued pulls from {queryset.count()} partner(s).")

    @admin.action(description="Unregister (tell the partner, then stop all exchange)")
    def unregister(self, request, queryset):
        for partner in queryset:
            try:
                partner_services.partner_unregister(partner=partner)
            except PartnerError as error:
                self.message_user(request, f"{partner}: the partner refused: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{partner}: unregistered.")


class ReadOnlyAdmin(admin.ModelAdmin):
    """What partners told us or what we sent them: for reading, never for editing by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartnerToken)
class PartnerTokenAdmin(ReadOnlyAdmin):
    list_display = ["uid", "country_code", "party_id", "type", "valid", "whitelist", "partner", "last_updated"]
    list_filter = ["valid", "whitelist", "partner"]
    search_fields = ["uid", "contract_id"]


@admin.register(PartnerLocation)
class PartnerLocationAdmin(ReadOnlyAdmin):
    list_display = ["location_id", "country_code", "party_id", "partner", "publish", "last_updated"]
    list_filter = ["partner", "publish"]
    search_fields = ["location_id"]


@admin.register(PartnerSession)
class PartnerSessionAdmin(ReadOnlyAdmin):
    list_display = ["session_id", "country_code", "party_id", "token", "status", "kwh", "last_updated"]
    list_filter = ["status", "partner"]


@admin.register(PartnerCdr)
class PartnerCdrAdmin(ReadOnlyAdmin):
    list_display = ["cdr_id", "country_code", "party_id", "token", "total_excl_vat", "currency", "credit"]
    list_filter = ["partner", "credit"]


@admin.register(PartnerCommand)
class PartnerCommandAdmin(ReadOnlyAdmin):
    list_display = ["command", "partner", "request", "result", "result_sent_at", "created_at"]
    list_filter = ["command", "result"]


@admin.register(CdrPush)
class CdrPushAdmin(ReadOnlyAdmin):
    list_display = ["cdr", "partner", "pushed_at", "attempts", "last_error"]
    list_filter = ["partner"]


@admin.register(PartnerTariff)
class PartnerTariffAdmin(ReadOnlyAdmin):
    list_display = ["tariff_id", "country_code", "party_id", "currency", "partner", "last_updated"]
    list_filter = ["partner", "currency"]


@admin.register(PartnerReservation)
class PartnerReservationAdmin(ReadOnlyAdmin):
    list_display = ["ocpi_reservation_id", "partner", "reservation", "location_id", "evse_uid", "created_at"]
    list_filter = ["partner"]
    search_fields = ["ocpi_reservation_id"]
