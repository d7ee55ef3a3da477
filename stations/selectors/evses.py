"""EVSEs and connectors as OCPP 2.0.1 names them: an EVSE (evseId, 0 for the whole
station) with connectors 1..n. The domain numbers connectors per station (1.6's
connectorId); a connector whose evse_id is empty is an EVSE of its own with that number,
so a 1.6 charger's connectors map onto 2.0.1 unchanged."""

from django.db.models import Q

from stations.models import Connector


def connector_number_for_evse(*, station_id: int, evse_id: int, connector_id: int | None = None) -> int:
    """The station's connector number for 2.0.1's (evseId, connectorId); without a
    connectorId, the EVSE's first connector. An EVSE we have no connector row for keeps
    its own number (0 is the station itself)."""
    if evse_id == 0:
        return 0
    connectors = Connector.objects.filter(station_id=station_id).filter(
        Q(evse_id=evse_id) | Q(evse_id__isnull=True, connector_id=evse_id)
    )
    if connector_id:
        connectors = connectors.filter(evse_connector_id=connector_id)
    number = connectors.order_by("evse_connector_id").values_list("connector_id", flat=True).first()
    return number if number is not None else evse_id


def evse_of_connector(*, station_id: int, connector_number: int) -> tuple[int, int]:
    """(evseId, connectorId) of the station's connector `connector_number`."""
    connector = (
        Connector.objects.filter(station_id=station_id, connector_id=connector_number)
        .values_list("evse_id", "evse_connector_id")
        .first()
    )
    if connector is None or connector[0] is None:
        return connector_number, 1
    return connector
