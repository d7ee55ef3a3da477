from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field
from billing.money import money_text


class ChargeDetailRecordQuerySet(models.QuerySet):
    def billable(self):
        """CDRs that may be invoiced and settled: not held for review, and not voided by a
        review's correction (a corrected held CDR and its credit were never posted)."""
        voided = [CdrReview.Status.HELD, CdrReview.Status.CORRECTED]
        return self.exclude(review__status__in=voided).exclude(credits__review__status=CdrReview.Status.CORRECTED)


class ChargeDetailRecord(models.Model):
    """A priced session, immutable once written. A correction is a credit CDR with negated
    totals that points at the original (at most one credit per original); a re-priced
    session gets a new charge CDR with the next revision."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        CREDIT = "credit", _("Credit (correction)")

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    session = models.ForeignKey("stations.ChargingSession", on_delete=models.PROTECT, related_name="cdrs")
    credits = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credited_by")
    revision = models.PositiveSmallIntegerField(default=1, help_text=_("Re-pricing after a credit adds one."))
    reason = models.CharField(max_length=255, blank=True)
    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs")
    id_tag = models.CharField(max_length=36)
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.PROTECT, related_name="cdrs")
    site = models.ForeignKey("stations.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs")
    operator = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="cdrs_as_operator")
    owner = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs_as_owner"
    )
    emsp = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs_as_emsp"
    )
    agreement = models.ForeignKey(
        "stations.OperatingAgreement", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs"
    )
    tariff = models.ForeignKey("billing.Tariff", on_delete=models.SET_NULL, null=True, blank=True, related_name="cdrs")
    tariff_snapshot = models.JSONField(default=dict, help_text=_("The tariff exactly as applied."))
    membership_plan = models.ForeignKey(
        "billing.MembershipPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs"
    )
    currency = currency_field()
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField()
    energy_wh = models.BigIntegerField()
    charging_seconds = models.PositiveIntegerField()
    parking_seconds = models.PositiveIntegerField()
    periods = models.JSONField(default=list)
    energy_cost = money_field(default=0)
    time_cost = money_field(default=0)
    parking_cost = money_field(default=0)
    flat_cost = money_field(default=0)
    reservation_cost = money_field(default=0, help_text=_("The reservation's fee and time (OCPI RESERVATION)."))
    discount_excl_vat = money_field(default=0)
    total_excl_vat = money_field()
    total_vat = money_field()
    total_incl_vat = money_field()
    vat_breakdown = models.JSONField(default=list)
    price_limit = models.CharField(max_length=16, blank=True)
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    commission_amount = money_field(default=0)
    owner_share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    owner_share_amount = money_field(default=0)
    flags = models.JSONField(default=list, blank=True, help_text=_("e.g. no_energy, no_tariff"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChargeDetailRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-stopped_at", "-id"]
        verbose_name = _("charge detail record")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "revision"], condition=Q(kind="charge"), name="one_charge_cdr_per_session_revision"
            ),
            models.CheckConstraint(
                condition=Q(kind="charge", credits__isnull=True) | Q(kind="credit", credits__isnull=False),
                name="credit_cdr_references_original",
            ),
        ]
        indexes = [
            models.Index(fields=["driver", "stopped_at"], name="cdr_driver_time"),
            models.Index(fields=["operator", "stopped_at"], name="cdr_operator_time"),
            models.Index(fields=["owner", "stopped_at"], name="cdr_owner_time"),
        ]

    def __str__(self) -> str:
        sign = "credit " if self.kind == self.Kind.CREDIT else ""
        return f"CDR {sign}{self.pk} tx {self.session_id}: {money_text(self.total_incl_vat, self.currency)} {self.currency}"

    def save(self, *args, **kwargs):
        # Immutable by design: corrections are credit CDRs, never edits.
        if not self._state.adding:
            raise ValueError("A CDR is immutable; issue a credit CDR instead.")
        super().save(*args, **kwargs)


class CdrReview(models.Model):
    """A charge CDR held for staff to review because its session's energy is in doubt
    (stations.models.sessions.ENERGY_DOUBT_FLAGS). While held, the CDR is not posted,
    invoiced, settled or paid. The decision is taken once and kept as the audit trail:
    approved (the CDR is released as it is) or corrected (it is voided by a credit CDR and
    the corrected energy priced as the next revision, `correction`)."""

    class Status(models.TextChoices):
        HELD = "held", _("Held for review")
        APPROVED = "approved", _("Approved as priced")
        CORRECTED = "corrected", _("Corrected")

    cdr = models.OneToOneField(ChargeDetailRecord, on_delete=models.PROTECT, related_name="review")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    reasons = models.JSONField(default=list, help_text=_("The session flags that put the CDR on hold."))
    held_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True, help_text=_("Kept if the user is deleted."))
    note = models.TextField(blank=True)
    corrected_energy_wh = models.BigIntegerField(null=True, blank=True)
    correction = models.OneToOneField(
        ChargeDetailRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="corrects_review"
    )

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("held CDR review")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="held", decided_at__isnull=True) | Q(~Q(status="held"), decided_at__isnull=False),
                name="cdr_review_decided_when_not_held",
            ),
            models.CheckConstraint(
                condition=~Q(status="corrected") | Q(corrected_energy_wh__gte=0, correction__isnull=False),
                name="cdr_review_correction_complete",
            ),
        ]
        indexes = [models.Index(fields=["status", "held_at"], name="cdr_review_status")]

    def __str__(self) -> str:
        return f"Review of CDR {self.cdr_id}: {self.get_status_display()}"
