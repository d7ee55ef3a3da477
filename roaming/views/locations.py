"""Locations, Sender interface (we are the CPO): the list, one Location, EVSE or Connector."""

from roaming.envelope import OcpiError, Status, ocpi_response
from roaming.pagination import paginated_response
from roaming.selectors import locations
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint()
def location_list(request):
    return paginated_response(request, locations.ocpi_locations(), locations.location_object)


@ocpi_endpoint()
def location_item(request, location_id, evse_uid=None, connector_id=None):
    site = locations.ocpi_location(location_id=location_id)
    if site is None:
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown location {location_id}.", http_status=404)
    if evse_uid is None:
        return ocpi_response(locations.location_object(site))
    found = locations.evse_find(site=site, uid=evse_uid)
    if found is None:
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown EVSE {evse_uid}.", http_status=404)
    station, connector = found
    if connector_id is None:
        return ocpi_response(locations.evse_object(site, station, connector))
    if connector_id != "1":
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown connector {connector_id}.", http_status=404)
    return ocpi_response(locations.connector_object(site, station, connector))
