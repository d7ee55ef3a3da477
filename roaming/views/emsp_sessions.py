"""Sessions and CDRs, Receiver interfaces (we are the EMSP)."""

from django.urls import reverse

from roaming import parties
from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.models import PartnerCdr, PartnerSession
from roaming.services import partner_sessions
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("GET", "PUT", "PATCH"))
def session_item(request, country_code, party_id, session_id):
    ids = {"country_code": country_code, "party_id": party_id, "session_id": session_id}
    if request.method == "PUT":
        created = partner_sessions.session_put(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response(http_status=201 if created else 200)
    if request.method == "PATCH":
        partner_sessions.session_patch(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response()
    held = PartnerSession.objects.filter(
        partner=request.ocpi_partner,
        country_code=country_code.upper(),
        party_id=party_id.upper(),
        session_id=session_id,
    ).first()
    if held is None:
        raise OcpiError(Status.CLIENT_ERROR, f"Unknown session {session_id}.", http_status=404)
    return ocpi_response(held.data)


@ocpi_endpoint(methods=("POST",))
def cdr_post(request):
    cdr = partner_sessions.cdr_receive(partner=request.ocpi_partner, data=request.ocpi_body)
    response = ocpi_response()
    # Where the CPO can read the CDR back (the spec's Location header).
    response["Location"] = parties.url(reverse("roaming:emsp-cdr", args=[cdr.pk]).removeprefix("/ocpi/"))
    return response


@ocpi_endpoint()
def cdr_item(request, cdr_pk):
    cdr = PartnerCdr.objects.filter(partner=request.ocpi_partner, pk=cdr_pk).first()
    if cdr is None:
        raise OcpiError(Status.CLIENT_ERROR, "Unknown CDR.", http_status=404)
    return ocpi_response(cdr.data)
