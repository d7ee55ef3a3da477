"""Whether a partner's token may charge at our charger (Tokens module, CPO side), with the
whitelist semantics of OCPI 2.2.1:

- ALWAYS, ALLOWED: the token we hold decides (valid or not); no call to the partner.
- ALLOWED_OFFLINE: ask the partner in real time; if it does not answer within
  OCPI_REALTIME_AUTH_SECONDS, let the token charge.
- NEVER: ask the partner in real time; no answer, no charge.
- A token we do not hold: ask each partner EMSP in real time; one that ALLOWs it gives us
  the token object, which we keep.

Drivers' token_authorization asks this (registered in roaming/receivers.py) only for an idTag
it does not know, so a partner token meets the same rule at every door."""

import logging

from django.conf import settings
from django.core.cache import cache

from drivers.selectors.tokens import AuthorizationResult, AuthorizationStatus
from roaming import schemas
from roaming.client import PartnerError
from roaming.envelope import OcpiError
from roaming.models import Partner, PartnerToken
from roaming.selectors import locations
from roaming.services.pushes import partner_client
from roaming.services.tokens import token_store
from stations.models import ChargingSession

log = logging.getLogger(__name__)
ALLOWED = "ALLOWED"
# OCPI AllowedType → OCPP AuthorizationStatus.
REFUSAL = {"BLOCKED": AuthorizationStatus.BLOCKED, "EXPIRED": AuthorizationStatus.EXPIRED}


def _cache_key(uid: str) -> str:
    return f"roaming:authorized:{uid.upper()}"


def partner_token_authorization(*, id_tag: str, station=None) -> AuthorizationResult | None:
    """The answer for a partner's token, or None when no partner knows `id_tag`."""
    token = PartnerToken.objects.filter(uid__iexact=id_tag, partner__status=Partner.Status.REGISTERED).first()
    if token is not None:
        status = _held_token_status(token=token, station=station)
    else:
        token = _unknown_token_ask(id_tag=id_tag, station=station)
        if token is None:
            return None
        status = AuthorizationStatus.ACCEPTED
    if (
        status == AuthorizationStatus.ACCEPTED
        and ChargingSession.objects.filter(id_tag__iexact=id_tag, status=ChargingSession.Status.ACTIVE).exists()
    ):
        status = AuthorizationStatus.CONCURRENT_TX
    return AuthorizationResult(
        status=status,
        parent_id_tag=token.data.get("group_id") or None,
        reason=None if status == AuthorizationStatus.ACCEPTED else f"partner token: {status}",
    )


def _held_token_status(*, token: PartnerToken, station) -> str:
    if not token.valid:
        return AuthorizationStatus.BLOCKED
    if token.whitelist in (PartnerToken.Whitelist.ALWAYS, PartnerToken.Whitelist.ALLOWED):
        return AuthorizationStatus.ACCEPTED
    if cache.get(_cache_key(token.uid)):
        return AuthorizationStatus.ACCEPTED
    try:
        allowed, _ = _ask(partner=token.partner, uid=token.uid, kind=token.type, station=station)
    except (PartnerError, OcpiError) as error:
        log.warning("real-time authorization of %s at partner %s failed: %s", token.uid, token.partner_id, error)
        offline_ok = token.whitelist == PartnerToken.Whitelist.ALLOWED_OFFLINE
        return AuthorizationStatus.ACCEPTED if offline_ok else AuthorizationStatus.INVALID
    return _status(allowed, token.uid)


def _unknown_token_ask(*, id_tag: str, station) -> PartnerToken | None:
    for partner in Partner.objects.filter(status=Partner.Status.REGISTERED):
        if not partner.endpoint_url("tokens", "SENDER"):
            continue
        try:
            allowed, info = _ask(partner=partner, uid=id_tag, kind="RFID", station=station)
        except (PartnerError, OcpiError):
            continue  # unknown there (2004) or unreachable: the next partner may know it
        if _status(allowed, id_tag) == AuthorizationStatus.ACCEPTED:
            try:
                token_store(partner=partner, token=schemas.TOKEN.clean(info["token"], "token"), raw=info["token"])
            except OcpiError as error:
                log.warning("partner %s allowed %s with a malformed token: %s", partner.pk, id_tag, error.message)
                return None
            return PartnerToken.objects.filter(partner=partner, uid__iexact=id_tag).first()
    return None


def _ask(*, partner: Partner, uid: str, kind: str, station) -> tuple[str, dict]:
    """POST …/tokens/{uid}/authorize to the partner; (allowed, AuthorizationInfo)."""
    body = None
    if station is not None and station.site_id:
        uids = [locations.evse_uid(station=station, connector=c) for c in station.connectors.all()]
        body = {"location_id": str(station.site_id), "evse_uids": uids}
    url = f"{partner.endpoint_url('tokens', 'SENDER').rstrip('/')}/{uid}/authorize"
    data, _ = partner_client(partner, from_role="CPO").call(
        "POST", url, params={"type": kind}, json=body, timeout=settings.OCPI_REALTIME_AUTH_SECONDS
    )
    info = schemas.AUTHORIZATION_INFO.clean(data, "authorization")
    return info["allowed"], data


def _status(allowed: str, uid: str) -> str:
    if allowed == ALLOWED:
        cache.set(_cache_key(uid), True, settings.OCPI_REALTIME_AUTH_CACHE_SECONDS)
        return AuthorizationStatus.ACCEPTED
    return REFUSAL.get(allowed, AuthorizationStatus.INVALID)


def remote_start_allowed(*, uid: str) -> None:
    """The partner asked us to start (START_SESSION) or reserve (RESERVE_NOW) with this token:
    its authorization holds for the rule's checks and the charger's StartTransaction that
    follow, without asking the partner again."""
    cache.set(_cache_key(uid), True, settings.OCPI_REALTIME_AUTH_CACHE_SECONDS)
