"""Tariffs, Receiver interface (we are the EMSP)."""

from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.models import PartnerTariff
from roaming.services import partner_tariffs
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("GET", "PUT", "DELETE"))
def tariff_item(request, country_code, party_id, tariff_id):
    ids = {"country_code": country_code, "party_id": party_id, "tariff_id": tariff_id}
    if request.method == "PUT":
        created = partner_tariffs.tariff_put(partner=request.ocpi_partner, data=request.ocpi_body, **ids)
        return ocpi_response(http_status=201 if created else 200)
    if request.method == "DELETE":
        partner_tariffs.tariff_delete(partner=request.ocpi_partner, **ids)
        return ocpi_response()
    held = PartnerTariff.objects.filter(
        partner=request.ocpi_partner, country_code=country_code.upper(), party_id=party_id.upper(), tariff_id=tariff_id
    ).first()
    if held is None:
        raise OcpiError(Status.CLIENT_ERROR, f"Unknown tariff {tariff_id}.", http_status=404)
    return ocpi_response(held.data)
