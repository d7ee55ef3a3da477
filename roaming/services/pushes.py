"""Pushes to partners (Client Owned Object push): PUT or PATCH by country code, party id and
object id, carrying `last_updated`, so that a repeated push changes nothing at the partner.
Each is one task per partner (roaming/tasks.py), retried with backoff; a partner that is down
catches up through its own periodic pull of our Sender interfaces."""

from django.utils import timezone

from roaming import parties
from roaming.client import PartnerClient
from roaming.fields import datetime_format
from roaming.models import Partner
from roaming.selectors import locations
from stations.models import ChargingStation


def partner_client(partner: Partner, *, from_role: str) -> PartnerClient:
    """A client for the partner, addressed to its first party in the opposite role."""
    wanted = "EMSP" if from_role == "CPO" else "CPO"
    role = next((role for role in partner.roles.all() if role.role == wanted), None)
    to_party = (role.country_code, role.party_id) if role else None
    return PartnerClient(token=partner.outbound_token, to_party=to_party, from_role=from_role)


def evse_status_push(*, partner: Partner, url: str, station_id: int, connector_number: int) -> bool:
    """PATCH one EVSE's status to the partner's Locations Receiver. False when the EVSE is not
    public (nothing to tell). Raises PartnerError for the task to retry."""
    station = ChargingStation.objects.filter(pk=station_id).only("site_id").first()
    if station is None or station.site_id is None:
        return False
    site = locations.ocpi_location(location_id=str(station.site_id))
    connector = next(
        (
            connector
            for public in (site.public_stations if site else [])
            if public.pk == station_id
            for connector in public.public_connectors
            if connector.connector_id == connector_number
        ),
        None,
    )
    if connector is None:
        return False
    public_station = next(public for public in site.public_stations if public.pk == station_id)
    country_code, party_id = parties.our_party("CPO")
    uid = locations.evse_uid(station=public_station, connector=connector)
    body = {
        "status": locations.evse_status(station=public_station, connector=connector),
        # The status change's own time, not the push's: a retried push is the same object.
        "last_updated": datetime_format(locations.evse_last_updated(site, connector)),
    }
    partner_client(partner, from_role="CPO").call(
        "PATCH", f"{url}/{country_code}/{party_id}/{site.pk}/{uid}", json=body
    )
    Partner.objects.filter(pk=partner.pk).update(last_sync_at=timezone.now())
    return True


def location_push(*, partner: Partner, url: str, site_id: int) -> bool:
    """PUT the whole Location to the partner (a new or changed site)."""
    site = locations.ocpi_location(location_id=str(site_id))
    if site is None:
        return False
    country_code, party_id = parties.our_party("CPO")
    partner_client(partner, from_role="CPO").call(
        "PUT", f"{url}/{country_code}/{party_id}/{site.pk}", json=locations.location_object(site)
    )
    Partner.objects.filter(pk=partner.pk).update(last_sync_at=timezone.now())
    return True
