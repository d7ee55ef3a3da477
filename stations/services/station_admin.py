"""Staff edits to stations through the API: change fields, password and the connector
list in one transaction. Creation is `registry.station_create`."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from stations.models import ChargingStation
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
