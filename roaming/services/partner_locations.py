"""Partner CPOs' Locations (we are the EMSP, Locations Receiver): stored whole from a PUT of
a Location, EVSE or Connector, merged from a PATCH, or pulled from the partner's Sender. The
merged Location is checked again before it is stored, so a patch cannot leave a broken
object; an update older than what we hold changes nothing."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from roaming import schemas
from roaming.envelope import OcpiError, Status
from roaming.fields import datetime_format, datetime_parse
from roaming.models import Partner, PartnerLocation
from roaming.services.pushes import partner_client
from roaming.services.tokens import token_owned

log = logging.getLogger(__name__)
IDS = ("country_code", "party_id", "id", "uid")


def _held(*, country_code: str, party_id: str, location_id: str, lock: bool = False) -> PartnerLocation | None:
    rows = PartnerLocation.objects.select_for_update() if lock else PartnerLocation.objects
    return rows.filter(country_code=country_code.upper(), party_id=party_id.upper(), location_id=location_id).first()


def _find(items: list[dict], key: str, value: str) -> int | None:
    return next((index for index, item in enumerate(items) if str(item.get(key)) == value), None)


def _store(*, partner: Partner, location: dict) -> bool:
    checked = schemas.LOCATION.clean(location, "location")
    values = {
        "partner": partner,
        "data": location,
        "publish": checked["publish"],
        "latitude": Decimal(checked["coordinates"]["latitude"]).quantize(Decimal("0.000001")),
        "longitude": Decimal(checked["coordinates"]["longitude"]).quantize(Decimal("0.000001")),
        "last_updated": checked["last_updated"],
    }
    _, created = PartnerLocation.objects.update_or_create(
        country_code=checked["country_code"].upper(),
        party_id=checked["party_id"].upper(),
        location_id=checked["id"],
        defaults=values,
    )
    return created


def location_put(*, partner: Partner, country_code, party_id, location_id, evse_uid=None, connector_id=None, data):
    """PUT at any level. Returns True when a Location was created. Raises OcpiError 2001 for
    a malformed object or ids that differ from the URL, 2003 (404) for an EVSE or connector
    of a Location (or EVSE) we do not hold."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    with transaction.atomic():
        held = _held(country_code=country_code, party_id=party_id, location_id=location_id, lock=True)
        if evse_uid is None:
            checked = schemas.LOCATION.clean(data, "location")
            url_ids = (country_code.upper(), party_id.upper(), location_id)
            if (checked["country_code"].upper(), checked["party_id"].upper(), checked["id"]) != url_ids:
                raise OcpiError(Status.INVALID_PARAMETERS, "The location's ids differ from the URL's.")
            if held and held.last_updated > checked["last_updated"]:
                return False
            return _store(partner=partner, location=data)
        if held is None:
            raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown location {location_id}.", http_status=404)
        location = held.data
        evses = location.setdefault("evses", [])
        index = _find(evses, "uid", evse_uid)
        if connector_id is None:
            evse = schemas.EVSE.clean(data, "evse")
            if evse["uid"] != evse_uid:
                raise OcpiError(Status.INVALID_PARAMETERS, "The EVSE's uid differs from the URL's.")
            evses[index if index is not None else len(evses) : (index + 1) if index is not None else len(evses)] = [
                data
            ]
        else:
            if index is None:
                raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown EVSE {evse_uid}.", http_status=404)
            connector = schemas.CONNECTOR.clean(data, "connector")
            if connector["id"] != connector_id:
                raise OcpiError(Status.INVALID_PARAMETERS, "The connector's id differs from the URL's.")
            connectors = evses[index].setdefault("connectors", [])
            position = _find(connectors, "id", connector_id)
            if position is None:
                connectors.append(data)
            else:
                connectors[position] = data
        location["last_updated"] = max(location["last_updated"], data["last_updated"], key=datetime_parse)
        _store(partner=partner, location=location)
    return False


def location_patch(*, partner: Partner, country_code, party_id, location_id, evse_uid=None, connector_id=None, data):
    """PATCH at any level; `last_updated` is required. Raises OcpiError 2001 for a malformed
    patch or one that changes ids, 2003 (404) for an object we do not hold."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    if not isinstance(data, dict) or not data.get("last_updated"):
        raise OcpiError(Status.INVALID_PARAMETERS, "last_updated is required in a PATCH.")
    patched_at = datetime_parse(data["last_updated"], "last_updated")
    with transaction.atomic():
        held = _held(country_code=country_code, party_id=party_id, location_id=location_id, lock=True)
        if held is None:
            raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown location {location_id}.", http_status=404)
        location = held.data
        target = location
        if evse_uid is not None:
            index = _find(location.get("evses", []), "uid", evse_uid)
            if index is None:
                raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown EVSE {evse_uid}.", http_status=404)
            target = location["evses"][index]
            if connector_id is not None:
                position = _find(target.get("connectors", []), "id", connector_id)
                if position is None:
                    raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown connector {connector_id}.", http_status=404)
                target = target["connectors"][position]
        if datetime_parse(target["last_updated"]) > patched_at:
            return
        for name in IDS:
            if name in data and name in target and str(data[name]).upper() != str(target[name]).upper():
                raise OcpiError(Status.INVALID_PARAMETERS, f"{name} cannot change in a PATCH.")
        target.update(data)
        location["last_updated"] = max(location["last_updated"], data["last_updated"], key=datetime_parse)
        _store(partner=partner, location=location)


def locations_pull(*, partner: Partner) -> int:
    """Every Location of the partner's Locations Sender changed since the last pull (all on
    the first); malformed ones are logged and skipped. Raises PartnerError when unreachable."""
    url = partner.endpoint_url("locations", "SENDER")
    if not url or partner.status != Partner.Status.REGISTERED:
        return 0
    started = timezone.now()
    params = {"date_from": datetime_format(partner.locations_pulled_at)} if partner.locations_pulled_at else None
    stored = 0
    for item in partner_client(partner, from_role="EMSP").get_all(url, params=params):
        try:
            checked = schemas.LOCATION.clean(item, "location")
            token_owned(partner, country_code=checked["country_code"], party_id=checked["party_id"])
            with transaction.atomic():
                _store(partner=partner, location=item)
        except OcpiError as error:
            log.warning("partner %s: location skipped: %s", partner.pk, error.message)
            continue
        stored += 1
    Partner.objects.filter(pk=partner.pk).update(locations_pulled_at=started, last_sync_at=timezone.now())
    return stored
