"""Staff views of charger security: the certificates the CSMS CA signed (revocable), the
certificates chargers hold, and the security events they reported. All read-only except
revocation, which goes through the certificates service."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocpp_gateway.security import certificates
from ocpp_gateway.security.models import ChargerCertificate, InstalledCertificate, SecurityEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Revoke: the certificate no longer admits its station"))
def revoke(modeladmin, request, queryset):
    now = timezone.now()
    for certificate in queryset:
        certificates.certificate_revoke(certificate=certificate, at=now)
    modeladmin.message_user(request, _("Revoked %(n)d certificate(s).") % {"n": queryset.count()})


@admin.register(ChargerCertificate)
class ChargerCertificateAdmin(ReadOnly):
    list_display = ["station", "subject", "status", "serial_number", "not_after", "revoked_at", "requested_at"]
    list_filter = ["status", "certificate_type", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["station__identity", "subject", "=serial_number", "=fingerprint_sha256"]
    list_select_related = ["station"]
    date_hierarchy = "requested_at"
    actions = [revoke]

    def has_change_permission(self, request, obj=None):
        # Viewing and the revoke action need it; every field stays read-only.
        return request.user.has_perm("ocpp_gateway.change_chargercertificate")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(InstalledCertificate)
class InstalledCertificateAdmin(ReadOnly):
    list_display = ["station", "certificate_type", "hash_algorithm", "serial_number", "updated_at"]
    list_filter = ["certificate_type"]
    search_fields = ["station__identity", "=serial_number"]
    list_select_related = ["station"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnly):
    list_display = ["occurred_at", "station", "event_type", "tech_info", "received_at"]
    list_filter = ["event_type"]
    search_fields = ["station__identity", "event_type", "tech_info"]
    list_select_related = ["station"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
