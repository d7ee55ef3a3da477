"""Analytics for staff and owners: sessions, kWh, revenue, utilisation and uptime per
day or month, for a site, a station, an owner or the whole visible network.

Owners (members of an owning organisation) see only their own stations; staff see all.
Revenue is read from billing's charge detail records (net of credit notes, excluding
VAT, per currency): billing registers that source at start-up (billing/receivers.py)."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth

from stations.models import ChargingSession, ChargingStation, OrganisationMember
from stations.operations.selectors import uptime as uptime_selectors

# (period start, currency, net revenue) rows for station ids in [since, until), by "day" or
# "month"; billing's charge detail records are the source, registered by billing.
_revenue_source: Callable[..., Iterable[tuple[datetime, str, Decimal]]] | None = None


def revenue_source_register(source: Callable[..., Iterable[tuple[datetime, str, Decimal]]]) -> None:
    global _revenue_source
    _revenue_source = source


# (site id, currency, revenue excl. VAT, owner share, commission) for station ids in
# [since, until): the split of billing's charge detail records, for site profitability.
_revenue_split_source: Callable[..., Iterable[tuple[int, str, Decimal, Decimal, Decimal]]] | None = None


def revenue_split_source_register(source: Callable[..., Iterable[tuple[int, str, Decimal, Decimal, Decimal]]]) -> None:
    global _revenue_split_source
    _revenue_split_source = source


def revenue_split(*, station_ids, since: datetime, until: datetime) -> list[tuple[int, str, Decimal, Decimal, Decimal]]:
    """Revenue, owner share and commission per site and currency; empty when billing
    has registered no source."""
    if _revenue_split_source is None:
        return []
    return list(_revenue_split_source(station_ids=list(station_ids), since=since, until=until))


def analytics_stations(*, user) -> QuerySet[ChargingStation]:
    """The stations `user` may analyse: all for staff, their organisations' owned
    stations for owner members, none otherwise."""
    if user is None or not user.is_authenticated:
        return ChargingStation.objects.none()
    if user.is_staff:
        return ChargingStation.objects.all()
    organisation_ids = OrganisationMember.objects.filter(user=user).values("organisation_id")
    return ChargingStation.objects.filter(owner_id__in=organisation_ids)


def analytics_series(*, station_ids, start: date, end: date, period: str = "day") -> list[dict]:
    """One row per day or month in [start, end] with sessions, energy_wh, revenue
    ({currency: Decimal}), utilisation_percent and uptime_percent (None without data).
    Raises ValueError for an unknown period or end before start."""
    if period not in ("day", "month"):
        raise ValueError("period must be day or month")
    if end < start:
        raise ValueError("end must not be before start")
    station_ids = list(station_ids)
    buckets = {key: _empty_row(key) for key in _period_keys(start=start, end=end, period=period)}
    _add_sessions(buckets, station_ids=station_ids, start=start, end=end, period=period)
    _add_revenue(buckets, station_ids=station_ids, start=start, end=end, period=period)
    for row in uptime_selectors.uptime_report(
        station_ids=station_ids, start=start, end=end, level="network", period=period
    ):
        if row["period_start"] in buckets:
            buckets[row["period_start"]]["uptime_percent"] = row["uptime_percent"]
            buckets[row["period_start"]]["utilisation_percent"] = row["utilisation_percent"]
    return list(buckets.values())


def _period_keys(*, start: date, end: date, period: str) -> list[date]:
    keys, current = [], start if period == "day" else start.replace(day=1)
    while current <= end:
        keys.append(current)
        current = current + timedelta(days=1) if period == "day" else (current + timedelta(days=32)).replace(day=1)
    return keys


def _empty_row(key: date) -> dict:
    return {
        "period_start": key,
        "sessions": 0,
        "energy_wh": 0,
        "revenue": {},
        "utilisation_percent": None,
        "uptime_percent": None,
    }


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=UTC
    )


def _key(value, period: str) -> date:
    day = value.date() if isinstance(value, datetime) else value
    return day if period == "day" else day.replace(day=1)


def _add_sessions(buckets, *, station_ids, start, end, period) -> None:
    since, until = _bounds(start, end)
    trunc = TruncMonth("started_at", tzinfo=UTC) if period == "month" else TruncDay("started_at", tzinfo=UTC)
    rows = (
        ChargingSession.objects.filter(station_id__in=station_ids, started_at__gte=since, started_at__lt=until)
        .exclude(status=ChargingSession.Status.REJECTED)
        .annotate(bucket=trunc)
        .values("bucket")
        .annotate(sessions=Count("pk"), energy_wh=Sum("energy_wh"))
    )
    for row in rows:
        bucket = buckets.get(_key(row["bucket"], period))
        if bucket is not None:
            bucket["sessions"] = row["sessions"]
            bucket["energy_wh"] = row["energy_wh"] or 0


def _add_revenue(buckets, *, station_ids, start, end, period) -> None:
    if _revenue_source is None:
        return
    since, until = _bounds(start, end)
    for bucket_start, currency, total in _revenue_source(
        station_ids=station_ids, since=since, until=until, period=period
    ):
        bucket = buckets.get(_key(bucket_start, period))
        if bucket is not None:
            revenue = bucket["revenue"]
            revenue[currency] = revenue.get(currency, Decimal(0)) + (total or Decimal(0))


def analytics_totals(rows: list[dict]) -> dict:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for currency, amount in row["revenue"].items():
            revenue[currency] += amount
    return {
        "sessions": sum(row["sessions"] for row in rows),
        "energy_wh": sum(row["energy_wh"] for row in rows),
        "revenue": dict(revenue),
    }
