"""What every OCPI endpoint does around its handler: the credentials token (401), the request
and correlation ids echoed, the routing headers checked and answered, the JSON body parsed
(400), and every refusal turned into the envelope with its paired HTTP status."""

import functools
import json
import logging
import uuid

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from roaming import parties
from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.models import Partner
from roaming.selectors.partners import partner_by_authorization

log = logging.getLogger(__name__)

ROUTING_HEADERS = ("OCPI-from-country-code", "OCPI-from-party-id", "OCPI-to-country-code", "OCPI-to-party-id")


def ocpi_endpoint(*, functional: bool = True, methods: tuple[str, ...] = ("GET",)):
    """Wrap a view `handler(request, **kwargs)` that returns a JsonResponse or raises OcpiError.
    `functional` modules need a registered partner (token A opens only versions and
    credentials) and carry the routing headers."""

    def decorate(handler):
        @csrf_exempt
        @functools.wraps(handler)
        def view(request, **kwargs):
            response = _handle(request, handler, kwargs, functional=functional, methods=methods)
            response["X-Request-ID"] = request.headers.get("X-Request-ID") or str(uuid.uuid4())
            response["X-Correlation-ID"] = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
            if functional:
                _routing_answer(request, response)
            return response

        return view

    return decorate


def _handle(request, handler, kwargs, *, functional: bool, methods) -> JsonResponse:
    partner = partner_by_authorization(header=request.headers.get("Authorization", ""))
    if partner is None or (functional and (partner.inbound_token_is_a or partner.status != Partner.Status.REGISTERED)):
        return ocpi_response(
            status=Status.CLIENT_ERROR, message="Unknown or unusable credentials token.", http_status=401
        )
    if request.method not in methods:
        return ocpi_response(
            status=Status.CLIENT_ERROR, message=f"{request.method} is not allowed here.", http_status=405
        )
    request.ocpi_partner = partner
    request.ocpi_body = None
    if request.method in ("POST", "PUT", "PATCH"):
        try:
            request.ocpi_body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return ocpi_response(
                status=Status.INVALID_PARAMETERS, message="The body is not valid JSON.", http_status=400
            )
    try:
        if functional:
            _routing_check(request, partner)
        return handler(request, **kwargs)
    except OcpiError as error:
        return ocpi_response(status=error.status, message=error.message, http_status=error.http_status)
    except Exception:
        log.exception("OCPI %s %s from partner %s failed", request.method, request.path, partner.pk)
        return ocpi_response(status=Status.SERVER_ERROR, message="Internal error.", http_status=500)


def _routing_check(request, partner: Partner) -> None:
    """Peer to peer, a request comes from one of the partner's parties and is for one of ours."""
    from_country = request.headers.get("OCPI-from-country-code", "").upper()
    from_party = request.headers.get("OCPI-from-party-id", "").upper()
    if (from_country or from_party) and not partner.roles.filter(
        country_code=from_country, party_id=from_party
    ).exists():
        raise OcpiError(Status.INVALID_PARAMETERS, f"OCPI-from {from_country}-{from_party} is not this partner's.")
    to_country = request.headers.get("OCPI-to-country-code", "")
    to_party = request.headers.get("OCPI-to-party-id", "")
    if (to_country or to_party) and not parties.is_ours(country_code=to_country, party_id=to_party):
        raise OcpiError(Status.INVALID_PARAMETERS, f"OCPI-to {to_country}-{to_party} is not a party of ours.")


def _routing_answer(request, response) -> None:
    """The answer goes back from the party addressed to the party that asked."""
    to_country = request.headers.get("OCPI-to-country-code")
    to_party = request.headers.get("OCPI-to-party-id")
    if to_country and to_party and parties.is_ours(country_code=to_country, party_id=to_party):
        from_country, from_party = to_country.upper(), to_party.upper()
    else:
        from_country, from_party = parties.our_party("CPO" if "/cpo/" in request.path else "EMSP")
    response["OCPI-from-country-code"] = from_country
    response["OCPI-from-party-id"] = from_party
    if request.headers.get("OCPI-from-country-code") and request.headers.get("OCPI-from-party-id"):
        response["OCPI-to-country-code"] = request.headers["OCPI-from-country-code"]
        response["OCPI-to-party-id"] = request.headers["OCPI-from-party-id"]
