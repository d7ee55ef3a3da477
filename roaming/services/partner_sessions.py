"""Our drivers' sessions and CDRs at partner CPOs (we are the EMSP, Sessions and CDRs
Receiver): a session kept as the CPO last pushed it, a CDR stored once (a repeated POST of
the same CDR changes nothing). Both must be for one of our drivers' tokens."""

from django.db import IntegrityError, transaction

from drivers.models import Token
from drivers.selectors.tokens import token_by_id_tag
from roaming import schemas
from roaming.envelope import OcpiError, Status
from roaming.fields import datetime_parse
from roaming.models import Partner, PartnerCdr, PartnerSession
from roaming.selectors.partner_cdrs import partner_markup
from roaming.services import partner_ledger
from roaming.services.tokens import token_owned


def _our_token(cdr_token: dict) -> Token:
    token = token_by_id_tag(id_tag=cdr_token["uid"])
    if token is None or token.driver_id is None:
        raise OcpiError(Status.UNKNOWN_TOKEN, f"Unknown token {cdr_token['uid']}.")
    return token


def session_put(*, partner: Partner, country_code: str, party_id: str, session_id: str, data) -> bool:
    """Store the whole Session; True when created. Raises OcpiError 2001 for a malformed
    session or ids that differ from the URL's, 2004 for a token that is not ours."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    session = schemas.SESSION.clean(data, "session")
    if (session["country_code"].upper(), session["party_id"].upper(), session["id"]) != (
        country_code.upper(),
        party_id.upper(),
        session_id,
    ):
        raise OcpiError(Status.INVALID_PARAMETERS, "The session's ids differ from the URL's.")
    return _session_store(partner=partner, session=session, data=data)


def _session_store(*, partner: Partner, session: dict, data: dict) -> bool:
    token = _our_token(session["cdr_token"])
    key = {
        "country_code": session["country_code"].upper(),
        "party_id": session["party_id"].upper(),
        "session_id": session["id"],
    }
    with transaction.atomic():
        held = PartnerSession.objects.select_for_update().filter(**key).first()
        if held and held.last_updated > session["last_updated"]:
            return False
        values = {
            "partner": partner,
            "token": token,
            "status": session["status"],
            "kwh": session["kwh"],
            "data": data,
            "last_updated": session["last_updated"],
        }
        _, created = PartnerSession.objects.update_or_create(**key, defaults=values)
    return created


def session_patch(*, partner: Partner, country_code: str, party_id: str, session_id: str, data) -> None:
    """Merge a partial Session (kWh, status, charging periods …); `last_updated` required."""
    token_owned(partner, country_code=country_code, party_id=party_id)
    if not isinstance(data, dict) or not data.get("last_updated"):
        raise OcpiError(Status.INVALID_PARAMETERS, "last_updated is required in a PATCH.")
    held = PartnerSession.objects.filter(
        country_code=country_code.upper(), party_id=party_id.upper(), session_id=session_id
    ).first()
    if held is None:
        raise OcpiError(Status.CLIENT_ERROR, f"Unknown session {session_id}.", http_status=404)
    if held.last_updated > datetime_parse(data["last_updated"], "last_updated"):
        return
    for name in ("country_code", "party_id", "id"):
        if name in data and str(data[name]).upper() != str(held.data[name]).upper():
            raise OcpiError(Status.INVALID_PARAMETERS, f"{name} cannot change in a PATCH.")
    merged = {**held.data, **data}
    _session_store(partner=partner, session=schemas.SESSION.clean(merged, "session"), data=merged)


def cdr_receive(*, partner: Partner, data) -> PartnerCdr:
    """Store a CDR POSTed by the partner, once, and post it to the ledger with it (the
    partner's payable, our driver's receivable). Raises OcpiError 2001 for a malformed CDR
    or another party's, 2004 for a token that is not one of our drivers'."""
    cdr = schemas.CDR.clean(data, "cdr")
    token_owned(partner, country_code=cdr["country_code"], party_id=cdr["party_id"])
    token = _our_token(cdr["cdr_token"])
    key = {"country_code": cdr["country_code"].upper(), "party_id": cdr["party_id"].upper(), "cdr_id": cdr["id"]}
    held = PartnerCdr.objects.filter(**key).first()
    if held is not None:
        return held
    try:
        with transaction.atomic():
            received = PartnerCdr.objects.create(
                **key,
                partner=partner,
                token=token,
                currency=cdr["currency"],
                total_excl_vat=cdr["total_cost"]["excl_vat"],
                total_incl_vat=cdr["total_cost"].get("incl_vat"),
                energy_kwh=cdr["total_energy"],
                credit=bool(cdr.get("credit")),
                started_at=cdr["start_date_time"],
                stopped_at=cdr["end_date_time"],
                data=data,
                # The agreement as it stands now prices this CDR for good (invoice, ledger, statement).
                commission_percent=partner.commission_percent,
                markup_percent=partner_markup(partner),
            )
            partner_ledger.partner_cdr_post(cdr=received)
            return received
    except IntegrityError:
        # The same CDR posted twice at once: the first one stands.
        return PartnerCdr.objects.get(**key)
