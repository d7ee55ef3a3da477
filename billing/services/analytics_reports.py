"""The monthly analytics report e-mailed to each subscriber's members once its month has
ended (beat, 2nd of the month, after the statements that charge its fee), in the
subscriber's preferred language (Organisation.preferred_language)."""

from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

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
                with translation.override(organisation.preferred_language or settings.LANGUAGE_CODE):
                    subject = _("Monthly analytics report %(month)s: %(name)s") % {
                        "month": f"{month:%Y-%m}",
                        "name": organisation.name,
                    }
                    body = _body(organisation.name, month, report)
                EmailMessage(
                    subject=subject,
                    body=body,
                    from_email=subscription.seller.billing_email or settings.DEFAULT_FROM_EMAIL,
                    to=emails,
                ).send()
    except IntegrityError:
        return False  # another run sent it
    return True


def _body(name: str, month: date, report: dict) -> str:
    """The report in the active language: its words, month name and number format."""
    yours, network = report["yours"], report["network"]
    rows = [
        (_("Sessions"), yours["sessions"], network["sessions"]),
        (_("kWh"), yours["energy_kwh"], network["energy_kwh"]),
        (_("Utilisation %"), yours["utilisation_percent"], network["utilisation_percent"]),
        (_("Sessions per connector-day"), yours["sessions_per_connector_day"], network["sessions_per_connector_day"]),
    ]
    lines = [
        _("%(name)s, %(month)s: your stations beside the whole network.")
        % {"name": name, "month": date_format(month, "F Y")},
        "",
    ]
    lines += [
        _("%(label)s: %(yours)s (network %(network)s)")
        % {"label": label, "yours": _number(mine), "network": _number(net)}
        for label, mine, net in rows
    ]
    busiest = max(range(24), key=lambda hour: yours["sessions_by_local_hour"][hour])
    if yours["sessions"]:
        lines += ["", _("Busiest local start hour: %(hour)s.") % {"hour": f"{busiest:02d}:00"}]
    lines += ["", _("The full report, with demand by hour, is in the owner portal under Monthly report.")]
    return "\n".join(lines)


def _number(value) -> str:
    return "–" if value is None else number_format(value)
