"""Reads for pay-as-you-go (billing.services.ad_hoc): the EVSE a QR code names, the
currency its hold is taken in, a charge by its page key and the session it started."""

from django.db.models import Q
from django.utils import timezone

from billing.models import AdHocCharge
from billing.selectors.tariffs import tariff_in_force
from stations.models import ChargingSession, Connector


def evse_connectors(*, identity: str, evse_number: int) -> list[Connector]:
    """The connectors of EVSE `evse_number` of the station `identity` on a published site
    (one in OCPP 1.6, where a connector is an EVSE; one or more in 2.0.1). Empty if none:
    a printed code for a station taken off the map finds nothing."""
    by_evse = Q(evse_id=evse_number) | Q(evse_id__isnull=True, connector_id=evse_number)
    return list(
        Connector.objects.select_related("station__site")
        .filter(by_evse, station__identity=identity, station__site__is_published=True)
        .order_by("evse_connector_id", "connector_id")
    )


def ad_hoc_currency(*, connector: Connector) -> str | None:
    """The currency of the connector's public tariff now, or None without one."""
    tariff = tariff_in_force(station=connector.station, connector=connector, at=timezone.now())
    return tariff.currency if tariff else None


def ad_hoc_charge(*, key: str) -> AdHocCharge | None:
    return (
        AdHocCharge.objects.select_related("payment", "connector__station__site", "start_command", "stop_command")
        .filter(key=key)
        .first()
    )


def ad_hoc_session(*, charge: AdHocCharge) -> ChargingSession | None:
    """The session the charge's one-off token started (at most one: the token is blocked
    once the hold is captured or released)."""
    return (
        ChargingSession.objects.select_related("station__site", "connector")
        .filter(id_tag=charge.payment.id_tag, station_id=charge.connector.station_id)
        .order_by("-pk")
        .first()
    )
