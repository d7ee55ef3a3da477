"""Tariffs, Sender interface (we are the CPO)."""

from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.pagination import paginated_response
from roaming.selectors import tariffs
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint()
def tariff_list(request):
    return paginated_response(request, tariffs.ocpi_tariffs(), tariffs.tariff_object)


@ocpi_endpoint()
def tariff_item(request, tariff_id):
    tariff = tariffs.ocpi_tariffs().filter(pk=int(tariff_id)).first() if tariff_id.isdigit() else None
    if tariff is None:
        raise OcpiError(Status.CLIENT_ERROR, f"Unknown tariff {tariff_id}.", http_status=404)
    return ocpi_response(tariffs.tariff_object(tariff))
