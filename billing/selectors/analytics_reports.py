"""Which monthly analytics reports a login may read: one per organisation of theirs with an
analytics subscription covering the month, over the stations it owns (an owner) or
operates (a partner CPO). The figures are stations' (stations/selectors/analytics_report.py).

Who may open the report page: a member of an owner organisation, and a member of any
organisation that has ever subscribed to the report (a partner CPO: a roaming partner's
organisation, not an owner, so the rest of the owner portal stays closed to it)."""

from datetime import date

from django.db.models import Q, QuerySet

from billing.models import AnalyticsSubscription
from stations.models import ChargingStation, Organisation, OrganisationMember
from stations.selectors.analytics_report import month_days, monthly_report


def report_reader_organisations(*, user) -> QuerySet[Organisation]:
    """The organisations whose reports this login reads: those it is a member of that own
    stations or subscribe (or subscribed) to the report. Staff read only their own."""
    if not (user and user.is_authenticated):
        return Organisation.objects.none()
    memberships = OrganisationMember.objects.filter(user=user).values("organisation")
    subscribers = AnalyticsSubscription.objects.values("subscriber")
    return (
        Organisation.objects.filter(pk__in=memberships)
        .filter(Q(is_owner=True) | Q(pk__in=subscribers))
        .order_by("name")
    )


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
