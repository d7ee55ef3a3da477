"""Staff edits to sites and stations through the API: fields, opening hours, password and
the connector list, each in one transaction. Creation is in `registry`."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from stations.models import ChargingStation, OpeningHours, Site
from stations.services import registry

CONNECTOR_FIELDS = ("standard", "format", "power_type", "max_power_kw")


class StationInUse(Exception):
    """The station or connector has sessions or other history that must be kept."""


@transaction.atomic
def station_update(
    *, station: ChargingStation, password: str | None = None, connectors: list[dict] | None = None, **fields
) -> ChargingStation:
    """Set `fields`, the password (hashed) if given, and with `connectors` make the
    connector list exactly that (matched by connector_id). Raises ValidationError on bad
    input and StationInUse when a connector to remove has sessions."""
    station = ChargingStation.objects.select_for_update().get(pk=station.pk)
    for name, value in fields.items():
        setattr(station, name, value)
    agreement = station.agreement
    if agreement is not None and station.owner_id and agreement.owner_id != station.owner_id:
        raise ValidationError({"agreement": "The agreement belongs to a different owner."})
    if password is not None:
        registry.station_set_password(station=station, password=password, save=False)
    station.full_clean()
    station.save()
    if connectors is not None:
        _connectors_replace(station=station, connectors=connectors)
    return station


def _connectors_replace(*, station: ChargingStation, connectors: list[dict]) -> None:
    wanted = {item["connector_id"]: item for item in connectors}
    try:
        station.connectors.exclude(connector_id__in=wanted).delete()
    except ProtectedError as error:
        raise StationInUse("A connector with charging sessions cannot be removed.") from error
    existing = {connector.connector_id: connector for connector in station.connectors.all()}
    for connector_id, item in wanted.items():
        connector = existing.get(connector_id)
        if connector is None:
            missing = [name for name in ("standard", "power_type", "max_power_kw") if name not in item]
            if missing:
                raise ValidationError({"connectors": f"New connector {connector_id} needs {', '.join(missing)}."})
            registry.connector_add(station=station, **item)
            continue
        for name in CONNECTOR_FIELDS:
            if name in item:
                value = Decimal(str(item[name])) if name == "max_power_kw" else item[name]
                setattr(connector, name, value)
        connector.full_clean()
        connector.save()


def station_delete(*, station: ChargingStation) -> None:
    """Raises StationInUse if the station has sessions (kept for billing and audit)."""
    try:
        station.delete()
    except ProtectedError as error:
        raise StationInUse("A station with charging sessions cannot be deleted; set it Rejected instead.") from error


@transaction.atomic
def site_update(*, site: Site, opening_hours: list[dict] | None = None, **fields) -> Site:
    """Set `fields` and, with `opening_hours`, replace the opening intervals. Raises ValidationError."""
    for name, value in fields.items():
        setattr(site, name, value)
    site.full_clean()
    site.save()
    if opening_hours is not None:
        site.opening_hours.all().delete()
        opening_hours_add(site=site, opening_hours=opening_hours)
    return site


def opening_hours_add(*, site: Site, opening_hours: list[dict]) -> None:
    for interval in opening_hours:
        hours = OpeningHours(site=site, **interval)
        hours.full_clean()
        hours.save()


def site_delete(*, site: Site) -> None:
    """Raises StationInUse while stations stand on the site."""
    try:
        site.delete()
    except ProtectedError as error:
        raise StationInUse("A site with stations cannot be deleted.") from error
