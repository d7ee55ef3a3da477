"""Writes for the station registry: organisations, agreements, sites, stations, connectors."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from stations import passwords
from stations.models import ChargingStation, Connector, OperatingAgreement, Organisation, Site


def organisation_create(
    *, name: str, country: str, is_owner=False, is_operator=False, is_emsp=False, **fields
) -> Organisation:
    organisation = Organisation(
        name=name, country=country, is_owner=is_owner, is_operator=is_operator, is_emsp=is_emsp, **fields
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def agreement_create(*, owner: Organisation, operator: Organisation, valid_from, **fields) -> OperatingAgreement:
    """Raises ValidationError if the parties lack the owner/operator roles or the period is inverted."""
    errors = {}
    if not owner.is_owner:
        errors["owner"] = f"{owner} does not have the owner role."
    if not operator.is_operator:
        errors["operator"] = f"{operator} does not have the operator role."
    if errors:
        raise ValidationError(errors)
    agreement = OperatingAgreement(owner=owner, operator=operator, valid_from=valid_from, **fields)
    agreement.full_clean()
    agreement.save()
    return agreement


def site_create(
    *, name: str, operator: Organisation, latitude: Decimal, longitude: Decimal, time_zone: str, **fields
) -> Site:
    site = Site(
        name=name,
        operator=operator,
        latitude=Decimal(str(latitude)),
        longitude=Decimal(str(longitude)),
        time_zone=time_zone,
        **fields,
    )
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def station_create(
    *, identity: str, password: str | None = None, connectors: list[dict] | None = None, **fields
) -> ChargingStation:
    """Create a station with its connectors. With `password`, it is hashed; the clear
    text is not kept anywhere. Raises ValidationError on any invalid field."""
    station = ChargingStation(identity=identity, **fields)
    if station.agreement_id and station.owner_id and station.agreement.owner_id != station.owner_id:
        raise ValidationError({"agreement": "The agreement belongs to a different owner."})
    if password is not None:
        station_set_password(station=station, password=password, save=False)
    station.full_clean()
    station.save()
    for connector_fields in connectors or []:
        connector_add(station=station, **connector_fields)
    return station


def station_set_password(*, station: ChargingStation, password: str, save: bool = True) -> None:
    try:
        passwords.validate_password(password)
    except ValueError as error:
        raise ValidationError({"password": str(error)}) from error
    station.password_hash = passwords.hash_password(password)
    if save:
        station.save(update_fields=["password_hash"])


def connector_add(
    *, station: ChargingStation, connector_id: int, standard: str, power_type: str, max_power_kw, **fields
) -> Connector:
    connector = Connector(
        station=station,
        connector_id=connector_id,
        standard=standard,
        power_type=power_type,
        max_power_kw=Decimal(str(max_power_kw)),
        **fields,
    )
    connector.full_clean()
    connector.save()
    return connector
