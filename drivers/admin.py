from django.contrib import admin

from drivers import services
from drivers.models import Driver, Token, Vehicle


class TokenInline(admin.TabularInline):
    model = Token
    extra = 0
    fields = ["uid", "kind", "label", "status", "expires_at", "contract_id"]


class VehicleInline(admin.TabularInline):
    model = Vehicle
    extra = 0


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "emsp", "account_status", "email_verified_at", "created_at"]
    list_filter = ["account_status", "emsp", "country"]
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
            services.token_block(token=token)
        self.message_user(request, f"Blocked {queryset.count()} token(s).")


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "driver", "battery_kwh", "connector_standard"]
    search_fields = ["make", "model", "license_plate", "driver__user__email"]
