"""The monthly analytics report e-mailed to each subscriber's members once its month has
ended (beat, 2nd of the month, after the statements that charge its fee)."""

from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import AnalyticsReportDelivery, AnalyticsSubscription
from billing.services.invoices import month_bounds
from stations.models import ChargingStation, OrganisationMember
from stations.selectors.analytics_report import month_days, monthly_report


def analytics_reports_send(*, month: date, now: datetime | None = None) -> int:
    """E-mail the report of `month` for every subscription covering it whose month has
    ended in the subscriber's zone; returns how many subscriptions were sent. Idempotent."""
    now = now or timezone.now()
    first, last = month_days(month)
    subscriptions = (
        AnalyticsSubscription.objects.filter(valid_from__lte=last)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        .exclude(deliveries__month=first)
        .select_related("subscriber", "seller")
    )
    sent = 0
    for subscription in subscriptions:
        _, end = month_bounds(period_start=first, time_zone=subscription.subscriber.time_zone)
        if end <= now and _send(subscription=subscription, month=first):
            sent += 1
    return sent


def _send(*, subscription: AnalyticsSubscription, month: date) -> bool:
    organisation = subscription.subscriber
    emails = sorted(
        set(
            OrganisationMember.objects.filter(organisation=organisation)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    stations = ChargingStation.objects.filter(Q(owner=organisation) | Q(site__operator=organisation))
    report = monthly_report(station_ids=stations.values_list("pk", flat=True), month=month)
    try:
        with transaction.atomic():
            AnalyticsReportDelivery.objects.create(subscription=subscription, month=month, recipients=len(emails))
            if emails:
                EmailMessage(
                    subject=f"Monthly analytics report {month:%Y-%m}: {organisation.name}",
                    body=_body(organisation.name, month, report),
                    from_email=subscription.seller.billing_email or settings.DEFAULT_FROM_EMAIL,
                    to=emails,
                ).send()
    except IntegrityError:
        return False  # another run sent it
    return True


def _body(name: str, month: date, report: dict) -> str:
    yours, network = report["yours"], report["network"]
    rows = [
        ("Sessions", yours["sessions"], network["sessions"]),
        ("kWh", yours["energy_kwh"], network["energy_kwh"]),
        ("Utilisation %", yours["utilisation_percent"], network["utilisation_percent"]),
        ("Sessions per connector-day", yours["sessions_per_connector_day"], network["sessions_per_connector_day"]),
    ]
    lines = [f"{name}, {month:%B %Y}: your stations beside the whole network.", ""]
    lines += [
        f"{label}: {'–' if mine is None else mine} (network {'–' if net is None else net})" for label, mine, net in rows
    ]
    busiest = max(range(24), key=lambda hour: yours["sessions_by_local_hour"][hour])
    if yours["sessions"]:
        lines += ["", f"Busiest local start hour: {busiest:02d}:00."]
    lines += ["", "The full report, with demand by hour, is in the owner portal under Monthly report."]
    return "\n".join(lines)
