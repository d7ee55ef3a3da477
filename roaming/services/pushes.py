"""Pushes to partners (Client Owned Object push): PUT or PATCH by country code, party id and
object id, carrying `last_updated`, so that a repeated push changes nothing at the partner.
Each is one task per partner (roaming/tasks.py), retried with backoff; a partner that is down
catches up through its own periodic pull of our Sender interfaces."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from billing.models import ChargeDetailRecord
from roaming import parties
from roaming.client import PartnerClient, PartnerError
from roaming.fields import datetime_format
from roaming.models import CdrPush, Partner
from roaming.selectors import locations, sessions, tariffs
from roaming.services import partner_ledger
from stations.models import ChargingSession, ChargingStation

# CDRs older than this when roaming first sees them are history, not news, for a partner.
CDR_PUSH_WINDOW = timedelta(days=60)


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


def tariff_push(*, partner: Partner, url: str, tariff_id: int) -> bool:
    """PUT the whole Tariff to the partner's Tariffs Receiver. False when it is no longer
    one of our public tariffs. Raises PartnerError for the task to retry."""
    tariff = tariffs.ocpi_tariffs().filter(pk=tariff_id).first()
    if tariff is None:
        return False
    country_code, party_id = parties.our_party("CPO")
    partner_client(partner, from_role="CPO").call(
        "PUT", f"{url}/{country_code}/{party_id}/{tariff.pk}", json=tariffs.tariff_object(tariff)
    )
    Partner.objects.filter(pk=partner.pk).update(last_sync_at=timezone.now())
    return True


def session_push(*, partner: Partner, url: str, session_id: int) -> bool:
    """PUT the whole Session (kWh and cost so far, or final) to the partner's Sessions
    Receiver. False when the session is not one of this partner's tokens'."""
    session = ChargingSession.objects.select_related("station").filter(pk=session_id).first()
    token = sessions.partner_token_of(id_tag=session.id_tag) if session else None
    if token is None or token.partner_id != partner.pk or not session.station.site_id:
        return False
    country_code, party_id = parties.our_party("CPO")
    body = sessions.session_object(session=session, token=token)
    partner_client(partner, from_role="CPO").call("PUT", f"{url}/{country_code}/{party_id}/{session.pk}", json=body)
    Partner.objects.filter(pk=partner.pk).update(last_sync_at=timezone.now())
    return True


def cdrs_to_push() -> list[CdrPush]:
    """Billable CDRs of partner tokens not yet accepted by the partner (new ones recorded)."""
    _pushes_record(ChargeDetailRecord.objects.filter(created_at__gte=timezone.now() - CDR_PUSH_WINDOW))
    return list(_pending())


def cdrs_released_to_push(*, cdr_ids: list[int]) -> list[CdrPush]:
    """The pushes waiting for these just-released CDRs (recorded now if they are a partner
    token's): what billing's `cdrs_released` sends on at once, ahead of the sweep."""
    _pushes_record(ChargeDetailRecord.objects.filter(pk__in=cdr_ids))
    return list(_pending().filter(cdr_id__in=cdr_ids))


def _pushes_record(cdrs) -> None:
    for cdr in cdrs.billable().exclude(pk__in=CdrPush.objects.values("cdr_id")):
        token = sessions.partner_token_of(id_tag=cdr.id_tag)
        if token is not None:
            partner_ledger.our_cdr_push_record(cdr=cdr, partner=token.partner)


def _pending():
    return CdrPush.objects.filter(pushed_at__isnull=True, partner__status=Partner.Status.REGISTERED)


def cdr_push(*, cdr_push_id: int) -> bool:
    """POST the CDR to the partner's CDRs Receiver, once: a push that was accepted is
    never sent again (compare-and-set on pushed_at). Raises PartnerError to be retried."""
    push = CdrPush.objects.select_related("cdr__session", "cdr__station", "partner").get(pk=cdr_push_id)
    url = push.partner.endpoint_url("cdrs", "RECEIVER")
    if push.pushed_at is not None or not url:
        return False
    token = sessions.partner_token_of(id_tag=push.cdr.id_tag)
    body = sessions.cdr_object(cdr=push.cdr, token=token)
    CdrPush.objects.filter(pk=push.pk).update(attempts=models.F("attempts") + 1)
    try:
        partner_client(push.partner, from_role="CPO").call("POST", url.rstrip("/"), json=body)
    except PartnerError as error:
        CdrPush.objects.filter(pk=push.pk).update(last_error=str(error)[:255])
        raise
    CdrPush.objects.filter(pk=push.pk, pushed_at__isnull=True).update(pushed_at=timezone.now(), last_error="")
    return True
