"""Our public sites as OCPI 2.2.1 Locations: a site is a Location, each public connector an
EVSE with its one connector (our Connector row is both), from the one station search
(stations.selectors.locations) so that partners see what our drivers see."""

import math
from datetime import UTC, datetime
from decimal import Decimal

import pycountry
from django.conf import settings
from django.db.models import DateTimeField, Max, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from roaming import parties
from roaming.fields import datetime_format
from roaming.selectors import tariffs
from stations.models import ChargePointStatus, ChargingStation, Connector, Site
from stations.selectors.locations import LocationQuery, location_detail, locations_search

# OCPP status of the connector → OCPI EVSE status. Any state of a session in progress is
# CHARGING for a partner: the EVSE is not free to its driver.
EVSE_STATUS = {
    ChargePointStatus.AVAILABLE: "AVAILABLE",
    ChargePointStatus.PREPARING: "CHARGING",
    ChargePointStatus.CHARGING: "CHARGING",
    ChargePointStatus.SUSPENDED_EV: "CHARGING",
    ChargePointStatus.SUSPENDED_EVSE: "CHARGING",
    ChargePointStatus.FINISHING: "CHARGING",
    ChargePointStatus.RESERVED: "RESERVED",
    ChargePointStatus.UNAVAILABLE: "INOPERATIVE",
    ChargePointStatus.FAULTED: "OUTOFORDER",
    ChargePointStatus.UNKNOWN: "UNKNOWN",
}
# 2.2.1 has no NACS; its plug is the one OCPI calls TESLA_S.
CONNECTOR_STANDARD = {Connector.Standard.NACS: "TESLA_S"}
# Nominal voltage per power type (AC per phase, line to neutral, as the spec asks).
VOLTAGE = {"AC_1_PHASE": 230, "AC_3_PHASE": 230, "DC": 800}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def ocpi_locations() -> QuerySet[Site]:
    """Public sites with `last_updated`: the latest of the site's creation and its
    connectors' status changes (what a date_from/date_to filter reads)."""
    return locations_search(query=LocationQuery()).annotate(
        last_updated=Greatest(
            "created_at",
            Coalesce(Max("stations__connectors__status_updated_at"), Value(EPOCH, output_field=DateTimeField())),
        )
    )


def ocpi_location(*, location_id: str) -> Site | None:
    if not location_id.isdigit():
        return None
    site = location_detail(site_id=int(location_id))
    if site is not None:
        site.last_updated = max(
            [site.created_at, *(evse_last_updated(site, c) for s in site.public_stations for c in s.public_connectors)]
        )
    return site


def evse_uid(*, station: ChargingStation, connector: Connector) -> str:
    return f"{station.pk}-{connector.connector_id}"


def evse_available_first(*, site: Site) -> tuple[ChargingStation, Connector] | None:
    """The first EVSE of the location that could be reserved now (its charger connected, the
    connector Available), in the order the Location lists them: what a RESERVE_NOW without
    `evse_uid` (the location as a whole) takes."""
    for station in site.public_stations:
        if not station.is_connected:
            continue
        for connector in station.public_connectors:
            if connector.status == ChargePointStatus.AVAILABLE:
                return station, connector
    return None


def evse_find(*, site: Site, uid: str) -> tuple[ChargingStation, Connector] | None:
    for station in site.public_stations:
        for connector in station.public_connectors:
            if evse_uid(station=station, connector=connector) == uid:
                return station, connector
    return None


def location_object(site: Site) -> dict:
    country_code, party_id = parties.our_party("CPO")
    country = pycountry.countries.get(alpha_2=site.country.upper())
    hours = site.public_opening_hours
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": str(site.pk),
        "publish": True,
        "name": site.name[:255],
        "address": site.address[:45],
        "city": site.city[:45],
        "postal_code": site.postal_code[:10],
        "country": country.alpha_3 if country else site.country.upper(),
        "coordinates": {"latitude": f"{site.latitude:.6f}", "longitude": f"{site.longitude:.6f}"},
        "evses": [
            evse_object(site, station, connector)
            for station in site.public_stations
            for connector in station.public_connectors
        ],
        "operator": {"name": (getattr(site, "operator_name", "") or settings.OCPI_BUSINESS_NAME)[:100]},
        "time_zone": site.time_zone,
        "opening_times": {
            "twentyfourseven": site.is_open_24_7,
            "regular_hours": []
            if site.is_open_24_7
            else [
                {
                    "weekday": interval.weekday + 1,
                    "period_begin": interval.opens_at.strftime("%H:%M"),
                    "period_end": interval.closes_at.strftime("%H:%M"),
                }
                for interval in hours
            ],
        },
        "last_updated": datetime_format(site.last_updated),
    }


def evse_status(*, station: ChargingStation, connector: Connector) -> str:
    if not (station.is_connected or station.is_online):
        return "UNKNOWN"
    return EVSE_STATUS.get(connector.status, "UNKNOWN")


def evse_object(site: Site, station: ChargingStation, connector: Connector) -> dict:
    country_code, party_id = parties.our_party("CPO")
    return {
        "uid": evse_uid(station=station, connector=connector),
        "evse_id": f"{country_code}*{party_id}*E{station.pk}*{connector.connector_id}",
        "status": evse_status(station=station, connector=connector),
        "capabilities": ["REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE"],
        "connectors": [connector_object(site, station, connector)],
        "physical_reference": f"{station.identity[:12]}-{connector.connector_id}"[:16],
        "last_updated": datetime_format(evse_last_updated(site, connector)),
    }


def connector_object(site: Site, station: ChargingStation, connector: Connector) -> dict:
    power_w = int(Decimal(connector.max_power_kw) * 1000)
    voltage = VOLTAGE[connector.power_type]
    phases = 3 if connector.power_type == "AC_3_PHASE" else 1
    return {
        "id": "1",
        "standard": CONNECTOR_STANDARD.get(connector.standard, connector.standard),
        "format": connector.format,
        "power_type": connector.power_type,
        "max_voltage": voltage,
        "max_amperage": math.ceil(power_w / (voltage * phases)),
        "max_electric_power": power_w,
        "tariff_ids": tariffs.connector_tariff_ids(station=station, connector=connector),
        "last_updated": datetime_format(evse_last_updated(site, connector)),
    }


def evse_last_updated(site: Site, connector: Connector) -> datetime:
    return max(site.created_at, connector.status_updated_at or EPOCH)
