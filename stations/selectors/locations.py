"""The one station search: what the portal's map and list and the API's `locations/` show.

One meaning for every door:
- public: a connector of a station that is registered (Accepted) and placed on a site; a site
  is listed when it has one;
- available: a public connector whose status is Available on a station that is reachable
  (connected or heard from within its heartbeat allowance);
- open now: open 24/7, or within one of the site's opening hours read in the site's own time
  zone (an interval closing before it opens runs past midnight into the next day);
- distance: great-circle (haversine) kilometres computed by the database, and a radius that
  drops what lies beyond it (a bounding box first, so an index can help).
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone

from stations.models import ChargePointStatus, ChargingStation, Connector, OpeningHours, RegistrationStatus, Site

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.32
DEFAULT_RADIUS_KM = 25
MAX_RADIUS_KM = 500
MAX_SEARCH_WORDS = 5


@dataclass(frozen=True)
class LocationQuery:
    """A search as every door asks it. `near` is (latitude, longitude) in decimal degrees;
    `radius_km` applies only with `near` (default DEFAULT_RADIUS_KM, at most MAX_RADIUS_KM)."""

    text: str = ""
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    connector_standard: str = ""
    min_power_kw: Decimal | None = None
    available: bool = False
    open_now: bool = False


def public_stations() -> QuerySet[ChargingStation]:
    """Stations drivers may see: registered (Accepted) and placed on a published site."""
    return ChargingStation.objects.filter(
        site__isnull=False, site__is_published=True, registration_status=RegistrationStatus.ACCEPTED
    )


def connector_is_available(*, connector: Connector, station: ChargingStation) -> bool:
    """The `available` rule for one connector already loaded (the filter's twin)."""
    return connector.status == ChargePointStatus.AVAILABLE and (station.is_connected or station.is_online)


def locations_search(*, query: LocationQuery, at: datetime | None = None) -> QuerySet[Site]:
    """Public sites matching `query` with their public stations, connectors and opening
    hours prefetched (see `_with_public_equipment`) and `operator_name` annotated. With
    `near`: only sites within the radius, annotated with `distance_km` and nearest first;
    without: by name. Connector filters keep a site if one public connector matches all."""
    sites = Site.objects.filter(Exists(_public_connectors(query)))
    for word in query.text.split()[:MAX_SEARCH_WORDS]:
        sites = sites.filter(
            Q(name__icontains=word) | Q(address__icontains=word) | Q(city__icontains=word) | Q(postal_code=word)
        )
    if query.open_now:
        sites = sites.filter(_open_at(at or timezone.now()))
    if query.near is not None:
        latitude, longitude = (float(part) for part in query.near)
        radius = min(float(query.radius_km or DEFAULT_RADIUS_KM), MAX_RADIUS_KM)
        sites = _within_bounding_box(sites, latitude, longitude, radius)
        sites = sites.annotate(distance_km=_haversine_km(latitude, longitude))
        sites = sites.filter(distance_km__lte=radius).order_by("distance_km", "pk")
    else:
        sites = sites.order_by("name", "pk")
    return _with_public_equipment(sites)


def location_detail(*, site_id: int) -> Site | None:
    """One public site, prefetched as in `locations_search`, or None."""
    sites = Site.objects.filter(pk=site_id).filter(Exists(_public_connectors(LocationQuery())))
    return _with_public_equipment(sites).first()


def site_is_open(*, site: Site, hours: list[OpeningHours], at: datetime) -> bool:
    """The `open now` rule for one site already loaded (the filter's twin): whether it is
    open at `at`, read in the site's own time zone."""
    if site.is_open_24_7:
        return True
    local = at.astimezone(ZoneInfo(site.time_zone))
    now, today, yesterday = local.time().replace(microsecond=0), local.weekday(), (local.weekday() - 1) % 7
    for interval in hours:
        overnight = interval.closes_at < interval.opens_at
        if interval.weekday == today and interval.opens_at <= now and (overnight or now < interval.closes_at):
            return True
        if overnight and interval.weekday == yesterday and now < interval.closes_at:
            return True
    return False


def _public_connectors(query: LocationQuery) -> QuerySet[Connector]:
    connectors = Connector.objects.filter(
        station__site=OuterRef("pk"),
        station__site__is_published=True,
        station__registration_status=RegistrationStatus.ACCEPTED,
    )
    if query.connector_standard:
        connectors = connectors.filter(standard=query.connector_standard)
    if query.min_power_kw is not None:
        connectors = connectors.filter(max_power_kw__gte=query.min_power_kw)
    if query.available:
        connectors = connectors.filter(status=ChargePointStatus.AVAILABLE).filter(
            Q(station__is_connected=True) | Q(station__is_online=True)
        )
    return connectors


def _open_at(at: datetime) -> Q:
    """`site_is_open` as a filter. Local time differs per zone, so there is one condition
    per time zone in use (a handful), each comparing the site's hours to its local time."""
    condition = Q(is_open_24_7=True)
    zones = Site.objects.filter(is_open_24_7=False).order_by().values_list("time_zone", flat=True).distinct()
    for zone in zones:
        local = at.astimezone(ZoneInfo(zone))
        now, today, yesterday = local.time().replace(microsecond=0), local.weekday(), (local.weekday() - 1) % 7
        hours = OpeningHours.objects.filter(site=OuterRef("pk"))
        open_today = hours.filter(weekday=today, opens_at__lte=now).filter(
            Q(closes_at__gt=now) | Q(closes_at__lt=F("opens_at"))
        )
        open_since_yesterday = hours.filter(weekday=yesterday, closes_at__lt=F("opens_at"), closes_at__gt=now)
        condition |= Q(time_zone=zone) & (Exists(open_today) | Exists(open_since_yesterday))
    return condition


# The columns the search shows, plus the keys the prefetches join on. A station row carries
# ~30 columns (credentials, modem ids, firmware) no result needs, and loading them was most
# of the request's CPU (docs/benchmarks.md, API profile).
PUBLIC_STATION_FIELDS = ("id", "site_id", "identity", "vendor", "model", "is_connected", "is_online", "status")
PUBLIC_CONNECTOR_FIELDS = (
    "id",
    "station_id",
    "connector_id",
    "standard",
    "format",
    "power_type",
    "max_power_kw",
    "status",
    "status_updated_at",
)


def _with_public_equipment(sites: QuerySet[Site]) -> QuerySet[Site]:
    """Prefetched into plain lists (`to_attr`): `public_stations`, each with
    `public_connectors`, and `public_opening_hours`. Lists rather than related managers,
    because Django builds a filtered queryset per parent object for a manager."""
    connectors = Connector.objects.only(*PUBLIC_CONNECTOR_FIELDS).order_by("connector_id")
    stations = (
        public_stations()
        .only(*PUBLIC_STATION_FIELDS)
        .order_by("identity")
        .prefetch_related(Prefetch("connectors", queryset=connectors, to_attr="public_connectors"))
    )
    return sites.annotate(operator_name=F("operator__name")).prefetch_related(
        Prefetch("stations", queryset=stations, to_attr="public_stations"),
        Prefetch(
            "opening_hours",
            queryset=OpeningHours.objects.order_by("weekday", "opens_at"),
            to_attr="public_opening_hours",
        ),
    )


def _within_bounding_box(sites: QuerySet[Site], latitude: float, longitude: float, radius_km: float):
    """A cheap, index-friendly prefilter; the exact distance is checked afterwards."""
    delta_latitude = radius_km / KM_PER_DEGREE_LATITUDE
    cos_latitude = max(math.cos(math.radians(latitude)), 0.01)
    delta_longitude = min(radius_km / (KM_PER_DEGREE_LATITUDE * cos_latitude), 180.0)
    sites = sites.filter(
        latitude__gte=Decimal(str(round(latitude - delta_latitude, 6))),
        latitude__lte=Decimal(str(round(latitude + delta_latitude, 6))),
    )
    west, east = longitude - delta_longitude, longitude + delta_longitude
    if west < -180 or east > 180:
        # The box crosses the antimeridian; let the exact distance decide.
        return sites
    return sites.filter(longitude__gte=Decimal(str(round(west, 6))), longitude__lte=Decimal(str(round(east, 6))))


def _haversine_km(latitude: float, longitude: float):
    site_latitude = Radians(Cast(F("latitude"), FloatField()))
    site_longitude = Radians(Cast(F("longitude"), FloatField()))
    origin_latitude = math.radians(latitude)
    origin_longitude = math.radians(longitude)
    half_chord = Power(Sin((site_latitude - origin_latitude) / 2), 2) + math.cos(origin_latitude) * Cos(
        site_latitude
    ) * Power(Sin((site_longitude - origin_longitude) / 2), 2)
    return Cast(2 * EARTH_RADIUS_KM * ASin(Sqrt(half_chord)), FloatField())
