"""Station search for drivers: public sites near a place, filtered, with live availability."""

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Abs
from django.utils import timezone

from stations.models import ChargePointStatus, ChargingStation, Connector, OpeningHours, RegistrationStatus, Site

SEARCH_LIMIT = 100


BUSY_STATUSES = (
    ChargePointStatus.PREPARING,
    ChargePointStatus.CHARGING,
    ChargePointStatus.SUSPENDED_EV,
    ChargePointStatus.SUSPENDED_EVSE,
    ChargePointStatus.FINISHING,
    ChargePointStatus.RESERVED,
)


class Availability:
    """What a marker's colour says about a site or a connector."""

    AVAILABLE = "available"
    BUSY = "busy"
    OUT_OF_ORDER = "out_of_order"


@dataclass(frozen=True)
class StationQuery:
    text: str = ""
    standard: str = ""
    min_power_kw: Decimal | None = None
    available_now: bool = False
    open_now: bool = False
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass
class SiteResult:
    site: Site
    availability: str
    is_open: bool
    max_power_kw: Decimal
    standards: list[str]
    available_count: int
    connector_count: int
    distance_km: float | None = None
    stations: list[ChargingStation] = field(default_factory=list)


def public_stations() -> QuerySet[ChargingStation]:
    """Stations drivers may see: registered and placed on a site."""
    return ChargingStation.objects.filter(site__isnull=False, registration_status=RegistrationStatus.ACCEPTED)


def station_search(*, query: StationQuery, at: datetime | None = None, limit: int = SEARCH_LIMIT) -> list[SiteResult]:
    """Sites matching `query`, nearest first when a position is given, else by name."""
    at = at or timezone.now()
    sites = _filtered_sites(query)
    if query.latitude is not None and query.longitude is not None:
        sites = _nearest_first(sites, latitude=query.latitude, longitude=query.longitude)
    # Open-now is decided after the fetch, so fetch a margin beyond the limit.
    fetch = limit * 3 if query.open_now else limit
    results = []
    for site in _with_details(sites)[:fetch]:
        result = _site_result(site, at=at, query=query)
        if query.open_now and not result.is_open:
            continue
        results.append(result)
        if len(results) == limit:
            break
    return results


def site_detail(*, site_id: int, at: datetime | None = None) -> SiteResult | None:
    """One public site with its stations, connectors and opening hours, or None."""
    site = _with_details(Site.objects.filter(pk=site_id, stations__in=public_stations()).distinct()).first()
    return _site_result(site, at=at or timezone.now(), query=None) if site else None


def station_site_id(*, station_id: int) -> int | None:
    return public_stations().filter(pk=station_id).values_list("site_id", flat=True).first()


def connector_for_driver_action(*, connector_pk: int) -> Connector | None:
    """A connector of a public station (what a driver may start or reserve on)."""
    return (
        Connector.objects.select_related("station__site").filter(pk=connector_pk, station__in=public_stations()).first()
    )


def site_is_open(*, site: Site, hours: list[OpeningHours], at: datetime) -> bool:
    """Whether the site is open at `at`, read in the site's own time zone. Intervals whose
    closing time is before their opening time run past midnight into the next day."""
    if site.is_open_24_7:
        return True
    local = at.astimezone(ZoneInfo(site.time_zone))
    now, today, yesterday = local.time(), local.weekday(), (local.weekday() - 1) % 7
    for interval in hours:
        overnight = interval.closes_at < interval.opens_at
        if interval.weekday == today and interval.opens_at <= now and (overnight or now < interval.closes_at):
            return True
        if overnight and interval.weekday == yesterday and now < interval.closes_at:
            return True
    return False


def connector_availability(*, connector: Connector, station: ChargingStation) -> str:
    if not station.is_connected and not station.is_online:
        return Availability.OUT_OF_ORDER
    if connector.status == ChargePointStatus.AVAILABLE:
        return Availability.AVAILABLE
    if connector.status in BUSY_STATUSES:
        return Availability.BUSY
    return Availability.OUT_OF_ORDER


def opening_hours_by_day(*, hours: list[OpeningHours]) -> list[tuple[str, list[str]]]:
    """[(weekday label, ["07:00–22:00", …]), …] for the seven days, Monday first."""
    days = []
    for weekday, label in OpeningHours.Weekday.choices:
        spans = [f"{h.opens_at:%H:%M}–{h.closes_at:%H:%M}" for h in hours if h.weekday == weekday]
        days.append((label, spans))
    return days


def _filtered_sites(query: StationQuery) -> QuerySet[Site]:
    visible = public_stations().filter(site=OuterRef("pk"))
    sites = Site.objects.filter(Exists(visible))
    for word in query.text.split()[:5]:
        sites = sites.filter(
            Q(name__icontains=word) | Q(address__icontains=word) | Q(city__icontains=word) | Q(postal_code=word)
        )
    connectors = Connector.objects.filter(
        station__site=OuterRef("pk"), station__registration_status=RegistrationStatus.ACCEPTED
    )
    if query.standard:
        connectors = connectors.filter(standard=query.standard)
    if query.min_power_kw:
        connectors = connectors.filter(max_power_kw__gte=query.min_power_kw)
    if query.standard or query.min_power_kw:
        sites = sites.filter(Exists(connectors))
    if query.available_now:
        sites = sites.filter(
            Exists(
                connectors.filter(status=ChargePointStatus.AVAILABLE).filter(
                    Q(station__is_connected=True) | Q(station__is_online=True)
                )
            )
        )
    return sites.order_by("name", "pk")


def _nearest_first(sites: QuerySet[Site], *, latitude: Decimal, longitude: Decimal) -> QuerySet[Site]:
    # An equirectangular approximation is plenty to order nearby sites, and it needs no
    # trigonometry in SQL (SQLite has none by default).
    shrink = Decimal(str(round(math.cos(math.radians(float(latitude))), 6)))
    return sites.annotate(
        _lat_gap=Abs(F("latitude") - latitude), _lng_gap=Abs(F("longitude") - longitude) * shrink
    ).order_by(F("_lat_gap") * F("_lat_gap") + F("_lng_gap") * F("_lng_gap"), "pk")


def _with_details(sites: QuerySet[Site]) -> QuerySet[Site]:
    stations = (
        public_stations()
        .order_by("identity")
        .prefetch_related(Prefetch("connectors", queryset=Connector.objects.order_by("connector_id")))
    )
    return sites.prefetch_related(
        Prefetch("stations", queryset=stations, to_attr="public_stations"),
        Prefetch("opening_hours", to_attr="hours"),
    )


def _site_result(site: Site, *, at: datetime, query: StationQuery | None) -> SiteResult:
    connectors = [(c, s) for s in site.public_stations for c in s.connectors.all()]
    states = [connector_availability(connector=c, station=s) for c, s in connectors]
    if Availability.AVAILABLE in states:
        availability = Availability.AVAILABLE
    elif Availability.BUSY in states:
        availability = Availability.BUSY
    else:
        availability = Availability.OUT_OF_ORDER
    distance = None
    if query and query.latitude is not None and query.longitude is not None:
        distance = _distance_km(site.latitude, site.longitude, query.latitude, query.longitude)
    return SiteResult(
        site=site,
        availability=availability,
        is_open=site_is_open(site=site, hours=site.hours, at=at),
        max_power_kw=max((c.max_power_kw for c, _ in connectors), default=Decimal(0)),
        standards=sorted({c.get_standard_display() for c, _ in connectors}),
        available_count=states.count(Availability.AVAILABLE),
        connector_count=len(connectors),
        distance_km=distance,
        stations=site.public_stations,
    )


def _distance_km(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine) for display."""
    lat1, lng1, lat2, lng2 = map(math.radians, map(float, (lat1, lng1, lat2, lng2)))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
