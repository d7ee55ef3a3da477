"""The monthly analytics report sold to owners and partner CPOs (the EMSP's "data
analytics" product): for a set of stations over one calendar month, utilisation, sessions
and energy, demand by local hour, and the same figures for the whole network as a
benchmark. Read-only; the subscription and its fee are billing's (docs/operations.md)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum

from stations.models import ChargingSession, ChargingStation, ConnectorUptimeDay

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def month_days(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def monthly_report(*, station_ids, month: date) -> dict:
    """The subscriber's figures and the network's, side by side."""
    ids = list(station_ids)
    return {
        "month": month.replace(day=1),
        "yours": _figures(ChargingStation.objects.filter(pk__in=ids), month),
        "network": _figures(ChargingStation.objects.all(), month),
    }


def _figures(stations, month: date) -> dict:
    first, last = month_days(month)
    days = ConnectorUptimeDay.objects.filter(station__in=stations, day__gte=first, day__lte=last).aggregate(
        observed=Sum("period_seconds"),
        unknown=Sum("unknown_seconds"),
        occupied=Sum("occupied_seconds"),
        count=Count("pk"),
    )
    in_service = (days["observed"] or 0) - (days["unknown"] or 0)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    sessions = ChargingSession.objects.filter(
        station__in=stations, started_at__gte=since, started_at__lt=until, energy_wh__gt=0
    ).values_list("started_at", "energy_wh", "station__site__time_zone")
    by_hour, energy_wh, count = [0] * 24, 0, 0
    for started_at, wh, zone in sessions:
        by_hour[started_at.astimezone(ZoneInfo(zone)).hour] += 1
        energy_wh += wh
        count += 1
    connector_days = Decimal(in_service) / 86400
    return {
        "sessions": count,
        "energy_kwh": (Decimal(energy_wh) / 1000).quantize(TENTH, ROUND_HALF_UP),
        "utilisation_percent": (Decimal(days["occupied"] or 0) / in_service * 100).quantize(HUNDREDTH, ROUND_HALF_UP)
        if in_service
        else None,
        "sessions_per_connector_day": (count / connector_days).quantize(HUNDREDTH, ROUND_HALF_UP)
        if connector_days
        else None,
        "sessions_by_local_hour": by_hour,
    }
