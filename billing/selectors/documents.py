"""Lists for the portal and the API (contract 7): a driver's CDRs, invoices, payments and
membership; an organisation's statements. Querysets, so callers can paginate."""

from django.db.models import QuerySet

from billing.models import ChargeDetailRecord, Invoice, MembershipPlan, Payment, SettlementStatement, Subscription
from drivers.models import Driver
from stations.models import ChargingSession


def cdrs_for_driver(*, driver) -> QuerySet[ChargeDetailRecord]:
    return (
        ChargeDetailRecord.objects.filter(driver=driver)
        .select_related("station", "site")
        .order_by("-stopped_at", "-id")
    )


def invoices_for_driver(*, driver) -> QuerySet[Invoice]:
    """Invoices and credit notes, newest first; the PDF is at reverse("billing:invoice-pdf", args=[number])."""
    return Invoice.objects.filter(driver=driver).select_related("issuer").order_by("-issued_at", "-id")


def payments_for_driver(*, driver) -> QuerySet[Payment]:
    return Payment.objects.filter(driver=driver).order_by("-created_at", "-id")


def subscription_for_driver(*, driver) -> Subscription | None:
    """The live (active or cancelling) membership, if any."""
    return (
        Subscription.objects.filter(driver=driver)
        .exclude(status=Subscription.Status.ENDED)
        .select_related("plan")
        .first()
    )


def plans_available() -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.filter(is_active=True).select_related("operator")


def statements_for_party(*, organisation) -> QuerySet[SettlementStatement]:
    return SettlementStatement.objects.filter(party=organisation).order_by("-period_start", "role")


def sessions_unpriced(*, stopped_before, limit: int = 10000) -> QuerySet:
    """Ids of completed sessions stopped before `stopped_before` that have no CDR yet."""
    return (
        ChargingSession.objects.filter(
            status=ChargingSession.Status.COMPLETED, stopped_at__lt=stopped_before, cdrs__isnull=True
        )
        .order_by("stopped_at")
        .values_list("pk", flat=True)[:limit]
    )


def invoices_unsent(*, issued_before, limit: int = 10000) -> QuerySet:
    """Ids of documents issued before `issued_before` that were never e-mailed (their batch
    was lost: a worker killed mid-run, a broker that came back empty) to drivers with an
    address and an open account."""
    return (
        Invoice.objects.filter(emailed_at__isnull=True, issued_at__lt=issued_before)
        .exclude(driver__user__email="")
        .exclude(driver__account_status=Driver.AccountStatus.CLOSED)
        .order_by("issued_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
