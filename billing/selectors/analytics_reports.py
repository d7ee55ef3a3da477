"""Which monthly analytics reports a login may read: one per organisation of theirs with an
analytics subscription covering the month, over the stations it owns (an owner) or
operates (a partner CPO). The figures are stations' (stations/selectors/analytics_report.py)."""

from datetime import date

from django.db.models import Q

from billing.models import AnalyticsSubscription
from stations.models import ChargingStation, Organisation
from stations.selectors.analytics_report import month_days, monthly_report


def subscribed_reports(*, organisations, month: date) -> list[dict]:
    first, last = month_days(month)
    covering = AnalyticsSubscription.objects.filter(valid_from__lte=last).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first)
    )
    subscribers = Organisation.objects.filter(pk__in=covering.filter(subscriber__in=organisations).values("subscriber"))
    reports = []
    for organisation in subscribers.order_by("name"):
        stations = ChargingStation.objects.filter(Q(owner=organisation) | Q(site__operator=organisation))
        reports.append(
            {
                "organisation": organisation,
                **monthly_report(station_ids=stations.values_list("pk", flat=True), month=month),
            }
        )
    return reports
