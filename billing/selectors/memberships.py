from datetime import date

from django.db.models import Q

from billing.models import MembershipPlan, Subscription


def plan_for_driver(*, driver, on: date) -> MembershipPlan | None:
    """The plan the driver is a member of on `on` (a cancelled membership runs to its end)."""
    if driver is None:
        return None
    subscription = (
        Subscription.objects.filter(driver=driver, started_on__lte=on)
        .exclude(status=Subscription.Status.ENDED)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("plan")
        .first()
    )
    return subscription.plan if subscription else None
