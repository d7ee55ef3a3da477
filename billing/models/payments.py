from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field
from billing.money import money_text


class BillingAccount(models.Model):
    """How a driver pays: a saved card at Stripe, or a prepaid wallet."""

    class Mode(models.TextChoices):
        CARD = "card", _("Card (monthly invoice, charged to the saved card)")
        WALLET = "wallet", _("Prepaid wallet")

    driver = models.OneToOneField("drivers.Driver", on_delete=models.CASCADE, related_name="billing_account")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.CARD)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_payment_method_id = models.CharField(
        max_length=64, blank=True, help_text=_("The saved payment method (a card or a SEPA mandate's IBAN).")
    )
    payment_method_type = models.CharField(
        max_length=12, default="card", help_text=_('"card" or "sepa_debit" (Stripe\'s payment method type).')
    )
    # Only what may be shown of the card (never its number): set from the provider's answer.
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    stripe_setup_intent_id = models.CharField(
        max_length=64, blank=True, help_text=_("The latest card-saving SetupIntent; older ones are ignored.")
    )
    low_balance_threshold = money_field(null=True, blank=True, help_text=_("Empty: BILLING_WALLET_MIN_BALANCE."))

    def __str__(self) -> str:
        return f"{self.driver} ({self.mode})"


class Payment(models.Model):
    """One attempt to move money: an invoice charge, a wallet top-up, or a pre-authorisation
    for an ad-hoc session. `idempotency_key` is also sent to the provider."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        WALLET = "wallet", _("Prepaid wallet")
        BANK = "bank", _("Bank transfer")
        MANUAL = "manual", _("Marked paid by staff")

    class Purpose(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        TOP_UP = "top_up", _("Wallet top-up")
        AD_HOC = "ad_hoc", _("Ad-hoc session (pre-authorised)")
        REFUND = "refund", _("Refund to the card")
        WALLET_REFUND = "wal_ref", _("Wallet balance refunded")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REQUIRES_CAPTURE = "requires_capture", _("Authorised, awaiting capture")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")
        REFUNDED = "refunded", _("Refunded")

    provider = models.CharField(max_length=8, choices=Provider.choices)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    session = models.ForeignKey(
        "stations.ChargingSession", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds", help_text=_("Refunds only.")
    )
    id_tag = models.CharField(
        max_length=36, blank=True, help_text=_("Ad-hoc: the one-off idTag the session starts with.")
    )
    amount = money_field()
    captured_amount = money_field(default=0)
    currency = currency_field()
    idempotency_key = models.CharField(max_length=120, unique=True)
    provider_reference = models.CharField(max_length=120, blank=True, help_text=_("e.g. the PaymentIntent id"))
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    method_type = models.CharField(
        max_length=12, blank=True, help_text=_('Stripe payments: "card" or "sepa_debit" (settles days later).')
    )
    debit_on = models.DateField(
        null=True, blank=True, help_text=_("SEPA: the debit date announced in the pre-notification e-mail.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="unique_provider_reference",
            )
        ]
        indexes = [models.Index(fields=["status", "next_retry_at"], name="payment_retry_due")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {money_text(self.amount, self.currency)} {self.currency} ({self.status})"


class WebhookEvent(models.Model):
    """Every verified provider event, once: a replayed event id is recognised and ignored."""

    provider = models.CharField(max_length=8)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="unique_webhook_event")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class SepaMandate(models.Model):
    """A driver's authorisation to debit their IBAN through the card processor (Stripe's
    `sepa_debit`): the mandate text the driver was shown and accepted, when, and from which
    address (IP and browser), kept as SEPA requires; the IBAN itself stays at Stripe."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Accepted, IBAN not yet confirmed")
        ACTIVE = "active", _("Active")
        REPLACED = "replaced", _("Replaced")

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="sepa_mandates")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    setup_intent_id = models.CharField(max_length=64, unique=True)
    text = models.TextField(help_text=_("The mandate text exactly as shown to the driver."))
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField()
    user_agent = models.CharField(max_length=255)
    payment_method_id = models.CharField(max_length=64, blank=True)
    stripe_mandate_id = models.CharField(max_length=64, blank=True, help_text=_("The mandate reference at Stripe."))
    iban_last4 = models.CharField(max_length=4, blank=True)
    iban_country = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"SEPA mandate {self.stripe_mandate_id or self.setup_intent_id} ({self.status})"
