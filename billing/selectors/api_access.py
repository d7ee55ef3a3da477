"""What each API role may see of the money side. Outside the scope means not found."""

from django.db.models import Q, QuerySet

from billing.models import ChargeDetailRecord, Invoice, Payment, SettlementStatement, Subscription
from stations.selectors.api_access import owner_organisation_ids


def _driver_id(user) -> int | None:
    return user.driver.pk if hasattr(user, "driver") else None


def cdrs_visible_to(*, user) -> QuerySet[ChargeDetailRecord]:
    """Staff: all; a driver: their own; an owner: CDRs at the stations they own."""
    cdrs = ChargeDetailRecord.objects.select_related("station")
    if user.is_staff:
        return cdrs
    driver_id = _driver_id(user)
    return cdrs.filter(
        Q(owner_id__in=owner_organisation_ids(user=user)) | Q(driver_id=driver_id, driver_id__isnull=False)
    )


def invoices_visible_to(*, user) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("issuer").prefetch_related("lines")
    return invoices if user.is_staff else invoices.filter(driver_id=_driver_id(user))


def payments_visible_to(*, user) -> QuerySet[Payment]:
    return Payment.objects.all() if user.is_staff else Payment.objects.filter(driver_id=_driver_id(user))


def subscriptions_visible_to(*, user) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.select_related("plan")
    return subscriptions if user.is_staff else subscriptions.filter(driver_id=_driver_id(user))


def statements_visible_to(*, user) -> QuerySet[SettlementStatement]:
    """Staff: all; an owner: its own statements (as owner). Drivers: none."""
    statements = SettlementStatement.objects.select_related("party")
    if user.is_staff:
        return statements
    return statements.filter(party_id__in=owner_organisation_ids(user=user), role=SettlementStatement.Role.OWNER)
