"""Locations, Receiver interface (we are the EMSP): partner CPOs push their Locations, EVSEs
and connectors to us, and may read back what we hold."""

from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.models import PartnerLocation
from roaming.services import partner_locations
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("GET", "PUT", "PATCH"))
def location_item(request, country_code, party_id, location_id, evse_uid=None, connector_id=None):
    ids = {
        "country_code": country_code,
        "party_id": party_id,
        "location_id": location_id,
        "evse_uid": evse_uid,
        "connector_id": connector_id,
    }
    if request.method == "PUT":
        created = partner_locations.location_put(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response(http_status=201 if created else 200)
    if request.method == "PATCH":
        partner_locations.location_patch(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response()
    held = PartnerLocation.objects.filter(
        partner=request.ocpi_partner,
        country_code=country_code.upper(),
        party_id=party_id.upper(),
        location_id=location_id,
    ).first()
    found = held and held.data
    if found and evse_uid is not None:
        found = next((evse for evse in found.get("evses", []) if evse.get("uid") == evse_uid), None)
    if found and connector_id is not None:
        found = next((c for c in found.get("connectors", []) if c.get("id") == connector_id), None)
    if not found:
        raise OcpiError(Status.UNKNOWN_LOCATION, "Unknown location, EVSE or connector.", http_status=404)
    return ocpi_response(found)
