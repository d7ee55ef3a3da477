"""Our charging sessions and CDRs in OCPI 2.2.1 words, for the partner EMSP whose token
charged (we are the CPO)."""

import logging
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from billing.models import ChargeDetailRecord
from billing.money import money_round
from billing.selectors.session_pricing import CdrError, session_price_compute
from roaming import parties
from roaming.fields import datetime_format
from roaming.models import Partner, PartnerCommand, PartnerToken
from roaming.selectors import locations
from stations.models import ChargingSession

log = logging.getLogger(__name__)
# Billing's priced dimensions → OCPI CdrDimensionType (a flat fee has no dimension).
DIMENSIONS = {"ENERGY": "ENERGY", "TIME": "TIME", "PARKING_TIME": "PARKING_TIME", "RESERVATION": "RESERVATION_TIME"}
STATUS = {ChargingSession.Status.ACTIVE: "ACTIVE", ChargingSession.Status.REJECTED: "INVALID"}


def partner_token_of(*, id_tag: str) -> PartnerToken | None:
    """The registered partner's token a session charged with, if it was a partner's."""
    return (
        PartnerToken.objects.select_related("partner")
        .filter(uid__iexact=id_tag, partner__status=Partner.Status.REGISTERED)
        .first()
    )


def partner_sessions(*, partner: Partner):
    uids = Q()
    for uid in partner.tokens.values_list("uid", flat=True):
        uids |= Q(id_tag__iexact=uid)
    return ChargingSession.objects.filter(uids) if uids else ChargingSession.objects.none()


def _cdr_token(token: PartnerToken) -> dict:
    return {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.type,
        "contract_id": token.contract_id,
    }


def _auth(session: ChargingSession, token: PartnerToken) -> tuple[str, str | None]:
    command = (
        PartnerCommand.objects.filter(
            command="START_SESSION", token_uid__iexact=token.uid, request__station=session.station
        )
        .exclude(authorization_reference="")
        .order_by("-created_at")
        .first()
    )
    if command is not None:
        return "COMMAND", command.authorization_reference
    return ("WHITELIST" if token.whitelist in ("ALWAYS", "ALLOWED") else "AUTH_REQUEST"), None


def _price(excl: Decimal, incl: Decimal, currency: str) -> dict:
    return {"excl_vat": float(money_round(excl, currency)), "incl_vat": float(money_round(incl, currency))}


def session_object(*, session: ChargingSession, token: PartnerToken) -> dict:
    country_code, party_id = parties.our_party("CPO")
    method, reference = _auth(session, token)
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": str(session.pk),
        "start_date_time": datetime_format(session.started_at),
        "kwh": float(Decimal(session.energy_wh) / 1000),
        "cdr_token": _cdr_token(token),
        "auth_method": method,
        "location_id": str(session.station.site_id),
        "evse_uid": f"{session.station_id}-{session.connector_number}",
        "connector_id": "1",
        "currency": session.station.operator.currency if session.station.operator else "EUR",
        "status": STATUS.get(session.status, "COMPLETED"),
        "last_updated": datetime_format(session.stop_received_at or session.last_meter_at or session.started_at),
    }
    if reference:
        body["authorization_reference"] = reference
    if session.stopped_at:
        body["end_date_time"] = datetime_format(session.stopped_at)
    try:
        priced = session_price_compute(session=session, until=session.stopped_at or timezone.now())
    except CdrError as error:
        log.warning("session %s: no cost for the partner: %s", session.pk, error)
    else:
        body["currency"] = priced.currency
        body["total_cost"] = _price(priced.total_excl_vat, priced.total_incl_vat, priced.currency)
    return body


def _periods(cdr: ChargeDetailRecord) -> list[dict]:
    periods: dict[str, list[dict]] = {}
    for period in cdr.periods:
        dimension = DIMENSIONS.get(period.get("dimension", ""))
        if dimension:
            start = period["start"]
            periods.setdefault(start, []).append({"type": dimension, "volume": float(Decimal(period["volume"]))})
    if not periods:
        # OCPI wants at least one period: the session's energy from its start.
        return [
            {
                "start_date_time": datetime_format(cdr.started_at),
                "dimensions": [{"type": "ENERGY", "volume": float(Decimal(cdr.energy_wh) / 1000)}],
            }
        ]
    return [
        {"start_date_time": datetime_format(timezone.datetime.fromisoformat(start)), "dimensions": dimensions}
        for start, dimensions in sorted(periods.items())
    ]


def cdr_object(*, cdr: ChargeDetailRecord, token: PartnerToken) -> dict:
    country_code, party_id = parties.our_party("CPO")
    session = cdr.session
    station = cdr.station
    site = locations.ocpi_location(location_id=str(station.site_id)) if station.site_id else None
    evse = location = None
    if site is not None:
        location = locations.location_object(site)
        evse = next((e for e in location["evses"] if e["uid"] == f"{station.pk}-{session.connector_number}"), None)
    connector = evse["connectors"][0] if evse else {}
    method, reference = _auth(session, token)
    currency = cdr.currency
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": str(cdr.pk),
        "start_date_time": datetime_format(cdr.started_at),
        "end_date_time": datetime_format(cdr.stopped_at),
        "session_id": str(session.pk),
        "cdr_token": _cdr_token(token),
        "auth_method": method,
        "cdr_location": {
            "id": str(station.site_id),
            "name": (location or {}).get("name", ""),
            "address": (location or {}).get("address", ""),
            "city": (location or {}).get("city", ""),
            "postal_code": (location or {}).get("postal_code", ""),
            "country": (location or {}).get("country", "DEU"),
            "coordinates": (location or {}).get("coordinates", {"latitude": "0", "longitude": "0"}),
            "evse_uid": f"{station.pk}-{session.connector_number}",
            "evse_id": f"{country_code}*{party_id}*E{station.pk}*{session.connector_number}",
            "connector_id": "1",
            "connector_standard": connector.get("standard", "IEC_62196_T2"),
            "connector_format": connector.get("format", "SOCKET"),
            "connector_power_type": connector.get("power_type", "AC_3_PHASE"),
        },
        "currency": currency,
        "charging_periods": _periods(cdr),
        "total_cost": _price(cdr.total_excl_vat, cdr.total_incl_vat, currency),
        "total_energy": float(Decimal(cdr.energy_wh) / 1000),
        "total_energy_cost": {"excl_vat": float(cdr.energy_cost)},
        "total_time": float(Decimal(cdr.charging_seconds + cdr.parking_seconds) / 3600),
        "total_time_cost": {"excl_vat": float(cdr.time_cost)},
        "total_parking_time": float(Decimal(cdr.parking_seconds) / 3600),
        "total_parking_cost": {"excl_vat": float(cdr.parking_cost)},
        "total_fixed_cost": {"excl_vat": float(cdr.flat_cost)},
        "credit": cdr.kind == ChargeDetailRecord.Kind.CREDIT,
        "last_updated": datetime_format(cdr.created_at),
    }
    if reference:
        body["authorization_reference"] = reference
    if cdr.kind == ChargeDetailRecord.Kind.CREDIT and cdr.credits_id:
        body["credit_reference_id"] = str(cdr.credits_id)
    return body
