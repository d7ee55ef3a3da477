"""Tokens, Sender interface (we are the EMSP): partner CPOs pull our drivers' tokens and ask
us in real time whether one may charge."""

from roaming import fields as f
from roaming import schemas
from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.pagination import paginated_response
from roaming.selectors import driver_tokens
from roaming.views.base import ocpi_endpoint

LOCATION_REFERENCES = f.Object({"location_id": f.CiString(36), "evse_uids": f.List(f.CiString(36), required=False)})


@ocpi_endpoint()
def token_list(request):
    return paginated_response(request, driver_tokens.ocpi_driver_tokens(), driver_tokens.driver_token_object)


@ocpi_endpoint(methods=("POST",))
def token_authorize(request, uid):
    kind = request.GET.get("type") or "RFID"
    if kind not in schemas.TOKEN_TYPES:
        raise OcpiError(Status.INVALID_PARAMETERS, f"type {kind!r} is not a TokenType.")
    location = None
    if request.ocpi_body is not None:
        location = LOCATION_REFERENCES.clean(request.ocpi_body, "")
    info = driver_tokens.driver_token_authorize(uid=uid, location=location and request.ocpi_body)
    if info is None:
        raise OcpiError(Status.UNKNOWN_TOKEN, f"Unknown token {uid}.", http_status=404)
    return ocpi_response(info)
