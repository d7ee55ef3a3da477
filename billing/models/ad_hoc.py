from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field
from billing.models.payments import Payment
from stations.models import Connector


class AdHocCharge(models.Model):
    """One pay-as-you-go charge without an account (EU AFIR ad hoc): the card hold, the
    connector it was paid for, the start and stop requests, and the e-mail address for the
    receipt. Its page is reached only by `key`, which the driver's browser holds."""

    key = models.CharField(max_length=43, unique=True, editable=False)
    client_key = models.CharField(
        max_length=64, unique=True, help_text=_("The pay form's one-off key: a repeated submit finds this charge.")
    )
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="ad_hoc_charge")
    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="ad_hoc_charges")
    email = models.EmailField(blank=True, help_text=_("Where the receipt goes; empty: shown on the page only."))
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The pay page's language: the e-mailed receipt is written in it.")
    )
    start_command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stop_command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hold_amount = money_field(help_text=_("What was held on the card (BILLING_AD_HOC_PREAUTH_AMOUNT then)."))
    shortfall = money_field(
        default=0, help_text=_("The session's total above the hold: not taken from the card, for staff to follow up.")
    )
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Pay-as-you-go {self.payment.id_tag} at {self.connector}"


class EvseQrCode(Connector):
    """Staff's list of EVSEs to print pay-as-you-go QR codes for (the admin's printable
    sheet); the same rows as stations' connectors."""

    class Meta:
        proxy = True
        verbose_name = _("pay-as-you-go QR code")
        verbose_name_plural = _("pay-as-you-go QR codes")
