"""Uptime read side: sums of ConnectorUptimeDay per connector, station or site, per day
or month, and the percentage against the OPS_UPTIME_TARGET_PERCENT (NEVI: 97 %)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth

from stations.models import ConnectorUptimeDay

LEVEL_KEYS = {
    "connector": ["station_id", "station__identity", "connector_number"],
    "station": ["station_id", "station__identity"],
    "site": ["station__site_id", "station__site__name"],
    "network": [],
}
SECONDS = [
    "period_seconds",
    "up_seconds",
    "down_seconds",
    "maintenance_seconds",
    "excluded_seconds",
    "unknown_seconds",
    "occupied_seconds",
]


def hours(seconds: int) -> Decimal:
    """Seconds as hours to the hundredth: 20 minutes of down time shows as 0.33, not 0."""
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def uptime_percent(*, period_seconds: int, down_seconds: int, unknown_seconds: int) -> Decimal | None:
    """(T − outage) / T with T the time in service (the period less the time before the
    station entered service); planned maintenance is not outage, and a station in service
    that never reported is down, so only a station not yet in service has no figure."""
    observed = period_seconds - unknown_seconds
    if observed <= 0:
        return None
    return (Decimal(observed - down_seconds) * 100 / observed).quantize(Decimal("0.01"), ROUND_HALF_UP)


def utilisation_percent(*, period_seconds: int, occupied_seconds: int, unknown_seconds: int) -> Decimal | None:
    observed = period_seconds - unknown_seconds
    if observed <= 0:
        return None
    return (Decimal(occupied_seconds) * 100 / observed).quantize(Decimal("0.01"), ROUND_HALF_UP)


def uptime_rows(*, station_ids, start: date, end: date) -> QuerySet[ConnectorUptimeDay]:
    return ConnectorUptimeDay.objects.filter(station_id__in=station_ids, day__gte=start, day__lte=end)


def uptime_report(*, station_ids, start: date, end: date, level: str = "station", period: str = "day") -> list[dict]:
    """One dict per (level key, day or month) with the second sums, `uptime_percent`,
    `utilisation_percent` and `meets_target`. Raises ValueError for an unknown level/period."""
    if level not in LEVEL_KEYS or period not in ("day", "month"):
        raise ValueError(f"level must be one of {sorted(LEVEL_KEYS)}, period day or month")
    trunc = TruncMonth("day") if period == "month" else TruncDay("day")
    rows = (
        uptime_rows(station_ids=station_ids, start=start, end=end)
        .annotate(period_start=trunc)
        .values("period_start", *LEVEL_KEYS[level])
        .annotate(**{f"total_{name}": Sum(F(name)) for name in SECONDS})
        .order_by("period_start", *LEVEL_KEYS[level])
    )
    target = Decimal(settings.OPS_UPTIME_TARGET_PERCENT)
    report = []
    for row in rows:
        totals = {name: row[f"total_{name}"] or 0 for name in SECONDS}
        percent = uptime_percent(
            period_seconds=totals["period_seconds"],
            down_seconds=totals["down_seconds"],
            unknown_seconds=totals["unknown_seconds"],
        )
        period_start = row["period_start"]
        report.append(
            {
                "period_start": period_start.date() if hasattr(period_start, "date") else period_start,
                **{key: row[key] for key in LEVEL_KEYS[level]},
                **totals,
                **{
                    f"{name}_hours": hours(totals[f"{name}_seconds"])
                    for name in ("down", "maintenance", "excluded", "unknown")
                },
                "uptime_percent": percent,
                "utilisation_percent": utilisation_percent(
                    period_seconds=totals["period_seconds"],
                    occupied_seconds=totals["occupied_seconds"],
                    unknown_seconds=totals["unknown_seconds"],
                ),
                "meets_target": percent is not None and percent >= target,
            }
        )
    return report
