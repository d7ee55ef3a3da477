from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from drivers.models import BreakdownReport, Driver, Reservation, SupportTicket, TicketMessage, Token, Vehicle
from drivers.services import reservations, support, tokens
from stations.operations.admin import WorkOrderAdmin


class TokenInline(admin.TabularInline):
    model = Token
    extra = 0
    fields = ["uid", "kind", "label", "status", "expires_at", "contract_id"]


class VehicleInline(admin.TabularInline):
    model = Vehicle
    extra = 0


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "emsp", "account_status", "fleet", "email_verified_at", "created_at"]
    list_filter = ["account_status", "fleet", "emsp", "country"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "tokens__uid"]
    list_select_related = ["user", "emsp"]
    inlines = [TokenInline, VehicleInline]


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    list_display = ["uid", "kind", "driver", "status", "expires_at", "contract_id"]
    list_filter = ["kind", "status"]
    search_fields = ["uid", "contract_id", "driver__user__email"]
    list_select_related = ["driver__user"]
    actions = ["block_tokens"]

    @admin.action(description="Block selected tokens")
    def block_tokens(self, request, queryset):
        for token in queryset:
            tokens.token_block(token=token)
        self.message_user(request, f"Blocked {queryset.count()} token(s).")


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "driver", "battery_kwh", "connector_standard"]
    search_fields = ["make", "model", "license_plate", "driver__user__email"]


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    can_delete = False
    fields = ["created_at", "from_staff", "author", "body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SupportTicketAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label="Reply to the driver", required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 80})
    )

    class Meta:
        model = SupportTicket
        fields = ["status"]


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    """Staff read the thread and answer in the reply box; the driver sees it in the portal."""

    form = SupportTicketAdminForm
    list_display = ["__str__", "driver", "topic", "status", "updated_at"]
    list_filter = ["status", "topic"]
    search_fields = ["subject", "driver__user__email", "messages__body"]
    list_select_related = ["driver__user"]
    readonly_fields = ["driver", "subject", "topic", "session", "created_at", "updated_at"]
    fields = ["driver", "subject", "topic", "session", "created_at", "updated_at", "status", "reply"]
    inlines = [TicketMessageInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("reply", "").strip():
            support.ticket_message_post(ticket=obj, author=request.user, body=form.cleaned_data["reply"])
            if form.cleaned_data["status"] == SupportTicket.Status.CLOSED:
                support.support_ticket_close(ticket=obj)


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    """Reservations move only through the charger's answers (OCPP ReserveNow/CancelReservation)."""

    list_display = ["id", "station", "connector_number", "token", "driver", "status", "charger_status", "expires_at"]
    list_filter = ["status"]
    search_fields = ["=id", "station__identity", "token__uid", "driver__user__email"]
    list_select_related = ["station", "token", "driver__user"]
    readonly_fields = [field.name for field in Reservation._meta.fields]
    actions = ["cancel_reservations"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Cancel the selected reservations (CancelReservation)"))
    def cancel_reservations(self, request, queryset):
        for reservation in queryset.filter(status__in=Reservation.OPEN_STATUSES):
            reservations.reservation_cancel(reservation=reservation, requested_by=request.user, source="admin")


class BreakdownInline(admin.TabularInline):
    model = BreakdownReport
    extra = 0
    fields = ["driver", "connector", "category", "description", "status", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BreakdownReport)
class BreakdownReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "station", "connector", "category", "status", "source", "created_at"]
    list_filter = ["status", "category", "source"]
    search_fields = ["description", "station__identity", "driver__user__email"]
    readonly_fields = ["driver", "station", "connector", "category", "description", "photo", "source", "created_at"]

    def has_add_permission(self, request):
        return False


# A work order shows the drivers' reports it answers; the inline is drivers' (stations may
# not know the model), added to stations' work order admin here.
WorkOrderAdmin.inlines = [*WorkOrderAdmin.inlines, BreakdownInline]
