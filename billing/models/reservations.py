from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field
from billing.money import money_text


class ReservationCharge(models.Model):
    """What a reservation that expired unused costs under the tariff in force when it was
    made (OCPI RESERVATION / RESERVATION_EXPIRES elements). One per reservation, written
    once; posted to the ledger and invoiced like a CDR. A used reservation is priced on its
    session's CDR instead (`reservation_cost`)."""

    reservation = models.OneToOneField("drivers.Reservation", on_delete=models.PROTECT, related_name="charge")
    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, related_name="reservation_charges")
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="+")
    emsp = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tariff = models.ForeignKey("billing.Tariff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    tariff_snapshot = models.JSONField(default=dict)
    currency = currency_field()
    reserved_from = models.DateTimeField()
    expired_at = models.DateTimeField()
    periods = models.JSONField(default=list)
    total_excl_vat = money_field()
    total_vat = money_field()
    total_incl_vat = money_field()
    vat_breakdown = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-expired_at", "-id"]
        verbose_name = _("expired reservation charge")

    def __str__(self) -> str:
        return f"Reservation {self.reservation_id} expired: {money_text(self.total_incl_vat, self.currency)} {self.currency}"
