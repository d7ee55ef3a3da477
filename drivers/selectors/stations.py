"""The portal's view of the station search (stations.selectors.locations, which the API's
`locations/` uses too): each site with its marker colour, open-now flag and summary."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from stations.models import ChargePointStatus, ChargingStation, Connector, OpeningHours, Site
from stations.selectors.locations import (
    LocationQuery,
    connector_is_available,
    location_detail,
    locations_search,
    public_stations,
    site_is_open,
)

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
    # The charger is not talking to us (or never has): nothing can be started or reserved
    # on it, but nothing says it is broken either.
    OFFLINE = "offline"


# What a driver may ask of a connector in each state: a busy connector may be the driver's
# own car plugged in (Preparing) and a reservation waits for it, an offline one can do nothing.
STARTABLE = (Availability.AVAILABLE, Availability.BUSY)
RESERVABLE = (Availability.AVAILABLE,)


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
    # Ours: the network is this platform's (a partner's site says which network it is).
    network: str = ""


@dataclass
class ForeignSiteResult:
    """A site of another network (a roaming partner's) that matches the same search, as its
    operator described it; `price` is what our driver pays there, in words, or None."""

    key: str
    name: str
    address: str
    postal_code: str
    city: str
    latitude: Decimal
    longitude: Decimal
    network: str
    availability: str
    is_open: bool
    max_power_kw: Decimal
    standards: list[str]
    available_count: int
    connector_count: int
    price: str | None = None
    distance_km: float | None = None
    # Its page in the portal ("" for none), and, on that page, its EVSEs as the source gives them.
    url: str = ""
    evses: list[dict] = field(default_factory=list)


# Roaming lies above drivers: it registers where other networks' sites come from at start-up
# (roaming/receivers.py). Each source answers the same query with the same meanings.
ForeignSiteSource = Callable[..., list[ForeignSiteResult]]
_foreign_site_sources: list[ForeignSiteSource] = []


def foreign_site_source_register(source: ForeignSiteSource) -> None:
    """`source(query=, at=, limit=)` → ForeignSiteResults; registering twice is harmless."""
    if source not in _foreign_site_sources:
        _foreign_site_sources.append(source)


def station_search(
    *, query: LocationQuery, at: datetime | None = None, limit: int = SEARCH_LIMIT
) -> list[SiteResult | ForeignSiteResult]:
    """Sites matching `query`, ours and other networks' in one list: nearest first when a
    position is given, else by name."""
    at = at or timezone.now()
    ours = [_site_result(site, at=at) for site in locations_search(query=query, at=at)[:limit]]
    foreign = [result for source in _foreign_site_sources for result in source(query=query, at=at, limit=limit)]
    if not foreign:
        return ours
    return sorted(ours + foreign, key=lambda result: _search_order(result, near=query.near is not None))[:limit]


def _search_order(result: SiteResult | ForeignSiteResult, *, near: bool):
    if near:
        return result.distance_km
    return (result.site.name if isinstance(result, SiteResult) else result.name).lower()


def site_detail(*, site_id: int, at: datetime | None = None) -> SiteResult | None:
    """One public site with its stations, connectors and opening hours, or None."""
    site = location_detail(site_id=site_id)
    return _site_result(site, at=at or timezone.now()) if site else None


def station_site_id(*, station_id: int) -> int | None:
    return public_stations().filter(pk=station_id).values_list("site_id", flat=True).first()


def connector_for_driver_action(*, connector_pk: int) -> Connector | None:
    """A connector of a public station (what a driver may start or reserve on)."""
    return (
        Connector.objects.select_related("station__site").filter(pk=connector_pk, station__in=public_stations()).first()
    )


def connector_for_charge_start(*, connector_pk: int) -> Connector | None:
    """A connector of a station placed on a site, public or not: whether a driver may start
    on it (a station back in Pending, say) is the charge rule's to say, in its words."""
    return (
        Connector.objects.select_related("station__site").filter(pk=connector_pk, station__site__isnull=False).first()
    )


def connector_availability(*, connector: Connector, station: ChargingStation) -> str:
    if connector_is_available(connector=connector, station=station):
        return Availability.AVAILABLE
    if not station.is_connected and not station.is_online:
        return Availability.OFFLINE
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


def _site_result(site: Site, *, at: datetime) -> SiteResult:
    connectors = [(c, s) for s in site.public_stations for c in s.public_connectors]
    states = [connector_availability(connector=c, station=s) for c, s in connectors]
    if Availability.AVAILABLE in states:
        availability = Availability.AVAILABLE
    elif Availability.BUSY in states:
        availability = Availability.BUSY
    elif states and all(state == Availability.OFFLINE for state in states):
        availability = Availability.OFFLINE
    else:
        availability = Availability.OUT_OF_ORDER
    return SiteResult(
        site=site,
        availability=availability,
        is_open=site_is_open(site=site, hours=site.public_opening_hours, at=at),
        max_power_kw=max((c.max_power_kw for c, _ in connectors), default=Decimal(0)),
        standards=sorted({c.get_standard_display() for c, _ in connectors}),
        available_count=states.count(Availability.AVAILABLE),
        connector_count=len(connectors),
        distance_km=getattr(site, "distance_km", None),
        stations=site.public_stations,
    )
