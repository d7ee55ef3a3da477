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


def _own(queryset: QuerySet, user) -> QuerySet:
    """Staff: everything; a driver: rows with their driver id; anyone else: nothing."""
    if user.is_staff:
        return queryset
    driver_id = _driver_id(user)
    return queryset.none() if driver_id is None else queryset.filter(driver_id=driver_id)


def invoices_visible_to(*, user) -> QuerySet[Invoice]:
    return _own(Invoice.objects.select_related("issuer").prefetch_related("lines"), user)


def payments_visible_to(*, user) -> QuerySet[Payment]:
    return _own(Payment.objects.all(), user)


def subscriptions_visible_to(*, user) -> QuerySet[Subscription]:
    return _own(Subscription.objects.select_related("plan"), user)


def statements_visible_to(*, user) -> QuerySet[SettlementStatement]:
    """Staff: all; an owner: its own statements (as owner). Drivers: none."""
    statements = SettlementStatement.objects.select_related("party")
    if user.is_staff:
        return statements
    return statements.filter(party_id__in=owner_organisation_ids(user=user), role=SettlementStatement.Role.OWNER)
