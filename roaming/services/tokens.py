"""Partner tokens as CPO (Tokens module, Receiver): stored from a partner's PUT or PATCH or
from our pull of its Sender interface. A token is the partner's own (its country code and
party id); an update older than what we hold changes nothing, so replays and pushes that
overtake each other are harmless."""

import logging

from django.db import transaction
from django.utils import timezone

from roaming import schemas
from roaming.envelope import OcpiError, Status
from roaming.fields import datetime_format
from roaming.models import Partner, PartnerToken
from roaming.services.pushes import partner_client

log = logging.getLogger(__name__)


def token_owned(partner: Partner, *, country_code: str, party_id: str) -> None:
    if not partner.roles.filter(country_code=country_code.upper(), party_id=party_id.upper()).exists():
        raise OcpiError(
            Status.INVALID_PARAMETERS, f"{country_code}-{party_id} is not a party of yours.", http_status=404
        )


def token_put(*, partner: Partner, country_code: str, party_id: str, uid: str, token_type: str, data) -> bool:
    """Store the whole Token object. Returns True when it was created. Raises OcpiError 2001
    for a malformed object or one whose ids differ from the URL's."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    token = schemas.TOKEN.clean(data, "")
    if (token["country_code"].upper(), token["party_id"].upper(), token["uid"], token["type"]) != (
        country_code.upper(),
        party_id.upper(),
        uid,
        token_type,
    ):
        raise OcpiError(Status.INVALID_PARAMETERS, "The token's ids differ from the URL's.")
    return token_store(partner=partner, token=token, raw=data)


def token_store(*, partner: Partner, token: dict, raw: dict) -> bool:
    key = {
        "country_code": token["country_code"].upper(),
        "party_id": token["party_id"].upper(),
        "uid": token["uid"],
        "type": token["type"],
    }
    values = {
        "partner": partner,
        "contract_id": token["contract_id"],
        "valid": token["valid"],
        "whitelist": token["whitelist"],
        "data": {**raw, "last_updated": datetime_format(token["last_updated"])},
        "last_updated": token["last_updated"],
    }
    with transaction.atomic():
        existing = PartnerToken.objects.select_for_update().filter(**key).first()
        if existing is None:
            PartnerToken.objects.create(**key, **values)
            return True
        if existing.last_updated <= token["last_updated"]:
            PartnerToken.objects.filter(pk=existing.pk).update(**values)
    return False


def token_patch(*, partner: Partner, country_code: str, party_id: str, uid: str, token_type: str, data) -> None:
    """Change the fields given; `last_updated` is required. Raises OcpiError 2004 (404) for a
    token we do not hold, 2001 for a malformed or id-changing patch."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    changes = schemas.TOKEN.clean(data, "", partial=True)
    if changes.get("last_updated") is None:
        raise OcpiError(Status.INVALID_PARAMETERS, "last_updated is required in a PATCH.")
    with transaction.atomic():
        token = (
            PartnerToken.objects.select_for_update()
            .filter(country_code=country_code.upper(), party_id=party_id.upper(), uid=uid, type=token_type)
            .first()
        )
        if token is None:
            raise OcpiError(Status.UNKNOWN_TOKEN, f"Unknown token {uid}.", http_status=404)
        for name in ("country_code", "party_id", "uid", "type"):
            if name in changes and str(changes[name]).upper() != str(token.data[name]).upper():
                raise OcpiError(Status.INVALID_PARAMETERS, f"{name} cannot change in a PATCH.")
        if token.last_updated > changes["last_updated"]:
            return
        merged = {**token.data, **{name: data[name] for name in changes}}
        merged_clean = schemas.TOKEN.clean(merged, "")
        token.data = {**merged, "last_updated": datetime_format(changes["last_updated"])}
        token.contract_id = merged_clean["contract_id"]
        token.valid = merged_clean["valid"]
        token.whitelist = merged_clean["whitelist"]
        token.last_updated = changes["last_updated"]
        token.save()


def tokens_pull(*, partner: Partner) -> int:
    """Fetch the partner's tokens changed since our last pull (all on the first) from its
    Tokens Sender and store them; a malformed one is logged and skipped, the rest kept.
    Raises PartnerError when the partner cannot be reached."""
    url = partner.endpoint_url("tokens", "SENDER")
    if not url or partner.status != Partner.Status.REGISTERED:
        return 0
    started = timezone.now()
    params = {"date_from": datetime_format(partner.tokens_pulled_at)} if partner.tokens_pulled_at else None
    stored = 0
    for item in partner_client(partner, from_role="CPO").get_all(url, params=params):
        try:
            token = schemas.TOKEN.clean(item, "token")
            token_owned(partner, country_code=token["country_code"], party_id=token["party_id"])
        except OcpiError as error:
            log.warning("partner %s: token skipped: %s", partner.pk, error.message)
            continue
        token_store(partner=partner, token=token, raw=item)
        stored += 1
    Partner.objects.filter(pk=partner.pk).update(tokens_pulled_at=started, last_sync_at=timezone.now())
    return stored
