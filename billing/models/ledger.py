from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field
from billing.money import money_text


class Account(models.Model):
    """A ledger account. Its balance is the sum of its entries (debits positive); nothing
    stores a running total."""

    class Kind(models.TextChoices):
        DRIVER_RECEIVABLE = "driver_receivable", _("Driver receivable")
        DRIVER_WALLET = "driver_wallet", _("Driver prepaid wallet (liability)")
        CPO_REVENUE = "cpo_revenue", _("CPO charging revenue")
        EMSP_COMMISSION = "emsp_commission", _("EMSP commission revenue")
        OWNER_PAYABLE = "owner_payable", _("Owner share payable")
        # What we owe a roaming partner CPO for its CDRs of our drivers, less our commission.
        PARTNER_PAYABLE = "partner_payable", _("Partner CPO payable")
        # What a roaming partner EMSP owes us for our CDRs of its tokens, less its commission.
        PARTNER_RECEIVABLE = "partner_receivable", _("Partner EMSP receivable")
        VAT_PAYABLE = "vat_payable", _("VAT payable")
        MEMBERSHIP_REVENUE = "membership_revenue", _("Membership fee revenue")
        ANALYTICS_REVENUE = "analytics_revenue", _("Analytics report revenue")
        PAYMENT_CLEARING = "payment_clearing", _("Card payments clearing")
        BANK = "bank", _("Bank (payouts)")

    key = models.CharField(max_length=120, unique=True, editable=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    organisation = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_accounts"
    )
    currency = currency_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "key"]

    def __str__(self) -> str:
        party = self.driver or self.organisation or "platform"
        return f"{self.get_kind_display()} · {party} · {self.currency}"

    @staticmethod
    def make_key(*, kind: str, organisation_id: int | None, driver_id: int | None, currency: str) -> str:
        return f"{kind}:{organisation_id or '-'}:{driver_id or '-'}:{currency}"


class LedgerTransaction(models.Model):
    """One business event's postings. `reference` makes posting idempotent: the same
    event (e.g. "cdr:42") can only ever be posted once."""

    reference = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32)
    description = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.kind})"


class Entry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = money_field(help_text=_("Debit positive, credit negative."))
    currency = currency_field()

    class Meta:
        ordering = ["transaction", "id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "transaction"], name="entry_account")]

    def __str__(self) -> str:
        return f"{self.account}: {money_text(self.amount, self.currency)}"
