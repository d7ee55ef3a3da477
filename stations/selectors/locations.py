"""Reads for the public location search (API `locations/`, and anything else that wants
"sites near me"). Only sites with at least one accepted station are public."""

import math
from decimal import Decimal

from django.db.models import Exists, F, FloatField, OuterRef, Prefetch, QuerySet
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt

from stations.models import ChargePointStatus, ChargingStation, Connector, OpeningHours, RegistrationStatus, Site

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.32
DEFAULT_RADIUS_KM = 25
MAX_RADIUS_KM = 500


def locations_search(
    *,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    connector_standard: str | None = None,
    min_power_kw: Decimal | None = None,
    available: bool = False,
) -> QuerySet[Site]:
    """Public sites with their public stations and connectors prefetched. With `near`,
    only sites within `radius_km` (default 25), annotated with `distance_km` and ordered
    by it; without, ordered by name. Connector filters keep a site if any of its public
    connectors matches all of them."""
    sites = Site.objects.filter(Exists(_public_connectors(connector_standard, min_power_kw, available)))
    if near is not None:
        latitude, longitude = near
        radius = min(float(radius_km or DEFAULT_RADIUS_KM), MAX_RADIUS_KM)
        sites = _within_bounding_box(sites, latitude, longitude, radius)
        sites = sites.annotate(distance_km=_haversine_km(latitude, longitude))
        sites = sites.filter(distance_km__lte=radius).order_by("distance_km", "pk")
    else:
        sites = sites.order_by("name", "pk")
    return _with_public_equipment(_with_operator_name(sites))


def location_detail(*, site_id: int) -> Site | None:
    sites = Site.objects.filter(pk=site_id).filter(Exists(_public_connectors(None, None, False)))
    return _with_public_equipment(_with_operator_name(sites)).first()


def _with_operator_name(sites: QuerySet[Site]) -> QuerySet[Site]:
    return sites.annotate(operator_name=F("operator__name"))


def _public_connectors(connector_standard, min_power_kw, available) -> QuerySet[Connector]:
    connectors = Connector.objects.filter(
        station__site=OuterRef("pk"), station__registration_status=RegistrationStatus.ACCEPTED
    )
    if connector_standard:
        connectors = connectors.filter(standard=connector_standard)
    if min_power_kw is not None:
        connectors = connectors.filter(max_power_kw__gte=min_power_kw)
    if available:
        connectors = connectors.filter(status=ChargePointStatus.AVAILABLE)
    return connectors


# The columns the public search shows, plus the keys the prefetches join on. A station row
# carries ~30 columns (credentials, modem ids, firmware) the page never needs, and loading
# them was most of the request's CPU (docs/benchmarks.md, API profile).
PUBLIC_STATION_FIELDS = ("id", "site_id", "identity", "vendor", "model", "is_online", "status")
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
    public_stations = (
        ChargingStation.objects.filter(registration_status=RegistrationStatus.ACCEPTED)
        .only(*PUBLIC_STATION_FIELDS)
        .order_by("identity")
        .prefetch_related(Prefetch("connectors", queryset=connectors, to_attr="public_connectors"))
    )
    return sites.prefetch_related(
        Prefetch("stations", queryset=public_stations, to_attr="public_stations"),
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
