"""Tokens, Receiver interface (we are the CPO): a partner EMSP pushes its tokens to us."""

from roaming import schemas
from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.models import PartnerToken
from roaming.services import tokens
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("GET", "PUT", "PATCH"))
def token_item(request, country_code, party_id, uid):
    kind = request.GET.get("type") or "RFID"
    if kind not in schemas.TOKEN_TYPES:
        raise OcpiError(Status.INVALID_PARAMETERS, f"type {kind!r} is not a TokenType.")
    ids = {"country_code": country_code, "party_id": party_id, "uid": uid, "token_type": kind}
    if request.method == "PUT":
        created = tokens.token_put(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response(http_status=201 if created else 200)
    if request.method == "PATCH":
        tokens.token_patch(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response()
    token = PartnerToken.objects.filter(
        partner=request.ocpi_partner,
        country_code=country_code.upper(),
        party_id=party_id.upper(),
        uid=uid,
        type=kind,
    ).first()
    if token is None:
        raise OcpiError(Status.UNKNOWN_TOKEN, f"Unknown token {uid}.", http_status=404)
    return ocpi_response(token.data)
