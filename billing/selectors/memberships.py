from datetime import date

from django.db.models import Q

from billing.models import MembershipPlan, Subscription
from drivers.selectors.sessions import session_token
from stations.load_management import priorities


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


# Site load management serves members before ad-hoc drivers (docs/smart-charging.md).
MEMBER_PRIORITY = priorities.PREFERRED


def session_load_priority(session) -> int:
    """The load-management priority class of a session: a member's charge before ad hoc."""
    token = session_token(session=session)
    driver = token.driver if token is not None else None
    return MEMBER_PRIORITY if plan_for_driver(driver=driver, on=session.started_at.date()) else priorities.AD_HOC
