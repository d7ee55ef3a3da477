from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from stations.validators import validate_sepa_creditor_id


def language_validate(value: str) -> None:
    """One of the languages the site speaks (settings.LANGUAGES)."""
    if value not in dict(settings.LANGUAGES):
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ValidationError(f"Not a language of this site; use one of {codes}.")


class Organisation(models.Model):
    """A company in one or more roles. One company may own stations, operate them and
    be the EMSP at once; the roles are flags, not separate records."""

    name = models.CharField(max_length=200, unique=True)
    is_owner = models.BooleanField(default=False, help_text="Owns charging stations (the asset owner).")
    is_operator = models.BooleanField(default=False, help_text="Operates stations as CPO under an agreement.")
    is_emsp = models.BooleanField(default=False, help_text="Serves drivers as e-Mobility Service Provider.")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    vat_number = models.CharField(max_length=32, blank=True)
    # What a legal invoice (EU VAT Directive art. 226) and a settlement statement print of
    # the company: its postal address, its trade-register entry and the account it is paid into.
    address = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    registration = models.CharField(
        max_length=128, blank=True, help_text="Trade register entry, e.g. 'HRB 123456, Amtsgericht München'."
    )
    bank_account_holder = models.CharField(max_length=200, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    # Printed on invoices collected by SEPA direct debit (EN 16931 BT-90): the identifier the
    # company's bank assigned it as a direct-debit creditor.
    sepa_creditor_id = models.CharField(
        "SEPA creditor identifier",
        max_length=35,
        blank=True,
        validators=[validate_sepa_creditor_id],
        help_text="The creditor identifier for SEPA direct debits, e.g. DE98ZZZ09999999999.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA zone for invoices and statements")
    billing_email = models.EmailField(blank=True)
    oncall_emails = models.TextField(blank=True, help_text="On-call contacts for fault alerts, one per line.")
    preferred_language = models.CharField(
        max_length=8,
        default="en",
        validators=[language_validate],
        help_text="Language of what we write to it (the monthly analytics report e-mail), as in LANGUAGES.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        return [
            role
            for role, flag in (("owner", self.is_owner), ("operator", self.is_operator), ("EMSP", self.is_emsp))
            if flag
        ]


class OrganisationMember(models.Model):
    """A login that acts for an organisation (an owner's read-only portal users, an
    operator's technicians)."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        TECHNICIAN = "technician", "Technician"
        MANAGER = "manager", "Manager"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships_in_organisations"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="unique_organisation_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class OperatingAgreement(models.Model):
    """A lease: the operator runs the owner's stations for a period and pays the owner a
    share of net charging revenue and/or a fixed monthly fee."""

    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements_as_owner", limit_choices_to={"is_owner": True}
    )
    operator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_as_operator",
        limit_choices_to={"is_operator": True},
    )
    reference = models.CharField(max_length=64, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    revenue_share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Owner's share of net charging revenue, in percent.",
    )
    fixed_monthly_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["owner__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="agreement_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(revenue_share_percent__gte=0) & Q(revenue_share_percent__lte=100),
                name="agreement_share_in_range",
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "open"
        return f"{self.operator} operates {self.owner} ({self.valid_from.isoformat()} – {until})"

    def clean(self) -> None:
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "The agreement cannot end before it starts."})
