"""The configuration modules: versions, version details, credentials."""

from roaming import parties
from roaming.credentials_token import header_candidates, token_hash
from roaming.endpoints import our_endpoints
from roaming.envelope import Status, ocpi_response
from roaming.services import partners as partner_services
from roaming.views.base import ocpi_endpoint


def presented_token(request, partner) -> str:
    candidates = header_candidates(request.headers.get("Authorization", ""))
    return next(token for token in candidates if token_hash(token) == partner.inbound_token_hash)


@ocpi_endpoint(functional=False)
def versions(request):
    return ocpi_response([{"version": parties.VERSION, "url": parties.url(parties.VERSION)}])


@ocpi_endpoint(functional=False)
def version_details(request):
    return ocpi_response({"version": parties.VERSION, "endpoints": our_endpoints()})


@ocpi_endpoint(functional=False, methods=("GET", "POST", "PUT", "DELETE"))
def credentials(request):
    partner = request.ocpi_partner
    if request.method == "GET":
        # We keep only the token's hash: the one the partner presented is the one it uses.
        return ocpi_response(partner_services.our_credentials(token=presented_token(request, partner)))
    if request.method == "DELETE":
        if partner.status != partner.Status.REGISTERED:
            return ocpi_response(status=Status.CLIENT_ERROR, message="The client is not registered.", http_status=405)
        partner_services.partner_unregister(partner=partner, notify=False)
        return ocpi_response()
    answer = partner_services.credentials_accept(
        partner=partner, credentials=request.ocpi_body, update=request.method == "PUT"
    )
    return ocpi_response(answer)
